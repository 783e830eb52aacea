"""ecr.repository: scan on push, tag mutability, encryption."""

from __future__ import annotations

from checks.model import UNKNOWN, SourceKind
from tests.normalize.conftest import make_raw, one, run_normalize, urn

REPO = "aws:ecr/repository:Repository"
KEY = "aws:kms/key:Key"


def test_repository_defaults_manual_scans_mutable_tags_aes256() -> None:
    asset = one(run_normalize(make_raw(REPO, "app", {"name": "app"})), "ecr.repository")
    assert asset.attributes == {
        "repository_name": "app", "scan_on_push": False, "image_tag_mutability": "MUTABLE",
        "encryption": {"enabled": True, "algorithm": "AES256", "kms_key_id": None, "customer_managed_key": False}}


def test_planned_repository_with_scan_on_push_and_customer_key() -> None:
    raws = [make_raw(KEY, "k"),
            make_raw(REPO, "app", {"imageScanningConfiguration": {"scanOnPush": True},
                                   "imageTagMutability": "IMMUTABLE",
                                   "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": UNKNOWN}]},
                     deps={"encryptionConfigurations": [urn(KEY, "k")]})]
    asset = one(run_normalize(*raws), "ecr.repository")
    a = asset.attributes
    assert (a["scan_on_push"], a["image_tag_mutability"]) == (True, "IMMUTABLE")
    assert a["encryption"]["algorithm"] == "KMS" and a["encryption"]["customer_managed_key"] is True


def test_kms_without_key_is_the_aws_managed_key() -> None:
    a = one(run_normalize(make_raw(REPO, "app", {"encryptionConfigurations": [{"encryptionType": "KMS"}]})),
            "ecr.repository").attributes
    assert a["encryption"] == {"enabled": True, "algorithm": "KMS", "kms_key_id": None, "customer_managed_key": False}


def test_state_key_arn_filled_in_by_the_provider_cannot_be_judged_unless_declared() -> None:
    key_arn = "arn:aws:kms:eu-west-1:1:key/abc"
    props = {"name": "app", "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": key_arn}]}
    repo = make_raw(REPO, "app", props, source=SourceKind.STATE, id="app")
    assert "encryption.customer_managed_key" in one(run_normalize(repo), "ecr.repository").unknown
    key = make_raw(KEY, "k", {"arn": key_arn}, source=SourceKind.STATE, id="abc")
    assert one(run_normalize(key, repo), "ecr.repository").attributes["encryption"]["customer_managed_key"] is True
