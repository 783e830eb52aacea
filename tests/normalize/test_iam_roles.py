"""iam.role and iam.policy, planned and state view: inline and attached policies folded in, full administrator
access (IAM-08, IAM-09) and open trust (IAM-10)."""

from __future__ import annotations

import json
from typing import Any

from checks.model import UNKNOWN, Asset, SourceKind
from tests.collectors.conftest import statuses
from tests.normalize.conftest import make_raw, one, run_normalize, urn

ROLE = "aws:iam/role:Role"
POLICY = "aws:iam/policy:Policy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"
STATE = SourceKind.STATE
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
ECS_ARN = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
ACCOUNT = "123456789012"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


EVERYTHING = {"Effect": "Allow", "Action": "*", "Resource": "*"}
READ_BUCKET = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"}
SERVICE_TRUST = json.dumps(doc({"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}))


def role(name: str = "app", **props: Any) -> Any:
    return make_raw(ROLE, name, {"name": name, "assumeRolePolicy": SERVICE_TRUST, "tags": {"env": "dev"}, **props})


def role_asset(*raws: Any) -> Asset:
    return one(run_normalize(*raws), "iam.role")


def trust(*statements: dict[str, Any]) -> str:
    return json.dumps(doc(*statements))


def test_least_privilege_role_with_side_policies_is_not_admin_and_not_open() -> None:
    app = urn(ROLE, "app")
    asset = role_asset(role(), make_raw(ROLE_POLICY, "app-data", {"role": UNKNOWN, "policy": json.dumps(
                           doc(READ_BUCKET))}, deps={"role": [app]}),
                       make_raw(ATTACHMENT, "app-ecs", {"role": "app", "policyArn": ECS_ARN}, deps={"role": [app]}))
    assert asset.attributes == {"role_name": "app", "path": "/", "trusts_anyone": False,
                                "inline_policies": ["app-data"], "managed_policies": [ECS_ARN],
                                "grants_full_admin": False, "full_admin_policies": []}
    assert not asset.unknown
    assert statuses([asset], "IAM-09", "IAM-10") == {("IAM-09", "app"): "not_applicable", ("IAM-10", "app"): "pass"}


def test_administrator_access_in_managed_policy_arns_is_full_admin_unless_tagged() -> None:
    asset = role_asset(role(managedPolicyArns=[ADMIN_ARN]))
    assert (asset.attributes["grants_full_admin"], asset.attributes["full_admin_policies"]) == (True, [ADMIN_ARN])
    assert statuses([asset], "IAM-09") == {("IAM-09", "app"): "fail"}
    tagged = role_asset(role(managedPolicyArns=[ADMIN_ARN], tags={"access": "admin"}))
    assert statuses([tagged], "IAM-09") == {("IAM-09", "app"): "pass"}


def test_inline_policies_block_and_role_policy_with_unknown_resource() -> None:
    """A statement "*" on "*" is admin whatever another statement's unknown resource is; a scoped action with an
    unknown resource is not."""
    app = urn(ROLE, "app")
    scoped_unknown = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": UNKNOWN}
    asset = role_asset(role(inlinePolicies=[{"name": "ops", "policy": json.dumps(doc(EVERYTHING))}, {}]),
                       make_raw(ROLE_POLICY, "keys", {"role": UNKNOWN, "policy": doc(scoped_unknown)},
                                deps={"role": [app]}))
    assert asset.attributes["inline_policies"] == ["ops", "keys"]
    assert (asset.attributes["grants_full_admin"], asset.attributes["full_admin_policies"]) == (True, ["ops"])
    assert not asset.unknown
    only_scoped = role_asset(role(), make_raw(ROLE_POLICY, "keys", {"role": UNKNOWN, "policy": doc(scoped_unknown)},
                                              deps={"role": [app]}))
    assert only_scoped.attributes["grants_full_admin"] is False and not only_scoped.unknown


def test_unknown_documents_and_undeclared_customer_policies_are_unknown() -> None:
    app = urn(ROLE, "app")
    whole = role_asset(role(), make_raw(ROLE_POLICY, "task", {"role": UNKNOWN, "policy": UNKNOWN},
                                        deps={"role": [app]}))
    assert whole.attributes["grants_full_admin"] is None
    assert {"grants_full_admin", "full_admin_policies"} <= whole.unknown
    assert statuses([whole], "IAM-09") == {("IAM-09", "app"): "unknown"}
    star_unknown = role_asset(role(), make_raw(ROLE_POLICY, "x", {"role": UNKNOWN, "policy": doc(
        {"Effect": "Allow", "Action": "*", "Resource": UNKNOWN})}, deps={"role": [app]}))
    assert "grants_full_admin" in star_unknown.unknown
    shared = role_asset(role(managedPolicyArns=[f"arn:aws:iam::{ACCOUNT}:policy/shared-platform"]))
    assert "grants_full_admin" in shared.unknown  # a customer-managed policy the program does not declare


def test_declared_policies_attached_three_ways_are_judged_on_their_document() -> None:
    app, admin = urn(ROLE, "app"), urn(POLICY, "admin")
    raws = [role(managedPolicyArns=[UNKNOWN]), make_raw(POLICY, "admin", {"policy": json.dumps(doc(EVERYTHING))}),
            make_raw(POLICY, "reader", {"name": "reader", "policy": json.dumps(doc(READ_BUCKET))})]
    with_deps = make_raw(ROLE, "app", {"name": "app", "assumeRolePolicy": SERVICE_TRUST,
                                       "managedPolicyArns": [UNKNOWN]}, deps={"managedPolicyArns": [admin]})
    asset = role_asset(with_deps, *raws[1:])
    assert (asset.attributes["grants_full_admin"], asset.attributes["full_admin_policies"]) == (True, ["admin"])
    assert not asset.unknown
    attached = role_asset(role(), *raws[1:], make_raw(ATTACHMENT, "a", {"role": UNKNOWN, "policyArn": UNKNOWN},
                                                      deps={"role": [app], "policyArn": [urn(POLICY, "reader")]}))
    assert (attached.attributes["grants_full_admin"], attached.attributes["managed_policies"]) == (False, ["reader"])
    shared = role_asset(role(), *raws[1:], make_raw(POLICY_ATTACHMENT, "everyone", {
        "roles": [UNKNOWN], "policyArn": UNKNOWN}, deps={"roles": [app], "policyArn": [admin]}))
    assert shared.attributes["grants_full_admin"] is True
    policies = {a.name: a for a in run_normalize(*raws[1:]) if a.kind == "iam.policy"}
    assert policies["admin"].attributes == {"policy_name": None, "path": "/", "grants_full_admin": True}
    assert policies["admin"].unknown == frozenset({"policy_name"})  # auto-named by Pulumi
    assert statuses(list(policies.values()), "IAM-08") == {("IAM-08", "admin"): "fail", ("IAM-08", "reader"): "pass"}


def test_conditions_on_who_and_where_do_not_narrow_admin_but_resource_conditions_do() -> None:
    def admin(condition: dict[str, Any]) -> Any:
        asset = one(run_normalize(make_raw(POLICY, "p", {"name": "p", "policy": doc(
            {**EVERYTHING, "Condition": condition})})), "iam.policy")
        return None if "grants_full_admin" in asset.unknown else asset.attributes["grants_full_admin"]

    assert admin({"Bool": {"aws:MultiFactorAuthPresent": "true"}}) is True
    assert admin({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}) is True
    assert admin({"StringEquals": {"aws:PrincipalTag/team": "ops"}}) is True
    assert admin({"StringNotEquals": {"aws:ResourceTag/env": "prod"}}) is True
    assert admin({"StringEqualsIfExists": {"aws:ResourceTag/env": "dev"}}) is True
    assert admin({"StringEquals": {"aws:ResourceTag/env": "*"}}) is True
    assert admin({"StringEquals": {"aws:ResourceTag/env": "dev"}}) is False
    assert admin({"StringEquals": {"aws:ResourceTag/env": UNKNOWN}}) is None
    assert admin({"StringLike": UNKNOWN}) is None
    colon = one(run_normalize(make_raw(POLICY, "p", {"policy": doc(
        {"Effect": "Allow", "Action": ["s3:*", "*:*"], "Resource": ["*"]})})), "iam.policy")
    assert colon.attributes["grants_full_admin"] is True
    deny = one(run_normalize(make_raw(POLICY, "p", {"policy": doc({**EVERYTHING, "Effect": "Deny"})})), "iam.policy")
    assert deny.attributes["grants_full_admin"] is False


def test_open_trust_policies() -> None:
    def open_(*statements: dict[str, Any]) -> Any:
        asset = role_asset(role(assumeRolePolicy=trust(*statements)))
        return None if "trusts_anyone" in asset.unknown else asset.attributes["trusts_anyone"]

    assume = {"Effect": "Allow", "Action": "sts:AssumeRole"}
    assert open_({**assume, "Principal": "*"}) is True
    assert open_({**assume, "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "*"]}}) is True
    assert open_({**assume, "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}}) is True
    assert open_({**assume, "Principal": {"AWS": "*"},
                  "Condition": {"StringEquals": {"sts:ExternalId": "partner-42"}}}) is True
    assert open_({**assume, "Principal": {"AWS": "*"},
                  "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}}) is False
    assert open_({**assume, "Principal": {"AWS": "arn:aws:iam::111122223333:root"}}) is False
    assert open_({**assume, "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions"}}) is False
    unknown_principal = role_asset(make_raw(ROLE, "app", {"name": "app", "assumeRolePolicy": doc(
        {**assume, "Principal": {"AWS": UNKNOWN}})}))
    assert "trusts_anyone" in unknown_principal.unknown
    assert statuses([unknown_principal], "IAM-10") == {("IAM-10", "app"): "unknown"}
    assert statuses([role_asset(role(assumeRolePolicy=trust({**assume, "Principal": "*"})))], "IAM-10") == {
        ("IAM-10", "app"): "fail"}


def test_state_view_links_side_resources_by_name_and_arn() -> None:
    policy_arn = f"arn:aws:iam::{ACCOUNT}:policy/ops-admin"
    raws = [make_raw(ROLE, "ops", {"name": "ops", "arn": f"arn:aws:iam::{ACCOUNT}:role/ops", "path": "/",
                                   "assumeRolePolicy": SERVICE_TRUST, "managedPolicyArns": [policy_arn],
                                   "tags": {"access": "admin"}}, source=STATE, id="ops"),
            make_raw(POLICY, "ops-admin", {"name": "ops-admin", "arn": policy_arn, "path": "/",
                                           "policy": json.dumps(doc(EVERYTHING))}, source=STATE, id=policy_arn),
            make_raw(ROLE_POLICY, "ops-read", {"role": "ops", "name": "ops-read", "policy": json.dumps(
                doc(READ_BUCKET))}, source=STATE, id="ops:ops-read"),
            make_raw(ATTACHMENT, "ops-admin", {"role": "ops", "policyArn": policy_arn}, source=STATE,
                     id="ops-20260101")]
    assets = run_normalize(*raws)
    ops = one(assets, "iam.role")
    assert ops.attributes["inline_policies"] == ["ops-read"]
    assert ops.attributes["managed_policies"] == [policy_arn]  # the attachment repeats managedPolicyArns
    assert (ops.attributes["grants_full_admin"], ops.attributes["full_admin_policies"]) == (True, [policy_arn])
    assert not ops.unknown
    assert statuses(assets, "IAM-08", "IAM-09", "IAM-10") == {
        ("IAM-08", "ops-admin"): "fail", ("IAM-09", "ops"): "pass", ("IAM-10", "ops"): "pass"}


def test_state_empty_inline_policy_block_is_no_policy() -> None:
    """Terraform state writes one empty inline_policy block for a role without inline policies."""
    asset = role_asset(make_raw(ROLE, "app", {"name": "app", "assumeRolePolicy": SERVICE_TRUST, "managedPolicyArns": [],
                                              "inlinePolicies": [{"name": "", "policy": ""}]}, source=STATE, id="app"))
    assert (asset.attributes["inline_policies"], asset.attributes["grants_full_admin"]) == ([], False)
    assert not asset.unknown
