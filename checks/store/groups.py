"""Run groups: the shards of one sharded organization scan (`scan --organization --shard K/N --run-group ID`).

Each shard records what it READ (an opaque payload: the caller's zlib-compressed JSON, stored and returned as is),
never findings: those are computed when the group is merged, since normalizing joins resources across services.
One row per (group, shard index): a retried shard replaces its earlier row, in one transaction. Every shard of a
group must agree on the shard count and the target (what was scanned); a shard that does not is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, func, select
from sqlalchemy.exc import SQLAlchemyError

from checks.errors import InputError
from checks.store.schema import runs, shards
from checks.store.store import READ_HINT, Store

GROUP_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
NAMED = 5   # run groups named in a refusal
WRITE_HINT = "nothing was recorded; check the store and run again"


@dataclass(frozen=True)
class ShardRecord:
    """Shard `index` of `count` (1-based) of run group `run_group`. `recorded_at` is set when read back."""

    run_group: str
    index: int
    count: int
    target: str
    started_at: dt.datetime
    tool_version: str
    payload: bytes
    recorded_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        if self.started_at.tzinfo is None or self.started_at.utcoffset() is None:
            raise ValueError("ShardRecord.started_at must be an aware datetime (UTC)")


@dataclass(frozen=True)
class Group:
    """The stored shards of one run group, sorted by index."""

    run_group: str
    count: int
    shards: tuple[ShardRecord, ...]

    @property
    def missing(self) -> tuple[int, ...]:
        """The indexes 1..count that have not reported."""
        reported = {s.index for s in self.shards}
        return tuple(i for i in range(1, self.count + 1) if i not in reported)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def target(self) -> str:
        return self.shards[0].target if self.shards else ""

    @property
    def started_at(self) -> dt.datetime | None:
        """When the first shard started."""
        return min((s.started_at for s in self.shards), default=None)


@dataclass(frozen=True)
class GroupSummary:
    """A run group without its payloads: how many of its shards reported, and when."""

    run_group: str
    count: int
    reported: int
    target: str
    first_recorded: dt.datetime
    last_recorded: dt.datetime

    @property
    def complete(self) -> bool:
        return self.reported >= self.count

    def describe(self) -> str:
        return f"{self.run_group} ({self.reported} of {self.count} shards)"


def check_group_id(run_group: str) -> str:
    """`run_group` if it is a valid id (1 to 128 of A-Z a-z 0-9 . _ : -), else a one-line InputError."""
    if not GROUP_ID.fullmatch(run_group):
        raise InputError(f"not a valid run group id: {run_group!r}", where="--run-group",
                         hint="1 to 128 characters, each a letter, a digit or one of . _ : -")
    return run_group


def check_shard(index: int, count: int) -> None:
    """A one-line InputError unless 1 <= index <= count."""
    if count < 1 or not 1 <= index <= count:
        raise InputError(f"shard {index}/{count} is not a shard of the group", where="--shard",
                         hint="give K/N with 1 <= K <= N, e.g. 2/3 for the second of three shards")


def record_shard(store: Store, shard: ShardRecord) -> None:
    """Record `shard` (replacing an earlier row of the same group and index, as a retried job does), in one
    transaction. Refused (nothing recorded) when the group's other shards give another count or target."""
    check_group_id(shard.run_group)
    check_shard(shard.index, shard.count)
    try:
        with store.engine.begin() as conn:
            _lock(conn, shard.run_group)
            stored = conn.execute(select(shards.c.shard_count, shards.c.target).distinct()
                                  .where(shards.c.run_group == shard.run_group)).all()
            _agree(shard, stored)
            conn.execute(shards.delete().where(shards.c.run_group == shard.run_group,
                                               shards.c.shard_index == shard.index))
            conn.execute(shards.insert().values(
                run_group=shard.run_group, shard_index=shard.index, shard_count=shard.count,
                recorded_at=dt.datetime.now(dt.UTC), started_at=shard.started_at.astimezone(dt.UTC),
                target=shard.target, tool_version=shard.tool_version, payload=bytes(shard.payload)))
    except SQLAlchemyError as err:
        raise store.error("could not record the shard", err, WRITE_HINT) from None


