"""Which actions a resource policy grants to anyone, in three-valued logic.

A statement grants to anyone when it Allows with Principal `*` (or `{"AWS": "*"}`), or with NotPrincipal (everyone
but the listed principals), and no condition restricts who may call: a condition restricts only with a key that
names the caller or where the call comes from (aws:PrincipalAccount, aws:PrincipalOrgID, aws:PrincipalArn,
aws:SourceAccount, aws:SourceArn, aws:SourceVpc(e), aws:SourceIp, ...) under a positive operator (StringEquals,
StringLike, ArnEquals, ArnLike, IpAddress) with a value that is not a wildcard. Negated operators
(StringNotEquals ...), `...IfExists` (true when the key is absent) and `ForAllValues:` (true for an empty set) do not
restrict; nor do conditions such as aws:SecureTransport, which any caller can satisfy.

A fence closes every grant: a Deny for everyone of all actions (`*` or `<service>:*`) unless the caller matches, i.e.
with a negated operator (StringNotEquals, StringNotLike, ArnNotEquals, ArnNotLike, NotIpAddress; not ...IfExists) on
one of the keys above with values that are not wildcards. Other Deny statements are not analysed. Which conditions
restrict the caller is the rule every policy shares: checks/normalize/policy_conditions.py.
"""

from __future__ import annotations

from typing import Any

from checks.model import UNKNOWN
from checks.normalize.base import as_list, tri_and, tri_any, tri_not, unwrap
from checks.normalize.policy_conditions import document, principal_is_anyone, restricts_caller, values


def _fence(statement: dict[str, Any]) -> Any:
    """Is the statement a Deny of every action for everyone but the callers its condition names?"""
    if "NotAction" in statement or "NotPrincipal" in statement:
        return False
    effect = unwrap(statement.get("Effect"))
    everything = tri_any(UNKNOWN if a is UNKNOWN else isinstance(a, str) and (a == "*" or a.endswith(":*"))
                         for a in values(statement.get("Action")))
    return tri_and(UNKNOWN if effect is UNKNOWN else effect == "Deny", principal_is_anyone(statement.get("Principal")),
                   everything, restricts_caller(statement.get("Condition"), negated=True))


def _actions(statement: dict[str, Any]) -> list[str]:
    if "NotAction" in statement:
        return [f"all but {', '.join(str(a) for a in values(statement['NotAction']) if a is not UNKNOWN)}"]
    return [str(a) for a in values(statement.get("Action")) if a is not UNKNOWN and a is not None]


def anyone_actions(policy: Any) -> Any:
    """(the actions of the statements known to grant to anyone, whether any statement grants to anyone: True,
    False or UNKNOWN); UNKNOWN when the whole policy is. No policy grants nothing."""
    doc = document(policy)
    if doc is UNKNOWN:
        return UNKNOWN
    statements = [] if doc is None else unwrap(doc.get("Statement"))
    if statements is UNKNOWN:
        return UNKNOWN
    statements = [unwrap(s) for s in as_list(statements)]
    fenced = tri_any(UNKNOWN if s is UNKNOWN else _fence(s) for s in statements if s is UNKNOWN or isinstance(s, dict))
    if fenced is True:
        return [], False
    actions: list[str] = []
    found: list[Any] = []
    for s in statements:
        if s is UNKNOWN:
            found.append(UNKNOWN)
            continue
        if not isinstance(s, dict):
            continue
        effect = unwrap(s.get("Effect"))
        allows = UNKNOWN if effect is UNKNOWN else effect == "Allow"
        anyone = True if "NotPrincipal" in s else principal_is_anyone(s.get("Principal"))
        grants = tri_and(allows, anyone, tri_not(restricts_caller(s.get("Condition"))), tri_not(fenced))
        if grants is True:
            actions += [a for a in _actions(s) if a not in actions]
        found.append(grants)
    return actions, tri_any(found)
