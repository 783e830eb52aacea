"""What every normalizer uses: the index of raw resources, the asset builder and three-valued logic.

A normalizer is a function `(raw, index) -> Iterable[Asset]` registered for one or more Pulumi type
tokens. Side resources (an S3 encryption configuration, a route table association) are registered
as *folded*: they produce no asset of their own, their owner's normalizer reads them via the index.

The index lives in `normalize.index`, the asset builder in `normalize.builder` and three-valued logic in
`normalize.logic`; normalizers import all of them from here.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable

from checks.model import Asset
from checks.normalize.builder import AssetBuilder
from checks.normalize.index import Index
from checks.normalize.logic import (
    as_list,
    blank,
    contains_unknown,
    first_set,
    is_unknown,
    parse_json_doc,
    partial_json,
    tri_all,
    tri_and,
    tri_any,
    tri_map,
    tri_not,
    tri_or,
    unwrap,
)
from checks.raw import RawResource

__all__ = [
    "AssetBuilder", "FOLDED", "Index", "NORMALIZERS", "Normalizer", "OWNERS", "as_list", "blank", "contains_unknown",
    "first_set", "folded", "is_unknown", "parse_json_doc", "partial_json", "register", "tri_all", "tri_and",
    "tri_any", "tri_map", "tri_not", "tri_or", "unwrap",
]

Normalizer = Callable[[RawResource, "Index"], Iterable[Asset]]

NORMALIZERS: dict[str, Normalizer] = {}
FOLDED: dict[str, str] = {}  # side-resource token -> the asset kind it folds into
OWNERS: dict[str, str] = {}  # token -> the module that registered or folded it (checked against `normalize.table`)


def _caller() -> str:
    """The name of the module that called `register` or `folded` (as `collections.namedtuple` finds its module)."""
    return str(sys._getframe(2).f_globals.get("__name__", "?"))


def register(*tokens: str) -> Callable[[Normalizer], Normalizer]:
    """Register a normalizer for Pulumi type tokens; a token registered twice raises."""
    owner = _caller()

    def deco(fn: Normalizer) -> Normalizer:
        for token in tokens:
            if token in NORMALIZERS or token in FOLDED:
                raise ValueError(f"normalizer for {token} registered twice")
            NORMALIZERS[token] = fn
            OWNERS[token] = owner
        return fn

    return deco


def folded(kind: str, *tokens: str) -> None:
    """Declare side-resource tokens that fold into assets of `kind`; a token declared twice raises."""
    owner = _caller()
    for token in tokens:
        if token in NORMALIZERS or token in FOLDED:
            raise ValueError(f"side resource {token} registered twice")
        FOLDED[token] = kind
        OWNERS[token] = owner
