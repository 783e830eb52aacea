"""kms.key from the live collector's `live:kms:key` raw resources (boto3 answers), and the helpers every
live normalizer shares: mapping failed API calls to the attribute paths they would have filled."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.live_types import KMS_KEY, is_aws_managed
from checks.model import Asset
from checks.normalize.base import AssetBuilder, Index, parse_json_doc, register
from checks.normalize.kms.policy import policy_facts
from checks.normalize.live import apply_call_errors, build_live
from checks.raw import RawResource

PENDING_STATES = frozenset({"PendingDeletion", "PendingReplicaDeletion"})
AWS_ROTATION_DAYS = 365  # AWS rotates the keys it manages every year

DESCRIBED = ("manager", "spec", "usage", "enabled", "state", "pending_deletion", "deletion_window_days",
             "multi_region", "origin", "custom_key_store_id")
ROTATION = ("rotation.enabled", "rotation.period_days")
POLICY = ("policy", "policy_allows_anyone_unconditionally")
ERROR_PATHS: dict[str, tuple[str, ...]] = {
    "DescribeKey": (*DESCRIBED, *ROTATION),  # without the key's manager and spec, rotation was not read
    "GetKeyRotationStatus": ROTATION,
    "GetKeyPolicy": POLICY,
    "ListAliases": ("aliases",),
}


@register(KMS_KEY)
def live_key(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("kms.key", raw)
    meta: dict[str, Any] = p.get("metadata") or {}
    aliases = list(p.get("aliases") or [])
    aws = is_aws_managed(meta.get("KeyManager"), aliases)
    state = meta.get("KeyState")
    spec = meta.get("KeySpec") or meta.get("CustomerMasterKeySpec")
    b.set("manager", None if not meta else "aws" if aws else "customer")
    b.set("spec", spec)
    # real AWS always answers KeyUsage; moto omits it for symmetric keys, whose default is ENCRYPT_DECRYPT
    b.set("usage", meta.get("KeyUsage") or ("ENCRYPT_DECRYPT" if meta else None))
    b.set("enabled", meta.get("Enabled"))
    b.set("state", state)
    b.set("origin", meta.get("Origin"))
    b.set("custom_key_store_id", meta.get("CustomKeyStoreId") if meta else None)  # absent: not in a key store
    b.set("pending_deletion", None if state is None else state in PENDING_STATES)
    b.set("rotation.enabled", None)
    b.set("rotation.period_days", None)
    rotation = p.get("rotation")
    if rotation is not None:
        enabled = rotation["enabled"]
        period = rotation.get("period_days")
        b.set("rotation.enabled", enabled)
        b.set("rotation.period_days", (period or AWS_ROTATION_DAYS) if enabled else None)
    elif meta and aws:
        b.set("rotation.enabled", True)
        b.set("rotation.period_days", AWS_ROTATION_DAYS)
    elif meta and (spec != "SYMMETRIC_DEFAULT" or meta.get("Origin", "AWS_KMS") != "AWS_KMS"):
        # asymmetric and HMAC keys, imported key material and keys in a custom key store cannot rotate automatically
        b.set("rotation.enabled", False)
    b.set("deletion_window_days", meta.get("PendingDeletionWindowInDays"))  # only while deletion is pending
    b.set("multi_region", meta.get("MultiRegion"))
    facts = policy_facts(parse_json_doc(p.get("policy")))
    b.set("policy", facts["document"])
    b.set("policy_allows_anyone_unconditionally", facts["allows_anyone_unconditionally"])
    b.set("aliases", aliases)
    apply_call_errors(b, raw, ERROR_PATHS)
    return [build_live(b, raw)]
