"""ecr.repository: scan on push, tag mutability, encryption."""

from __future__ import annotations

import json

from checks.model import UNKNOWN, SourceKind
from checks.raw import RawResource
from tests.normalize.conftest import make_raw, one, run_normalize, urn

REPO = "aws:ecr/repository:Repository"
KEY = "aws:kms/key:Key"


def test_repository_defaults_manual_scans_mutable_tags_aes256() -> None:
    asset = one(run_normalize(make_raw(REPO, "app", {"name": "app"})), "ecr.repository")
    assert asset.attributes == {
        "repository_name": "app", "scan_on_push": False, "registry_scan_type": "BASIC", "scan_frequency": "MANUAL",
        "image_tag_mutability": "MUTABLE",
        "encryption": {"enabled": True, "algorithm": "AES256", "kms_key_id": None, "customer_managed_key": False},
        "policy_allows_anyone": False, "policy_public_actions": []}


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


SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"


def _scanning(scan_type: str, *rules: tuple[str, list[str]]) -> RawResource:
    return make_raw(SCANNING, "registry", {"scanType": scan_type, "rules": [
        {"scanFrequency": freq, "repositoryFilters": [{"filter": f, "filterType": "WILDCARD"} for f in filters]}
        for freq, filters in rules]})


def _frequency(*raws: RawResource) -> tuple[object, object]:
    a = one(run_normalize(*raws), "ecr.repository", "app").attributes
    return a["registry_scan_type"], a["scan_frequency"]


def test_registry_rules_scan_a_repository_whose_own_scan_on_push_is_off() -> None:
    repo = make_raw(REPO, "app", {"name": "prod-api"})
    assert _frequency(repo) == ("BASIC", "MANUAL")
    assert _frequency(repo, _scanning("BASIC", ("SCAN_ON_PUSH", ["prod"]))) == ("BASIC", "SCAN_ON_PUSH")
    assert _frequency(repo, _scanning("ENHANCED", ("SCAN_ON_PUSH", ["*"]), ("CONTINUOUS_SCAN", ["prod-*"]))) == (
        "ENHANCED", "CONTINUOUS_SCAN")  # continuous wins when both match
    assert _frequency(repo, _scanning("ENHANCED", ("SCAN_ON_PUSH", ["*-api"]))) == ("ENHANCED", "SCAN_ON_PUSH")


def test_registry_rules_that_do_not_match_leave_the_repository_unscanned_whatever_its_own_setting() -> None:
    repo = make_raw(REPO, "app", {"name": "tools", "imageScanningConfiguration": {"scanOnPush": True}})
    assert _frequency(repo) == ("BASIC", "SCAN_ON_PUSH")
    assert _frequency(repo, _scanning("BASIC")) == ("BASIC", "SCAN_ON_PUSH")  # no rules: the repository decides
    assert _frequency(repo, _scanning("BASIC", ("SCAN_ON_PUSH", ["prod-*"]))) == ("BASIC", "MANUAL")
    assert _frequency(repo, _scanning("ENHANCED", ("CONTINUOUS_SCAN", ["prod*"]))) == ("ENHANCED", "MANUAL")
    assert _frequency(repo, _scanning("ENHANCED")) == ("ENHANCED", "MANUAL")


def test_auto_named_repository_matches_only_an_all_wildcard_filter() -> None:
    repo = make_raw(REPO, "app", {})
    assert _frequency(repo, _scanning("ENHANCED", ("CONTINUOUS_SCAN", ["*"]))) == ("ENHANCED", "CONTINUOUS_SCAN")
    asset = one(run_normalize(repo, _scanning("ENHANCED", ("CONTINUOUS_SCAN", ["prod*"]))), "ecr.repository")
    assert "scan_frequency" in asset.unknown


def test_unknown_registry_rules_and_several_registry_configurations_are_unknown() -> None:
    repo = make_raw(REPO, "app", {"name": "api"})
    computed = make_raw(SCANNING, "registry", {"scanType": "ENHANCED", "rules": UNKNOWN})
    assert "scan_frequency" in one(run_normalize(repo, computed), "ecr.repository").unknown
    other = make_raw(SCANNING, "other-region", {"scanType": "BASIC"})
    asset = one(run_normalize(repo, _scanning("ENHANCED", ("CONTINUOUS_SCAN", ["*"])), other), "ecr.repository")
    assert {"registry_scan_type", "scan_frequency"} <= asset.unknown


