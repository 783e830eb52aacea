"""Configuration drift: the state view against the live view of the same assets.

Assets are matched by kind and ARN, else by kind and AWS id (an ARN's resource tail), never by name. A matched
pair is compared attribute by attribute over the attributes both documents have (the live scan may read attributes
the state does not, and the reverse), recursing into maps; a list is compared as a whole and without regard to order
(the asset model's lists are sets: rules, attached_to, ...). A path that is unknown or unread (an error) in either
view is left out and listed in `not_compared`; a secret path is listed there too and reported as an
AttributeChange with `secret=True` and no values (it never makes the asset `changed`). A value null in one view
only is not compared either (listed in `not_compared`): the views do not read the same things (the live view
cannot read an active KMS key's deletion window; the state holds provider defaults AWS does not return), so it is
not known to differ. A key id in one view and the same key's ARN in the other are equal. Tags are compared when
both views have some (not every collector reads them); account and region only when both sides know them;
identity and provenance (name, urn, source, location) never, nor the attributes that explain a verdict in words
(`EXPLANATIONS`). The account-level singletons (`SINGLETON_KINDS`)
have no ARN and view-specific ids: they are matched by kind, account and region.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from checks.drift.ids import aws_id, is_arn
from checks.drift.ignore import SINGLETON_KINDS, IgnoreRules, singleton_reason
from checks.drift.model import AssetDrift, AttributeChange, ConfigurationDrift, DriftClass, KindCoverage
from checks.live_types import DERIVED_KINDS, FEEDS
from checks.model import UNKNOWN, Asset, Secret, path_segments

_Key = tuple[str, str]
# attributes that explain a verdict in words (for a control's message), worded from what each view can see: never drift
EXPLANATIONS = frozenset({"public_ip_reason", "volumes_without_customer_key"})


def _keys(asset: Asset) -> list[_Key]:
    keys = [(asset.kind, asset.id)] if is_arn(asset.id) else []
    tail = aws_id(asset.id)
    if tail is not None:
        keys.append((asset.kind, "id:" + tail))
    return keys


def _blocked(state: Asset, live: Asset) -> tuple[dict[tuple[str, ...], str], set[tuple[str, ...]]]:
    """Paths not compared (segments -> the path as written), and the secret ones among them."""
    blocked: dict[tuple[str, ...], str] = {}
    secret: set[tuple[str, ...]] = set()
    for asset in (state, live):
        for path in (*asset.unknown, *asset.errors):
            blocked.setdefault(path_segments(path), path.replace("[]", ""))
        for path in asset.secrets:
            segs = path_segments(path)
            blocked[segs] = path.replace("[]", "")
            secret.add(segs)
    return blocked, secret


def _canonical(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "[" + ",".join(sorted(_canonical(v) for v in value)) + "]"
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{json.dumps(str(k))}:{_canonical(v)}" for k, v in sorted(value.items())) + "}"
    return json.dumps(value, sort_keys=True, default=str)


_PLAIN = (str, int, float, bool, type(None))


def _opaque(value: Any) -> str | None:
    """'unknown' or 'secret' when a value holds such a marker anywhere (it is then not compared), else None."""
    if type(value) in _PLAIN:
        return None
    pending = [value]
    found: str | None = None
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind in _PLAIN:
            continue
        if kind is dict:
            pending.extend(item.values())
        elif kind is list or kind is tuple:
            pending.extend(item)
        elif kind is Secret:
            return "secret"
        elif item is UNKNOWN:
            found = "unknown"
        elif isinstance(item, Mapping):
            pending.extend(item.values())
    return found


def _same_reference(state: Any, live: Any) -> bool:
    """A key id in one view and the key's ARN in the other name the same resource."""
    if not (isinstance(state, str) and isinstance(live, str)) or is_arn(state) == is_arn(live):
        return False
    return aws_id(state) == aws_id(live)


