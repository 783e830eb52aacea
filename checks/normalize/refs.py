"""Reference resolution and small facts shared by the network, compute, LB, database and container normalizers.

`Index.resolve` scans every resource of a type to match values, which is O(n) per call; here one identity map per
token set is built once in `index.memo`, so resolving a value is O(1). A reference is followed by its property
dependencies (URNs, as in a preview where the value itself is unknown) and by value (ids, ARNs and names, as in a
state file or under mocks).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from functools import lru_cache
from typing import Any, NamedTuple

from checks.model import UNKNOWN, Secret
from checks.normalize.base import Index, unwrap
from checks.raw import RawResource

LB_TOKENS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
TARGET_GROUP_TOKENS = ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup")


class Refs(NamedTuple):
    """What a reference property names: declared resources, ids not declared in the program, and whether some
    value is unknown with no dependency to explain it. (A named tuple, not a dataclass: made ~100,000 times at
    100,000 resources, and a dataclass costs a millisecond to define at import.)"""

    targets: tuple[RawResource, ...] = ()
    external: tuple[str, ...] = ()
    unknown: bool = False
    secret_external: frozenset[str] = frozenset()  # external values that were secret where they were read

    def values(self) -> list[Any]:
        """Reference values for an attribute: declared targets by `ref_id`, external ids, UNKNOWN if unresolved.

        A value that was secret (the reference itself, or the target's id or ARN) stays `Secret`, so that the
        asset builder records its path and reports never print it."""
        out: list[Any] = [ref_id(t) for t in self.targets]
        out.extend(self.shown(e) for e in self.external)
        if self.unknown:
            out.append(UNKNOWN)
        return out

    def scalar(self) -> Any:
        """The single referenced value (None when nothing is referenced)."""
        if self.unknown:
            return UNKNOWN
        values = self.values()
        return values[0] if values else None

    def shown(self, external: str) -> Any:
        """An external value as an attribute holds it: `Secret` when it was secret."""
        return Secret(external) if external in self.secret_external else external


def ref_id(raw: RawResource) -> Any:
    """How an attribute names a declared resource: its AWS id when known, else its ARN, else its URN.

    A secret id or ARN is returned as `Secret` (never unwrapped: the attribute would print it)."""
    for value in (raw.id, raw.props.get("id"), raw.props.get("arn")):
        plain = unwrap(value)
        if isinstance(plain, str) and plain:
            return value
    return raw.urn


def identity_map(index: Index, tokens: tuple[str, ...]) -> dict[str, RawResource]:
    """Identity value (id, ARN, name ...) -> declared resource of `tokens`, built once per token set."""
    key = ("ec2_refs.identity_map", tokens)
    found = index.memo.get(key)
    if found is None:
        found = {}
        for r in index.of_type(*tokens):
            for ident in index.identities_of(r):
                found.setdefault(ident, r)
        index.memo[key] = found
    return found


def flatten(value: Any) -> tuple[list[str], int, bool]:
    """(known strings, number of unknown items, whether the whole value is unknown) of a scalar or list value."""
    known, unknown, whole, _ = flatten_secrets(value)
    return known, unknown, whole


def flatten_secrets(value: Any) -> tuple[list[str], int, bool, set[str]]:
    """`flatten`, plus the known strings that were secret (the whole value or the item)."""
    all_secret = isinstance(value, Secret)
    value = unwrap(value)
    if value is UNKNOWN:
        return [], 1, True, set()
    items = value if isinstance(value, list) else [value]
    known: list[str] = []
    secret: set[str] = set()
    unknown = 0
    for item in items:
        item_secret = all_secret or isinstance(item, Secret)
        item = unwrap(item)
        if item is UNKNOWN:
            unknown += 1
        elif isinstance(item, str) and item:
            known.append(item)
            if item_secret:
                secret.add(item)
    return known, unknown, False, secret


def resolve_refs(index: Index, r: RawResource, prop: str, tokens: Iterable[str], *, value: Any = None,
                 use_deps: bool = True, scalar: bool = False) -> Refs:
    """Follow the reference in `value` (default `r.props[prop]`) to declared resources of `tokens`.

    Dependencies are read from `r.property_dependencies[prop]` (the top-level property). `use_deps=False` when the
    value is one item of a nested list whose siblings share the same dependencies: then an unknown item stays unknown.
    `scalar=True` for single-valued references: several candidate dependencies make an unknown value ambiguous.
    """
    wanted = _wanted(tokens if isinstance(tokens, tuple) else tuple(tokens))
    if value is None:
        value = r.props.get(prop)
    secret: Collection[str]
    if value is UNKNOWN:  # as `flatten_secrets(UNKNOWN)`, without the call (a preview's usual reference)
        known, n_unknown, whole, secret = _NOTHING_KNOWN, 1, True, _NO_SECRETS
    else:
        known, n_unknown, whole, secret = flatten_secrets(value)
    targets: dict[str, RawResource] = {}
    unmatched: list[str] = []
    if known:  # (a value unknown as a whole, as in a preview, needs no identity map)
        ids = identity_map(index, wanted)
        for item in known:
            target = ids.get(item)
            if target is None:
                unmatched.append(item)
            else:
                targets.setdefault(target.urn, target)
    candidates: list[RawResource] = []
    if use_deps:
        for urn in r.property_dependencies.get(prop, ()):
            dep = index.by_urn.get(urn)
            if dep is not None and dep.type in wanted and dep.urn not in targets:
                candidates.append(dep)
    # known values that match nothing by value, but whose dependencies name exactly as many declared resources
    # (a mock or a source that does not record ids): the dependencies explain them
    if unmatched and n_unknown == 0 and len(unmatched) == len(candidates):
        for dep in candidates:
            targets.setdefault(dep.urn, dep)
        return Refs(tuple(targets.values()), secret_external=frozenset(secret))
    unresolved = False
    if n_unknown:
        if scalar and len(candidates) > 1:
            unresolved = True
        elif candidates and (whole or len(candidates) >= n_unknown):
            for dep in candidates:
                targets.setdefault(dep.urn, dep)
        else:
            unresolved = True
    return Refs(tuple(targets.values()), tuple(unmatched), unresolved,
                frozenset(e for e in unmatched if e in secret) if unmatched and secret else _NO_SECRETS)


_NOTHING_KNOWN: list[str] = []  # (never modified)
_NO_SECRETS: frozenset[str] = frozenset()


@lru_cache(maxsize=256)
def _wanted(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """The type tokens of a reference, in one order (the identity map is built once per such tuple)."""
    return tuple(sorted(set(tokens)))


def path_value(props: Any, path: str) -> Any:
    """The value at a dotted path with `[]` for lists (`networkInterfaces[].securityGroups`), concatenating list items.

    UNKNOWN anywhere on the way makes the result UNKNOWN; a missing step gives None.
    """
    return _walk(props, path.split("."))


def _walk(node: Any, parts: list[str]) -> Any:
    if not parts:
        return node
    node = unwrap(node)
    if node is UNKNOWN:
        return UNKNOWN
    if not isinstance(node, dict):
        return None
    head, rest = parts[0], parts[1:]
    child = unwrap(node.get(head.removesuffix("[]")))
    if not head.endswith("[]"):
        return _walk(child, rest)
    if child is UNKNOWN or not rest:
        return child
    out: list[Any] = []
    for item in child if isinstance(child, list) else []:
        sub = _walk(item, rest)
        if sub is UNKNOWN:
            return UNKNOWN
        if isinstance(sub, list):
            out.extend(sub)
        elif sub is not None:
            out.append(sub)
    return out


def as_bool(value: Any) -> Any:
    """A boolean from a bool or a "true"/"false" string (launch templates send strings); None and UNKNOWN stay."""
    value = unwrap(value)
    if value is None or value is UNKNOWN or isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "false"):
            return text == "true"
        return None if not text else UNKNOWN
    return bool(value)


def lb_type(raw: RawResource) -> Any:
    """application | network | gateway: `loadBalancerType`, default application (provider default)."""
    value = unwrap(raw.props.get("loadBalancerType"))
    return "application" if value is None or value == "" else value


def lb_scheme(raw: RawResource) -> Any:
    """internal when `internal` is true, else internet-facing (provider default internal=false); UNKNOWN stays."""
    internal = as_bool(raw.props.get("internal"))
    if internal is UNKNOWN:
        return UNKNOWN
    return "internal" if internal else "internet-facing"
