"""Does a KMS key policy grant to anyone? Shared by the planned and the live kms.key normalizers (KEY-02).

A statement is open when it allows (`Effect: Allow`) the principal "*" (`"*"`, `{"AWS": "*"}`) or everyone but a
few (`NotPrincipal`), and no condition of it restricts who the caller is. Conditions are ANDed, so one restricting
condition is enough. A condition restricts the caller when:
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

import ipaddress
from typing import Any

from checks.model import UNKNOWN
from checks.normalize.base import unwrap

ACCOUNT_KEYS = frozenset({"aws:principalaccount", "aws:sourceaccount", "aws:sourceowner", "kms:calleraccount"})
ARN_KEYS = frozenset({"aws:principalarn", "aws:sourcearn"})
ID_KEYS = frozenset({"aws:principalorgid", "aws:sourceorgid", "aws:sourcevpc", "aws:sourcevpce"})
PATH_KEYS = frozenset({"aws:principalorgpaths", "aws:sourceorgpaths"})
IP_KEYS = frozenset({"aws:sourceip"})
RESTRICTING_KEYS = ACCOUNT_KEYS | ARN_KEYS | ID_KEYS | PATH_KEYS | IP_KEYS
MATCHING_OPERATORS = frozenset({"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike",
                                "IpAddress"})
WILDCARDS = frozenset("*?")


def policy_facts(policy: Any) -> dict[str, Any]:
    """The parsed document and whether a statement allows anyone without a condition restricting the caller."""
    if policy is UNKNOWN:
        return {"document": UNKNOWN, "allows_anyone_unconditionally": UNKNOWN}
    if not isinstance(policy, dict):
        return {"document": None, "allows_anyone_unconditionally": False}
    statements = policy.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    return {"document": policy, "allows_anyone_unconditionally": any(open_statement(s) for s in statements)}


def open_statement(statement: Any) -> bool:
    """An Allow to "*" (or NotPrincipal) with no condition restricting the caller."""
    if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
        return False
    everyone = "NotPrincipal" in statement or principal_is_anyone(statement.get("Principal"))
    return everyone and not restricts_caller(statement.get("Condition"))


def principal_is_anyone(principal: Any) -> bool:
    principal = unwrap(principal)
    if principal == "*":
        return True
    if isinstance(principal, dict):
        aws = unwrap(principal.get("AWS"))
        values = aws if isinstance(aws, list) else [aws]
        return "*" in (unwrap(v) for v in values)
    return False


def restricts_caller(condition: Any) -> bool:
    """Does some condition of a statement limit the callers to an account, organization, network or identity?"""
    condition = unwrap(condition)
    if not isinstance(condition, dict):
        return False
    for operator, tests in condition.items():
        if not isinstance(tests, dict) or not _matching(str(operator)):
            continue
        for key, values in tests.items():
            key = str(key).lower()
            values = unwrap(values)
            items = values if isinstance(values, list) else [values]
            if key in RESTRICTING_KEYS and items and all(_restricting_value(key, unwrap(v)) for v in items):
                return True
    return False


def _matching(operator: str) -> bool:
    if operator.startswith("ForAllValues:"):
        return False  # true when the request has no value for the key
    return operator.removeprefix("ForAnyValue:") in MATCHING_OPERATORS  # ...IfExists is not in the set


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
    return False


def _literal(text: str) -> bool:
    return not (set(text) & WILDCARDS) and "${" not in text
