"""The ecr collector and the live ecr.repository normalizer (ENC-06, VUL-01)."""

from __future__ import annotations

import boto3

from checks.collectors import ecr as ecr_collector  # noqa: F401  (registers the collector)
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

P, F, E = Status.PASS, Status.FAIL, Status.ERROR
CONTROLS = ("ENC-06", "VUL-01")


def make_repositories(session: boto3.Session) -> str:
    """app: customer key, scans on push, immutable; base: AES256, no scanning."""
    key = session.client("kms").create_key(Description="images")["KeyMetadata"]["Arn"]
    ecr = session.client("ecr")
    ecr.create_repository(repositoryName="app", imageTagMutability="IMMUTABLE",
                          imageScanningConfiguration={"scanOnPush": True},
                          encryptionConfiguration={"encryptionType": "KMS", "kmsKey": key})
    ecr.create_repository(repositoryName="base")
    return key


def test_repositories_normalize_validate_and_evaluate(session: boto3.Session) -> None:
    key = make_repositories(session)
    result = collect(scope(session), "ecr")
    assert result.errors == () and all(r.errors == {} for r in result.resources)
    assets = assets_of(result)
    app = by_name(assets, "app")
    assert app.id == f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/app"
    assert app.attributes == {
        "repository_name": "app", "scan_on_push": True, "image_tag_mutability": "IMMUTABLE",
        "encryption": {"enabled": True, "algorithm": "KMS", "kms_key_id": key, "customer_managed_key": True}}
    assert by_name(assets, "base").attributes["encryption"] == {
        "enabled": True, "algorithm": "AES256", "kms_key_id": None, "customer_managed_key": False}
    assert statuses(assets, *CONTROLS) == {("ENC-06", "app"): P, ("ENC-06", "base"): F,
                                           ("VUL-01", "app"): P, ("VUL-01", "base"): F}


def test_moto_invents_the_aws_managed_ecr_key(session: boto3.Session) -> None:
    # KMS without a key: AWS reports the aws/ecr key's ARN; moto reports a key that does not exist, so who
    # manages it cannot be read: ENC-06 is an error there, never a pass
    session.client("ecr").create_repository(repositoryName="managed", encryptionConfiguration={"encryptionType": "KMS"})
    got = results(assets_of(collect(scope(session), "ecr")), "ENC-06")
    status, detail = got[("ENC-06", "managed")]
    assert status is E and detail is not None and "NotFoundException kms:DescribeKey" in detail


def test_denied_key_lookup_errors_enc_06_and_leaves_vul_01(session: boto3.Session) -> None:
    make_repositories(session)
    baseline = statuses(assets_of(collect(scope(session), "ecr")))
    restricted = restricted_session(session, ["kms:DescribeKey"])
    assets = assets_of(with_iam_enforced(lambda: collect(scope(restricted), "ecr")))
    got = statuses(assets)
    assert {k: s for k, s in got.items() if baseline[k] is not s} == {("ENC-06", "app"): E}
    reason = by_name(assets, "app").errors["encryption.customer_managed_key"]
    assert reason == "AccessDenied kms:DescribeKey"
