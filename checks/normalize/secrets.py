"""A value that is secret anywhere stays secret everywhere.

A normalizer marks the attribute paths it fills from a `Secret` (the asset builder records them), but a secret's
plaintext can reach an asset by other ways: a reference resolved to another resource's id, an ARN or a name that
embeds a secret input, a tag, a value the provider copied from a secret input into a plain output. So after
normalization every asset is *sealed* against the plaintexts of every secret of the source:

- an attribute or tag whose value contains a secret plaintext is recorded in `secrets` (messages print `****`);
- an `id` or `name` that contains one is replaced by the URN (or its last part), or by the text with the secret
  cut out when the URN holds it too: identity fields are printed by every report format, so they are never secret;
- an error text (`errors`, printed as a finding's detail) has the plaintext cut out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from checks.model import UNKNOWN, Asset, SecretTexts, secret_strings
from checks.raw import RawResource, urn_name


def secret_texts(resources: Iterable[RawResource]) -> frozenset[str]:
    """Every string plaintext held in a `Secret` of any raw resource (inside lists and maps too).

    A secret policy document is one string: values parsed out of it are pieces of it (see `Sealer._mark`)."""
    found: set[str] = set()
    for raw in resources:
        for value in raw.props.values():  # most props are plain scalars: skipped here without a call
            kind = type(value)
            if not (kind is str or kind is int or kind is bool or kind is float or value is None):
                _collect(value, found)
    return frozenset(found)


def _collect(value: Any, found: set[str]) -> None:
    """`secret_strings(value)` added to `found`, walking plain JSON values cheaply: only a `Secret` holds any."""
    kind = type(value)
    if kind is dict:
        items: Iterable[Any] = value.values()
    elif kind is list:
        items = value
    elif kind is str or kind is int or kind is bool or kind is float or value is None or value is UNKNOWN:
        return  # (UNKNOWN holds no secret string)
    else:  # a Secret, or another mapping or sequence
        found.update(secret_strings(value))
        return
    for item in items:  # scalar items without a call
        kind = type(item)
        if not (kind is str or kind is int or kind is bool or kind is float or item is None or item is UNKNOWN):
            _collect(item, found)


class Sealer(SecretTexts):
    """Seals assets against a set of secret plaintexts."""

    def seal(self, asset: Asset) -> Asset:
        """The asset with every value holding a secret recorded in `secrets`, and clean identity and errors."""
        if not self.exact:
            return asset
        paths: set[str] = set()
        for key, value in asset.attributes.items():
            self._mark(key, value, paths)
        for key, value in asset.tags.items():
            if isinstance(value, str) and self.holds(value):
                paths.add(f"tags.{key}")
        changes: dict[str, Any] = {}
        if paths - asset.secrets:
            changes["secrets"] = asset.secrets | paths
        urn = asset.urn or ""
        if self.holds(asset.id):
            changes["id"] = urn if urn and not self.holds(urn) else self.cut(asset.id)
        if self.holds(asset.name):
            short = urn_name(urn) if urn else ""
            changes["name"] = short if short and not self.holds(short) else self.cut(asset.name)
        if urn and self.holds(urn):
            changes["urn"] = self.cut(urn)
        if any(self.holds(why) for why in asset.errors.values()):
            changes["errors"] = {path: self.cut(why) for path, why in asset.errors.items()}
        return replace(asset, **changes) if changes else asset

    def _mark(self, path: str, value: Any, paths: set[str]) -> None:
        if isinstance(value, str):
            if self.holds(value) or self.piece_of(value):
                paths.add(path)  # holds a secret, or is a piece of one (a string out of a secret policy)
        elif isinstance(value, Mapping):
            for key, item in value.items():
                self._mark(f"{path}.{key}", item, paths)
        elif isinstance(value, list):
            for item in value:
                self._mark(f"{path}[]", item, paths)


def seal_assets(assets: list[Asset], resources: Iterable[RawResource],
                extra: frozenset[str] = frozenset()) -> list[Asset]:
    """`Sealer.seal` over every asset, against the secrets of `resources` and the `extra` plaintexts (a sandbox's
    secrets found in a live read: checks/digests.py)."""
    sealer = Sealer(secret_texts(resources) | extra)
    return [sealer.seal(a) for a in assets] if sealer.exact else assets
