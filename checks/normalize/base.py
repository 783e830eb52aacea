"""What every normalizer uses: the index of raw resources, the asset builder and three-valued logic.

A normalizer is a function `(raw, index) -> Iterable[Asset]` registered for one or more Pulumi type
tokens. Side resources (an S3 encryption configuration, a route table association) are registered
as *folded*: they produce no asset of their own, their owner's normalizer reads them via the index.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from checks.model import UNKNOWN, Asset, Secret
from checks.raw import UNKNOWN_MARK, RawResource, urn_name

Normalizer = Callable[[RawResource, "Index"], Iterable[Asset]]
_IDENTITY_KEYS = ("arn", "id", "bucket", "name", "keyId")
_CHILDREN = "base.children"  # memo key: parent URN -> its children, in index order
_PLAIN = frozenset({str, int, float, bool, type(None)})  # values the asset builder stores as they are

NORMALIZERS: dict[str, Normalizer] = {}
FOLDED: dict[str, str] = {}  # side-resource token -> the asset kind it folds into


def register(*tokens: str) -> Callable[[Normalizer], Normalizer]:
    """Register a normalizer for Pulumi type tokens; a token registered twice raises."""

    def deco(fn: Normalizer) -> Normalizer:
        for token in tokens:
            if token in NORMALIZERS or token in FOLDED:
                raise ValueError(f"normalizer for {token} registered twice")
            NORMALIZERS[token] = fn
        return fn

    return deco


def folded(kind: str, *tokens: str) -> None:
    """Declare side-resource tokens that fold into assets of `kind`; a token declared twice raises."""
    for token in tokens:
        if token in NORMALIZERS or token in FOLDED:
            raise ValueError(f"side resource {token} registered twice")
        FOLDED[token] = kind


# ---------------------------------------------------------------- three-valued logic


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN


def unwrap(value: Any) -> Any:
    """The plain value of a possibly-secret value (for derived facts; never print it)."""
    return value.value if isinstance(value, Secret) else value


def tri_and(*values: Any) -> Any:
    """False if any is false; else UNKNOWN if any is unknown; else True."""
    unknown = False
    for value in values:
        value = unwrap(value)
        if value is UNKNOWN:
            unknown = True
        elif not value:
            return False
    return UNKNOWN if unknown else True


def tri_or(*values: Any) -> Any:
    """True if any is true; else UNKNOWN if any is unknown; else False."""
    unknown = False
    for value in values:
        value = unwrap(value)
        if value is UNKNOWN:
            unknown = True
        elif value:
            return True
    return UNKNOWN if unknown else False


def tri_not(value: Any) -> Any:
    value = unwrap(value)
    return UNKNOWN if value is UNKNOWN else not value


def tri_any(values: Iterable[Any]) -> Any:
    return tri_or(False, *values)


def tri_all(values: Iterable[Any]) -> Any:
    return tri_and(True, *values)


def contains_unknown(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, Secret):
        return contains_unknown(value.value)
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    return False


def parse_json_doc(value: Any) -> Any:
    """A policy document given as a JSON string or an object; UNKNOWN stays UNKNOWN; bad JSON -> None."""
    value = unwrap(value)
    if value is UNKNOWN or value is None:
        return value
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except ValueError:
            return None
    if contains_unknown(value):
        return UNKNOWN
    return value


def partial_json(raw: RawResource, prop: str) -> Any:
    """`raw.props[prop]` as a JSON document (`parse_json_doc`); when it is UNKNOWN because parts of it are (planned
    view: a document built from outputs not known at plan time), the document with only those parts UNKNOWN."""
    value = raw.props.get(prop)
    text = raw.partial.get(prop)
    if value is not UNKNOWN or text is None:
        return parse_json_doc(value)
    try:
        doc = json.loads(text)
    except ValueError:
        return UNKNOWN
    return _unmarked(doc)


def _unmarked(value: Any) -> Any:
    if isinstance(value, str):
        return UNKNOWN if UNKNOWN_MARK in value else value
    if isinstance(value, list):
        return [_unmarked(v) for v in value]
    if isinstance(value, dict):
        return {k: UNKNOWN if UNKNOWN_MARK in k else _unmarked(v) for k, v in value.items()}
    return value


def first_set(*values: Any) -> Any:
    """The first value that is not None (UNKNOWN counts as set: it may hold anything)."""
    for value in values:
        if value is not None:
            return value
    return None


def tri_map(value: Any, fn: Callable[[Any], Any]) -> Any:
    """fn(value), or UNKNOWN when value is UNKNOWN."""
    value = unwrap(value)
    return UNKNOWN if value is UNKNOWN else fn(value)


def as_list(value: Any) -> Any:
    """None -> [], a single object -> [object], a list stays; UNKNOWN stays UNKNOWN."""
    if value is None:
        return []
    if value is UNKNOWN or isinstance(value, list):
        return value
    return [value]


# ---------------------------------------------------------------- the index


class Index:
    """All raw resources of one source, with reverse references for folding side resources."""

    def __init__(self, resources: Iterable[RawResource], *, reviewed: frozenset[str] = frozenset()) -> None:
        self.resources: list[RawResource] = list(resources)
        self.reviewed = reviewed  # fingerprints of the security-group rules in the review register
        self.by_urn: dict[str, RawResource] = {}
        self.by_type: dict[str, list[RawResource]] = defaultdict(list)
        # (URN, prop) -> resources whose `prop` depends on the URN; (prop, value) -> resources whose `prop` holds the
        # value (or a list holding it): built on first use, one prop at a time (`referencing` asks for a few)
        self._refs_by_urn: dict[tuple[str, str], list[RawResource]] | None = None
        self._refs_by_value: dict[str, dict[str, list[RawResource]]] = {}
        self._by_identity: dict[str, list[RawResource]] = defaultdict(list)
        self._identities: dict[str, set[str]] = {}
        self.memo: dict[Any, Any] = {}
        for r in self.resources:
            self.by_urn[r.urn] = r
            self.by_type[r.type].append(r)
            idents = self._identities[r.urn] = self.identities(r)
            for ident in idents:
                self._by_identity[ident].append(r)

    def of_type(self, *tokens: str) -> list[RawResource]:
        return [r for t in tokens for r in self.by_type.get(t, ())]

    @staticmethod
    def identities(r: RawResource) -> set[str]:
        """Values by which other resources may name `r`: its id, ARN and name-like outputs."""
        ids = {r.id} if r.id else set()
        props = r.props
        for key in _IDENTITY_KEYS:
            value = props.get(key)
            if value is None:
                continue
            value = unwrap(value)
            if isinstance(value, str) and value:
                ids.add(value)
        return ids

    def referencing(self, owner: RawResource, tokens: Iterable[str], prop: str) -> list[RawResource]:
        """Side resources of `tokens` whose `prop` names `owner` (by URN dependency or by value)."""
        wanted = set(tokens)
        found: dict[str, RawResource] = {}
        for r in self._dependents().get((owner.urn, prop), ()):
            if r.type in wanted:
                found[r.urn] = r
        identities = self._identities.get(owner.urn)
        if identities is None:
            identities = self.identities(owner)
        if identities:
            holders = self._holders(prop)
            for ident in identities:
                for r in holders.get(ident, ()):
                    if r.type in wanted and r.urn != owner.urn:
                        found.setdefault(r.urn, r)
        return list(found.values())

    def _dependents(self) -> dict[tuple[str, str], list[RawResource]]:
        if self._refs_by_urn is None:
            self._refs_by_urn = defaultdict(list)
            for r in self.resources:
                for prop, urns in r.property_dependencies.items():
                    for urn in urns:
                        self._refs_by_urn[(urn, prop)].append(r)
        return self._refs_by_urn

    def _holders(self, prop: str) -> dict[str, list[RawResource]]:
        """Value -> the resources whose `prop` is that string or a list holding it (security group ids, subnets)."""
        holders = self._refs_by_value.get(prop)
        if holders is None:
            holders = self._refs_by_value[prop] = defaultdict(list)
            for r in self.resources:
                value = r.props.get(prop)
                if value is None:
                    continue
                value = unwrap(value)
                if isinstance(value, str):
                    if value:
                        holders[value].append(r)
                elif isinstance(value, list):
                    for item in value:
                        item = unwrap(item)
                        if isinstance(item, str) and item:
                            holders[item].append(r)
        return holders

    def resolve(self, r: RawResource, prop: str, tokens: Iterable[str]) -> list[RawResource]:
        """The resources of `tokens` that `r.props[prop]` names (via dependencies, else by value).

        A list-valued property (security group ids) may name several.
        """
        wanted = set(tokens)
        found: dict[str, RawResource] = {}
        for urn in r.property_dependencies.get(prop, ()):
            target = self.by_urn.get(urn)
            if target is not None and target.type in wanted:
                found[urn] = target
        values = unwrap(r.props.get(prop))
        values = values if isinstance(values, list) else [values]
        for value in values:
            value = unwrap(value)
            if isinstance(value, str):
                for target in self._by_identity.get(value, ()):
                    if target.type in wanted and target.urn != r.urn:
                        found.setdefault(target.urn, target)
        return list(found.values())

    def children(self, parent: RawResource, tokens: Iterable[str]) -> list[RawResource]:
        by_parent = self.memo.get(_CHILDREN)
        if by_parent is None:
            by_parent = self.memo[_CHILDREN] = defaultdict(list)
            for r in self.resources:
                if r.parent is not None:
                    by_parent[r.parent].append(r)
        wanted = set(tokens)
        return [r for r in by_parent.get(parent.urn, ()) if r.type in wanted]


# ---------------------------------------------------------------- building assets


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
        clean = value if type(value) in _PLAIN else self._clean(path, value)
        if "." not in path:
            self.attributes[path] = clean
            return clean
        parts = path.split(".")
        node = self.attributes
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = clean
        return clean

    def _clean(self, path: str, value: Any) -> Any:
        if type(value) in _PLAIN:
            return value
        if value is UNKNOWN:
            self.unknown.add(path)
            return None
        if isinstance(value, Secret):
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
        clean_tags: dict[str, str] = {}
        given_tags = tags if tags is not None else raw.props.get("tags")
        if isinstance(given_tags, Secret):
            self.secrets.add("tags")
        raw_tags = unwrap(given_tags)
        if raw_tags is UNKNOWN:
            self.unknown.add("tags")
        elif isinstance(raw_tags, dict):
            for k, v in raw_tags.items():
                if isinstance(v, Secret):
                    self.secrets.add(f"tags.{k}")
                v = unwrap(v)
                if v is UNKNOWN:
                    self.unknown.add(f"tags.{k}")
                elif v is not None:
                    clean_tags[k] = str(v)
        # identity is printed by every report: a secret ARN is never chosen (normalize.secrets seals the rest)
        ident = id or _plain_str(raw.props.get("arn")) or raw.id or raw.urn
        return Asset(
            kind=self.kind,
            id=ident,
            name=name or raw.name or urn_name(raw.urn),
            source=raw.source,
            attributes=self.attributes,
            urn=raw.urn,
            account=account,
            region=region or _known_str(raw.props.get("region")) or raw.region,
            location=raw.location,
            tags=clean_tags,
            unknown=frozenset(self.unknown),
            errors=dict(self.errors),
            secrets=frozenset(self.secrets),
        )


def _known_str(value: Any) -> str | None:
    value = unwrap(value)
    return value if isinstance(value, str) and value else None


def _plain_str(value: Any) -> str | None:
    """A known string that is not secret (for identity fields, which are printed)."""
    return value if isinstance(value, str) and value else None




def blank(value: Any) -> Any:
    """Terraform state writes "" or 0 for unset strings and numbers: those become None."""
    value = unwrap(value)
    return None if value is not UNKNOWN and value in ("", 0) and value is not False else value
