"""drift.html: the security officer's report, one self-contained file (inline CSS, inline SVG, no script, no
request to any network when opened), rendered with Jinja2 (autoescape on) from templates/drift.html.j2.

Long tables are cut at `MAX_ROWS` rows with a line saying how many more there are and where the full list is
(drift.json, evidence.csv); the evidence stays complete but compact: each control's assets and the values it read
are listed once, and the requirements link to them.

When the findings span two or more accounts, the Accounts section lists them worst first (failing by severity,
errors, passes, a sparkline of the account's stored runs) and links each to its own list of failing and error
findings (`#acct-<id>`, at most `MAX_ACCOUNT_FINDINGS` each); the compliance-drift and evidence rows then name their
account too. The evidence itself stays organization-wide.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

import jinja2
from markupsafe import Markup

from checks.coverage import summary_text
from checks.drift.model import DriftClass, DriftReport, Transition
from checks.model import Finding, Status
from reports.base import SEVERITY_ORDER, api_calls_line, finding_sort_key, incomplete_note, plural
from reports.base import verdict as check_verdict
from reports.drift.chart import sparkline_svg, trend_svg
from reports.drift.common import (
    NOT_COMPARED,
    SEVERITY_COLOURS,
    TRANSITION_ORDER,
    AccountRow,
    account_rows,
    change_values,
    drift_found,
    drifted,
    finding_account,
    in_sync_count,
    shown,
    transitions,
    verdict,
)
from reports.drift.evidence import AssetEvidence, evidence

MAX_ROWS = 500
MAX_ACCOUNT_FINDINGS = 100   # failing and error findings listed under each account of the account view
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
    compared = drift.configuration_compared
    counts = [
        *((("changed", len(config.of(DriftClass.CHANGED)), "config"),
           ("missing", len(config.of(DriftClass.MISSING)), "config"),
           ("unmanaged", len(config.of(DriftClass.UNMANAGED)), "config"),
           ("in sync", in_sync_count(drift), "ok")) if compared else ()),
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
    rows = account_rows(drift)
    multi = len(rows) >= 2
    return {
        "drift": drift,
        "report": report,
        "found": found,
        "tag": "drift found" if found else ("no drift" if compared else "no compliance drift"),
        "compared": compared,
        "not_compared": NOT_COMPARED,
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
        "multi_account": multi,
        "account_count": len(rows),
        "accounts": account_view(drift, rows) if multi else None,
        "account_of_history": _history_accounts(drift) if multi else _no_account,
        "account_of_evidence": _evidence_accounts(drift) if multi else _no_account,
        "plural": plural,
        "shown": shown,
        "SEVERITY_ORDER": SEVERITY_ORDER,
    }


@dataclass(frozen=True)
class AccountView:
    """One row of the Accounts table and the account's own list of failing and error findings."""

    row: AccountRow
    anchor: str                  # the id of the account's findings list: "acct-<account>"
    spark: Markup                # inline SVG, "" without stored runs
    findings: Capped             # failing and error findings, most severe first


def account_view(drift: DriftReport, rows: Sequence[AccountRow]) -> Capped:
    """The Accounts table (worst first, capped at MAX_ROWS) with each shown account's findings."""
    shown_rows = capped(rows)
    wanted = {r.account for r in shown_rows.rows}
    listed: dict[str, list[Finding]] = {a: [] for a in wanted}
    for f in drift.report.findings:
        if f.status in (Status.FAIL, Status.ERROR) and (account := finding_account(f)) in listed:
            listed[str(account)].append(f)
    views = [AccountView(r, f"acct-{r.account}",
                         Markup(sparkline_svg(r.trend, f"account {r.account}")),  # noqa: S704 - escaped (chart.py)
                         capped(sorted(listed[r.account], key=finding_sort_key), MAX_ACCOUNT_FINDINGS))
             for r in shown_rows.rows]
    return Capped(views, shown_rows.more, shown_rows.total)


def _no_account(_: object) -> None:
    return None


def _history_accounts(drift: DriftReport) -> Callable[[object], str | None]:
    """The account of a compliance-drift item, by its fingerprint among this run's findings."""
    by_fp = {f.fingerprint: a for f in drift.report.findings if (a := finding_account(f)) is not None}
    return lambda item: by_fp.get(str(getattr(item, "fingerprint", "")))


def _evidence_accounts(drift: DriftReport) -> Callable[[object], str | None]:
    """The account of an evidence row: its own (when the evidence carries it), else the one account that this run's
    findings (then live assets) give its kind and id (None when two accounts hold the same id)."""
    owners: dict[tuple[str, str], str | None] = {}
    for key, account in (((f.asset_kind, f.asset_id), finding_account(f)) for f in drift.report.findings):
        if account is not None and owners.setdefault(key, account) != account:
            owners[key] = None
    for a in drift.assets:   # assets no finding named an account for
        if a.account is not None and (a.kind, a.id) not in owners:
            owners[(a.kind, a.id)] = a.account
    return lambda row: (getattr(row, "account", None)
                        or owners.get((str(getattr(row, "kind", "")), str(getattr(row, "id", "")))))
