"""The efs collector and the live efs.file_system normalizer (ENC-18, ENC-21)."""

from __future__ import annotations

import boto3

from checks.model import Status
from tests.collectors.conftest import (
    ACCOUNT,
    REGION,
    assets_of,
    by_name,
    collect,
    scope,
    statuses,
)
from tests.collectors.test_backup import denied

P, F, E, NA = Status.PASS, Status.FAIL, Status.ERROR, Status.NOT_APPLICABLE


def make_file_systems(session: boto3.Session) -> str:
    """shared: customer key; home: AWS-managed key; scratch: not encrypted."""
    key = session.client("kms").create_key(Description="files")["KeyMetadata"]["Arn"]
    efs = session.client("efs")
    efs.create_file_system(CreationToken="shared", Encrypted=True, KmsKeyId=key,
                           Tags=[{"Key": "Name", "Value": "shared"}, {"Key": "team", "Value": "data"}])
    efs.create_file_system(CreationToken="home", Encrypted=True, Tags=[{"Key": "Name", "Value": "home"}])
    efs.create_file_system(CreationToken="scratch", Tags=[{"Key": "Name", "Value": "scratch"}])
    return key


def test_file_systems_normalize_validate_and_evaluate(session: boto3.Session) -> None:
    key = make_file_systems(session)
    result = collect(scope(session), "efs")
    assert result.errors == () and all(r.errors == {} for r in result.resources)
    assets = assets_of(result)
    shared = by_name(assets, "shared")
    assert shared.id.startswith(f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:file-system/fs-")
    assert shared.tags == {"Name": "shared", "team": "data"}
    assert shared.attributes == {"creation_token": "shared", "encryption": {
        "enabled": True, "algorithm": "aws:kms", "kms_key_id": key, "customer_managed_key": True}}
    assert statuses(assets, "ENC-18", "ENC-21") == {
        ("ENC-18", "shared"): P, ("ENC-18", "home"): P, ("ENC-18", "scratch"): F,
        ("ENC-21", "shared"): P, ("ENC-21", "home"): F, ("ENC-21", "scratch"): NA}


def test_denied_key_lookup_errors_enc_21_of_cmk_file_systems_only(session: boto3.Session) -> None:
    make_file_systems(session)
    baseline = statuses(assets_of(collect(scope(session), "efs")))
    # moto 5.2.5's IAM enforcement answers every efs call of a restricted user with SignatureDoesNotMatch,
    # even allowed ones: patch the key lookup instead
    sc = scope(session)
    with denied(sc.client("kms"), "describe_key"):
        assets = assets_of(collect(sc, "efs"))
    got = statuses(assets)
    assert {k: s for k, s in got.items() if baseline[k] is not s} == {("ENC-21", "shared"): E}
    assert by_name(assets, "shared").errors == {"encryption.customer_managed_key": "AccessDenied kms:DescribeKey"}
