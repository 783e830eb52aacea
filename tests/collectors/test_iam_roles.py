"""The iam collector's roles and customer-managed policies, and the live iam.role / iam.policy normalizers (IAM-08,
IAM-09, IAM-10)."""

from __future__ import annotations

import json
from typing import Any

import boto3

from checks.collectors import iam as iam_collector  # noqa: F401  (registers the collector)
from checks.model import Status
from tests.collectors.conftest import (
    ACCOUNT,
    assets_of,
    by_name,
    collect,
    restricted_session,
    scope,
    statuses,
    with_iam_enforced,
)
from tests.collectors.test_list_failures import answer

P, F, E, NA = Status.PASS, Status.FAIL, Status.ERROR, Status.NOT_APPLICABLE
CONTROLS = ("IAM-08", "IAM-09", "IAM-10")


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


EVERYTHING = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
READ = doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"})
SERVICE = doc({"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"})
ANYONE = doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})


def make_roles(session: boto3.Session) -> None:
    """task: scoped inline and customer policies; break-glass: a customer admin policy, tagged admin;
    ci: an inline admin policy, untagged; partner: trusts anyone."""
    iam = session.client("iam")
    reader = iam.create_policy(PolicyName="reader", PolicyDocument=READ)["Policy"]["Arn"]
    admin = iam.create_policy(PolicyName="everything", PolicyDocument=EVERYTHING)["Policy"]["Arn"]
    iam.create_role(RoleName="task", AssumeRolePolicyDocument=SERVICE)
    iam.put_role_policy(RoleName="task", PolicyName="data", PolicyDocument=READ)
    iam.attach_role_policy(RoleName="task", PolicyArn=reader)
    iam.create_role(RoleName="break-glass", AssumeRolePolicyDocument=SERVICE,
                    Tags=[{"Key": "access", "Value": "admin"}])
    iam.attach_role_policy(RoleName="break-glass", PolicyArn=admin)
    iam.create_role(RoleName="ci", AssumeRolePolicyDocument=SERVICE)
    iam.put_role_policy(RoleName="ci", PolicyName="deploy", PolicyDocument=EVERYTHING)
    iam.create_role(RoleName="partner", AssumeRolePolicyDocument=ANYONE)


def of(assets: list[Any], *kinds: str) -> list[Any]:
    return [a for a in assets if a.kind in kinds]


def test_roles_and_policies_normalize_validate_and_evaluate(session: boto3.Session) -> None:
    make_roles(session)
    result = collect(scope(session), "iam")
    assert result.errors == () and all(r.errors == {} for r in result.resources)
    assets = assets_of(result)
    task = by_name(assets, "task")
    assert task.id == f"arn:aws:iam::{ACCOUNT}:role/task" and task.account == ACCOUNT and task.region is None
    assert task.attributes == {"role_name": "task", "path": "/", "trusts_anyone": False, "inline_policies": ["data"],
                               "managed_policies": [f"arn:aws:iam::{ACCOUNT}:policy/reader"],
                               "grants_full_admin": False, "full_admin_policies": []}
    assert by_name(assets, "break-glass").tags == {"access": "admin"}
    assert by_name(assets, "everything").attributes == {"policy_name": "everything", "path": "/",
                                                        "grants_full_admin": True}
    assert statuses(of(assets, "iam.role", "iam.policy"), *CONTROLS) == {
        ("IAM-08", "reader"): P, ("IAM-08", "everything"): F,
        ("IAM-09", "task"): NA, ("IAM-09", "break-glass"): P, ("IAM-09", "ci"): F, ("IAM-09", "partner"): NA,
        ("IAM-10", "task"): P, ("IAM-10", "break-glass"): P, ("IAM-10", "ci"): P, ("IAM-10", "partner"): F}


def test_denied_policy_version_errors_the_policy_and_the_roles_attached_to_it(session: boto3.Session) -> None:
    make_roles(session)
    restricted = restricted_session(session, ["iam:GetPolicyVersion"])
    baseline = statuses(of(assets_of(collect(scope(session), "iam")), "iam.role", "iam.policy"), *CONTROLS)
    assets = of(assets_of(with_iam_enforced(lambda: collect(scope(restricted), "iam"))), "iam.role", "iam.policy")
    assert by_name(assets, "everything").errors == {"grants_full_admin": "AccessDenied iam:GetPolicyVersion"}
    assert by_name(assets, "task").errors == {"grants_full_admin": "AccessDenied iam:GetPolicyVersion",
                                              "full_admin_policies": "AccessDenied iam:GetPolicyVersion"}
    got = statuses(assets, *CONTROLS)
    assert {k: s for k, s in got.items() if baseline[k] is not s} == {
        ("IAM-08", "reader"): E, ("IAM-08", "everything"): E, ("IAM-09", "task"): E, ("IAM-09", "break-glass"): E}


