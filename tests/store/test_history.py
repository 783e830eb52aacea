"""Recording runs and their compliance drift, on SQLite and PostgreSQL (the `url` fixture)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text

from checks.catalog.loader import load_catalog
from checks.drift.model import FindingHistory, Transition
from checks.errors import InputError
from checks.model import Severity, Status
from checks.store import catalog_version, open_store
from tests.store.helpers import T0, TARGET, counts, finding, run


def by_asset(items: Sequence[FindingHistory]) -> dict[str, FindingHistory]:
    return {i.asset_name: i for i in items}


def test_three_runs_new_then_recurring_and_resolved_then_regressed(url: str) -> None:
    with open_store(url) as store:
        first = store.record(run(0, [finding("a", Status.FAIL), finding("b", Status.FAIL),
                                     finding("c", Status.PASS)]))
        assert first.compliance.previous_run is None
        assert {(i.asset_name, i.transition) for i in first.compliance.items} == {
            ("a", Transition.NEW), ("b", Transition.NEW)}

        second = store.record(run(1, [finding("a", Status.FAIL), finding("b", Status.PASS),
                                      finding("c", Status.WAIVED)]))
        assert second.compliance.previous_run == first.run_id
        assert second.compliance.previous_at == T0
        items = by_asset(second.compliance.items)
        assert set(items) == {"a", "b"}                       # c: waived is not failing
        a, b = items["a"], items["b"]
        assert (a.transition, a.first_seen, a.last_seen) == (Transition.RECURRING, T0, T0 + dt.timedelta(days=1))
        assert (b.transition, b.status, b.first_seen, b.last_seen) == (Transition.RESOLVED, Status.PASS, T0, T0)

        third = store.record(run(2, [finding("a", Status.PASS), finding("b", Status.FAIL),
                                     finding("d", Status.FAIL, Severity.CRITICAL)]))
        assert third.compliance.previous_run == second.run_id
        items = by_asset(third.compliance.items)
        assert {n: i.transition for n, i in items.items()} == {
            "a": Transition.RESOLVED, "b": Transition.REGRESSED, "d": Transition.NEW}
        assert (items["b"].first_seen, items["b"].last_seen) == (T0, T0 + dt.timedelta(days=2))
        assert (items["a"].first_seen, items["a"].last_seen) == (T0, T0 + dt.timedelta(days=1))
        assert items["d"].severity is Severity.CRITICAL and items["d"].asset_id == "arn:aws:s3:::d"
        assert [i.transition for i in third.compliance.items] == [Transition.NEW, Transition.REGRESSED,
                                                                   Transition.RESOLVED]


def test_resolved_finding_whose_asset_is_gone_is_not_applicable(url: str) -> None:
    with open_store(url) as store:
        store.record(run(0, [finding("gone", Status.FAIL)]))
        (item,) = store.record(run(1, [])).compliance.items
    assert (item.transition, item.status, item.asset_name) == (Transition.RESOLVED, Status.NOT_APPLICABLE, "gone")


def test_targets_are_compared_only_with_themselves(url: str) -> None:
    with open_store(url) as store:
        store.record(run(0, [finding("a", Status.FAIL)], target="program infra (stack dev)"))
        other = store.record(run(1, [finding("a", Status.FAIL)]))
    assert other.compliance.previous_run is None
    assert [i.transition for i in other.compliance.items] == [Transition.NEW]


def test_trend_is_oldest_first_limited_and_counts_failures_by_severity(url: str) -> None:
    with open_store(url) as store:
        ids = [store.record(run(day, [finding(f"f{i}", Status.FAIL, Severity.LOW) for i in range(day)]
                                + [finding("x", Status.ERROR), finding("y", Status.WAIVED)])).run_id
               for day in range(4)]
        store.record(run(9, [finding("z", Status.FAIL)], target="other"))
        trend = store.trend(TARGET, limit=3)
    assert [p.run_id for p in trend] == ids[1:]
    assert [p.at for p in trend] == [T0 + dt.timedelta(days=d) for d in (1, 2, 3)]
    assert [p.total for p in trend] == [1, 2, 3]
    assert trend[-1].failing == {Severity.CRITICAL: 0, Severity.HIGH: 0, Severity.MEDIUM: 0, Severity.LOW: 3}
    assert [p.errors for p in trend] == [1, 1, 1]


def test_stores_history_fields_and_configuration_but_nothing_else(url: str) -> None:
    with open_store(url) as store:
        recorded = store.record(run(0, [finding("a", Status.FAIL)], configuration={"changed": 2, "in_sync": 5}))
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT view, tool_version, catalog_version, configuration_json FROM runs "
                                    "WHERE id = :id"), {"id": recorded.run_id}).one()
            finding_row = conn.execute(text("SELECT * FROM findings")).mappings().one()
    finally:
        engine.dispose()
    assert tuple(row[:3]) == ("live", "1.0.0", "sha256:test")
    assert json.loads(row[3]) == {"changed": 2, "in_sync": 5}
    assert dict(finding_row) == {
        "run_id": recorded.run_id, "seq": 0, "fingerprint": "fp-S3-01-a", "control_id": "S3-01",
        "severity": "high", "status": "fail", "asset_kind": "s3.bucket", "asset_id": "arn:aws:s3:::a",
        "asset_name": "a", "message": "Bucket a is fail", "account": None, "region": None}


def test_an_exception_during_the_bulk_insert_leaves_the_store_unchanged(url: str) -> None:
    with open_store(url) as store:
        store.record(run(0, [finding("a", Status.FAIL)]))
        before = counts(url)

        batches: list[str] = []

        def explode(conn: object, cursor: object, statement: str, *args: object) -> None:
            if statement.lstrip().upper().startswith("INSERT INTO FINDINGS"):
                batches.append(statement)
                if len(batches) == 2:     # the first batch of findings is written, in the open transaction
                    raise RuntimeError("killed during the bulk insert")

        event.listen(store.engine, "before_cursor_execute", explode)
        big = [finding(f"b{i}", Status.FAIL) for i in range(12_000)]   # more than one batch
        with pytest.raises(RuntimeError, match="killed during the bulk insert"):
            store.record(run(1, big))
        event.remove(store.engine, "before_cursor_execute", explode)
        assert counts(url) == before == (1, 1)
        after = store.record(run(2, [finding("a", Status.FAIL)]))   # the store still works, history intact
    assert [i.transition for i in after.compliance.items] == [Transition.RECURRING]


def test_a_database_error_while_recording_is_one_line_and_records_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    with open_store(url) as store:
        store.record(run(0, []))
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE findings"))
        engine.dispose()
        with pytest.raises(InputError) as err:
            store.record(run(1, [finding("a", Status.FAIL)]))
    assert str(err.value) == (f"{url}: could not record the run: no such table: findings "
                              "(nothing was recorded; check the store and run again)")


def test_catalog_version_is_a_content_hash_of_the_controls() -> None:
    controls = load_catalog().controls
    version = catalog_version(controls)
    assert version.startswith("sha256:") and len(version) == len("sha256:") + 16
    assert catalog_version(dict(reversed(list(controls.items())))) == version
    some = next(iter(controls))
    changed = {**controls, some: controls[some].with_params({"extra": 1})}
    assert catalog_version(changed) != version
