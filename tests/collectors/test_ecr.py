"""The ecr collector and the live ecr.repository normalizer (ENC-06, VUL-01, VUL-04, VUL-05)."""

from __future__ import annotations

import json

import boto3
import pytest

from checks.collectors import ecr as ecr_collector  # registers the collector
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
CONTROLS = ("ENC-06", "VUL-01", "VUL-04", "VUL-05")
PUBLIC = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "Anyone", "Effect": "Allow", "Principal": "*",
                                                             "Action": ["ecr:BatchGetImage", "ecr:PutImage"]}]})


def make_repositories(session: boto3.Session) -> str:
    """app: customer key, scans on push, immutable; base: AES256, no scanning."""
    key = session.client("kms").create_key(Description="images")["KeyMetadata"]["Arn"]
    ecr = session.client("ecr")
    ecr.create_repository(repositoryName="app", imageTagMutability="IMMUTABLE",
                          imageScanningConfiguration={"scanOnPush": True},
                          encryptionConfiguration={"encryptionType": "KMS", "kmsKey": key})
    ecr.create_repository(repositoryName="base")
    ecr.set_repository_policy(repositoryName="base", policyText=PUBLIC)
    return key


def test_repositories_normalize_validate_and_evaluate(session: boto3.Session) -> None:
    key = make_repositories(session)
    result = collect(scope(session), "ecr")
    assert result.errors == () and all(r.errors == {} for r in result.resources)
    assets = assets_of(result)
    app = by_name(assets, "app")
    assert app.id == f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/app"
    assert app.attributes == {
        "repository_name": "app", "scan_on_push": True, "registry_scan_type": "BASIC",
        "scan_frequency": "SCAN_ON_PUSH", "image_tag_mutability": "IMMUTABLE",
        "encryption": {"enabled": True, "algorithm": "KMS", "kms_key_id": key, "customer_managed_key": True},
        "policy_allows_anyone": False, "policy_public_actions": []}
    assert by_name(assets, "base").attributes["encryption"] == {
        "enabled": True, "algorithm": "AES256", "kms_key_id": None, "customer_managed_key": False}
    assert by_name(assets, "base").attributes["policy_public_actions"] == ["ecr:BatchGetImage", "ecr:PutImage"]
    assert statuses(assets, *CONTROLS) == {("ENC-06", "app"): P, ("ENC-06", "base"): F,
                                           ("VUL-01", "app"): P, ("VUL-01", "base"): F,
                                           ("VUL-04", "app"): P, ("VUL-04", "base"): F,
                                           ("VUL-05", "app"): P, ("VUL-05", "base"): F}


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


def test_registry_scanning_rules_decide_which_repositories_are_scanned(session: boto3.Session) -> None:
    make_repositories(session)
    session.client("ecr").put_registry_scanning_configuration(scanType="ENHANCED", rules=[
        {"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [{"filter": "bas*", "filterType": "WILDCARD"}]}])
    assets = assets_of(collect(scope(session), "ecr"))
    base = by_name(assets, "base").attributes
    assert (base["scan_on_push"], base["registry_scan_type"], base["scan_frequency"]) == (
        False, "ENHANCED", "CONTINUOUS_SCAN")
    # enhanced scanning ignores the repository's own scan on push: no filter matches app
    assert by_name(assets, "app").attributes["scan_frequency"] == "MANUAL"
    assert statuses(assets, "VUL-01") == {("VUL-01", "app"): F, ("VUL-01", "base"): P}


def test_no_repository_no_registry_call(session: boto3.Session) -> None:
    seen: list[str] = []
    session.events.register("before-call", lambda model, **_: seen.append(model.name))
    result = collect(scope(session), "ecr")
    assert (result.resources, result.errors, seen) == ((), (), ["DescribeRepositories"])


def test_declared_operations_cover_every_call(session: boto3.Session) -> None:
    make_repositories(session)
    seen: set[str] = set()
    session.events.register("before-call", lambda model, **_: seen.add(
        f"{model.service_model.signing_name}:{model.name}"))
    collect(scope(session), "ecr")
    assert seen == set(ecr_collector.OPERATIONS)


@pytest.mark.parametrize(("denied", "controls_in_error"), [
    ("ecr:GetRegistryScanningConfiguration", {"VUL-01"}),
    ("ecr:GetRepositoryPolicy", {"VUL-04"}),
])
def test_denied_read_errors_only_the_control_that_reads_it(session: boto3.Session, denied: str,
                                                           controls_in_error: set[str]) -> None:
    make_repositories(session)
    baseline = statuses(assets_of(collect(scope(session), "ecr")))
    restricted = restricted_session(session, [denied])
    result = with_iam_enforced(lambda: collect(scope(restricted), "ecr"))
    assert result.errors == ()
    got = statuses(assets_of(result))
    changed = {k: s for k, s in got.items() if baseline[k] is not s}
    assert {c for c, _ in changed} == controls_in_error and set(changed.values()) == {E}
    assert len(changed) == 2  # both repositories
