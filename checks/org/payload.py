"""What a shard of an organization scan keeps in the history store: what it read, not what it judged.

Findings are computed when the run group is merged (`clearance report --run-group`), because normalizing joins
resources across services (an instance and its security groups, a bucket and its key): a shard that holds a share
of the (account, region, service) units cannot judge alone. A shard records its raw resources, the scopes it could
not read, its notes and API calls, and the whole group's units (so the merge knows what a missing shard held).

The payload is zlib-compressed JSON. A raw property that is not known (`UNKNOWN`) is kept as a tagged object; a
secret's plaintext is never written: it is kept as not known.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from checks.model import UNKNOWN, Secret, SourceKind
from checks.org.shards import Shard, Unit
from checks.raw import RawResource
from checks.unread import UnreadScope

PAYLOAD_FORMAT = 1
_UNKNOWN_TAG = {"$clearance": "unknown"}


@dataclass(frozen=True)
class ShardRead:
    """One shard's read of its units (`shard` None: the whole group read in one process)."""

    shard: Shard | None
    units: tuple[Unit, ...]                  # every unit of the group, in every shard
    accounts: tuple[tuple[str, str], ...]    # (id, name) of every account of the group
    regions: tuple[str, ...]
    organization: str | None                 # "o-abc123" with --organization
    resources: tuple[RawResource, ...]
    unread: tuple[UnreadScope, ...]
    kinds: frozenset[str]
    notes: tuple[str, ...]
    endpoint: str
    api_calls: Mapping[str, int] = field(default_factory=dict)
    secrets: frozenset[str] = frozenset()    # the sandbox's secrets the read holds (checks/digests.py)


def _plain(value: Any) -> Any:
    if value is UNKNOWN or isinstance(value, Secret):
        return _UNKNOWN_TAG
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _back(value: Any) -> Any:
    if isinstance(value, dict):
        if value == _UNKNOWN_TAG:
            return UNKNOWN
        return {k: _back(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_back(v) for v in value]
    return value


def _raw(r: RawResource) -> dict[str, Any]:
    if r.location is not None or r.partial or r.input_keys is not None:
        raise ValueError(f"not a live resource: {r.urn}")  # only live reads are sharded
    return {"type": r.type, "urn": r.urn, "name": r.name, "props": _plain(r.props), "id": r.id,
            "custom": r.custom, "parent": r.parent, "dependencies": list(r.dependencies),
            "property_dependencies": {k: list(v) for k, v in r.property_dependencies.items()},
            "provider": r.provider, "errors": dict(r.errors), "region": r.region}


def _raw_back(d: Mapping[str, Any]) -> RawResource:
    return RawResource(type=d["type"], urn=d["urn"], name=d["name"], props=_back(d["props"]), source=SourceKind.LIVE,
                       id=d["id"], custom=d["custom"], parent=d["parent"], dependencies=tuple(d["dependencies"]),
                       property_dependencies={k: tuple(v) for k, v in d["property_dependencies"].items()},
                       provider=d["provider"], errors=dict(d["errors"]), region=d["region"])


def _unit(u: Unit) -> list[Any]:
    return [u.account, u.region, u.service]


def _scope(s: UnreadScope) -> list[Any]:
    return [s.account, s.region, s.kind, s.operation, s.action, s.reason]


def encode(read: ShardRead) -> bytes:
    doc = {
        "format": PAYLOAD_FORMAT,
        "shard": None if read.shard is None else [read.shard.index, read.shard.count],
        "units": [_unit(u) for u in read.units],
        "accounts": [list(a) for a in read.accounts],
        "regions": list(read.regions),
        "organization": read.organization,
        "resources": [_raw(r) for r in read.resources],
        "unread": [_scope(s) for s in read.unread],
        "kinds": sorted(read.kinds),
        "notes": list(read.notes),
        "endpoint": read.endpoint,
        "api_calls": dict(read.api_calls),
        "secrets": sorted(read.secrets),
    }
    return zlib.compress(orjson.dumps(doc), 6)


class PayloadError(ValueError):
    """A stored shard that cannot be read back (another format, or damaged)."""


def decode(blob: bytes) -> ShardRead:
    try:
        doc = orjson.loads(zlib.decompress(blob))
        if doc.get("format") != PAYLOAD_FORMAT:
            raise PayloadError(f"payload format {doc.get('format')!r}, this clearance reads {PAYLOAD_FORMAT}")
        shard = None if doc["shard"] is None else Shard(*doc["shard"])
        return ShardRead(
            shard=shard, units=tuple(Unit(*u) for u in doc["units"]),
            accounts=tuple((a[0], a[1]) for a in doc["accounts"]), regions=tuple(doc["regions"]),
            organization=doc["organization"], resources=tuple(_raw_back(r) for r in doc["resources"]),
            unread=tuple(UnreadScope(*s) for s in doc["unread"]), kinds=frozenset(doc["kinds"]),
            notes=tuple(doc["notes"]), endpoint=doc["endpoint"], api_calls=dict(doc["api_calls"]),
            secrets=frozenset(doc["secrets"]))
    except PayloadError:
        raise
    except (zlib.error, orjson.JSONDecodeError, KeyError, TypeError, ValueError) as err:
        raise PayloadError(f"damaged shard payload ({type(err).__name__}: {err})") from None


def merged_api_calls(reads: Sequence[ShardRead]) -> dict[str, int]:
    total: dict[str, int] = {}
    for read in reads:
        for op, n in read.api_calls.items():
            total[op] = total.get(op, 0) + n
    return dict(sorted(total.items()))
