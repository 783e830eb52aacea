"""The index of one source's raw resources: by URN, by type, by identity, and the reverse references that fold side
resources into their owners (re-exported by `normalize.base`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from checks.model import Secret
from checks.normalize.logic import unwrap
from checks.raw import RawResource

_IDENTITY_KEYS = ("arn", "id", "bucket", "name", "keyId")
_CHILDREN = "base.children"  # memo key: parent URN -> its children, in index order
_NONE: list[RawResource] = []  # (never modified)


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
        self._referencing: dict[tuple[str, str], list[RawResource]] = {}
        by_urn, by_type, by_identity, identities = self.by_urn, self.by_type, self._by_identity, self._identities
        identity = self.identities
        for r in self.resources:  # one pass over every resource
            urn = r.urn
            by_urn[urn] = r
            by_type[r.type].append(r)
            ids = identities[urn] = identity(r)
            for ident in ids:
                by_identity[ident].append(r)

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
            if type(value) is Secret:  # `unwrap`, inlined: this runs for every resource (issue 13)
                value = value.value
            if isinstance(value, str) and value:
                ids.add(value)
        return ids

    def identities_of(self, r: RawResource) -> set[str]:
        """`identities(r)`, as computed once for a resource of this index (do not modify the set)."""
        found = self._identities.get(r.urn)
        return found if found is not None and self.by_urn.get(r.urn) is r else self.identities(r)

    def referencing(self, owner: RawResource, tokens: Iterable[str], prop: str) -> list[RawResource]:
        """Side resources of `tokens` whose `prop` names `owner` (by URN dependency or by value)."""
        found = self._referencing.get((owner.urn, prop))  # (the memo of `_referencing_any`, read without a call)
        if found is None:
            found = self._referencing_any(owner, prop)
        if not found:
            return []
        wanted = set(tokens)
        return [r for r in found if r.type in wanted]

    def _referencing_any(self, owner: RawResource, prop: str) -> list[RawResource]:
        """The resources of any type whose `prop` names `owner`, in the order `referencing` gives them (memoized:
        an owner asks for several kinds of side resource by the same prop)."""
        key = (owner.urn, prop)
        cached = self._referencing.get(key)
        if cached is not None:
            return cached
        dependents = self._refs_by_urn if self._refs_by_urn is not None else self._dependents()
        by_dependency = dependents.get(key)
        identities = self._identities.get(owner.urn)
        if identities is None:
            identities = self.identities(owner)
        if not by_dependency and not identities:
            return _NONE  # nothing names the owner (most owners of a preview): nothing to remember either
        found: dict[str, RawResource] = {}
        for r in by_dependency or ():
            found[r.urn] = r
        if identities:
            holders = self._holders(prop)
            for ident in identities:
                for r in holders.get(ident, ()):
                    if r.urn != owner.urn:
                        found.setdefault(r.urn, r)
        result = list(found.values())
        if self.by_urn.get(owner.urn) is owner:  # an owner of this index (its identities are the index's)
            self._referencing[key] = result
        return result

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
        return self.resolve_value(r.urn, r.props.get(prop), r.property_dependencies.get(prop, ()), tokens)

    def resolve_value(self, urn: str, value: Any, deps: Iterable[str], tokens: Iterable[str]) -> list[RawResource]:
        """`resolve` for a value and its dependencies read by the caller (the resource of `urn` is never its own
        target)."""
        wanted = set(tokens)
        found: dict[str, RawResource] = {}
        for dep in deps:
            target = self.by_urn.get(dep)
            if target is not None and target.type in wanted:
                found[dep] = target
        values = unwrap(value)
        values = values if isinstance(values, list) else [values]
        for value in values:
            value = unwrap(value)
            if isinstance(value, str):
                for target in self._by_identity.get(value, ()):
                    if target.type in wanted and target.urn != urn:
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
