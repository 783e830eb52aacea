"""kms.key from aws:kms/key:Key and aws:kms/externalKey:ExternalKey (imported key material), with aliases and
standalone key policies folded in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.model import UNKNOWN, Asset
from checks.normalize.base import (
    AssetBuilder,
    Index,
    blank,
    first_set,
    folded,
    parse_json_doc,
    register,
    tri_map,
    unwrap,
)
from checks.normalize.kms.policy import policy_facts
from checks.raw import RawResource

KEY = "aws:kms/key:Key"
EXTERNAL_KEY = "aws:kms/externalKey:ExternalKey"
ALIAS = "aws:kms/alias:Alias"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"

folded("kms.key", ALIAS, KEY_POLICY)


@register(KEY)
def key(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("kms.key", raw)
    store = blank(p.get("customKeyStoreId"))
    b.set("custom_key_store_id", store)
    # AWS sets the origin: AWS_KMS without a custom key store; in one, EXTERNAL_KEY_STORE when the key names its
    # external key (CreateKey requires XksKeyId there), else a CloudHSM key store's AWS_CLOUDHSM
    b.set("origin", tri_map(store, lambda s: "AWS_KMS" if s is None else tri_map(
        blank(p.get("xksKeyId")), lambda x: "AWS_CLOUDHSM" if x is None else "EXTERNAL_KEY_STORE")))
    enabled = first_set(p.get("isEnabled"), True)  # provider default
    return _key(b, raw, index, p.get("enableKeyRotation"), enabled,
                tri_map(enabled, lambda on: "Enabled" if on else "Disabled"))


@register(EXTERNAL_KEY)
def external_key(raw: RawResource, index: Index) -> Iterable[Asset]:
    """A key whose material the account imports (Origin EXTERNAL): AWS cannot rotate it automatically."""
    b = AssetBuilder("kms.key", raw)
    b.set("custom_key_store_id", None)
    b.set("origin", "EXTERNAL")
    p = raw.props
    # without key material the key waits for its import (PendingImport, never enabled); imported: enabled by default
    # (provider). A secret material that cannot be read here (UNKNOWN) is still given.
    imported = blank(p.get("keyMaterialBase64")) is not None
    enabled = first_set(p.get("enabled"), imported)
    state = first_set(blank(p.get("keyState")), None if imported else "PendingImport",
                      tri_map(enabled, lambda on: "Enabled" if on else "Disabled"))
    return _key(b, raw, index, False, enabled, state)  # aws.kms.ExternalKey has no enable_key_rotation


def _key(b: AssetBuilder, raw: RawResource, index: Index, rotation_input: Any, enabled: Any,
         state: Any) -> list[Asset]:
    p = raw.props
    b.set("manager", "customer")  # every key a Pulumi program declares is customer managed
    b.set("spec", first_set(p.get("customerMasterKeySpec"), p.get("keySpec"), "SYMMETRIC_DEFAULT"))
    b.set("usage", first_set(p.get("keyUsage"), "ENCRYPT_DECRYPT"))
    b.set("enabled", enabled)
    b.set("state", state)
    # scheduling a key's deletion happens outside Pulumi (`aws kms schedule-key-deletion`), and the provider drops
    # such a key from state on refresh: neither a plan nor a stack export can tell; only the live view reads it
    b.set("pending_deletion", UNKNOWN)
    rotation = first_set(rotation_input, False)
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