class _Diff:
    def __init__(self, blocked: dict[tuple[str, ...], str], secret: set[tuple[str, ...]]) -> None:
        self.blocked = blocked
        self.secret = secret
        self.changes: list[AttributeChange] = []
        self.not_compared: set[str] = set()

    def _skip(self, segs: tuple[str, ...], path: str, *, secret: bool) -> None:
        if path not in self.not_compared:
            self.not_compared.add(path)
            if secret:
                self.changes.append(AttributeChange(path, None, None, secret=True))

    def walk(self, segs: tuple[str, ...], state: Any, live: Any) -> None:
        path = ".".join(segs)
        if self.blocked:
            n = len(segs)
            hit = [b for b in self.blocked if b[:n] == segs or segs[:len(b)] == b]
            if hit:
                inside_maps = isinstance(state, Mapping) and isinstance(live, Mapping)
                if inside_maps and all(len(b) > n for b in hit):
                    self._maps(segs, state, live)  # only deeper paths are left out: compare the rest
                    return
                self._skip(segs, path, secret=any(b in self.secret for b in hit))
                return
        if (state is None) != (live is None):
            self._skip(segs, path, secret=False)  # read in one view only: not known to differ (see the docstring)
            return
        if type(state) in _PLAIN and type(live) in _PLAIN:
            if state != live and not _same_reference(state, live):
                self.changes.append(AttributeChange(path, state, live))
            return
        if isinstance(state, Mapping) and isinstance(live, Mapping) and not isinstance(state, Secret):
            self._maps(segs, state, live)
            return
        if state == live:
            return  # equal (a marker left in a value is in the asset's unknown or secret paths, handled above)
        opaque = _opaque(state) or _opaque(live)
        if opaque is not None:
            self._skip(segs, path, secret=opaque == "secret")
        elif _canonical(state) != _canonical(live):
            self.changes.append(AttributeChange(path, state, live))

    def _maps(self, segs: tuple[str, ...], state: Mapping[str, Any], live: Mapping[str, Any]) -> None:
        for key in sorted(set(state) | set(live)):
            self.walk((*segs, str(key)), state.get(key), live.get(key))


def diff(state: Asset, live: Asset) -> tuple[tuple[AttributeChange, ...], tuple[str, ...]]:
    """The differing attributes of a matched pair, and the paths not compared."""
    d = _Diff(*_blocked(state, live))
    for key in sorted((set(state.attributes) & set(live.attributes)) - EXPLANATIONS):
        d.walk((key,), state.attributes[key], live.attributes[key])
    if state.tags and live.tags and state.tags != live.tags:  # both read: a key in one of them only is drift
        d.changes.extend(AttributeChange(f"tags.{k}", state.tags.get(k), live.tags.get(k))
                         for k in sorted(set(state.tags) | set(live.tags)) if state.tags.get(k) != live.tags.get(k))
    elif bool(state.tags) != bool(live.tags):
        d.not_compared.add("tags")  # tags in one view only: some collectors do not read them
    for name in ("account", "region"):
        s, v = getattr(state, name), getattr(live, name)
        if s is not None and v is not None and s != v:
            d.changes.append(AttributeChange(name, s, v))
    return tuple(sorted(d.changes, key=lambda c: c.path)), tuple(sorted(d.not_compared))


def _matched(state: Asset, live: Asset, stacks: Mapping[str, str]) -> AssetDrift:
    changes, not_compared = diff(state, live)
    drift = DriftClass.CHANGED if any(not c.secret for c in changes) else DriftClass.IN_SYNC
    return AssetDrift(kind=live.kind, id=live.id if is_arn(live.id) or not is_arn(state.id) else state.id,
                      name=live.name, drift=drift, account=live.account or state.account,
                      region=live.region or state.region, stack=stacks.get(state.urn or ""), urn=state.urn,
                      location=state.location, changes=changes, not_compared=not_compared)


