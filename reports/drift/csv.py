"""evidence.csv: the evidence view for auditors, one row per (framework, requirement, control, asset).

A requirement no control backs has one row with no control (status `manual`); a control that evaluated no asset has
one row with no asset (status `no-data`). `requirement_evidence` is `full`, or `partial: <why>` for a requirement
the framework marks partly evidenced (passing rows do not show it met). Values are the attributes the control reads,
"****" for a secret. Any cell that a spreadsheet would read as a formula (beginning with = + - @, a tab or a
carriage return) is prefixed with a single quote.
"""

from __future__ import annotations

import csv
import io

from checks.drift.model import DriftReport
from reports.drift.evidence import evidence

COLUMNS = ("framework", "requirement", "requirement_title", "control", "control_title", "status", "asset_kind",
           "asset_id", "asset_name", "evidence", "evaluated_at", "requirement_evidence")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """A cell no spreadsheet evaluates: a leading formula character gets a quote in front."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def render_csv(drift: DriftReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    when = drift.report.generated_at.isoformat()
    for fw in evidence(drift):
        for req in fw.requirements:
            base = (fw.id, req.id, req.title)
            if not req.controls:
                writer.writerow([safe_cell(c) for c in (*base, "", "", req.status.value, "", "", "", "", when,
                                                        req.evidence_text())])
            for control in req.controls:
                head = (*base, control.id, control.title)
                if not control.assets:
                    writer.writerow([safe_cell(c) for c in (*head, control.status.value, "", "", "", "", when,
                                                            req.evidence_text())])
                for a in control.assets:
                    writer.writerow([safe_cell(c) for c in (*head, a.status, a.kind, a.id, a.name, a.text(), when,
                                                            req.evidence_text())])
    return buffer.getvalue()
