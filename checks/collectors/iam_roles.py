"""IAM roles and customer-managed policies of one account (global), read by the iam collector (`iam.py`).

Customer-managed policies: list_policies Scope=Local (batch), then get_policy_version of each default version (no
batch). Roles: list_roles (batch, with the trust policy), then per role what list_roles leaves out: list_role_tags
(list_roles returns no tags), list_role_policies + get_role_policy (inline documents) and list_attached_role_policies.
An attached customer-managed policy takes its document from the policy list; an AWS-managed one is judged by its ARN
in the normalizer (`normalize/iam/documents.py`). A document that could not be read is recorded on the role under
the call that failed (ListPolicies, GetPolicyVersion), so the role's grants are `error`, never guessed.
"""

from __future__ import annotations

from typing import Any

from checks.collectors.answers import listed, well_formed
from checks.collectors.base import ListFailure, Scope, call, paginate
from checks.live_types import IAM_POLICY, IAM_ROLE
from checks.model import SourceKind
from checks.raw import RawResource

ROLE_OPERATIONS = ("iam:ListPolicies", "iam:GetPolicyVersion", "iam:ListRoles", "iam:ListRoleTags",
                   "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies")

Documents = dict[str, tuple[Any, str | None]]  # policy ARN -> (default version's document, the call's error)


def roles_and_policies(scope: Scope, iam: Any) -> tuple[list[RawResource], list[ListFailure]]:
    policies, documents, errors = _policies(scope, iam)
    roles, list_error = paginate(iam, "list_roles", "Roles")
    errors += listed(scope, "iam:ListRoles", list_error, IAM_ROLE, global_scope=True)
    roles, malformed = well_formed(scope, "iam:ListRoles", roles, ("RoleName", "Arn"), IAM_ROLE, global_scope=True)
    errors += malformed
    return policies + scope.map(lambda r: _role(scope, iam, r, documents), roles), errors


def _policies(scope: Scope, iam: Any) -> tuple[list[RawResource], Documents | str, list[ListFailure]]:
    """The customer-managed policies, their documents by ARN (the reason instead when the list failed) and the
    list's failures."""
    listed_policies, list_error = paginate(iam, "list_policies", "Policies", Scope="Local")
    errors = listed(scope, "iam:ListPolicies", list_error, IAM_POLICY, global_scope=True)
    good, malformed = well_formed(scope, "iam:ListPolicies", listed_policies, ("PolicyName", "Arn", "DefaultVersionId"),
                                  IAM_POLICY, global_scope=True)
    errors += malformed
    documents: Documents = {}
    resources: list[RawResource] = []
    for p in scope.map(lambda p: _policy(scope, iam, p), good):
        documents[p.id or ""] = (p.props["document"], p.errors.get("GetPolicyVersion"))
        resources.append(p)
    # a failed page: the documents of the policies it held are missing; a malformed entry: only its own is
    return resources, list_error if list_error else documents, errors


def _policy(scope: Scope, iam: Any, p: dict[str, Any]) -> RawResource:
    arn, name = p["Arn"], p["PolicyName"]
    errors: dict[str, str] = {}
    got = call(iam, "get_policy_version", PolicyArn=arn, VersionId=p["DefaultVersionId"])
    if got.error:
        errors["GetPolicyVersion"] = got.error
    document = ((got.result or {}).get("PolicyVersion") or {}).get("Document")
    props = {"arn": arn, "name": name, "path": p.get("Path"), "account": scope.account, "region": None,
             "document": document}
    return RawResource(type=IAM_POLICY, urn=arn, name=name, props=props, source=SourceKind.LIVE, id=arn,
                       errors=errors)


def _role(scope: Scope, iam: Any, r: dict[str, Any], documents: Documents | str) -> RawResource:
    name, arn = r["RoleName"], r["Arn"]
    errors: dict[str, str] = {}
    if not r.get("AssumeRolePolicyDocument"):  # every role has one: its absence is a malformed answer
        errors["ListRoles"] = "InvalidResponse iam:ListRoles (malformed answer: missing AssumeRolePolicyDocument)"
    tags, tag_error = paginate(iam, "list_role_tags", "Tags", RoleName=name)
    if tag_error:
        errors["ListRoleTags"] = tag_error
    props = {"arn": arn, "name": name, "path": r.get("Path"), "account": scope.account, "region": None,
             "trustPolicy": r.get("AssumeRolePolicyDocument"),
             "tags": {t["Key"]: t.get("Value", "") for t in tags if "Key" in t},
             "inlinePolicies": _inline(iam, name, errors),
             "attachedPolicies": _attached(iam, name, documents, errors)}
    return RawResource(type=IAM_ROLE, urn=arn, name=name, props=props, source=SourceKind.LIVE, id=arn,
                       errors=errors)


def _inline(iam: Any, role: str, errors: dict[str, str]) -> list[dict[str, Any]]:
    names, list_error = paginate(iam, "list_role_policies", "PolicyNames", RoleName=role)
    if list_error:
        errors["ListRolePolicies"] = list_error
    found: list[dict[str, Any]] = []
    for policy_name in names:
        got = call(iam, "get_role_policy", RoleName=role, PolicyName=policy_name)
        if got.error:
            errors.setdefault("GetRolePolicy", got.error)
        found.append({"name": policy_name, "document": (got.result or {}).get("PolicyDocument")})
    return found


def _attached(iam: Any, role: str, documents: Documents | str, errors: dict[str, str]) -> list[dict[str, Any]]:
    attached, list_error = paginate(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=role)
    if list_error:
        errors["ListAttachedRolePolicies"] = list_error
    found: list[dict[str, Any]] = []
    for a in attached:
        arn = a.get("PolicyArn")
        if not isinstance(arn, str):
            errors.setdefault("ListAttachedRolePolicies", "InvalidResponse iam:ListAttachedRolePolicies "
                                                          "(malformed answer: missing PolicyArn)")
            continue
        document: Any = None
        if ":iam::aws:policy/" not in arn:  # customer managed: its document comes from the policy list
            if isinstance(documents, str):
                errors.setdefault("ListPolicies", documents)
            elif arn not in documents:
                errors.setdefault("ListPolicies", f"policy {arn} was not in the policy list")
            else:
                document, error = documents[arn]
                if error:
                    errors.setdefault("GetPolicyVersion", error)
        found.append({"arn": arn, "name": a.get("PolicyName"), "document": document})
    return found
