"""The history store: runs of `check`, `scan` and `drift` and their findings, in any SQLAlchemy database.

`record` writes a run in ONE transaction (a run killed midway leaves the store as it was) and returns its
compliance drift against the previous run of the same target; `trend` gives the failing counts of the last runs,
`account_trend` the same per account. The shards of run groups are kept by `checks.store.groups`.
Only what renders history is stored (control, severity, status, kind, asset id and name, message): never asset
attributes; findings are already redacted.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, Row, func, select
from sqlalchemy.exc import SQLAlchemyError

from checks.drift.model import TrendPoint
from checks.errors import InputError
from checks.model import Finding, Severity, Status
from checks.store.compliance import Seen, StoredFailure, compliance_drift
from checks.store.migrate import make_engine, upgrade
from checks.store.records import Recorded, RunRecord
from checks.store.schema import findings, runs
from checks.store.urls import safe_url, scrub

BATCH = 5_000   # findings per executemany
READ_HINT = "check the store and run again"
_COUNTED = (Status.FAIL.value, Status.ERROR.value)


def open_store(url: str) -> Store:
    """Open the store at `url`, creating or upgrading its schema (Alembic upgrade head)."""
    engine = make_engine(url)
    try:
        upgrade(engine, url)
    except InputError:
        engine.dispose()
        raise
    return Store(engine, url)


class Store:
    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = safe_url(url)    # printable: no password
        self._raw_url = url

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    def _reason(self, err: SQLAlchemyError) -> str:
        return scrub(str(getattr(err, "orig", None) or err), self._raw_url)

    def record(self, run: RunRecord) -> Recorded:
        run_id = uuid.uuid4().hex
        now = run.started_at.astimezone(dt.UTC)
        try:
            with self.engine.begin() as conn:
                previous = conn.execute(
                    select(runs.c.id, runs.c.started_at)
                    .where(runs.c.target == run.target, runs.c.started_at <= now)
                    .order_by(runs.c.started_at.desc(), runs.c.recorded_at.desc()).limit(1)).first()
                if previous is None:
                    prev_failing: dict[str, StoredFailure] = {}
                    seen: dict[str, Seen] = {}
                else:
                    prev_failing = _failing_of(conn, previous.id)
                    seen = _seen(conn, run.target, now)
                conn.execute(runs.insert().values(
                    id=run_id, target=run.target, view=run.view.value, started_at=now,
                    recorded_at=dt.datetime.now(dt.UTC), tool_version=run.tool_version,
                    catalog_version=run.catalog_version,
                    configuration_json=json.dumps(dict(run.configuration), sort_keys=True)
                    if run.configuration else None))
                for batch in _batches(run_id, run.findings):
                    conn.execute(findings.insert(), batch)
        except SQLAlchemyError as err:
            raise self.error("could not record the run", err,
                             "nothing was recorded; check the store and run again") from None
        drift = compliance_drift(run.findings, now, previous.id if previous else None,
                                 previous.started_at if previous else None, prev_failing, seen)
        return Recorded(run_id=run_id, compliance=drift)

    def error(self, action: str, err: SQLAlchemyError, hint: str) -> InputError:
        """`action: reason` as one line naming the store (password masked), for any SQLAlchemy error."""
        return InputError(f"{action}: {self._reason(err)}", where=self.url, hint=hint)

    def trend(self, target: str, limit: int = 30) -> tuple[TrendPoint, ...]:
        """The last `limit` runs of `target`, oldest first: failing findings by severity and error results."""
        try:
            with self.engine.begin() as conn:
                last = _last_runs(conn, target, limit)
                ids = [r.id for r in last]
                counts = conn.execute(
                    select(findings.c.run_id, findings.c.severity, findings.c.status, func.count())
                    .where(findings.c.run_id.in_(ids), findings.c.status.in_(_COUNTED))
                    .group_by(findings.c.run_id, findings.c.severity, findings.c.status)).all() if ids else []
        except SQLAlchemyError as err:
            raise self.error("could not read the store", err, READ_HINT) from None
        return _points(last, counts)

    def account_trend(self, target: str, limit: int = 30) -> dict[str, tuple[TrendPoint, ...]]:
        """`trend` per account (by account id): every account with a finding in any of the last `limit` runs of
        `target` gets a point for each of those runs, oldest first (zeros where it failed nothing). Findings
        without an account (planned resources, runs recorded before revision 3) are left out."""
        try:
            with self.engine.begin() as conn:
                last = _last_runs(conn, target, limit)
                ids = [r.id for r in last]
                counts = conn.execute(
                    select(findings.c.account, findings.c.run_id, findings.c.severity, findings.c.status,
                           func.count())
                    .where(findings.c.run_id.in_(ids), findings.c.account.is_not(None))
                    .group_by(findings.c.account, findings.c.run_id, findings.c.severity,
                              findings.c.status)).all() if ids else []
        except SQLAlchemyError as err:
            raise self.error("could not read the store", err, READ_HINT) from None
        by_account: dict[str, list[Sequence[Any]]] = {}
        for row in counts:
            by_account.setdefault(row[0], []).append(row[1:])
        return {account: _points(last, rows) for account, rows in sorted(by_account.items())}


def _last_runs(conn: Connection, target: str, limit: int) -> Sequence[Row[Any, Any]]:
    """The last `limit` runs of `target` (id, started_at), newest first."""
    return conn.execute(
        select(runs.c.id, runs.c.started_at).where(runs.c.target == target)
        .order_by(runs.c.started_at.desc(), runs.c.recorded_at.desc()).limit(limit)).all()


def _points(last: Sequence[Row[Any, Any]], counts: Iterable[Sequence[Any]]) -> tuple[TrendPoint, ...]:
    """Trend points of the runs `last` (newest first) from (run_id, severity, status, count) rows, oldest first;
    statuses other than fail and error are not counted."""
    failing: dict[str, dict[Severity, int]] = {r.id: dict.fromkeys(Severity, 0) for r in last}
    errors: dict[str, int] = {r.id: 0 for r in last}
    for run_id, severity, status, count in counts:
        if status == Status.FAIL.value:
            failing[run_id][Severity(severity)] += count
        elif status == Status.ERROR.value:
            errors[run_id] += count
    return tuple(TrendPoint(run_id=r.id, at=r.started_at, failing=failing[r.id], errors=errors[r.id])
                 for r in reversed(last))

def _failing_of(conn: Connection, run_id: str) -> dict[str, StoredFailure]:
    rows = conn.execute(
        select(findings.c.fingerprint, findings.c.control_id, findings.c.severity, findings.c.asset_kind,
               findings.c.asset_id, findings.c.asset_name)
        .where(findings.c.run_id == run_id, findings.c.status == Status.FAIL.value)
        .order_by(findings.c.seq))
    out: dict[str, StoredFailure] = {}
    for r in rows:
        out.setdefault(r.fingerprint, StoredFailure(r.fingerprint, r.control_id, Severity(r.severity),
                                                    r.asset_kind, r.asset_id, r.asset_name))
    return out


def _seen(conn: Connection, target: str, before: dt.datetime) -> dict[str, Seen]:
    """First and last stored run in which each fingerprint failed (one aggregate over the target's runs)."""
    rows = conn.execute(
        select(findings.c.fingerprint, func.min(runs.c.started_at), func.max(runs.c.started_at))
        .join(runs, runs.c.id == findings.c.run_id)
        .where(runs.c.target == target, runs.c.started_at <= before, findings.c.status == Status.FAIL.value)
        .group_by(findings.c.fingerprint))
    return {fp: Seen(first, last) for fp, first, last in rows}


def _batches(run_id: str, items: Any) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for seq, f in enumerate(items):
        batch.append(_row(run_id, seq, f))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _row(run_id: str, seq: int, f: Finding) -> dict[str, Any]:
    return {"run_id": run_id, "seq": seq, "fingerprint": f.fingerprint, "control_id": f.control_id,
            "severity": f.severity.value, "status": f.status.value, "asset_kind": f.asset_kind,
            "asset_id": f.asset_id, "asset_name": f.asset_name, "message": f.message,
            "account": f.account, "region": f.region}
