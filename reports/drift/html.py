"""drift.html: the security officer's report, one self-contained file (inline CSS, inline SVG, no script, no
request to any network when opened), rendered with Jinja2 (autoescape on) from templates/drift.html.j2.

Long tables are cut at `MAX_ROWS` rows with a line saying how many more there are and where the full list is
(drift.json, evidence.csv); the evidence stays complete but compact: each control's assets and the values it read
are listed once, and the requirements link to them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

import jinja2
from markupsafe import Markup

from checks.coverage import summary_text
from checks.drift.model import DriftClass, DriftReport, Transition
from checks.model import Status
from reports.base import SEVERITY_ORDER, api_calls_line, finding_sort_key, incomplete_note, plural
from reports.base import verdict as check_verdict
from reports.drift.chart import trend_svg
from reports.drift.common import (
    SEVERITY_COLOURS,
    TRANSITION_ORDER,
    change_values,
    drift_found,
    drifted,
    in_sync_count,
    shown,
    transitions,
    verdict,
)
from reports.drift.evidence import AssetEvidence, evidence

MAX_ROWS = 500
TEMPLATE = "drift.html.j2"
T = TypeVar("T")

TRANSITION_TEXT = {
    Transition.NEW: "failing now, never failing before in the stored runs",
    Transition.REGRESSED: "failing now, not in the previous run, failing in an earlier one",
    Transition.RECURRING: "failing now and in the previous run",
    Transition.RESOLVED: "failing in the previous run, not now",
}


@dataclass(frozen=True)
class Capped:
    """The first `MAX_ROWS` rows of a table and how many were left out."""

    rows: Sequence[Any]
    more: int
    total: int


def capped(rows: Sequence[T], limit: int = MAX_ROWS) -> Capped:
    return Capped(rows[:limit], max(0, len(rows) - limit), len(rows))


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("reports.drift", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["when"] = _when
    return env


def _when(value: dt.datetime | None) -> str:
    if value is None:
        return "—"
    at = value.astimezone(dt.UTC) if value.tzinfo else value
    return f"{at:%Y-%m-%d %H:%M} UTC"


def render_html(drift: DriftReport) -> str:
    return environment().get_template(TEMPLATE).render(view(drift)) + "\n"


def view(drift: DriftReport) -> dict[str, Any]:
    """Everything the template shows, already ordered, capped and printed as text (the template adds markup)."""
    report = drift.report
    config = drift.configuration
    found = drift_found(drift)
    counts = [
        ("changed", len(config.of(DriftClass.CHANGED)), "config"),
        ("missing", len(config.of(DriftClass.MISSING)), "config"),
        ("unmanaged", len(config.of(DriftClass.UNMANAGED)), "config"),
        ("in sync", in_sync_count(drift), "ok"),
        *((t.value, len(drift.compliance.of(t)), "ok" if t is Transition.RESOLVED else "compliance")
          for t in TRANSITION_ORDER),
        ("unreviewed SG rules", len(drift.unreviewed), "config"),
    ]
    changed = [
        {"item": i, "changes": [(c.path, *change_values(c), c.secret) for c in sorted(i.changes, key=lambda c: c.path)]}
        for i in drifted(drift, DriftClass.CHANGED)
    ]
    waived = sorted((f for f in report.findings if f.status is Status.WAIVED), key=finding_sort_key)
    frameworks = evidence(drift)
    controls: dict[str, tuple[str, tuple[AssetEvidence, ...], list[str]]] = {}
    for fw in frameworks:
        for req in fw.requirements:
            for c in req.controls:
                entry = controls.setdefault(c.id, (c.title, c.assets, []))
                entry[2].append(f"{fw.id} {req.id}")
    return {
        "drift": drift,
        "report": report,
        "found": found,
        "verdict": verdict(drift),
        "check_verdict": check_verdict(report),
        "api_calls": api_calls_line(report),
        "incomplete": incomplete_note(report),
        "counts": counts,
        "severities": [(s.value, SEVERITY_COLOURS[s]) for s in SEVERITY_ORDER],
        "colours": {s.value: SEVERITY_COLOURS[s] for s in SEVERITY_ORDER},
        "chart": Markup(trend_svg(drift.trend)),  # noqa: S704 - built from escaped text only (chart.py)
        "trend": capped(sorted(drift.trend, key=lambda p: (p.at, p.run_id), reverse=True), 50),
        "changed": capped(changed),
        "missing": capped(drifted(drift, DriftClass.MISSING)),
        "unmanaged": capped(drifted(drift, DriftClass.UNMANAGED)),
        "in_sync": in_sync_count(drift),
        "kind_coverage": sorted(config.coverage, key=lambda c: c.kind),
        "transitions": [(t.value, TRANSITION_TEXT[t], capped(transitions(drift, t))) for t in TRANSITION_ORDER],
        "unreviewed": capped(sorted(drift.unreviewed, key=lambda r: (r.group_id, r.fingerprint))),
        "waiver_problems": sorted(report.waiver_problems),
        "waived": capped(waived),
        "frameworks": [(fw, summary_text(cov)) for fw, cov in zip(frameworks, report.coverage(), strict=True)],
        "controls": [(cid, *controls[cid]) for cid in sorted(controls)],
        "plural": plural,
        "shown": shown,
        "SEVERITY_ORDER": SEVERITY_ORDER,
    }
