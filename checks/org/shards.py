"""`--shard K/N`: a deterministic, balanced and stable share of an organization scan's units of work.

A unit is one collector run: (account, region, service), region None for a global collector. Every process that
sees the same units computes the same assignment (blake2b, never Python's salted `hash()`), whatever their order;
shard sizes differ by at most one; adding or removing an account moves few units of the others.

The assignment is rendezvous (highest-random-weight) hashing with bounded loads: each (unit, shard) pair has a
score; the units are taken in the order of a hash of their key, and each goes to the shard it scores highest that
still has room. Every shard has room for ceil(units / N) until (units mod N) shards are that full; then the others
hold floor(units / N). Without the bound, rendezvous hashing alone moves only the units of a changed account, but
its shards differ in size by about the square root of their size.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from checks.errors import InputError

MAX_SHARDS = 1000
_SHARD = re.compile(r"\s*([0-9]+)\s*/\s*([0-9]+)\s*")


@dataclass(frozen=True)
class Unit:
    """One unit of work: a collector (`service`) in one region of one account; region None: a global collector,
    run once per account. Units sort by account, region (global first), service."""

    account: str
    region: str | None
    service: str

    def key(self) -> str:
        """`123456789012/eu-west-1/ec2_compute` (`global` for a global collector): what the hashes read."""
        return f"{self.account}/{self.region or 'global'}/{self.service}"

    def _order(self) -> tuple[str, int, str, str]:
        return self.account, 0 if self.region is None else 1, self.region or "", self.service

    def __lt__(self, other: Unit) -> bool:
        return self._order() < other._order()

    def __le__(self, other: Unit) -> bool:
        return self._order() <= other._order()

    def __gt__(self, other: Unit) -> bool:
        return self._order() > other._order()

    def __ge__(self, other: Unit) -> bool:
        return self._order() >= other._order()


@dataclass(frozen=True)
class Shard:
    """Shard `index` (1-based) of `count`."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if not 1 <= self.count <= MAX_SHARDS or not 1 <= self.index <= self.count:
            raise ValueError(f"no shard {self.index}/{self.count} (1 <= K <= N <= {MAX_SHARDS})")

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    """`K/N` (1 <= K <= N <= 1000) -> Shard; an InputError naming `--shard` otherwise."""
    where = f"--shard {text.strip()}".rstrip()
    found = _SHARD.fullmatch(text)
    if found is None:
        raise InputError("expected K/N, e.g. 2/3", where=where, hint="shard K of N, both whole numbers")
    index, count = int(found.group(1)), int(found.group(2))
    if not 1 <= count <= MAX_SHARDS:
        raise InputError(f"N must be between 1 and {MAX_SHARDS}", where=where)
    if not 1 <= index <= count:
        raise InputError("K must be between 1 and N", where=where, hint=f"the shards are 1/{count} to {count}/{count}")
    return Shard(index, count)


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def _scores(unit: Unit, count: int) -> list[tuple[int, int]]:
    """(score, shard) for shards 1..count: the unit's weight for each shard, which does not depend on `count`."""
    key = unit.key()
    return [(_digest(f"{key}#{k}"), k) for k in range(1, count + 1)]


def assign(units: Sequence[Unit], count: int) -> dict[Unit, int]:
    """Unit -> its shard (1-based) of `count`: the same for the same set of units in any order (duplicates count
    once); shard sizes differ by at most one."""
    if not 1 <= count <= MAX_SHARDS:
        raise ValueError(f"count must be between 1 and {MAX_SHARDS}, not {count}")
    distinct = sorted(set(units), key=lambda u: (_digest(u.key()), u.key()))
    low, extra = divmod(len(distinct), count)  # `extra` shards hold low + 1 units, the others `low`
    sizes = [0] * (count + 1)
    full = 0  # shards holding low + 1
    out: dict[Unit, int] = {}
    for unit in distinct:
        room = low + 1 if full < extra else low
        shard = 1 if count == 1 else max((s, k) for s, k in _scores(unit, count) if sizes[k] < room)[1]
        sizes[shard] += 1
        full += sizes[shard] == low + 1
        out[unit] = shard
    return out


def select(units: Sequence[Unit], shard: Shard) -> list[Unit]:
    """The units of `shard`, in their given order."""
    assigned = assign(units, shard.count)
    return [u for u in units if assigned[u] == shard.index]
