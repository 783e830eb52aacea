"""opensearch.domain: encryption at rest, HTTPS, TLS policy and node-to-node encryption (ENC-20, TLS-05),
planned and state, for aws.opensearch.Domain and aws.elasticsearch.Domain."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from checks.catalog.loader import load_catalog
from checks.engine import evaluate
from checks.model import UNKNOWN, Asset, SourceKind, Status
from checks.raw import RawResource
from tests.normalize.conftest import make_raw, one, run_normalize, urn

DOMAIN = "aws:opensearch/domain:Domain"
ES_DOMAIN = "aws:elasticsearch/domain:Domain"
KEY = "aws:kms/key:Key"
CMK = "arn:aws:kms:eu-west-1:111122223333:key/0a1b2c3d-aaaa-bbbb-cccc-1234567890ab"
AWS_KEY = "arn:aws:kms:eu-west-1:111122223333:key/9f8e7d6c-aaaa-bbbb-cccc-1234567890ab"  # aws/es
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
P, F, U, E = Status.PASS, Status.FAIL, Status.UNKNOWN, Status.ERROR
SECURE = {"nodeToNodeEncryption": {"enabled": True},
          "domainEndpointOptions": {"enforceHttps": True, "tlsSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10"}}


def _status(asset: Asset, control: str) -> Status:
    catalog = load_catalog()
    [finding] = evaluate([catalog.controls[control]], [asset], now=NOW, templates=catalog.templates).findings
    return finding.status


def _statuses(*raws: RawResource) -> tuple[Status, Status]:
    asset = one(run_normalize(*raws), "opensearch.domain")
    return _status(asset, "ENC-20"), _status(asset, "TLS-05")


@pytest.mark.parametrize("token", [DOMAIN, ES_DOMAIN])
@pytest.mark.parametrize(("props", "expected"), [
    ({}, (F, U)),  # no encryption block: not encrypted; no endpoint options: AWS decides, not documented
    ({"encryptAtRest": {"enabled": True, "kmsKeyId": CMK}, **SECURE}, (P, P)),
    ({"encryptAtRest": {"enabled": True}, **SECURE}, (F, P)),  # the AWS-managed key aws/es
    ({**SECURE, "nodeToNodeEncryption": None}, (F, F)),  # node-to-node encryption off by default
    ({**SECURE, "domainEndpointOptions": {"tlsSecurityPolicy": "Policy-Min-TLS-1-0-2019-07"}}, (F, F)),
    ({**SECURE, "domainEndpointOptions": {"enforceHttps": False,
                                          "tlsSecurityPolicy": "Policy-Min-TLS-1-2-2019-07"}}, (F, F)),
    ({**SECURE, "domainEndpointOptions": {"enforceHttps": True}}, (F, U)),  # policy left to AWS
    ({**SECURE, "domainEndpointOptions": {"tlsSecurityPolicy": "Policy-Custom"}}, (F, E)),
    ({"encryptAtRest": UNKNOWN, "nodeToNodeEncryption": UNKNOWN, "domainEndpointOptions": UNKNOWN}, (U, U)),
])
def test_domain_defaults(token: str, props: dict[str, Any], expected: tuple[Status, Status]) -> None:
    assert _statuses(make_raw(token, "logs", {"domainName": "logs", **props})) == expected


def test_attributes_and_declared_key() -> None:
    raws = [make_raw(KEY, "search"), make_raw(DOMAIN, "logs", {
        "domainName": "logs", "encryptAtRest": {"enabled": True, "kmsKeyId": UNKNOWN}, **SECURE},
        deps={"encryptAtRest": [urn(KEY, "search")]})]
    a = one(run_normalize(*raws), "opensearch.domain")
    assert a.attributes == {
        "domain_name": "logs",
        "encryption": {"enabled": True, "algorithm": "aws:kms", "kms_key_id": None, "customer_managed_key": True},
        "node_to_node_encryption": True, "enforce_https": True,
        "tls_security_policy": "Policy-Min-TLS-1-2-PFS-2023-10", "tls_min_version": "1.2"}
    assert a.unknown == {"encryption.kms_key_id"}


@pytest.mark.parametrize(("inputs", "expected"), [
    (frozenset({"domainName", "nodeToNodeEncryption", "domainEndpointOptions"}), F),  # AWS filled in aws/es
    (frozenset({"domainName", "encryptAtRest", "nodeToNodeEncryption", "domainEndpointOptions"}), U),
])
def test_state_key_filled_in_by_aws(inputs: frozenset[str], expected: Status) -> None:
    # a stack export lists top-level inputs only: encryptAtRest as an input does not say who set the key inside it
    raw = make_raw(DOMAIN, "logs", {"domainName": "logs", "encryptAtRest": {"enabled": True, "kmsKeyId": AWS_KEY},
                                    **SECURE}, source=SourceKind.STATE, id="logs")
    assert _statuses(replace(raw, input_keys=inputs)) == (expected, P)
