"""Who a policy statement lets call, in three-valued logic (True, False or UNKNOWN): the one rule that KMS key policies
(KEY-02), resource policies (VUL-04) and role trust policies (IAM-10) share.

A statement's principal is anyone when it is `"*"` or `{"AWS": "*"}` (one `*` among unknown entries is enough).
A condition block restricts the caller when one of its conditions (they are ANDed) does:
- its key names the caller's account, organization or identity, or where the request comes from: aws:PrincipalArn,
  aws:PrincipalAccount, aws:PrincipalOrgID, aws:PrincipalOrgPaths, aws:PrincipalServiceName, aws:userid,
  aws:username, aws:SourceAccount, aws:SourceArn, aws:SourceOwner, aws:SourceOrgID, aws:SourceOrgPaths,
  aws:SourceVpc, aws:SourceVpce, aws:SourceIp, aws:VpcSourceIp and kms:CallerAccount. aws:SecureTransport,
  kms:ViaService alone, sts:ExternalId alone or encryption-context keys do not;
- its operator requires a match: StringEquals, StringEqualsIgnoreCase, StringLike, ArnEquals, ArnLike, IpAddress
  (also under ForAnyValue:). Negated operators match every other caller, `...IfExists` and ForAllValues: match a
  request without the key, and `Null` only tests presence: none of them restricts. (`negated=True` asks the opposite
  question, for a Deny that fences everyone but the named callers: the negated operators, not ...IfExists.)
- every value restricts (values are ORed): not a wildcard alone; no wildcard or policy variable in an account,
  organization, VPC or endpoint id (nor in an ARN's account, nor in an organization path's organization); not a
  network of every address (0.0.0.0/0, ::/0).
A condition with an unknown operator block or value is UNKNOWN unless another condition restricts for certain.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from checks.model import UNKNOWN
from checks.normalize.base import as_list, tri_any, unwrap

ACCOUNT_KEYS = frozenset({"aws:principalaccount", "aws:sourceaccount", "aws:sourceowner", "kms:calleraccount"})
ARN_KEYS = frozenset({"aws:principalarn", "aws:sourcearn"})
ID_KEYS = frozenset({"aws:principalorgid", "aws:sourceorgid", "aws:sourcevpc", "aws:sourcevpce"})
PATH_KEYS = frozenset({"aws:principalorgpaths", "aws:sourceorgpaths"})
IP_KEYS = frozenset({"aws:sourceip", "aws:vpcsourceip"})
IDENTITY_KEYS = frozenset({"aws:userid", "aws:username", "aws:principalservicename"})
RESTRICTING_KEYS = ACCOUNT_KEYS | ARN_KEYS | ID_KEYS | PATH_KEYS | IP_KEYS | IDENTITY_KEYS
MATCHING_OPERATORS = frozenset({"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike",
                                "ipaddress"})
NEGATED_OPERATORS = frozenset({"stringnotequals", "stringnotequalsignorecase", "stringnotlike", "arnnotequals",
                               "arnnotlike", "notipaddress"})
WILDCARDS = frozenset("*?")


def document(value: Any) -> Any:
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


def values(value: Any) -> list[Any]:
    """A policy field that may be one value or a list, as a list ([UNKNOWN] when the whole field is unknown)."""
    value = unwrap(value)
    return [UNKNOWN] if value is UNKNOWN else [unwrap(v) for v in as_list(value)]


def principal_is_anyone(principal: Any) -> Any:
    principal = unwrap(principal)
    if principal is UNKNOWN:
        return UNKNOWN
    if isinstance(principal, str):
        return principal == "*"
    if isinstance(principal, dict):
        return tri_any(UNKNOWN if p is UNKNOWN else p == "*" for p in values(principal.get("AWS")))
    return False


def restricts_caller(condition: Any, *, negated: bool = False) -> Any:
    """Does the statement's condition block limit the callers (see the module docstring)?"""
    condition = unwrap(condition)
    if condition is UNKNOWN:
        return UNKNOWN
    if not isinstance(condition, dict):
        return False
    found: list[Any] = []
    for operator, block in condition.items():
        if not _counts(str(operator).lower(), negated):
            continue
        block = unwrap(block)
        if block is UNKNOWN:
            found.append(UNKNOWN)
            continue
        for key, given in (block.items() if isinstance(block, dict) else ()):
            key = str(key).lower()
            if key not in RESTRICTING_KEYS:
                continue
            items = values(given)
            if any(v is UNKNOWN for v in items):
                found.append(UNKNOWN)
            else:
                found.append(bool(items) and all(_restricting_value(key, v) for v in items))
    return tri_any(found)


def _counts(operator: str, negated: bool) -> bool:
    if operator.startswith("forallvalues:") or operator.endswith("ifexists"):
        return False  # true when the request has no value for the key
    return operator.removeprefix("foranyvalue:") in (NEGATED_OPERATORS if negated else MATCHING_OPERATORS)


def _restricting_value(key: str, value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
        return False
    text = str(value).strip()
    if set(text) <= WILDCARDS:
        return False
    if key in ACCOUNT_KEYS or key in ID_KEYS:
        return _literal(text)
    if key in PATH_KEYS:
        return _literal(text.split("/", 1)[0])  # o-abc123/r-root/ou-*: the organization is named
    if key in ARN_KEYS:
        parts = text.split(":")
        # arn:partition:service:region:account:resource; S3 ARNs have no account and name the bucket instead
        if len(parts) < 6:
            return False
        account, resource = parts[4], ":".join(parts[5:])
        return _literal(account) if account else not set(resource) <= WILDCARDS | {"/"}
    if key in IP_KEYS:
        try:
            return ipaddress.ip_network(text, strict=False).prefixlen > 0
        except ValueError:
            return False
    return True  # an identity (user id, user name, service name) that is not a wildcard alone


def _literal(text: str) -> bool:
    return not (set(text) & WILDCARDS) and "${" not in text
