"""sns.topic: SSE-KMS under a key or no server-side encryption (ENC-16)."""

from __future__ import annotations

from typing import Any

from checks.model import UNKNOWN, SourceKind
from tests.normalize.conftest import make_raw, one, run_normalize, urn

TOPIC = "aws:sns/topic:Topic"
KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
NONE = {"enabled": False, "algorithm": "NONE", "kms_key_id": None, "customer_managed_key": False}


def encryption(props: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return dict(one(run_normalize(make_raw(TOPIC, "alerts", props, **kwargs)), "sns.topic").attributes["encryption"])


def test_a_topic_without_a_key_is_not_encrypted() -> None:
    asset = one(run_normalize(make_raw(TOPIC, "alerts", {"name": "alerts"})), "sns.topic")
    assert asset.attributes == {"topic_name": "alerts", "encryption": NONE}
    assert encryption({"kmsMasterKeyId": ""}, source=SourceKind.STATE, id="arn:aws:sns:r:1:alerts") == NONE


def test_unnamed_topic_name_is_unknown() -> None:
    assert "topic_name" in one(run_normalize(make_raw(TOPIC, "alerts", {})), "sns.topic").unknown


def test_declared_key_and_alias_are_customer_managed() -> None:
    raws = [make_raw(KEY, "k"),
            make_raw(TOPIC, "alerts", {"kmsMasterKeyId": UNKNOWN}, deps={"kmsMasterKeyId": [urn(KEY, "k")]})]
    a = one(run_normalize(*raws), "sns.topic").attributes["encryption"]
    assert (a["algorithm"], a["customer_managed_key"]) == ("SSE-KMS", True)
    raws = [make_raw(KEY, "k"), make_raw(ALIAS, "a", {"name": "alias/alerts", "targetKeyId": UNKNOWN},
                                         deps={"targetKeyId": [urn(KEY, "k")]}),
            make_raw(TOPIC, "alerts", {"kmsMasterKeyId": UNKNOWN}, deps={"kmsMasterKeyId": [urn(ALIAS, "a")]})]
    assert one(run_normalize(*raws), "sns.topic").attributes["encryption"]["customer_managed_key"] is True


def test_aws_managed_alias_fails_and_an_unknown_key_is_unknown() -> None:
    assert encryption({"kmsMasterKeyId": "alias/aws/sns"})["customer_managed_key"] is False
    asset = one(run_normalize(make_raw(TOPIC, "alerts", {"kmsMasterKeyId": UNKNOWN})), "sns.topic")
    assert {"encryption.algorithm", "encryption.customer_managed_key"} <= asset.unknown


def test_state_key_arn_from_another_stack_is_customer_managed() -> None:
    arn = "arn:aws:kms:eu-west-1:111122223333:key/abc"
    assert encryption({"name": "alerts", "kmsMasterKeyId": arn}, source=SourceKind.STATE,
                      id="arn:aws:sns:eu-west-1:1:alerts") == {
        "enabled": True, "algorithm": "SSE-KMS", "kms_key_id": arn, "customer_managed_key": True}
