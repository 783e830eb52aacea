"""kms.key from the live collector's `live:kms:key` raw resources (boto3 answers), and the helpers every
live normalizer shares: mapping failed API calls to the attribute paths they would have filled."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from checks.model import Asset
from checks.normalize.base import AssetBuilder, Index, parse_json_doc, register
from checks.normalize.kms.planned import policy_facts
from checks.raw import RawResource

LIVE_KEY = "live:kms:key"
PENDING_STATES = frozenset({"PendingDeletion", "PendingReplicaDeletion"})
AWS_ROTATION_DAYS = 365  # AWS rotates the keys it manages every year

DESCRIBED = ("manager", "spec", "usage", "enabled", "state", "pending_deletion", "deletion_window_days",
             "multi_region")
ROTATION = ("rotation.enabled", "rotation.period_days")
POLICY = ("policy", "policy_allows_anyone_unconditionally")
ERROR_PATHS: dict[str, tuple[str, ...]] = {
    "DescribeKey": (*DESCRIBED, *ROTATION),  # without the key's manager and spec, rotation was not read
    "GetKeyRotationStatus": ROTATION,
    "GetKeyPolicy": POLICY,
    "ListAliases": ("aliases",),
}


def is_aws_managed(key_manager: Any, aliases: Iterable[str]) -> bool:
    """KeyManager AWS, or an `alias/aws/...` alias: moto reports AWS-managed keys as CUSTOMER."""
    return key_manager == "AWS" or any(a.startswith("alias/aws/") for a in aliases)


def apply_call_errors(b: AssetBuilder, raw: RawResource, paths: Mapping[str, tuple[str, ...]]) -> None:
    """Record each failed call of `raw` on the paths it would have filled, and null those values.

    A call with no entry in `paths` taints every attribute: never pass or fail on data that was not read.
    """
    for call_name, reason in raw.errors.items():
        for path in paths.get(call_name, tuple(b.attributes)):
            b.errors.setdefault(path, reason)
            _clear(b.attributes, path)


def _clear(attributes: dict[str, Any], path: str) -> None:
    """Null the value at `path`; an object keeps its shape with null leaves, a list becomes empty."""
    *parents, leaf = path.split(".")
    node = attributes
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            return
        node = child
    if leaf in node:
        node[leaf] = _emptied(node[leaf])


def _emptied(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _emptied(v) for k, v in value.items()}
    return [] if isinstance(value, list) else None


def build_live(b: AssetBuilder, raw: RawResource, *, tags: Mapping[str, Any] | None = None) -> Asset:
    """The asset of a live raw resource: ARN id, region and account from the props, no Pulumi URN."""
    p = raw.props
    asset = b.build(id=raw.id, name=raw.name, tags=tags if tags is not None else {},
                    region=p.get("region"), account=p.get("account"))
    return replace(asset, urn=None)


@register(LIVE_KEY)
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
    elif meta and spec != "SYMMETRIC_DEFAULT":
        b.set("rotation.enabled", False)  # asymmetric and HMAC keys cannot rotate automatically
    b.set("deletion_window_days", meta.get("PendingDeletionWindowInDays"))  # only while deletion is pending
    b.set("multi_region", meta.get("MultiRegion"))
    facts = policy_facts(parse_json_doc(p.get("policy")))
    b.set("policy", facts["document"])
    b.set("policy_allows_anyone_unconditionally", facts["allows_anyone_unconditionally"])
    b.set("aliases", aliases)
    apply_call_errors(b, raw, ERROR_PATHS)
    return [build_live(b, raw)]

