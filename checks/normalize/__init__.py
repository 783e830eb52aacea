"""Normalizers: raw resources of any source -> assets of named kinds (one module per kind family)."""


from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from checks import collector_paused
from checks.model import Asset
from checks.normalize.base import FOLDED, NORMALIZERS, Index
from checks.normalize.scopes import Scopes, derive_scopes
from checks.normalize.secrets import seal_assets
from checks.normalize.table import import_for
from checks.plugins import import_package
from checks.raw import RawResource

__all__ = ["Normalized", "Scopes", "load_normalizers", "normalize"]


def load_normalizers() -> None:
    """Import every module of this package once: each registers the type tokens it normalizes or folds.

    `normalize` imports only the modules its resources' types need (`checks.normalize.table`); this is for what
    lists every normalizer, and for importing them ahead of time (while a Pulumi program runs)."""
    import_package(__name__)


@dataclass(frozen=True)
class Normalized:
    assets: list[Asset]
    unsupported: dict[str, int] = field(default_factory=dict)  # AWS type token -> count, not checked
    folded: int = 0


def normalize(resources: Iterable[RawResource], *, reviewed: frozenset[str] = frozenset(),
              group_names: Mapping[str, str] | None = None, scopes: Scopes | None = None,
              derive: bool = True, secrets: frozenset[str] = frozenset()) -> Normalized:
    """Assets of every supported resource; `reviewed` holds the rule fingerprints of the review register.

    `scopes` (live view): the accounts and regions the scan read, for the account- and region-level assets
    (`checks.normalize.scopes`); the planned and state views derive theirs from what the program declares.
    `derive=False`: only the resources themselves (drift compares resources, not views of the account).
    `secrets`: plaintexts known to be secret besides the sources' own (a sandbox's, found in a live read).

    `group_names` (live view) maps a security group's id to the name its rules' fingerprints use: the name the
    planned view gives it (`checks.drift.link.group_names` makes it from a stack's state)."""
    with collector_paused():  # normalizing makes no cyclic garbage
        return _normalize(resources, reviewed, group_names, scopes, derive, secrets)


def _normalize(resources: Iterable[RawResource], reviewed: frozenset[str], group_names: Mapping[str, str] | None,
               scopes: Scopes | None, derive: bool, secrets: frozenset[str]) -> Normalized:
    index = Index(resources, reviewed=reviewed)
    import_for(index.by_type)  # only the normalizers of the types present (side resources' included)
    if group_names:
        from checks.normalize.ec2.live_sg import LINKED_NAMES

        index.memo[LINKED_NAMES] = dict(group_names)
    assets: list[Asset] = []
    unsupported: Counter[str] = Counter()
    folded = 0
    for raw in index.resources:
        fn = NORMALIZERS.get(raw.type)
        if fn is not None:
            assets.extend(fn(raw, index))
        elif raw.type in FOLDED:
            folded += 1
        elif raw.custom and raw.type.startswith(("aws:", "live:")):
            unsupported[raw.type] += 1  # a collector's raw type that no normalizer reads is not silently dropped
    if derive:
        assets.extend(derive_scopes(assets, index, scopes))
    assets = seal_assets(assets, index.resources, secrets)  # a value secret anywhere is secret in every asset
    return Normalized(assets=assets, unsupported=dict(sorted(unsupported.items())), folded=folded)
