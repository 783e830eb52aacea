"""The kinesis collector and the live kinesis.stream normalizer (ENC-17)."""

from __future__ import annotations

import boto3

from checks.collectors import kinesis as kinesis_collector  # registers the collector
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


def make_streams(session: boto3.Session) -> str:
    """clicks: customer key; audit: the AWS-managed key; telemetry: not encrypted (the default)."""
    key = session.client("kms").create_key(Description="streams")["KeyMetadata"]["Arn"]
    kinesis = session.client("kinesis")
    for name in ("clicks", "audit", "telemetry"):
        kinesis.create_stream(StreamName=name, ShardCount=1)
    kinesis.start_stream_encryption(StreamName="clicks", EncryptionType="KMS", KeyId=key)
    kinesis.start_stream_encryption(StreamName="audit", EncryptionType="KMS", KeyId="alias/aws/kinesis")
    return key


def test_streams_normalize_validate_and_evaluate(session: boto3.Session) -> None:
    key = make_streams(session)
    result = collect(scope(session), "kinesis")
    assert result.errors == () and all(r.errors == {} for r in result.resources)
    assets = assets_of(result)
    clicks = by_name(assets, "clicks")
    assert (clicks.id, clicks.region, clicks.account) == (
        f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/clicks", REGION, ACCOUNT)
    assert clicks.attributes == {"stream_name": "clicks", "encryption": {
        "enabled": True, "algorithm": "KMS", "kms_key_id": key, "customer_managed_key": True}}
    assert by_name(assets, "audit").attributes["encryption"] == {
        "enabled": True, "algorithm": "KMS", "kms_key_id": None, "customer_managed_key": False}
    assert by_name(assets, "telemetry").attributes["encryption"] == {
        "enabled": False, "algorithm": "NONE", "kms_key_id": None, "customer_managed_key": False}
    assert statuses(assets, "ENC-17") == {("ENC-17", "clicks"): P, ("ENC-17", "audit"): F,
                                          ("ENC-17", "telemetry"): F}


def test_denied_key_lookup_errors_only_the_stream_under_a_customer_key(session: boto3.Session) -> None:
    make_streams(session)
    baseline = statuses(assets_of(collect(scope(session), "kinesis")))
    restricted = restricted_session(session, ["kms:DescribeKey"])
    assets = assets_of(with_iam_enforced(lambda: collect(scope(restricted), "kinesis")))
    got = statuses(assets)
    assert {k: s for k, s in got.items() if baseline[k] is not s} == {("ENC-17", "clicks"): E}
    assert by_name(assets, "clicks").errors["encryption.customer_managed_key"] == "AccessDenied kms:DescribeKey"


def test_denied_stream_summary_errors_enc_17_never_fail(session: boto3.Session) -> None:
    make_streams(session)
    restricted = restricted_session(session, ["kinesis:DescribeStreamSummary"])
    assets = assets_of(with_iam_enforced(lambda: collect(scope(restricted), "kinesis")))
    got = results(assets, "ENC-17")
    assert {k: s for k, (s, _) in got.items()} == {("ENC-17", n): E for n in ("clicks", "audit", "telemetry")}
    assert all("AccessDenied kinesis:DescribeStreamSummary" in (d or "") for _, d in got.values())


def test_a_summary_without_encryption_type_is_an_error_not_unencrypted(session: boto3.Session) -> None:
    session.client("kinesis").create_stream(StreamName="telemetry", ShardCount=1)
    answer(session, {"kinesis:DescribeStreamSummary": lambda: (200, {"StreamDescriptionSummary": {
        "StreamName": "telemetry"}})})
    status, detail = results(assets_of(collect(scope(session), "kinesis")), "ENC-17")[("ENC-17", "telemetry")]
    assert status is E and "InvalidResponse kinesis:DescribeStreamSummary" in (detail or "")


def test_declared_operations_cover_every_call(session: boto3.Session) -> None:
    make_streams(session)
    seen: set[str] = set()
    session.events.register("before-call", lambda model, **_: seen.add(
        f"{model.service_model.signing_name}:{model.name}"))
    collect(scope(session), "kinesis")
    assert seen == set(kinesis_collector.OPERATIONS)
