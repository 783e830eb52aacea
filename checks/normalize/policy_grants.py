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
one of the keys above with values that are not wildcards. Other Deny statements are not analysed.
"""

from __future__ import annotations

import json
from typing import Any

from checks.model import UNKNOWN
from checks.normalize.base import as_list, tri_and, tri_any, tri_not, unwrap

RESTRICTING_KEYS = frozenset(k.lower() for k in (
    "aws:PrincipalAccount", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalArn",
    "aws:PrincipalServiceName", "aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID", "aws:SourceOrgPaths",
    "aws:SourceOwner", "aws:SourceVpc", "aws:SourceVpce", "aws:SourceIp", "aws:VpcSourceIp", "aws:userid",
    "aws:username",
))
RESTRICTING_OPERATORS = frozenset(o.lower() for o in (
    "StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike", "IpAddress"))
NEGATED_OPERATORS = frozenset(o.lower() for o in (
    "StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike", "NotIpAddress"))
OPEN_VALUES = frozenset(("*", "0.0.0.0/0", "::/0"))


def _document(value: Any) -> Any:
    """A policy given as JSON text or an object (unknown leaves kept); empty or unreadable: None."""
    value = unwrap(value)
    if value is UNKNOWN or value is None:
        return value
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else None
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


def _strings(value: Any) -> list[Any]:
    value = unwrap(value)
    return [UNKNOWN] if value is UNKNOWN else [unwrap(v) for v in as_list(value)]


def _is_anyone(principal: Any) -> Any:
    principal = unwrap(principal)
    if principal is UNKNOWN:
        return UNKNOWN
    if isinstance(principal, str):
        return principal == "*"
    if isinstance(principal, dict):
        return tri_any(UNKNOWN if p is UNKNOWN else p == "*" for p in _strings(principal.get("AWS")))
    return False


def _restricts(condition: Any, operators: frozenset[str] = RESTRICTING_OPERATORS) -> Any:
    """Does the condition block restrict who may call (see the module docstring)? With NEGATED_OPERATORS: does it
    name who is exempt from a Deny?"""
    condition = unwrap(condition)
    if condition is UNKNOWN:
        return UNKNOWN
    if not isinstance(condition, dict):
        return False
    found: list[Any] = []
    for operator, block in condition.items():
        op = operator.lower()
        if op.startswith("forallvalues:") or op.endswith("ifexists"):
            continue
        if op.removeprefix("foranyvalue:") not in operators:
            continue
        block = unwrap(block)
        if block is UNKNOWN:
            found.append(UNKNOWN)
            continue
        for key, values in (block.items() if isinstance(block, dict) else ()):
            if key.lower() not in RESTRICTING_KEYS:
                continue
            items = _strings(values)
            if any(v is UNKNOWN for v in items):
                found.append(UNKNOWN)
            else:
                found.append(bool(items) and all(isinstance(v, str) and v not in OPEN_VALUES for v in items))
    return tri_any(found)


def _fence(statement: dict[str, Any]) -> Any:
    """Is the statement a Deny of every action for everyone but the callers its condition names?"""
    if "NotAction" in statement or "NotPrincipal" in statement:
        return False
    effect = unwrap(statement.get("Effect"))
    everything = tri_any(UNKNOWN if a is UNKNOWN else isinstance(a, str) and (a == "*" or a.endswith(":*"))
                         for a in _strings(statement.get("Action")))
    return tri_and(UNKNOWN if effect is UNKNOWN else effect == "Deny", _is_anyone(statement.get("Principal")),
                   everything, _restricts(statement.get("Condition"), NEGATED_OPERATORS))


def _actions(statement: dict[str, Any]) -> list[str]:
    if "NotAction" in statement:
        return [f"all but {', '.join(str(a) for a in _strings(statement['NotAction']) if a is not UNKNOWN)}"]
    return [str(a) for a in _strings(statement.get("Action")) if a is not UNKNOWN and a is not None]


def anyone_actions(policy: Any) -> Any:
    """(the actions of the statements known to grant to anyone, whether any statement grants to anyone: True,
    False or UNKNOWN); UNKNOWN when the whole policy is. No policy grants nothing."""
    doc = _document(policy)
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
        anyone = True if "NotPrincipal" in s else _is_anyone(s.get("Principal"))
        grants = tri_and(allows, anyone, tri_not(_restricts(s.get("Condition"))), tri_not(fenced))
        if grants is True:
            actions += [a for a in _actions(s) if a not in actions]
        found.append(grants)
    return actions, tri_any(found)
