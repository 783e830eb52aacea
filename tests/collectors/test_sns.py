"""The sns collector and the live sns.topic normalizer (ENC-16)."""

from __future__ import annotations

import boto3

from checks.collectors import sns as sns_collector  # registers the collector
from checks.model import Status
from tests.collectors.conftest import (
    ACCOUNT,
    REGION,
    assets_of,
    by_name,
    collect,
    restricted_session,
    results,
    scope,
    statuses,
    with_iam_enforced,
)
from tests.collectors.test_list_failures import answer

P, F, E = Status.PASS, Status.FAIL, Status.ERROR


def make_topics(session: boto3.Session) -> str:
    """alerts: customer key; billing: the AWS-managed key; notices: no server-side encryption."""
    key = session.client("kms").create_key(Description="topics")["KeyMetadata"]["Arn"]
    sns = session.client("sns")
    sns.create_topic(Name="alerts", Attributes={"KmsMasterKeyId": key})
    sns.create_topic(Name="billing", Attributes={"KmsMasterKeyId": "alias/aws/sns"})
    sns.create_topic(Name="notices")
    return key


def test_topics_normalize_validate_and_evaluate(session: boto3.Session) -> None:
    key = make_topics(session)
    result = collect(scope(session), "sns")
    assert result.errors == () and all(r.errors == {} for r in result.resources)
    assets = assets_of(result)
    alerts = by_name(assets, "alerts")
    assert (alerts.id, alerts.region, alerts.account) == (f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts", REGION, ACCOUNT)
    assert alerts.attributes == {"topic_name": "alerts", "encryption": {
        "enabled": True, "algorithm": "SSE-KMS", "kms_key_id": key, "customer_managed_key": True}}
    assert by_name(assets, "billing").attributes["encryption"] == {
        "enabled": True, "algorithm": "SSE-KMS", "kms_key_id": None, "customer_managed_key": False}
    assert by_name(assets, "notices").attributes["encryption"] == {
        "enabled": False, "algorithm": "NONE", "kms_key_id": None, "customer_managed_key": False}
    assert statuses(assets, "ENC-16") == {("ENC-16", "alerts"): P, ("ENC-16", "billing"): F,
                                          ("ENC-16", "notices"): F}


def test_denied_key_lookup_errors_only_the_topic_under_a_customer_key(session: boto3.Session) -> None:
    make_topics(session)
    baseline = statuses(assets_of(collect(scope(session), "sns")))
    restricted = restricted_session(session, ["kms:DescribeKey"])
    assets = assets_of(with_iam_enforced(lambda: collect(scope(restricted), "sns")))
    got = statuses(assets)
    assert {k: s for k, s in got.items() if baseline[k] is not s} == {("ENC-16", "alerts"): E}
    assert by_name(assets, "alerts").errors["encryption.customer_managed_key"] == "AccessDenied kms:DescribeKey"


def test_denied_topic_attributes_error_enc_16_never_fail(session: boto3.Session) -> None:
    make_topics(session)
    restricted = restricted_session(session, ["sns:GetTopicAttributes"])
    assets = assets_of(with_iam_enforced(lambda: collect(scope(restricted), "sns")))
    got = results(assets, "ENC-16")
    assert {k: s for k, (s, _) in got.items()} == {("ENC-16", n): E for n in ("alerts", "billing", "notices")}
    assert all("AccessDenied sns:GetTopicAttributes" in (d or "") for _, d in got.values())


def test_an_answer_without_attributes_is_an_error_not_unencrypted(session: boto3.Session) -> None:
    session.client("sns").create_topic(Name="notices")
    answer(session, {"sns:GetTopicAttributes": lambda: (200, {})})
    status, detail = results(assets_of(collect(scope(session), "sns")), "ENC-16")[("ENC-16", "notices")]
    assert status is E and "InvalidResponse sns:GetTopicAttributes" in (detail or "")


def test_declared_operations_cover_every_call(session: boto3.Session) -> None:
    make_topics(session)
    seen: set[str] = set()
    session.events.register("before-call", lambda model, **_: seen.add(
        f"{model.service_model.signing_name}:{model.name}"))
    collect(scope(session), "sns")
    assert seen == set(sns_collector.OPERATIONS)
