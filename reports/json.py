"""The JSON report: a versioned document for machines (documented in docs/report-format.md).

Its JSON Schema is `policies/schema/report.schema.json`; `schema_version` follows
`checks.report.REPORT_SCHEMA_VERSION` (minor: fields added, major: fields changed or removed).
Every list and map is sorted so that two runs over the same estate give byte-identical output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from checks.catalog.controls import Control
from checks.coverage import COVERAGE_ORDER, FrameworkCoverage
from checks.model import Finding
from checks.paths import policies_dir
from checks.report import REPORT_SCHEMA_VERSION, Report
from reports.base import (
    SEVERITY_ORDER,
    STATUS_ORDER,
    api_calls_document,
    incomplete_note,
    json_bytes,
    register,
    verdict,
)

TOOL_NAME = "clearance"


def report_schema_path() -> Path:
    return policies_dir() / "schema" / "report.schema.json"


def report_document(report: Report) -> dict[str, Any]:
    """The report as a JSON-ready dict (see docs/report-format.md)."""
    doc: dict[str, Any] = {
        "schema_version": REPORT_SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": report.tool_version},
        "generated_at": report.generated_at.isoformat(),
        "view": report.view.value,
        "target": report.target,
        "fail_on": report.fail_on.value if report.fail_on else None,
        "artifact": report.artifact,
        "summary": _summary(report),
        "controls": {cid: _control(report.controls[cid]) for cid in sorted(report.controls)},
        "findings": [_finding(f) for f in sorted(report.findings, key=_json_order)],
        "unsupported": [{"type": t, "count": report.unsupported[t]} for t in sorted(report.unsupported)],
        "waiver_problems": sorted(report.waiver_problems),
        "baseline": _baseline(report),
        "warnings": list(report.warnings),
        "coverage": {fc.id: _coverage(fc) for fc in report.coverage()},
    }
    calls = api_calls_document(report)   # since 1.4, only when the run called AWS (a live view)
    if calls is not None:
        doc["api_calls"] = calls
    return doc


def _summary(report: Report) -> dict[str, Any]:
    counts = report.status_counts()
    by_sev = report.severity_status_counts()
    failing = report.failing_count
    return {
        "result": "fail" if failing else "pass",
        "verdict": verdict(report),
        "failing": failing,
        "incomplete": report.incomplete,
        "incomplete_note": incomplete_note(report),
        "assets": report.asset_count,
        "findings": len(report.findings),
        "by_status": {s.value: counts[s] for s in STATUS_ORDER},
        "by_severity": {sev.value: {s.value: by_sev[sev][s] for s in STATUS_ORDER} for sev in SEVERITY_ORDER},
    }


def _baseline(report: Report) -> dict[str, Any] | None:
    """`check --baseline FILE`: the file, how many findings it matched, and its entries that no longer occur."""
    if report.baseline is None:
        return None
    return {"file": report.baseline, "matched": sum(1 for f in report.findings if f.in_baseline),
            "gone": list(report.baseline_gone)}


def _control(control: Control) -> dict[str, Any]:
    return {
        "title": control.title,
        "severity": control.severity.value,
        "kind": control.kind,
        "description": control.description,
        "frameworks": {fw: sorted(ids) for fw, ids in sorted(control.frameworks.items())},
        "remediation": {"pulumi": control.remediation.pulumi, "cli": control.remediation.cli},
        "claim": control.claim,
    }


def _coverage(fc: FrameworkCoverage) -> dict[str, Any]:
    counts = fc.by_status()
    return {
        "name": fc.name,
        "version": fc.version,
        "summary": {s.value: counts[s] for s in COVERAGE_ORDER},
        "requirements": [
            {
                "id": r.id,
                "title": r.title,
                "manual": r.manual,
                "status": r.status.value,
                "controls": {cid: status.value for cid, status in sorted(r.controls.items())},
                "findings": {s.value: r.findings.get(s, 0) for s in STATUS_ORDER},
                "evidence": {"level": "partial" if r.partial else "full", "why": r.evidence_why},
            }
            for r in fc.requirements
        ],
    }


def _json_order(finding: Finding) -> tuple[str, str, str, str, str]:
    # Control, then asset: stable across scans even when a control's severity changes. (Status is a StrEnum: it
    # compares as its value.)
    return (finding.control_id, finding.asset_kind, finding.asset_id, finding.fingerprint, finding.status)


def _finding(f: Finding) -> dict[str, Any]:
    # Called once per finding: plain attribute reads only. Severity and status are StrEnums, which the encoder
    # writes as their values.
    w = f.waiver
    loc = f.location
    return {
        "control": f.control_id,
        "severity": f.severity,
        "status": f.status,
        "asset": {"kind": f.asset_kind, "id": f.asset_id, "name": f.asset_name},
        "location": None if loc is None else {"file": loc.file, "line": loc.line},
        "message": f.message,
        "detail": f.detail,
        "fingerprint": f.fingerprint,
        "waiver": None if w is None else {"control": w.control, "asset": w.asset, "reason": w.reason,
                                          "approver": w.approver, "expires": w.expires},
        "in_baseline": f.in_baseline,
    }


class JsonRenderer:
    name = "json"
    extension = "json"

    def render(self, report: Report) -> str:
        return self.render_bytes(report).decode("utf-8")

    def render_bytes(self, report: Report) -> bytes:
        return json_bytes(report_document(report))


register(JsonRenderer())
