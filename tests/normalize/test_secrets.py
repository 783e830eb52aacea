"""A value secret anywhere stays secret everywhere: references, identity, tags and pieces of secret policies."""

from __future__ import annotations

from checks.model import Secret, SourceKind
from checks.normalize.secrets import Sealer
from tests.normalize.conftest import make_raw, run_normalize

CANARY = "CANARY-5f1d3c9a"
MANAGED = f"arn:aws:kms:us-east-1:123456789012:alias/aws/{CANARY}"


def test_a_secret_volume_key_id_stays_secret_through_reference_resolution() -> None:
    vol = make_raw("aws:ebs/volume:Volume", "data", {"availabilityZone": "us-east-1a", "size": 8, "encrypted": True,
                                                      "kmsKeyId": Secret(MANAGED)})
    [asset] = run_normalize(vol)
    assert asset.attributes["encryption"]["kms_key_id"] == MANAGED  # evaluated ...
    assert "encryption.kms_key_id" in asset.secrets  # ... but never printed


def test_a_secret_arn_never_becomes_the_asset_id_nor_a_secret_tag_a_plain_one() -> None:
    vol = make_raw("aws:ebs/volume:Volume", "data", {"availabilityZone": "us-east-1a", "size": 8,
                                                      "arn": Secret(f"arn:aws:ec2:us-east-1:1:volume/{CANARY}"),
                                                      "tags": {"owner": Secret(CANARY)}})
    [asset] = run_normalize(vol)
    assert asset.id == "urn:pulumi:dev::proj::aws:ebs/volume:Volume::data"
    assert "tags.owner" in asset.secrets


def test_sealer_replaces_secret_identity_and_marks_copies_and_pieces() -> None:
    [asset] = run_normalize(make_raw("aws:ebs/volume:Volume", "data", {"availabilityZone": "us-east-1a", "size": 8},
                                     source=SourceKind.STATE))
    leaky = asset.__class__(**{**{f: getattr(asset, f) for f in asset.__slots__},
                               "id": f"vol-{CANARY}", "name": CANARY,
                               "attributes": {"note": f"copied {CANARY}", "principal": "arn:aws:iam::1:role/r0le"},
                               "errors": {"x": f"AccessDenied on {CANARY}"}})
    sealed = Sealer(frozenset({CANARY, '{"Principal": "arn:aws:iam::1:role/r0le"}'})).seal(leaky)
    assert sealed.id == asset.urn and sealed.name == "data"
    assert {"note", "principal"} <= sealed.secrets
    assert sealed.errors == {"x": "AccessDenied on ****"}
