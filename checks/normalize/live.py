"""What every live normalizer shares: the asset of a live raw resource, and failed API calls recorded on the
attribute paths they would have filled (never pass or fail on data that was not read)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from checks.model import Asset
from checks.normalize.base import AssetBuilder
from checks.raw import RawResource


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


KEY = ("encryption.customer_managed_key",)


def key_encryption(algorithm: str, key: str | None, manager: str | None) -> dict[str, Any]:
    """The encryption attribute for data encrypted with `key` (None: the service's own key), whose
    manager is "customer", "aws" or None (not read: the caller records the error)."""
    return {"enabled": True, "algorithm": algorithm, "kms_key_id": None if manager == "aws" else key,
            "customer_managed_key": key is not None and manager == "customer"}
