"""What an IAM policy document grants, in three-valued logic (True, False or UNKNOWN). Shared by the planned and the
live iam.role and iam.policy normalizers (IAM-08, IAM-09, IAM-10).

Full administrator access (`grants_full_admin`): a statement that Allows the Action `*` (or `*:*`) on the Resource
`*` without a condition that narrows the grant. A condition narrows it only when it limits which requests or
resources the grant covers (aws:ResourceTag/..., aws:RequestTag/..., s3:prefix, iam:PassedToService, ...) under a
positive operator with a value that is not a wildcard. Conditions on who calls, from where, when or how (MFA, TLS,
source IP or VPC, principal tags, requested region, time) leave the caller an administrator: they do not narrow.
Negated operators (StringNotEquals ...), `...IfExists` (true when the key is absent), `ForAllValues:` (true for an
empty set) and `Null` never narrow. Not judged: NotAction or NotResource statements (a statement using them is not
counted as full admin) and Deny statements that would take a grant back (the grant still counts).

AWS-managed policies are judged by ARN: of them only `AdministratorAccess` allows `*` on `*`.

Open trust (`trusts_anyone`): a role's trust policy Allows the principal `*` (or `{"AWS": "*"}`), or Allows with
NotPrincipal, and no condition restricts the caller to an account, organization, identity or network (the rule
every policy shares, `checks.normalize.policy_conditions.restricts_caller`: sts:ExternalId alone does not). A
condition with unknown parts makes the answer unknown.
"""

from __future__ import annotations

from typing import Any

from checks.model import UNKNOWN
from checks.normalize.base import as_list, tri_and, tri_any, tri_not, unwrap
from checks.normalize.policy_conditions import document, principal_is_anyone, restricts_caller, values

ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
ADMIN_ACTIONS = frozenset({"*", "*:*"})
# condition keys about the caller or the request's context, not about what it may do: they never narrow a grant
CONTEXT_KEYS = frozenset(k.lower() for k in (
    "aws:SecureTransport", "aws:MultiFactorAuthPresent", "aws:MultiFactorAuthAge", "aws:SourceIp", "aws:SourceVpc",
    "aws:SourceVpce", "aws:VpcSourceIp", "aws:RequestedRegion", "aws:CurrentTime", "aws:EpochTime",
    "aws:TokenIssueTime", "aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths",
    "aws:PrincipalType", "aws:PrincipalIsAWSService", "aws:PrincipalServiceName", "aws:userid", "aws:username",
    "aws:UserAgent", "aws:Referer", "aws:SourceIdentity", "aws:ViaAWSService", "aws:CalledVia", "aws:CalledViaFirst",
    "aws:CalledViaLast", "aws:FederatedProvider",
))
CONTEXT_PREFIXES = ("aws:principaltag/",)


def _statements(value: Any) -> Any:
    """The statements of a document (a list, possibly with UNKNOWN items), or UNKNOWN."""
    doc = document(value)
    if doc is UNKNOWN:
        return UNKNOWN
    statements = None if doc is None else unwrap(doc.get("Statement"))
    if statements is UNKNOWN:
        return UNKNOWN
    return [unwrap(s) for s in as_list(statements)] if statements is not None else []


def _allows(statement: dict[str, Any]) -> Any:
    effect = unwrap(statement.get("Effect"))
    return UNKNOWN if effect is UNKNOWN else effect == "Allow"


def grants_full_admin(value: Any) -> Any:
    """Does some statement of the policy allow `*` on `*` without a narrowing condition?"""
    statements = _statements(value)
    if statements is UNKNOWN:
        return UNKNOWN
    return tri_any(_full_admin(s) for s in statements)


def _full_admin(statement: Any) -> Any:
    if statement is UNKNOWN:
        return UNKNOWN
    if not isinstance(statement, dict) or "Action" not in statement or "Resource" not in statement:
        return False  # NotAction / NotResource: not judged
    actions = tri_any(UNKNOWN if a is UNKNOWN else (isinstance(a, str) and a in ADMIN_ACTIONS)
                      for a in values(statement["Action"]))
    resources = tri_any(UNKNOWN if r is UNKNOWN else r == "*" for r in values(statement["Resource"]))
    return tri_and(_allows(statement), actions, resources, tri_not(_narrows(statement.get("Condition"))))


def _narrows(condition: Any) -> Any:
    """Does the condition block limit which requests or resources the grant covers (module docstring)?"""
    condition = unwrap(condition)
    if condition is UNKNOWN:
        return UNKNOWN
    if not isinstance(condition, dict):
        return False
    found: list[Any] = []
    for operator, block in condition.items():
        op = str(operator).lower()
        base = op.removeprefix("foranyvalue:")
        if op.startswith("forallvalues:") or base.endswith("ifexists") or "not" in base or base == "null":
            continue
        block = unwrap(block)
        if block is UNKNOWN:
            found.append(UNKNOWN)
            continue
        for key, given in (block.items() if isinstance(block, dict) else ()):
            key = str(key).lower()
            if key in CONTEXT_KEYS or key.startswith(CONTEXT_PREFIXES):
                continue
            items = values(given)
            if any(v is UNKNOWN for v in items):
                found.append(UNKNOWN)
            else:
                found.append(bool(items) and all(v is not None and str(v).strip() not in ("", "*") for v in items))
    return tri_any(found)


def managed_policy_grants_full_admin(arn: str) -> bool | None:
    """An AWS-managed policy, judged by its ARN; None for a customer-managed policy (its document decides)."""
    if not is_aws_managed(arn):
        return None
    return arn == ADMINISTRATOR_ACCESS


def is_aws_managed(arn: str) -> bool:
    """arn:<partition>:iam::aws:policy/...: a policy AWS maintains."""
    parts = arn.split(":")
    return len(parts) >= 6 and parts[2] == "iam" and parts[4] == "aws"


def trusts_anyone(value: Any) -> Any:
    """Does the trust policy let any AWS principal assume the role without a condition restricting the caller?"""
    statements = _statements(value)
    if statements is UNKNOWN:
        return UNKNOWN
    return tri_any(_open_trust(s) for s in statements)


def _open_trust(statement: Any) -> Any:
    if statement is UNKNOWN:
        return UNKNOWN
    if not isinstance(statement, dict):
        return False
    anyone = True if "NotPrincipal" in statement else principal_is_anyone(statement.get("Principal"))
    return tri_and(_allows(statement), anyone, tri_not(restricts_caller(statement.get("Condition"))))
