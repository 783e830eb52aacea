"""drift.md: the drift report as a GitHub job summary (`$GITHUB_STEP_SUMMARY`), verdict first, under 1 MiB.

Cells are escaped with the check report's helpers (`reports.markdown.escape_cell`, `code_cell`); when the full text
would not fit, the tables are cut (5000, 2000, ... rows) and the page says so and where the full lists are.

When the findings span two or more accounts, a short Accounts table (worst first, at most `MAX_ACCOUNT_ROWS`) follows
the counts; without a state to compare with, the configuration part says NOT_COMPARED instead of any count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from checks.coverage import summary_text
from checks.drift.model import AssetDrift, DriftClass, DriftReport, FindingHistory
from reports.base import SEVERITY_ORDER, api_calls_line, plural
from reports.base import verdict as check_verdict
from reports.drift.common import (
    NOT_COMPARED,
    TRANSITION_ORDER,
    AccountRow,
    account_rows,
    change_values,
    drift_found,
    drifted,
    in_sync_count,
    transitions,
    verdict,
)
from reports.markdown import STEP_SUMMARY_LIMIT, code_cell, escape_cell

_ROW_CAPS: tuple[int | None, ...] = (None, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 0)
MAX_TREND_ROWS = 10
MAX_ACCOUNT_ROWS = 20


@dataclass(frozen=True)
class _Table:
    before: list[str]
    rows: list[str] = field(default_factory=list)

    def lines(self, cap: int | None) -> list[str]:
        rows = self.rows
        if cap is not None and len(rows) > cap:
            rows = [*rows[:cap], "", f"_... and {len(rows) - cap} more (shortened to fit GitHub's size limit)_"]
        return [*self.before, *rows]


def render_drift_markdown(drift: DriftReport, max_bytes: int = STEP_SUMMARY_LIMIT) -> str:
    sections = [_head(drift), *_accounts(drift), *_configuration(drift), *_compliance(drift), _rules(drift),
                _tail(drift)]
    text = ""
    for cap in _ROW_CAPS:
        lines = [line for s in sections for line in s.lines(cap)]
        if cap is not None:
            lines += ["", f"_Tables are cut at {cap} rows to fit GitHub's size limit; "
                          "the full lists are in drift.json and evidence.csv._"]
        text = "\n".join(lines) + "\n"
        if len(text.encode("utf-8")) <= max_bytes:
            return text
    cut = text.encode("utf-8")[: max(0, max_bytes - 80)].decode("utf-8", errors="ignore")
    return cut[: cut.rfind("\n") + 1] + "\n_Cut to fit GitHub's size limit; the full report is in drift.json._\n"


def _head(drift: DriftReport) -> _Table:
    report = drift.report
    config = drift.configuration
    badge = ("**Result: DRIFT FOUND**" if drift_found(drift) else
             "**Result: NO DRIFT**" if drift.configuration_compared else "**Result: NO COMPLIANCE DRIFT**")
    stamp = report.generated_at.isoformat(timespec="seconds")
    previous = (f"compared with run {code_cell(drift.compliance.previous_run)}" if drift.compliance.previous_run
                else "first run of this target")
    lines = [
        f"## clearance drift: {escape_cell(verdict(drift))}",
        "",
        f"{badge} · {stamp} · {previous} · clearance {escape_cell(report.tool_version)}",
        "",
        f"Target: {escape_cell(report.target)}",
        "",
        f"Evaluation: {escape_cell(check_verdict(report))}",
        *(["", f"Live read: {calls}"] if (calls := api_calls_line(report)) else []),
    ]
    if drift.stacks:
        lines += ["", "Stacks: " + ", ".join(code_cell(s) for s in sorted(drift.stacks))]
    if drift.run_id:
        lines += ["", f"Recorded as run {code_cell(drift.run_id)}" + (f" in {code_cell(drift.store)}"
                                                                       if drift.store else "")]
    counts: list[tuple[str, int | str]] = [("configuration", "not compared (no state given)")]
    if drift.configuration_compared:
        counts = [(c.value, len(config.of(c))) for c in (DriftClass.CHANGED, DriftClass.MISSING,
                                                          DriftClass.UNMANAGED)]
        counts += [("in sync", in_sync_count(drift))]
    counts += [(t.value, len(drift.compliance.of(t))) for t in TRANSITION_ORDER]
    counts += [("unreviewed security-group rules", len(drift.unreviewed))]
    lines += ["", "| Drift | Count |", "|---|---:|", *(f"| {name} | {n} |" for name, n in counts)]
    pts = sorted(drift.trend, key=lambda p: (p.at, p.run_id))[-MAX_TREND_ROWS:]
    if pts:
        head = "| Run | Time | " + " | ".join(s.value for s in SEVERITY_ORDER) + " | total |"
        rows = [f"| {code_cell(p.run_id)} | {p.at.isoformat(timespec='minutes')} | "
                + " | ".join(str(int(p.failing.get(s, 0))) for s in SEVERITY_ORDER) + f" | {p.total} |" for p in pts]
        lines += ["", f"### Failing findings by run (latest {len(pts)})", "", head,
                  "|---|---|" + "---:|" * (len(SEVERITY_ORDER) + 1), *rows]
    return _Table(lines)


def _asset_cell(item: AssetDrift) -> str:
    return f"{escape_cell(item.name or item.id, 200)} ({code_cell(item.kind)})"


def _accounts(drift: DriftReport) -> list[_Table]:
    rows = account_rows(drift)
    if len(rows) < 2:
        return []
    head = ("| Account | " + " | ".join(s.value for s in SEVERITY_ORDER)
            + " | errors | pass | failing over stored runs |")
    lines = [_account_line(r) for r in rows[:MAX_ACCOUNT_ROWS]]
    if len(rows) > MAX_ACCOUNT_ROWS:
        lines += ["", f"_... and {len(rows) - MAX_ACCOUNT_ROWS} more accounts (all are in drift.json)_"]
    return [_Table(["", f"### Accounts ({len(rows)}, worst first)", "", head,
                    "|---|" + "---:|" * (len(SEVERITY_ORDER) + 2) + "---|"], lines)]


def _account_line(row: AccountRow) -> str:
    totals = [p.total for p in row.trend]
    trend = (f"{totals[0]} → {totals[-1]} ({plural(len(totals), 'run')})" if len(totals) > 1
             else f"{totals[0]} (1 run)" if totals else "")
    return (f"| {code_cell(row.account)} | " + " | ".join(str(row.failing.get(s, 0)) for s in SEVERITY_ORDER)
            + f" | {row.errors} | {row.passes} | {trend} |")


def _configuration(drift: DriftReport) -> list[_Table]:
    if not drift.configuration_compared:
        return [_Table(["", "### Configuration drift", "", f"{NOT_COMPARED[0].upper()}{NOT_COMPARED[1:]}."])]
    changed = drifted(drift, DriftClass.CHANGED)
    rows = []
    for item in changed:
        for change in sorted(item.changes, key=lambda c: c.path) or ():
            state, live = change_values(change)
            rows.append(f"| {_asset_cell(item)} | {code_cell(change.path)} | {escape_cell(state)} | "
                        f"{escape_cell(live)} |")
    out = [_Table(["", f"### Changed ({len(changed)})", "",
                   *(["| Asset | Attribute | State | Live |", "|---|---|---|---|"] if rows else ["None."])], rows)]
    for cls in (DriftClass.MISSING, DriftClass.UNMANAGED):
        items = drifted(drift, cls)
        table = ["| Asset | Id | Stack |", "|---|---|---|"] if items else ["None."]
        out.append(_Table(["", f"### {cls.value.capitalize()} ({len(items)})", "", *table],
                          [f"| {_asset_cell(i)} | {code_cell(i.id)} | {escape_cell(i.stack or '')} |"
                           for i in items]))
    cov = sorted(drift.configuration.coverage, key=lambda c: c.kind)
    if cov:
        out.append(_Table(["", "### Managed by Pulumi, by kind", "", "| Kind | Managed / live | Share |",
                           "|---|---:|---:|"],
                          [f"| {code_cell(c.kind)} | {c.managed} / {c.live} | "
                           f"{'' if c.share is None else f'{c.share:.0%}'} |" for c in cov]))
    return out


def _compliance(drift: DriftReport) -> list[_Table]:
    out = []
    for t in TRANSITION_ORDER:
        items: Sequence[FindingHistory] = transitions(drift, t)
        table = ["| Severity | Control | Asset | First seen | Last seen |", "|---|---|---|---|---|"] if items \
            else ["None."]
        out.append(_Table(["", f"### Compliance drift: {t.value} ({len(items)})", "", *table], [
            f"| {i.severity.value} | **{escape_cell(i.control_id)}** | {escape_cell(i.asset_name or i.asset_id, 200)} "
            f"({code_cell(i.asset_kind)}) | {i.first_seen.isoformat(timespec='minutes')} | "
            f"{i.last_seen.isoformat(timespec='minutes')} |" for i in items]))
    return out


def _rules(drift: DriftReport) -> _Table:
    rules = sorted(drift.unreviewed, key=lambda r: (r.group_id, r.fingerprint))
    table = ["| Group | Rule | Review with |", "|---|---|---|"] if rules else ["None."]
    return _Table(["", f"### Unreviewed security-group rules ({len(rules)})", "", *table],
                  [f"| {escape_cell(r.group_name)} ({code_cell(r.group_id)}) | {escape_cell(r.rule)} | "
                   f"{code_cell(r.command)} |" for r in rules])


def _tail(drift: DriftReport) -> _Table:
    report = drift.report
    lines: list[str] = []
    if report.waiver_problems:
        lines += ["", "### Waiver problems", "", *(f"- {escape_cell(w)}" for w in sorted(report.waiver_problems))]
    coverages = report.coverage() if report.frameworks else []
    if coverages:
        lines += ["", "### Evidence by framework", "",
                  *(f"- **{escape_cell(fc.id)}** {escape_cell(fc.name, 120)}: {escape_cell(summary_text(fc))}"
                    for fc in coverages),
                  "", "_Every requirement, control and asset with the values read: evidence.csv and drift.html._"]
    if drift.notes:
        lines += ["", "### Notes", "", *(f"- {escape_cell(n)}" for n in drift.notes)]
    lines += ["", f"_{plural(report.asset_count, 'asset')} evaluated; full report: drift.html, drift.json._"]
    return _Table(lines)
