"""Does a KMS key policy grant to anyone? Shared by the planned and the live kms.key normalizers (KEY-02).

A statement is open when it allows (`Effect: Allow`) the principal "*" (`"*"`, `{"AWS": "*"}`) or everyone but a
few (`NotPrincipal`), and no condition of it restricts who the caller is (the rule every policy shares:
checks/normalize/policy_conditions.py). Conditions are ANDed, so one restricting condition is enough. A condition
restricts the caller when:
- its key names the caller's account, organization or identity, or where the request comes from: aws:PrincipalArn,
  aws:PrincipalAccount, aws:PrincipalOrgID, aws:PrincipalOrgPaths, aws:SourceAccount, aws:SourceArn,
  aws:SourceOwner, aws:SourceOrgID, aws:SourceOrgPaths, aws:SourceVpc, aws:SourceVpce, aws:SourceIp and
  kms:CallerAccount. aws:SecureTransport, kms:ViaService alone (any account may call through the service),
  kms:GrantIsForAWSResource or encryption-context keys do not;
- its operator requires a match: StringEquals, StringEqualsIgnoreCase, StringLike, ArnEquals, ArnLike, IpAddress
  (also under ForAnyValue:). Negated operators (StringNotEquals ...) match every other caller, `...IfExists` and
  ForAllValues: match a request without the key, and `Null` only tests presence: none of them restricts;
- every value restricts (values are ORed): not a wildcard alone; no wildcard or policy variable in an account,
  organization, VPC or endpoint id (nor in an ARN's account, nor in an organization path's organization); not a
  network of every address (0.0.0.0/0, ::/0).
Not judged: a Deny statement that would take back an open grant (the grant still counts as open).
"""

from __future__ import annotations

from typing import Any

from checks.model import UNKNOWN
from checks.normalize.base import tri_and, tri_any, tri_not, unwrap
from checks.normalize.policy_conditions import principal_is_anyone, restricts_caller


def policy_facts(policy: Any) -> dict[str, Any]:
    """The parsed document and whether a statement allows anyone without a condition restricting the caller (UNKNOWN
    when that depends on a part of the policy not known at plan time)."""
    if policy is UNKNOWN:
        return {"document": UNKNOWN, "allows_anyone_unconditionally": UNKNOWN}
    if not isinstance(policy, dict):
        return {"document": None, "allows_anyone_unconditionally": False}
    statements = unwrap(policy.get("Statement", []))
    if statements is UNKNOWN:
        return {"document": policy, "allows_anyone_unconditionally": UNKNOWN}
    statements = statements if isinstance(statements, list) else [statements]
    return {"document": policy, "allows_anyone_unconditionally": tri_any(open_statement(s) for s in statements)}


def open_statement(statement: Any) -> Any:
    """An Allow to "*" (or NotPrincipal) with no condition restricting the caller."""
    statement = unwrap(statement)
    if statement is UNKNOWN:
        return UNKNOWN
    if not isinstance(statement, dict):
        return False
    effect = unwrap(statement.get("Effect"))
    allows = UNKNOWN if effect is UNKNOWN else effect == "Allow"
    everyone = True if "NotPrincipal" in statement else principal_is_anyone(statement.get("Principal"))
    return tri_and(allows, everyone, tri_not(restricts_caller(statement.get("Condition"))))
