"""sns.topic from aws:sns/topic:Topic: server-side encryption of the messages at rest.

A topic is encrypted with SSE-KMS under `kmsMasterKeyId` (alias/aws/sns: the AWS-managed key); without a key SNS
applies no server-side encryption to it (the provider sets none by default).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.live_types import SNS_TOPIC
from checks.model import UNKNOWN, Asset
from checks.normalize.base import AssetBuilder, Index, blank, first_set, register
from checks.normalize.keys import customer_managed_key_value
from checks.normalize.live import KEY, apply_call_errors, build_live, key_encryption
from checks.raw import RawResource

TOPIC = "aws:sns/topic:Topic"
SSE_KMS, NONE = "SSE-KMS", "NONE"
NOT_ENCRYPTED = {"enabled": False, "algorithm": NONE, "kms_key_id": None, "customer_managed_key": False}


@register(TOPIC)
def topic(raw: RawResource, index: Index) -> Iterable[Asset]:
    b = AssetBuilder("sns.topic", raw)
    b.set("topic_name", first_set(raw.props.get("name"), UNKNOWN))  # absent: auto-named by Pulumi
    b.set("encryption", _encryption(raw, index))
    return [b.build()]


def _encryption(raw: RawResource, index: Index) -> dict[str, Any]:
    key = blank(raw.props.get("kmsMasterKeyId"))
    if key is None:
        return dict(NOT_ENCRYPTED)
    cmk = customer_managed_key_value(raw, key, "kmsMasterKeyId", index)
    # a key value unknown at plan time is a KMS key when its dependencies name a declared key; else it may be ""
    known = key is not UNKNOWN or cmk is True
    return {"enabled": True if known else UNKNOWN, "algorithm": SSE_KMS if known else UNKNOWN, "kms_key_id": key,
            "customer_managed_key": cmk}


@register(SNS_TOPIC)
def live_topic(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("sns.topic", raw)
    b.set("topic_name", p["name"])
    key = (p.get("attributes") or {}).get("KmsMasterKeyId") or None  # none: the topic is not encrypted at rest
    b.set("encryption", key_encryption(SSE_KMS, key, p.get("keyManager")) if key else dict(NOT_ENCRYPTED))
    apply_call_errors(b, raw, {"DescribeKey": KEY})  # GetTopicAttributes failed: every attribute
    return [build_live(b, raw)]  # tags are not read (ListTagsForResource): no control reads them
