"""The asset builder: collects one asset's attributes, recording unknown and secret paths as values are set
(re-exported by `normalize.base`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks.model import UNKNOWN, Asset, Secret
from checks.raw import RawResource, urn_name

_PLAIN = frozenset({str, int, float, bool, type(None)})  # values the asset builder stores as they are
_NONE: frozenset[str] = frozenset()


class AssetBuilder:
    """Collects attributes for one asset, recording unknown and secret paths as values are set."""

    def __init__(self, kind: str, raw: RawResource) -> None:
        self.kind = kind
        self.raw = raw
        self.attributes: dict[str, Any] = {}
        self.unknown: set[str] = set()
        self.secrets: set[str] = set()
        self.errors: dict[str, str] = {}

    def set(self, path: str, value: Any) -> Any:
        """Set a dotted attribute path; UNKNOWN anywhere inside is recorded and replaced by None."""
        if type(value) not in _PLAIN:
            value = self._clean(path, value)
        if "." in path:
            parts = path.split(".")
            node = self.attributes
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = value
        else:
            self.attributes[path] = value
        return value

    def _clean(self, path: str, value: Any) -> Any:
        """`value` with UNKNOWN replaced by None and Secret by its value, their paths recorded (a copy of every list
        and dict; other values as they are). Plain items are copied without a call or a path."""
        kind = type(value)
        if kind is dict:
            out: dict[Any, Any] = {}
            for k, v in value.items():
                out[k] = v if type(v) in _PLAIN else self._clean(f"{path}.{k}", v)
            return out
        if kind is list:
            item_path = f"{path}[]"
            return [v if type(v) in _PLAIN else self._clean(item_path, v) for v in value]
        if kind in _PLAIN:
            return value
        if value is UNKNOWN:
            self.unknown.add(path)
            return None
        if kind is Secret:
            self.secrets.add(path)
            return self._clean(path, value.value)
        if isinstance(value, list):
            return [self._clean(f"{path}[]", v) for v in value]
        if isinstance(value, dict):
            return {k: self._clean(f"{path}.{k}", v) for k, v in value.items()}
        return value

    def build(self, *, id: str | None = None, name: str | None = None,
              tags: Mapping[str, Any] | None = None, region: str | None = None,
              account: str | None = None) -> Asset:
        raw = self.raw
        props = raw.props
        clean_tags: dict[str, str] = {}
        raw_tags = tags if tags is not None else props.get("tags")
        if type(raw_tags) is Secret:  # `Secret` has no subclasses (normalize.logic)
            self.secrets.add("tags")
            raw_tags = raw_tags.value
        if raw_tags is UNKNOWN:
            self.unknown.add("tags")
        elif isinstance(raw_tags, dict):
            for k, v in raw_tags.items():
                if type(v) is str:  # the usual tag: no call
                    clean_tags[k] = v
                    continue
                if type(v) is Secret:
                    self.secrets.add(f"tags.{k}")
                    v = v.value
                if v is UNKNOWN:
                    self.unknown.add(f"tags.{k}")
                elif v is not None:
                    clean_tags[k] = str(v)
        if not id:  # identity is printed by every report: a secret ARN is never chosen (normalize.secrets seals it)
            arn = props.get("arn")
            id = arn if isinstance(arn, str) and arn else raw.id or raw.urn
        if not region:
            given = props.get("region")
            if type(given) is Secret:
                given = given.value
            region = given if isinstance(given, str) and given else raw.region
        return Asset(
            kind=self.kind,
            id=id,
            name=name or raw.name or urn_name(raw.urn),
            source=raw.source,
            attributes=self.attributes,
            urn=raw.urn,
            account=account,
            region=region,
            location=raw.location,
            tags=clean_tags,
            unknown=frozenset(self.unknown) if self.unknown else _NONE,
            errors=dict(self.errors),
            secrets=frozenset(self.secrets) if self.secrets else _NONE,
        )
