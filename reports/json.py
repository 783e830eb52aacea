"""The JSON report: a versioned document for machines (documented in docs/report-format.md).

Its JSON Schema is `policies/schema/report.schema.json`; `schema_version` follows
`checks.report.REPORT_SCHEMA_VERSION` (minor: fields added, major: fields changed or removed).
Every list and map is sorted so that two runs over the same estate give byte-identical output.
"""

from __future__ import annotations

from collections.abc import Iterator
from operator import attrgetter
from pathlib import Path
from typing import Any

from checks.catalog.controls import Control
from checks.coverage import COVERAGE_ORDER, FrameworkCoverage
from checks.model import Finding
from checks.paths import policies_dir
from checks.report import REPORT_SCHEMA_VERSION, AccountRollup, Report
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


def report_document(report: Report, *, findings: bool = True) -> dict[str, Any]:
    """The report as a JSON-ready dict (see docs/report-format.md); `findings=False`: with an empty list of
    findings (`JsonRenderer` encodes them apart, a slice at a time)."""
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
        "findings": [_finding(f) for f in json_order(report)] if findings else [],
        "unsupported": [{"type": t, "count": report.unsupported[t]} for t in sorted(report.unsupported)],
        "waiver_problems": sorted(report.waiver_problems),
        "baseline": _baseline(report),
        "warnings": list(report.warnings),
        "coverage": {fc.id: _coverage(fc) for fc in report.coverage()},
        "accounts": [_account(a) for a in report.accounts],   # since 1.5
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


def _account(rollup: AccountRollup) -> dict[str, Any]:
    return {
        "account": rollup.account,
        "failing": rollup.failing,
        "findings": rollup.findings,
        "by_status": {s.value: rollup.by_status[s] for s in STATUS_ORDER},
        "fail_by_severity": {sev.value: rollup.fail_by_severity[sev] for sev in SEVERITY_ORDER},
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


_IN_CONTROL_ORDER = attrgetter("asset_kind", "asset_id", "fingerprint", "status")
_ASSET_ID = attrgetter("asset_id")
_ASSET_KIND = attrgetter("asset_kind")


def json_order(report: Report) -> list[Finding]:
    """The findings by control, then asset: (control, asset kind, asset id, fingerprint, status), stable across
    scans even when a control's severity changes (a Status compares as its value). Control by control (the report
    groups them), each control's sorted by a C-level key: the order of one stable sort by that key."""
    groups = report.by_control()
    out: list[Finding] = []
    for control_id in sorted(groups):
        group = groups[control_id]
        ids = set(map(_ASSET_ID, group))
        if len(ids) == len(group) and len(set(map(_ASSET_KIND, group))) == 1:
            out += sorted(group, key=_ASSET_ID)  # one kind, one finding per asset: the id alone orders them
        else:
            out += sorted(group, key=_IN_CONTROL_ORDER)
    return out


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
        "account": f.account,
        "region": f.region,
    }


class JsonRenderer:
    name = "json"
    extension = "json"

    def render(self, report: Report) -> str:
        return self.render_bytes(report).decode("utf-8")

    def render_bytes(self, report: Report) -> bytes:
        return b"".join(self.render_pieces(report))

    def render_pieces(self, report: Report) -> Iterator[bytes]:
        """`json_bytes(report_document(report))`, byte for byte, in pieces, made as they are read (`write_reports`
        writes them one after another): the findings are encoded `SLICE` at a time, so that neither every
        finding's dict nor the whole document is ever in memory at once."""
        if not report.findings:
            yield json_bytes(report_document(report))
            return
        head, found, tail = json_bytes(report_document(report, findings=False)).partition(_EMPTY_FINDINGS)
        if not found:  # cannot happen: the findings are a key of the top-level object
            raise ValueError("the report document has no findings key")
        yield head
        yield b'\n  "findings": [\n'
        ordered = json_order(report)
        for start in range(0, len(ordered), SLICE):
            # a slice as the list of a document {"findings": [...]} of its own is indented as in the report: that
            # document without its first line, the first item's indent, and its last two lines
            chunk = json_bytes({"findings": [_finding(f) for f in ordered[start:start + SLICE]]})
            if not (chunk.startswith(_SLICE_HEAD) and chunk.endswith(_SLICE_TAIL)):  # cannot happen
                raise ValueError("a slice of findings was not encoded as a list of objects")
            yield b",\n    " if start else b"    "
            yield chunk[len(_SLICE_HEAD):-len(_SLICE_TAIL)]
        yield b"\n  ],\n"
        yield tail


SLICE = 4096
_EMPTY_FINDINGS = b'\n  "findings": [],\n'   # how json_bytes writes the top-level key with an empty list
_SLICE_HEAD = b'{\n  "findings": [\n    '   # how json_bytes begins and ends {"findings": [a non-empty list]}
_SLICE_TAIL = b'\n  ]\n}\n'


register(JsonRenderer())
