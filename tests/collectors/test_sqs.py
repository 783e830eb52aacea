"""The sqs collector and the live sqs.queue normalizer (ENC-15)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from checks.collectors import sqs as sqs_collector  # registers the collector
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


def make_queues(session: boto3.Session) -> str:
    """orders: customer key; events: the AWS-managed key; jobs: SSE-SQS (AWS's default); scratch: not encrypted."""
    key = session.client("kms").create_key(Description="queues")["KeyMetadata"]["Arn"]
    sqs = session.client("sqs")
    sqs.create_queue(QueueName="orders", Attributes={"KmsMasterKeyId": key})
    sqs.create_queue(QueueName="events", Attributes={"KmsMasterKeyId": "alias/aws/sqs"})
    sqs.create_queue(QueueName="jobs")
    sqs.create_queue(QueueName="scratch", Attributes={"SqsManagedSseEnabled": "false"})
    return key


def test_queues_normalize_validate_and_evaluate(session: boto3.Session) -> None:
    key = make_queues(session)
    result = collect(scope(session), "sqs")
    assert result.errors == () and all(r.errors == {} for r in result.resources)
    assets = assets_of(result)
    orders = by_name(assets, "orders")
    assert orders.id == f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders"
    assert (orders.region, orders.account) == (REGION, ACCOUNT)
    assert orders.attributes == {"queue_name": "orders", "encryption": {
        "enabled": True, "algorithm": "SSE-KMS", "kms_key_id": key, "customer_managed_key": True}}
    assert by_name(assets, "events").attributes["encryption"] == {
        "enabled": True, "algorithm": "SSE-KMS", "kms_key_id": None, "customer_managed_key": False}
    assert by_name(assets, "jobs").attributes["encryption"]["algorithm"] == "SSE-SQS"
    assert by_name(assets, "scratch").attributes["encryption"]["enabled"] is False
    assert statuses(assets, "ENC-15") == {("ENC-15", "orders"): P, ("ENC-15", "events"): F,
                                          ("ENC-15", "jobs"): F, ("ENC-15", "scratch"): F}


def test_no_queue_is_an_empty_list_not_a_malformed_one(session: boto3.Session) -> None:
    # ListQueues leaves QueueUrls out when there is no queue
    result = collect(scope(session), "sqs")
    assert (result.resources, result.errors) == ((), ())


def test_every_page_is_read(session: boto3.Session) -> None:
    sqs = session.client("sqs")
    sqs.create_queue(QueueName="a")
    base = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}"
    pages: Iterator[dict[str, Any]] = iter([{"QueueUrls": [f"{base}/a"], "NextToken": "next"},
                                            {"QueueUrls": [f"{base}/b"]}])
    sqs.create_queue(QueueName="b")
    answer(session, {"sqs:ListQueues": lambda: (200, next(pages))})
    result = collect(scope(session), "sqs")
    assert sorted(r.name for r in result.resources) == ["a", "b"]


def test_denied_key_lookup_errors_only_the_queue_under_a_kms_key(session: boto3.Session) -> None:
    make_queues(session)
    baseline = statuses(assets_of(collect(scope(session), "sqs")))
    restricted = restricted_session(session, ["kms:DescribeKey"])
    assets = assets_of(with_iam_enforced(lambda: collect(scope(restricted), "sqs")))
    got = statuses(assets)
    assert {k: s for k, s in got.items() if baseline[k] is not s} == {("ENC-15", "orders"): E}
    assert by_name(assets, "orders").errors["encryption.customer_managed_key"] == "AccessDenied kms:DescribeKey"


def test_denied_queue_attributes_error_enc_15_never_fail(session: boto3.Session) -> None:
    make_queues(session)
    restricted = restricted_session(session, ["sqs:GetQueueAttributes"])
    assets = assets_of(with_iam_enforced(lambda: collect(scope(restricted), "sqs")))
    got = results(assets, "ENC-15")
    assert {k: s for k, (s, _) in got.items()} == {("ENC-15", n): E for n in ("orders", "events", "jobs", "scratch")}
    assert all("AccessDenied sqs:GetQueueAttributes" in (d or "") for _, d in got.values())


def test_an_answer_without_the_queue_arn_is_an_error_not_unencrypted(session: boto3.Session) -> None:
    session.client("sqs").create_queue(QueueName="jobs")
    answer(session, {"sqs:GetQueueAttributes": lambda: (200, {})})
    got = results(assets_of(collect(scope(session), "sqs")), "ENC-15")
    status, detail = got[("ENC-15", "jobs")]
    assert status is E and "InvalidResponse sqs:GetQueueAttributes" in (detail or "")


def test_declared_operations_cover_every_call(session: boto3.Session) -> None:
    make_queues(session)
    seen: set[str] = set()
    session.events.register("before-call", lambda model, **_: seen.add(
        f"{model.service_model.signing_name}:{model.name}"))
    collect(scope(session), "sqs")
    assert seen == set(sqs_collector.OPERATIONS)


@pytest.mark.parametrize("value", ["", None])
def test_blank_key_is_no_key(session: boto3.Session, value: str | None) -> None:
    url = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/jobs"
    attrs = {"QueueArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs", "SqsManagedSseEnabled": "true",
             **({"KmsMasterKeyId": value} if value is not None else {})}
    answer(session, {"sqs:ListQueues": lambda: (200, {"QueueUrls": [url]}),
                     "sqs:GetQueueAttributes": lambda: (200, {"Attributes": attrs})})
    assets = assets_of(collect(scope(session), "sqs"))
    assert by_name(assets, "jobs").attributes["encryption"]["algorithm"] == "SSE-SQS"