def _singleton(asset: Asset, live: Sequence[Asset], matched: set[int]) -> int | None:
    """An account-level setting has no ARN and its ids differ between views: matched by kind, account and region
    (each compared when both views know it)."""
    for i, other in enumerate(live):
        if i in matched or other.kind != asset.kind:
            continue
        if all(a is None or b is None or a == b for a, b in ((asset.account, other.account),
                                                               (asset.region, other.region))):
            return i
    return None


def _index(live: Iterable[Asset]) -> dict[_Key, int]:
    found: dict[_Key, int] = {}
    for i, asset in enumerate(live):
        for key in _keys(asset):
            found.setdefault(key, i)
    return found


def matches(state: Sequence[Asset], live: Sequence[Asset], kinds: Collection[str] | None = None) -> dict[int, int]:
    """Which live asset each state asset is (index -> index), in state order: by kind and ARN, else kind and AWS id,
    the account-level singletons by kind, account and region; each live asset once. `kinds`: only those kinds
    (None: every kind)."""
    index = _index(live)
    taken: set[int] = set()
    pairs: dict[int, int] = {}
    for i, asset in enumerate(state):
        if kinds is not None and asset.kind not in kinds:
            continue
        found = next((index[k] for k in _keys(asset) if k in index and index[k] not in taken), None)
        if found is None and asset.kind in SINGLETON_KINDS:
            found = _singleton(asset, live, taken)
        if found is not None:
            taken.add(found)
            pairs[i] = found
    return pairs


def live_kinds() -> frozenset[str]:
    """The asset kinds some live collector feeds."""
    return frozenset(kind for kinds in FEEDS.values() for kind in kinds)


def compare(state: Sequence[Asset], live: Sequence[Asset], *, ignore: IgnoreRules,
            stacks: Mapping[str, str] | None = None, unread_kinds: Collection[str] = ()) -> ConfigurationDrift:
    """Every state asset in sync, changed or missing; every live asset in no state unmanaged (unless ignored).

    A state asset of a kind the live view does not read (no collector feeds it, or `unread_kinds`: the kinds of the
    scan's unread scopes) is neither: it is listed in `not_read`."""
    stacks = stacks or {}
    state = [a for a in state if a.kind not in DERIVED_KINDS]  # views of an account and region, not resources
    live = [a for a in live if a.kind not in DERIVED_KINDS]
    readable = live_kinds() - set(unread_kinds)
    pairs = matches(state, live, readable)
    matched = set(pairs.values())
    items: list[AssetDrift] = []
    not_read: list[str] = []
    for i, asset in enumerate(state):
        if asset.kind not in readable:
            not_read.append(f"{asset.kind} {asset.name} ({asset.id})")
            continue
        found = pairs.get(i)
        if found is None:
            items.append(AssetDrift(kind=asset.kind, id=asset.id, name=asset.name, drift=DriftClass.MISSING,
                                    account=asset.account, region=asset.region, stack=stacks.get(asset.urn or ""),
                                    urn=asset.urn, location=asset.location))
            continue
        items.append(_matched(asset, live[found], stacks))
    rules = ignore.with_live(live)
    state_kinds = {a.kind for a in state}
    ignored = 0
    counted: Counter[str] = Counter()
    managed: Counter[str] = Counter()
    for i, asset in enumerate(live):
        if i in matched:
            counted[asset.kind] += 1
            managed[asset.kind] += 1
            continue
        if rules.ignores(asset) is not None or singleton_reason(asset, state_kinds) is not None:
            ignored += 1
            continue
        counted[asset.kind] += 1
        items.append(AssetDrift(kind=asset.kind, id=asset.id, name=asset.name, drift=DriftClass.UNMANAGED,
                                account=asset.account, region=asset.region))
    coverage = tuple(KindCoverage(kind, counted[kind], managed[kind]) for kind in sorted(counted))
    return ConfigurationDrift(items=tuple(items), ignored=ignored, coverage=coverage, not_read=tuple(not_read))
