"""drift.json: the drift report for machines, versioned (`drift_schema_version`) and documented in
docs/drift-format.md; its JSON Schema is policies/schema/drift-report.schema.json.

The evaluation of the live view is the check report's own document (`reports.json.report_document`) under
`evaluation`. Every list is sorted, so two runs over the same estate and history give the same bytes (apart from
times and the run id).

Two keys appear only when they say something (so a single-account report compared with its state keeps the 1.0
shape): `accounts`, the per-account rollup worst first, when the findings span two or more accounts, and
`configuration_drift.compared: false` when no state was given (an organization-wide report merged from shards).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from checks.drift.model import (
    SECRET_NOT_COMPARED,
    AssetDrift,
    DriftClass,
    DriftReport,
    FindingHistory,
    KindCoverage,
    TrendPoint,
)
from checks.model import Status
from checks.paths import policies_dir
from reports.base import SEVERITY_ORDER
from reports.drift.common import (
    NOT_COMPARED,
    TRANSITION_ORDER,
    AccountRow,
    account_rows,
    drift_found,
    drifted,
    in_sync_count,
    plain,
    transitions,
    verdict,
)
from reports.json import TOOL_NAME, report_document

DRIFT_SCHEMA_VERSION = "1.1"


def drift_schema_path() -> Path:
    return policies_dir() / "schema" / "drift-report.schema.json"


def drift_document(drift: DriftReport) -> dict[str, Any]:
    """The drift report as a JSON-ready dict (see docs/drift-format.md)."""
    report = drift.report
    config = drift.configuration
    compliance = drift.compliance
    accounts = account_rows(drift)
    notes = [*drift.notes, *([] if drift.configuration_compared or NOT_COMPARED in drift.notes else [NOT_COMPARED])]
    return {
        "drift_schema_version": DRIFT_SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": report.tool_version},
        "generated_at": report.generated_at.isoformat(),
        "target": report.target,
        "run_id": drift.run_id,
        "store": drift.store,
        "stacks": sorted(drift.stacks),
        "summary": _summary(drift),
        "configuration_drift": {
            "changed": [_asset(i) for i in drifted(drift, DriftClass.CHANGED)],
            "missing": [_asset(i) for i in drifted(drift, DriftClass.MISSING)],
            "unmanaged": [_asset(i) for i in drifted(drift, DriftClass.UNMANAGED)],
            "in_sync_count": in_sync_count(drift),
            "ignored": config.ignored,
            "coverage": [_coverage(c) for c in sorted(config.coverage, key=lambda c: c.kind)],
            **({} if drift.configuration_compared else {"compared": False}),
        },
        "compliance_drift": {
            "previous_run": compliance.previous_run,
            "previous_at": compliance.previous_at.isoformat() if compliance.previous_at else None,
            **{t.value: [_history(i) for i in transitions(drift, t)] for t in TRANSITION_ORDER},
        },
        "trend": [_point(p) for p in sorted(drift.trend, key=lambda p: (p.at, p.run_id))],
        **({"accounts": [_account(a) for a in accounts]} if len(accounts) >= 2 else {}),
        "unreviewed_rules": [
            {"group_id": r.group_id, "group_name": r.group_name, "fingerprint": r.fingerprint, "rule": r.rule,
             "command": r.command}
            for r in sorted(drift.unreviewed, key=lambda r: (r.group_id, r.fingerprint))
        ],
        "notes": notes,
        "evaluation": report_document(report),
    }


def _summary(drift: DriftReport) -> dict[str, Any]:
    config = drift.configuration
    return {
        "verdict": verdict(drift),
        "drift_found": drift_found(drift),
        "fail_on": drift.report.fail_on.value if drift.report.fail_on else None,
        "configuration": {
            "changed": len(config.of(DriftClass.CHANGED)),
            "missing": len(config.of(DriftClass.MISSING)),
            "unmanaged": len(config.of(DriftClass.UNMANAGED)),
            "in_sync": in_sync_count(drift),
        },
        "compliance": {t.value: len(drift.compliance.of(t)) for t in TRANSITION_ORDER},
        "unreviewed_rules": len(drift.unreviewed),
    }


def _asset(item: AssetDrift) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "id": item.id,
        "name": item.name,
        "account": item.account,
        "region": item.region,
        "stack": item.stack,
        "urn": item.urn,
        "location": None if item.location is None else {"file": item.location.file, "line": item.location.line},
        "changes": [
            {"path": c.path, "secret": True, "state": None, "live": None, "note": SECRET_NOT_COMPARED}
            if c.secret else
            {"path": c.path, "secret": False, "state": plain(c.state), "live": plain(c.live), "note": None}
            for c in sorted(item.changes, key=lambda c: c.path)
        ],
        "not_compared": sorted(item.not_compared),
    }


def _coverage(c: KindCoverage) -> dict[str, Any]:
    return {"kind": c.kind, "live": c.live, "managed": c.managed, "share": c.share}


def _history(i: FindingHistory) -> dict[str, Any]:
    return {
        "control": i.control_id,
        "severity": i.severity.value,
        "status": i.status.value,
        "asset": {"kind": i.asset_kind, "id": i.asset_id, "name": i.asset_name},
        "fingerprint": i.fingerprint,
        "first_seen": i.first_seen.isoformat(),
        "last_seen": i.last_seen.isoformat(),
    }


def _account(a: AccountRow) -> dict[str, Any]:
    return {
        "account": a.account,
        "failing": {s.value: int(a.failing.get(s, 0)) for s in SEVERITY_ORDER},
        "failing_total": a.failing_total,
        "errors": a.errors,
        "passes": a.passes,
        "statuses": {s.value: int(a.statuses.get(s, 0)) for s in Status},
        "trend": [_point(p) for p in a.trend],
    }


def _point(p: TrendPoint) -> dict[str, Any]:
    return {
        "run_id": p.run_id,
        "at": p.at.isoformat(),
        "failing": {s.value: int(p.failing.get(s, 0)) for s in SEVERITY_ORDER},
        "total": p.total,
        "errors": p.errors,
    }


def render_json(drift: DriftReport) -> str:
    return json.dumps(drift_document(drift), indent=2, ensure_ascii=False) + "\n"
