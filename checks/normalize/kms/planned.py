"""kms.key from aws:kms/key:Key, with aliases and standalone key policies folded in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.model import UNKNOWN, Asset
from checks.normalize.base import (
    AssetBuilder,
    Index,
    first_set,
    folded,
    parse_json_doc,
    register,
    tri_map,
    unwrap,
)
from checks.raw import RawResource

KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"

folded("kms.key", ALIAS, KEY_POLICY)


def _principal_is_anyone(principal: Any) -> bool:
    principal = unwrap(principal)
    if principal == "*":
        return True
    if isinstance(principal, dict):
        aws = principal.get("AWS")
        values = aws if isinstance(aws, list) else [aws]
        return "*" in values
    return False


def policy_facts(policy: Any) -> dict[str, Any]:
    """Derived facts of a key policy: does any Allow grant to everyone without a condition?"""
    if policy is UNKNOWN:
        return {"document": UNKNOWN, "allows_anyone_unconditionally": UNKNOWN}
    if not isinstance(policy, dict):
        return {"document": None, "allows_anyone_unconditionally": False}
    statements = policy.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    open_grant = any(
        isinstance(s, dict) and s.get("Effect") == "Allow"
        and _principal_is_anyone(s.get("Principal")) and not s.get("Condition")
        for s in statements
    )
    return {"document": policy, "allows_anyone_unconditionally": open_grant}


@register(KEY)
def key(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("kms.key", raw)
    b.set("manager", "customer")  # every key a Pulumi program declares is customer managed
    b.set("spec", first_set(p.get("customerMasterKeySpec"), p.get("keySpec"), "SYMMETRIC_DEFAULT"))
    b.set("usage", first_set(p.get("keyUsage"), "ENCRYPT_DECRYPT"))
    enabled = first_set(p.get("isEnabled"), True)
    b.set("enabled", enabled)
    b.set("state", tri_map(enabled, lambda on: "Enabled" if on else "Disabled"))
    # scheduling a key's deletion happens outside Pulumi (`aws kms schedule-key-deletion`), and the provider drops
    # such a key from state on refresh: neither a plan nor a stack export can tell; only the live view reads it
    b.set("pending_deletion", UNKNOWN)
    rotation = first_set(p.get("enableKeyRotation"), False)
    b.set("rotation.enabled", rotation)
    period = p.get("rotationPeriodInDays")
    if period is None:
        # AWS rotates yearly by default once rotation is on; with rotation off there is no period
        period = tri_map(rotation, lambda on: 365 if on else None)
    b.set("rotation.period_days", period)
    b.set("deletion_window_days", first_set(p.get("deletionWindowInDays"), 30))
    b.set("multi_region", first_set(p.get("multiRegion"), False))
    policy = parse_json_doc(p.get("policy"))
    for side in index.referencing(raw, [KEY_POLICY], "keyId"):
        policy = parse_json_doc(side.props.get("policy"))
    facts = policy_facts(policy)
    b.set("policy", facts["document"])
    b.set("policy_allows_anyone_unconditionally", facts["allows_anyone_unconditionally"])
    aliases = [unwrap(a.props.get("name")) for a in index.referencing(raw, [ALIAS], "targetKeyId")]
    b.set("aliases", sorted(a for a in aliases if isinstance(a, str)))
    return [b.build()]
