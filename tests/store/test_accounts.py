"""Findings keyed by account and region, the trend per account, and revision 3's migration of a store that has rows
(SQLite and PostgreSQL: the `url` fixture)."""

from __future__ import annotations

import datetime as dt

from alembic import command
from sqlalchemy import create_engine, inspect, text

from checks.model import Severity, Status
from checks.store import open_store
from checks.store.groups import ShardRecord, load_group, record_shard
from checks.store.migrate import alembic_config
from tests.store.helpers import T0, TARGET, counts, finding, located, run

A, B, C = "111111111111", "222222222222", "333333333333"
NONE = dict.fromkeys(Severity, 0)


def failing(**by_severity: int) -> dict[Severity, int]:
    return {**NONE, **{Severity(k): v for k, v in by_severity.items()}}


def rows(url: str, query: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(query))]
    finally:
        engine.dispose()


def test_findings_are_recorded_with_their_account_and_region(url: str) -> None:
    with open_store(url) as store:
        store.record(run(0, [located(finding("a", Status.FAIL), A, "us-east-1"),
                             located(finding("b", Status.PASS), B, None),
                             finding("planned", Status.FAIL)]))
    assert rows(url, "SELECT asset_name, account, region FROM findings ORDER BY seq") == [
        ("a", A, "us-east-1"), ("b", B, None), ("planned", None, None)]


def test_account_trend_gives_every_account_a_point_per_run_oldest_first(url: str) -> None:
    with open_store(url) as store:
        ids = [
            store.record(run(0, [located(finding("old", Status.FAIL, Severity.LOW), A)])).run_id,
            store.record(run(1, [located(finding("a1", Status.FAIL), A),
                                 located(finding("a2", Status.FAIL, Severity.CRITICAL), A),
                                 located(finding("a3", Status.WAIVED), A),
                                 located(finding("b1", Status.ERROR), B),
                                 located(finding("b2", Status.PASS), B),
                                 finding("no-account", Status.FAIL)])).run_id,
            store.record(run(2, [located(finding("b1", Status.FAIL, Severity.MEDIUM), B, "us-east-1"),
                                 located(finding("b3", Status.FAIL, Severity.MEDIUM), B),
                                 located(finding("c1", Status.PASS), C)])).run_id,
        ]
        store.record(run(3, [located(finding("x", Status.FAIL), "444444444444")], target="other target"))
        trend = store.account_trend(TARGET, limit=2)
        overall = store.trend(TARGET, limit=2)
    assert list(trend) == [A, B, C]                     # C appeared (passing only): it gets zeros
    for points in trend.values():
        assert [p.run_id for p in points] == ids[1:] == [p.run_id for p in overall]
        assert [p.at for p in points] == [T0 + dt.timedelta(days=1), T0 + dt.timedelta(days=2)]
    assert [(p.failing, p.errors) for p in trend[A]] == [(failing(high=1, critical=1), 0), (NONE, 0)]
    assert [(p.failing, p.errors) for p in trend[B]] == [(NONE, 1), (failing(medium=2), 0)]
    assert [(p.failing, p.errors) for p in trend[C]] == [(NONE, 0), (NONE, 0)]
    # the finding without an account counts in the target's trend, in no account's
    assert [p.total for p in overall] == [3, 2]


def test_account_trend_without_runs_or_accounts_is_empty(url: str) -> None:
    with open_store(url) as store:
        assert store.account_trend(TARGET) == {}
        store.record(run(0, [finding("planned", Status.FAIL)]))
        assert store.account_trend(TARGET) == {}
        assert len(store.trend(TARGET)) == 1


def test_a_store_at_revision_2_with_rows_upgrades_to_3(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "clearance_0002")
        conn.execute(text("INSERT INTO runs (id, target, view, started_at, recorded_at, tool_version, "
                          "catalog_version, configuration_json) VALUES ('old1', :t, 'live', :at, :at, '0.9', "
                          "'sha256:old', NULL)"), {"t": TARGET, "at": "2025-02-28 06:00:00"})
        conn.execute(text("INSERT INTO findings VALUES ('old1', 0, 'fp-S3-01-a', 'S3-01', 'high', 'fail', "
                          "'s3.bucket', 'arn:aws:s3:::a', 'a', 'Bucket a is fail')"))
    insp = inspect(engine)
    assert "shards" not in insp.get_table_names()
    assert "account" not in {c["name"] for c in insp.get_columns("findings")}
    engine.dispose()

    with open_store(url) as store:
        assert rows(url, "SELECT version_num FROM alembic_version") == [("clearance_0003",)]
        assert rows(url, "SELECT run_id, account, region FROM findings") == [("old1", None, None)]
        recorded = store.record(run(0, [located(finding("a", Status.FAIL), A)]))
        assert [p.run_id for p in store.trend(TARGET)] == ["old1", recorded.run_id]
        trend = store.account_trend(TARGET)
        record_shard(store, ShardRecord(run_group="g1", index=1, count=1, target="organization o-abc123",
                                        started_at=T0, tool_version="1.0.0", payload=b"\x78\x9c"))
        assert load_group(store, "g1").complete
    assert recorded.compliance.previous_run == "old1"
    assert [i.transition.value for i in recorded.compliance.items] == ["recurring"]
    assert list(trend) == [A]                                  # the old run's finding has no account
    assert [p.total for p in trend[A]] == [0, 1]               # but the account gets a point for that run
    assert counts(url) == (2, 2)