def test_state_registry_scanning_configuration() -> None:
    repo = make_raw(REPO, "app", {"name": "prod-api", "imageScanningConfiguration": {"scanOnPush": False},
                                  "imageTagMutability": "IMMUTABLE"}, source=SourceKind.STATE, id="prod-api")
    config = make_raw(SCANNING, "registry", {"id": "123456789012", "registryId": "123456789012",
                                             "scanType": "ENHANCED", "rules": [
                                                 {"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [
                                                     {"filter": "prod", "filterType": "WILDCARD"}]}]},
                      source=SourceKind.STATE, id="123456789012")
    assert _frequency(repo, config) == ("ENHANCED", "CONTINUOUS_SCAN")


PUBLIC = {"Version": "2012-10-17", "Statement": [{"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": [
    "ecr:BatchGetImage", "ecr:PutImage", "ecr:BatchDeleteImage"]}]}


def _policy_attrs(policy: object, *, source: SourceKind = SourceKind.PLANNED) -> tuple[object, object]:
    repo = make_raw(REPO, "app", {"name": "app"}, source=source, id="app" if source is SourceKind.STATE else None)
    props = {"repository": "app" if source is SourceKind.STATE else UNKNOWN, "policy": policy}
    pol = make_raw(POLICY, "app", props, source=source, deps={} if source is SourceKind.STATE
                   else {"repository": [repo.urn]})
    assets = run_normalize(repo, pol)
    assert [a.kind for a in assets] == ["ecr.repository"]  # the policy is folded into its repository
    asset = one(assets, "ecr.repository")
    return asset.attributes["policy_allows_anyone"], asset.attributes["policy_public_actions"]


def test_repository_policy_granting_anyone_is_folded_into_its_repository() -> None:
    for source in (SourceKind.PLANNED, SourceKind.STATE):
        assert _policy_attrs(json.dumps(PUBLIC), source=source) == (
            True, ["ecr:BatchGetImage", "ecr:PutImage", "ecr:BatchDeleteImage"])


def _with(statement: dict[str, object]) -> dict[str, object]:
    return {"Statement": [{"Effect": "Allow", "Action": "ecr:BatchGetImage", **statement}]}


def test_conditions_that_restrict_the_caller_close_the_grant_and_others_do_not() -> None:
    org = {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}
    assert _policy_attrs(_with({"Principal": "*", "Condition": org})) == (False, [])
    account = {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/*"}}
    assert _policy_attrs(_with({"Principal": {"AWS": "*"}, "Condition": account})) == (False, [])
    for open_condition in ({"Bool": {"aws:SecureTransport": "true"}},
                           {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123"}},
                           {"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}},
                           {"ForAllValues:StringEquals": {"aws:PrincipalOrgPaths": ["o-a/r-b/"]}},
                           {"StringLike": {"aws:PrincipalAccount": "*"}}):
        assert _policy_attrs(_with({"Principal": "*", "Condition": open_condition})) == (
            True, ["ecr:BatchGetImage"]), open_condition
    assert _policy_attrs(_with({"NotPrincipal": {"AWS": "arn:aws:iam::1:root"}})) == (True, ["ecr:BatchGetImage"])
    named = _with({"Principal": {"AWS": ["arn:aws:iam::123456789012:root"]}})
    assert _policy_attrs(named) == (False, [])
    assert _policy_attrs({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "ecr:*"}]}) == (False, [])


def test_unknown_policy_or_condition_is_unknown() -> None:
    repo = make_raw(REPO, "app", {"name": "app"})
    pol = make_raw(POLICY, "app", {"repository": UNKNOWN, "policy": UNKNOWN}, deps={"repository": [repo.urn]})
    asset = one(run_normalize(repo, pol), "ecr.repository")
    assert {"policy_allows_anyone", "policy_public_actions"} <= asset.unknown
    cond = _with({"Principal": "*", "Condition": {"StringEquals": {"aws:SourceAccount": UNKNOWN}}})
    assert _policy_attrs(cond)[0] is None


def test_a_deny_for_everyone_outside_the_organization_fences_the_grant() -> None:
    grant = {"Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage"]}
    fence = {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "ecr:*",
             "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123"}}}
    assert _policy_attrs({"Statement": [grant, fence]}) == (False, [])
    for not_a_fence in ({**fence, "Action": "ecr:PutImage"},  # other actions stay open
                        {**fence, "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"}}},
                        {**fence, "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
                        {**fence, "Effect": "Allow"}):
        assert _policy_attrs({"Statement": [grant, not_a_fence]})[0] is True, not_a_fence
    unknown_fence = {**fence, "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": UNKNOWN}}}
    assert _policy_attrs({"Statement": [grant, unknown_fence]})[0] is None
