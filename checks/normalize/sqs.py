"""sqs.queue from aws:sqs/queue:Queue: server-side encryption of the messages at rest.

A queue is encrypted with SSE-KMS under `kmsMasterKeyId` (alias/aws/sqs: the AWS-managed key), else with SSE-SQS
(AES-256 under keys that SQS owns, not in the account) unless `sqsManagedSseEnabled` is false. AWS enables SSE-SQS
on a new queue that names neither (the provider leaves the optional + computed attribute to AWS). The queue policy
(aws:sqs/queuePolicy) is not modeled: no control reads it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.live_types import SQS_QUEUE
from checks.model import UNKNOWN, Asset
from checks.normalize.base import AssetBuilder, Index, blank, first_set, register, unwrap
from checks.normalize.keys import customer_managed_key_value
from checks.normalize.live import KEY, apply_call_errors, build_live, key_encryption
from checks.raw import RawResource

QUEUE = "aws:sqs/queue:Queue"
SSE_KMS, SSE_SQS, NONE = "SSE-KMS", "SSE-SQS", "NONE"
NOT_ENCRYPTED = {"enabled": False, "algorithm": NONE, "kms_key_id": None, "customer_managed_key": False}
SQS_OWNED = {"enabled": True, "algorithm": SSE_SQS, "kms_key_id": None, "customer_managed_key": False}


@register(QUEUE)
def queue(raw: RawResource, index: Index) -> Iterable[Asset]:
    b = AssetBuilder("sqs.queue", raw)
    b.set("queue_name", first_set(raw.props.get("name"), UNKNOWN))  # absent: auto-named by Pulumi
    b.set("encryption", _encryption(raw, index))
    return [b.build()]


def _encryption(raw: RawResource, index: Index) -> dict[str, Any]:
    key = blank(raw.props.get("kmsMasterKeyId"))
    if key is None:
        managed = unwrap(raw.props.get("sqsManagedSseEnabled"))
        if managed is UNKNOWN:
            return {"enabled": UNKNOWN, "algorithm": UNKNOWN, "kms_key_id": None, "customer_managed_key": False}
        # unset: AWS encrypts a new queue with SSE-SQS by default; state holds the value AWS reports
        return dict(NOT_ENCRYPTED if managed is False else SQS_OWNED)
    cmk = customer_managed_key_value(raw, key, "kmsMasterKeyId", index)
    # a key value unknown at plan time is a KMS key when its dependencies name a declared key; else it may be ""
    algorithm = SSE_KMS if key is not UNKNOWN or cmk is True else UNKNOWN
    return {"enabled": True if algorithm == SSE_KMS else UNKNOWN, "algorithm": algorithm, "kms_key_id": key,
            "customer_managed_key": cmk}


@register(SQS_QUEUE)
def live_queue(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("sqs.queue", raw)
    b.set("queue_name", p["name"])
    attributes = p.get("attributes") or {}
    key = attributes.get("KmsMasterKeyId") or None
    if key:
        b.set("encryption", key_encryption(SSE_KMS, key, p.get("keyManager")))
    elif attributes.get("SqsManagedSseEnabled") == "true":
        b.set("encryption", dict(SQS_OWNED))
    else:
        b.set("encryption", dict(NOT_ENCRYPTED))
    apply_call_errors(b, raw, {"DescribeKey": KEY})  # GetQueueAttributes failed: every attribute
    return [build_live(b, raw)]  # tags are not read (ListQueueTags): no control reads them
