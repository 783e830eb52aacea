"""The store's tables at the head revision (the migrations in `migrations/versions/` create them; keep both in step).

Datetimes are stored in UTC and read back aware (SQLite keeps no time zone)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, LargeBinary, MetaData, String, Table, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[dt.datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise ValueError(f"the store keeps aware datetimes only, got {value!r}")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


metadata = MetaData()

runs = Table(
    "runs", metadata,
    Column("id", String(32), primary_key=True),
    Column("target", String(512), nullable=False),
    Column("view", String(16), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("tool_version", String(64), nullable=False),
    Column("catalog_version", String(128), nullable=False),
    Column("configuration_json", Text, nullable=True),          # revision 2
    Index("ix_runs_target_started", "target", "started_at"),
)

findings = Table(
    "findings", metadata,
    Column("run_id", String(32), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),   # the finding's position in its run
    Column("fingerprint", String(64), nullable=False),
    Column("control_id", String(64), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("asset_kind", String(128), nullable=False),
    Column("asset_id", Text, nullable=False),
    Column("asset_name", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("account", String(12), nullable=True),               # revision 3: the asset's account and region
    Column("region", String(32), nullable=True),                # (NULL for planned resources, older rows)
    Index("ix_findings_run_fingerprint", "run_id", "fingerprint"),
)

shards = Table(   # revision 3: what each shard of a run group read (opaque payload: zlib-compressed JSON)
    "shards", metadata,
    Column("run_group", String(128), primary_key=True),
    Column("shard_index", Integer, primary_key=True, autoincrement=False),   # 1..shard_count
    Column("shard_count", Integer, nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("target", String(512), nullable=False),
    Column("tool_version", String(64), nullable=False),
    Column("payload", LargeBinary, nullable=False),
)

OUR_TABLES = frozenset({"runs", "findings", "shards", "alembic_version"})
