"""sqs.queue: SSE-KMS under a key, SSE-SQS (AWS's default for a new queue) or no encryption at rest (ENC-15)."""

from __future__ import annotations

from typing import Any

import pytest

from checks.model import UNKNOWN, SourceKind
from tests.normalize.conftest import make_raw, one, run_normalize, urn

QUEUE = "aws:sqs/queue:Queue"
KEY = "aws:kms/key:Key"
SQS_OWNED = {"enabled": True, "algorithm": "SSE-SQS", "kms_key_id": None, "customer_managed_key": False}
NONE = {"enabled": False, "algorithm": "NONE", "kms_key_id": None, "customer_managed_key": False}


def encryption(props: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return dict(one(run_normalize(make_raw(QUEUE, "orders", props, **kwargs)), "sqs.queue").attributes["encryption"])


def test_a_queue_naming_no_key_gets_sse_sqs_from_aws() -> None:
    asset = one(run_normalize(make_raw(QUEUE, "orders", {"name": "orders"})), "sqs.queue")
    assert asset.attributes == {"queue_name": "orders", "encryption": SQS_OWNED}


@pytest.mark.parametrize("source", [SourceKind.PLANNED, SourceKind.STATE])
def test_sse_sqs_turned_off_is_not_encrypted(source: SourceKind) -> None:
    assert encryption({"sqsManagedSseEnabled": False, "kmsMasterKeyId": ""}, source=source, id="q") == NONE
    assert encryption({"sqsManagedSseEnabled": True}, source=source, id="q") == SQS_OWNED


def test_declared_key_unknown_at_plan_time_is_customer_managed() -> None:
    raws = [make_raw(KEY, "k"),
            make_raw(QUEUE, "orders", {"kmsMasterKeyId": UNKNOWN}, deps={"kmsMasterKeyId": [urn(KEY, "k")]})]
    asset = one(run_normalize(*raws), "sqs.queue")
    assert asset.attributes["encryption"] == {"enabled": True, "algorithm": "SSE-KMS", "kms_key_id": None,
                                              "customer_managed_key": True}
    assert asset.unknown == {"encryption.kms_key_id", "queue_name"}  # auto-named by Pulumi


def test_aws_managed_alias_is_not_customer_managed() -> None:
    assert encryption({"kmsMasterKeyId": "alias/aws/sqs"}) == {
        "enabled": True, "algorithm": "SSE-KMS", "kms_key_id": "alias/aws/sqs", "customer_managed_key": False}


def test_unknown_key_without_a_declared_key_is_unknown() -> None:
    asset = one(run_normalize(make_raw(QUEUE, "orders", {"kmsMasterKeyId": UNKNOWN})), "sqs.queue")
    assert {"encryption.algorithm", "encryption.customer_managed_key"} <= asset.unknown
    asset = one(run_normalize(make_raw(QUEUE, "orders", {"sqsManagedSseEnabled": UNKNOWN})), "sqs.queue")
    assert asset.attributes["encryption"]["customer_managed_key"] is False  # no KMS key named either way
    assert "encryption.algorithm" in asset.unknown


def test_state_key_arn_from_another_stack_is_customer_managed() -> None:
    # kms_master_key_id is never filled in by AWS: an ARN in state was set by the program (or outside it)
    arn = "arn:aws:kms:eu-west-1:111122223333:key/abc"
    assert encryption({"name": "orders", "kmsMasterKeyId": arn, "sqsManagedSseEnabled": False},
                      source=SourceKind.STATE, id="https://sqs/orders") == {
        "enabled": True, "algorithm": "SSE-KMS", "kms_key_id": arn, "customer_managed_key": True}