def test_denied_role_tags_errors_iam_09_of_admin_roles_only(session: boto3.Session) -> None:
    make_roles(session)
    restricted = restricted_session(session, ["iam:ListRoleTags"])
    assets = of(assets_of(with_iam_enforced(lambda: collect(scope(restricted), "iam"))), "iam.role")
    assert by_name(assets, "ci").errors == {"tags": "AccessDenied iam:ListRoleTags"}
    assert statuses(assets, "IAM-09") == {("IAM-09", "task"): NA, ("IAM-09", "break-glass"): E,
                                          ("IAM-09", "ci"): E, ("IAM-09", "partner"): NA}


def test_denied_inline_and_attached_reads_error_the_grants_of_the_roles_they_hide(session: boto3.Session) -> None:
    make_roles(session)
    restricted = restricted_session(session, ["iam:GetRolePolicy"])  # each case below replaces the denial
    everyone = {"task", "break-glass", "ci", "partner"}
    expected = {"iam:GetRolePolicy": {"task", "ci"},  # the roles that have inline policies
                "iam:ListRolePolicies": everyone, "iam:ListAttachedRolePolicies": everyone}
    for denied, errored in expected.items():
        session.client("iam").put_user_policy(UserName="scanner", PolicyName="scan", PolicyDocument=doc(
            {"Effect": "Allow", "Action": "*", "Resource": "*"}, {"Effect": "Deny", "Action": denied, "Resource": "*"}))
        assets = of(assets_of(with_iam_enforced(lambda: collect(scope(restricted), "iam"))), "iam.role")
        got = statuses(assets, "IAM-09", "IAM-10")
        assert {k[1] for k, s in got.items() if k[0] == "IAM-09" and s is E} == errored, denied
        assert {k[1] for k, s in got.items() if k[0] == "IAM-10" and s is F} == {"partner"}, denied


def test_denied_policy_list_errors_iam_08_and_roles_with_customer_policies(session: boto3.Session) -> None:
    make_roles(session)
    answer(session, {"iam:ListPolicies": lambda: (403, {"Error": {"Code": "AccessDenied", "Message": "denied"}})})
    result = collect(scope(session), "iam")
    assert [(f.operation, f.types) for f in result.errors] == [("iam:ListPolicies", ("live:iam:policy",))]
    assets = of(assets_of(result), "iam.role", "iam.policy")
    assert not of(assets, "iam.policy")
    assert by_name(assets, "task").errors["grants_full_admin"] == "AccessDenied iam:ListPolicies"
    assert statuses(assets, "IAM-09") == {("IAM-09", "task"): E, ("IAM-09", "break-glass"): E,
                                          ("IAM-09", "ci"): F, ("IAM-09", "partner"): NA}


def test_a_role_without_a_trust_policy_in_the_answer_is_an_error_not_a_pass(session: boto3.Session) -> None:
    make_roles(session)
    roles = session.client("iam").list_roles()["Roles"]
    for r in roles:
        r.pop("AssumeRolePolicyDocument", None)
    answer(session, {"iam:ListRoles": lambda: (200, {"Roles": roles, "IsTruncated": False})})
    assets = of(assets_of(collect(scope(session), "iam")), "iam.role")
    assert statuses(assets, "IAM-10") == {("IAM-10", r): E for r in ("task", "break-glass", "ci", "partner")}


def test_a_malformed_policy_entry_is_a_list_failure_and_errors_only_the_roles_attached_to_it(
        session: boto3.Session) -> None:
    make_roles(session)
    policies = session.client("iam").list_policies(Scope="Local")["Policies"]
    for p in policies:
        if p["PolicyName"] == "everything":
            p.pop("DefaultVersionId")
    answer(session, {"iam:ListPolicies": lambda: (200, {"Policies": policies, "IsTruncated": False})})
    result = collect(scope(session), "iam")
    assert [(f.operation, f.types) for f in result.errors] == [("iam:ListPolicies", ("live:iam:policy",))]
    assets = of(assets_of(result), "iam.role", "iam.policy")
    assert statuses(assets, "IAM-08", "IAM-09") == {
        ("IAM-08", "reader"): P, ("IAM-09", "task"): NA, ("IAM-09", "break-glass"): E, ("IAM-09", "ci"): F,
        ("IAM-09", "partner"): NA}