def load_group(store: Store, run_group: str) -> Group:
    """Every stored shard of `run_group` with its payload; an InputError if none is stored."""
    check_group_id(run_group)
    try:
        with store.engine.begin() as conn:
            rows = _rows(conn, run_group)
            known = [] if rows else _summaries(conn, NAMED)
    except SQLAlchemyError as err:
        raise store.error("could not read the store", err, READ_HINT) from None
    if not rows:
        hint = (f"the latest run groups stored: {', '.join(s.describe() for s in known)}" if known
                else "no run group is stored yet")
        raise InputError(f"no shard of run group {run_group} is stored", where=store.url, hint=hint)
    return _group(run_group, rows)


def latest_complete_group(store: Store) -> Group:
    """The complete run group with the latest recorded shard; an InputError naming the incomplete ones if none."""
    try:
        with store.engine.begin() as conn:
            summaries = _summaries(conn, None)
            latest = next((s for s in summaries if s.complete), None)
            rows = _rows(conn, latest.run_group) if latest else []
    except SQLAlchemyError as err:
        raise store.error("could not read the store", err, READ_HINT) from None
    if latest is None:
        if not summaries:
            raise InputError("no run group is stored", where=store.url,
                             hint="record one with clearance scan --organization --shard K/N --run-group ID "
                                  "--store URL")
        named = ", ".join(s.describe() for s in summaries[:NAMED])
        more = f" and {len(summaries) - NAMED} more" if len(summaries) > NAMED else ""
        raise InputError(f"no run group is complete: {named}{more}", where=store.url,
                         hint="wait for the missing shards, or give --run-group ID to report one incomplete")
    return _group(latest.run_group, rows)


def recorded_run(store: Store, target: str, started_at: dt.datetime) -> str | None:
    """The id of a run of `target` started at `started_at` (a merged run group's start), if one is recorded: a
    group's report rendered twice records the group once."""
    try:
        with store.engine.begin() as conn:
            row = conn.execute(select(runs.c.id).where(runs.c.target == target, runs.c.started_at == started_at)
                               .limit(1)).first()
    except SQLAlchemyError as err:
        raise store.error("could not read the store", err, READ_HINT) from None
    return None if row is None else str(row.id)


def list_groups(store: Store, limit: int = 20) -> list[GroupSummary]:
    """The last `limit` run groups, the one with the latest recorded shard first."""
    try:
        with store.engine.begin() as conn:
            return _summaries(conn, limit)
    except SQLAlchemyError as err:
        raise store.error("could not read the store", err, READ_HINT) from None


def _lock(conn: Connection, run_group: str) -> None:
    """PostgreSQL: shards of one group are recorded one at a time (a transaction-scoped advisory lock), so two
    shards cannot both pass the agreement check with different counts. SQLite's BEGIN IMMEDIATE already does."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"clearance-run-group:{run_group}"))))


def _agree(shard: ShardRecord, stored: Sequence[Row[Any, Any]]) -> None:
    for count, _target in stored:
        if count != shard.count:
            raise InputError(f"run group {shard.run_group} was started with {count} shards, this shard says "
                             f"{shard.count}", where="--shard",
                             hint="give every shard of a group the same N in --shard K/N, or a new --run-group")
    for _count, target in stored:
        if target != shard.target:
            raise InputError(f"run group {shard.run_group} scans {target}, this shard scans {shard.target}",
                             where="--run-group",
                             hint="give every shard of a group the same accounts and regions, or a new --run-group")


def _rows(conn: Connection, run_group: str) -> Sequence[Row[*tuple[Any, ...]]]:
    return conn.execute(select(shards).where(shards.c.run_group == run_group)
                        .order_by(shards.c.shard_index)).all()


def _group(run_group: str, rows: Sequence[Row[*tuple[Any, ...]]]) -> Group:
    records = tuple(ShardRecord(run_group=r.run_group, index=r.shard_index, count=r.shard_count, target=r.target,
                                started_at=r.started_at, tool_version=r.tool_version, payload=bytes(r.payload),
                                recorded_at=r.recorded_at) for r in rows)
    return Group(run_group=run_group, count=max(s.count for s in records), shards=records)


def _summaries(conn: Connection, limit: int | None) -> list[GroupSummary]:
    last = func.max(shards.c.recorded_at)
    query = (select(shards.c.run_group, func.max(shards.c.shard_count), func.count(), func.min(shards.c.target),
                    func.min(shards.c.recorded_at), last)
             .group_by(shards.c.run_group).order_by(last.desc(), shards.c.run_group))
    if limit is not None:
        query = query.limit(limit)
    return [GroupSummary(run_group=g, count=int(n), reported=int(k), target=t, first_recorded=first,
                         last_recorded=latest) for g, n, k, t, first, latest in conn.execute(query)]
