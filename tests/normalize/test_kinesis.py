"""kinesis.stream: encryption type NONE (the default) or KMS under a key (ENC-17)."""

from __future__ import annotations

from typing import Any

from checks.model import UNKNOWN, SourceKind
from tests.normalize.conftest import make_raw, one, run_normalize, urn

STREAM = "aws:kinesis/stream:Stream"
KEY = "aws:kms/key:Key"
NONE = {"enabled": False, "algorithm": "NONE", "kms_key_id": None, "customer_managed_key": False}


def encryption(props: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    raw = make_raw(STREAM, "clicks", props, **kwargs)
    return dict(one(run_normalize(raw), "kinesis.stream").attributes["encryption"])


def test_default_encryption_type_is_none() -> None:
    asset = one(run_normalize(make_raw(STREAM, "clicks", {"name": "clicks", "shardCount": 1})), "kinesis.stream")
    assert asset.attributes == {"stream_name": "clicks", "encryption": NONE}
    assert encryption({"encryptionType": "NONE", "kmsKeyId": ""}, source=SourceKind.STATE, id="clicks") == NONE


def test_declared_key_is_customer_managed() -> None:
    raws = [make_raw(KEY, "k"), make_raw(STREAM, "clicks", {"encryptionType": "KMS", "kmsKeyId": UNKNOWN},
                                         deps={"kmsKeyId": [urn(KEY, "k")]})]
    asset = one(run_normalize(*raws), "kinesis.stream")
    assert asset.attributes["encryption"] == {"enabled": True, "algorithm": "KMS", "kms_key_id": None,
                                              "customer_managed_key": True}


def test_aws_managed_key_and_unknown_key() -> None:
    assert encryption({"encryptionType": "KMS", "kmsKeyId": "alias/aws/kinesis"}) == {
        "enabled": True, "algorithm": "KMS", "kms_key_id": "alias/aws/kinesis", "customer_managed_key": False}
    asset = one(run_normalize(make_raw(STREAM, "clicks", {"encryptionType": "KMS", "kmsKeyId": UNKNOWN})),
                "kinesis.stream")
    assert "encryption.customer_managed_key" in asset.unknown
    asset = one(run_normalize(make_raw(STREAM, "clicks", {"encryptionType": UNKNOWN})), "kinesis.stream")
    assert {"encryption.algorithm", "encryption.customer_managed_key"} <= asset.unknown


def test_state_key_arn_from_another_stack_is_customer_managed() -> None:
    arn = "arn:aws:kms:eu-west-1:111122223333:key/abc"
    assert encryption({"name": "clicks", "encryptionType": "KMS", "kmsKeyId": arn}, source=SourceKind.STATE,
                      id="clicks") == {"enabled": True, "algorithm": "KMS", "kms_key_id": arn,
                                       "customer_managed_key": True}
