"""The opensearch collector and the live opensearch.domain normalizer (ENC-20, TLS-05)."""

from __future__ import annotations

import boto3

from checks.model import Status
from tests.collectors.conftest import (
    ACCOUNT,
    REGION,
    assets_of,
    by_name,
    collect,
    scope,
    statuses,
)
from tests.collectors.test_backup import denied
from tests.collectors.test_list_failures import answer

P, F, E = Status.PASS, Status.FAIL, Status.ERROR
SECURE = {"NodeToNodeEncryptionOptions": {"Enabled": True},
          "DomainEndpointOptions": {"EnforceHTTPS": True, "TLSSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10"}}


def make_domains(session: boto3.Session) -> str:
    """logs: customer key, HTTPS with TLS 1.2, node-to-node; search: aws/es, TLS 1.0 allowed; plain: nothing."""
    key = session.client("kms").create_key(Description="search")["KeyMetadata"]["Arn"]
    client = session.client("opensearch")
    client.create_domain(DomainName="logs", EncryptionAtRestOptions={"Enabled": True, "KmsKeyId": key}, **SECURE)
    client.create_domain(DomainName="search", EncryptionAtRestOptions={"Enabled": True},
                         NodeToNodeEncryptionOptions={"Enabled": True},
                         DomainEndpointOptions={"EnforceHTTPS": True,
                                                "TLSSecurityPolicy": "Policy-Min-TLS-1-0-2019-07"})
    client.create_domain(DomainName="plain")
    return key


def test_domains_normalize_validate_and_evaluate(session: boto3.Session) -> None:
    key = make_domains(session)
    result = collect(scope(session), "opensearch")
    assert result.errors == () and all(r.errors == {} for r in result.resources)
    assets = assets_of(result)
    logs = by_name(assets, "logs")
    assert logs.id == f"arn:aws:es:{REGION}:{ACCOUNT}:domain/logs"
    assert logs.attributes == {
        "domain_name": "logs",
        "encryption": {"enabled": True, "algorithm": "aws:kms", "kms_key_id": key, "customer_managed_key": True},
        "node_to_node_encryption": True, "enforce_https": True,
        "tls_security_policy": "Policy-Min-TLS-1-2-PFS-2023-10", "tls_min_version": "1.2"}
    # moto reports no key for aws/es (AWS reports the AWS-managed key's ARN): judged as the AWS-managed key either way
    assert statuses(assets, "ENC-20", "TLS-05") == {
        ("ENC-20", "logs"): P, ("ENC-20", "search"): F, ("ENC-20", "plain"): F,
        ("TLS-05", "logs"): P, ("TLS-05", "search"): F, ("TLS-05", "plain"): F}


def test_describe_domains_in_batches_of_five(session: boto3.Session) -> None:
    client = session.client("opensearch")
    for i in range(7):
        client.create_domain(DomainName=f"dom{i}", **SECURE)
    sc = scope(session)
    seen: list[int] = []
    sc.client("opensearch").meta.events.register(
        "provide-client-params.opensearch.DescribeDomains", lambda params, **_: seen.append(len(params["DomainNames"])))
    assets = assets_of(collect(sc, "opensearch"))
    assert sorted(seen) == [2, 5] and len(assets) == 7


def test_denied_describe_domains_errors_every_control_of_the_domains(session: boto3.Session) -> None:
    make_domains(session)
    answer(session, {"opensearch:DescribeDomains": lambda: (
        403, {"Error": {"Code": "AccessDenied", "Message": "denied"}})})
    assets = assets_of(collect(scope(session), "opensearch"))
    assert set(statuses(assets, "ENC-20", "TLS-05").values()) == {E}
    assert by_name(assets, "logs").errors["enforce_https"] == "AccessDenied es:DescribeDomains"


def test_denied_key_lookup_errors_enc_20_of_cmk_domains_only(session: boto3.Session) -> None:
    make_domains(session)
    baseline = statuses(assets_of(collect(scope(session), "opensearch")))
    # moto 5.2.5's IAM enforcement answers every opensearch call of a restricted user with SignatureDoesNotMatch,
    # even allowed ones: patch the key lookup instead
    sc = scope(session)
    with denied(sc.client("kms"), "describe_key"):
        assets = assets_of(collect(sc, "opensearch"))
    got = statuses(assets)
    assert {k: s for k, s in got.items() if baseline[k] is not s} == {("ENC-20", "logs"): E}
    assert by_name(assets, "logs").errors == {"encryption.customer_managed_key": "AccessDenied kms:DescribeKey"}
