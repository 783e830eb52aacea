"""kinesis.stream from aws:kinesis/stream:Stream: server-side encryption of the records at rest.

`encryptionType` is NONE (provider default) or KMS under `kmsKeyId` (alias/aws/kinesis: the AWS-managed key).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.live_types import KINESIS_STREAM
from checks.model import UNKNOWN, Asset
from checks.normalize.base import AssetBuilder, Index, blank, first_set, register
from checks.normalize.keys import customer_managed_key_value
from checks.normalize.live import KEY, apply_call_errors, build_live, key_encryption
from checks.raw import RawResource

STREAM = "aws:kinesis/stream:Stream"
KMS, NONE = "KMS", "NONE"
NOT_ENCRYPTED = {"enabled": False, "algorithm": NONE, "kms_key_id": None, "customer_managed_key": False}


@register(STREAM)
def stream(raw: RawResource, index: Index) -> Iterable[Asset]:
    b = AssetBuilder("kinesis.stream", raw)
    b.set("stream_name", first_set(raw.props.get("name"), UNKNOWN))  # absent: auto-named by Pulumi
    b.set("encryption", _encryption(raw, index))
    return [b.build()]


def _encryption(raw: RawResource, index: Index) -> dict[str, Any]:
    algorithm = first_set(blank(raw.props.get("encryptionType")), NONE)  # provider default
    if algorithm is UNKNOWN:
        return {"enabled": UNKNOWN, "algorithm": UNKNOWN, "kms_key_id": UNKNOWN, "customer_managed_key": UNKNOWN}
    if algorithm != KMS:
        return dict(NOT_ENCRYPTED)
    key = blank(raw.props.get("kmsKeyId"))  # required with KMS
    return {"enabled": True, "algorithm": KMS, "kms_key_id": key,
            "customer_managed_key": customer_managed_key_value(raw, key, "kmsKeyId", index)}


@register(KINESIS_STREAM)
def live_stream(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("kinesis.stream", raw)
    b.set("stream_name", p["name"])
    summary = p.get("summary") or {}
    key = summary.get("KeyId") or None
    b.set("encryption", key_encryption(KMS, key, p.get("keyManager")) if summary.get("EncryptionType") == KMS
          else dict(NOT_ENCRYPTED))
    apply_call_errors(b, raw, {"DescribeKey": KEY})  # DescribeStreamSummary failed: every attribute
    return [build_live(b, raw)]  # tags are not read (ListTagsForStream): no control reads them
