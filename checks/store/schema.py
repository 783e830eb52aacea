"""The store's tables at the head revision (the migrations in `migrations/versions/` create them; keep both in step).

Datetimes are stored in UTC and read back aware (SQLite keeps no time zone)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, MetaData, String, Table, Text
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
    Index("ix_findings_run_fingerprint", "run_id", "fingerprint"),
)

OUR_TABLES = frozenset({"runs", "findings", "alembic_version"})
