"""Markdown for a pull-request comment or `$GITHUB_STEP_SUMMARY` (GitHub-flavoured, no emoji).

GitHub refuses a step summary over 1 MiB and a comment over 65,536 characters: `render_markdown`
takes a byte budget and, when the full text would not fit, shortens the tables and says so. The renderer
(`clearance.md`) uses the comment limit, so the same file serves both.

When the report carries frameworks, a compliance-coverage table (one row per framework) follows the summary, and
after the findings each framework has a collapsed `<details>` table: requirement | title | controls | status (a
partly evidenced requirement gives the reason under its title).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from checks.baseline import summary_line
from checks.coverage import COVERAGE_ORDER, CoverageStatus, FrameworkCoverage, RequirementCoverage, summary_text
from checks.model import Finding, Status
from checks.report import Report
from reports._markdown_text import MAX_CELL, code_cell, escape_cell, html_text
from reports.base import (
    ACCOUNT_HEADINGS,
    SEVERITY_ORDER,
    STATUS_LABELS,
    STATUS_ORDER,
    account_cells,
    account_table,
    api_calls_line,
    incomplete_note,
    plural,
    register,
    verdict,
)

__all__ = ["COMMENT_LIMIT", "MAX_CELL", "STEP_SUMMARY_LIMIT", "MarkdownRenderer", "code_cell", "escape_cell",
           "html_text", "render_markdown"]

STEP_SUMMARY_LIMIT = 1024 * 1024          # bytes, per step
COMMENT_LIMIT = 65_536                    # characters per pull-request comment (bytes >= characters)
_ROW_CAPS: tuple[int | None, ...] = (None, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 0)


def render_markdown(report: Report, max_bytes: int = STEP_SUMMARY_LIMIT) -> str:
    """The full summary if it fits in `max_bytes` (UTF-8), else one with shortened tables and a note.

    Table rows are built lazily, and a size is measured before any text is joined: at 100,000 findings only the
    rows that can fit are ever escaped."""
    coverages = report.coverage() if report.frameworks else []
    sections = [
        _Section(_header(report) + _summary_table(report)),
        _accounts(report),
        _Section(_coverage_summary(coverages)),
        _failing(report),
        _incomplete(report),
        _waived(report),
        _not_checked(report),
        *_coverage_details(coverages),
        _Section(_notes(report)),
    ]
    for cap in _ROW_CAPS:
        if _fits(sections, cap, max_bytes):
            return _document(sections, cap)
    return _hard_cut(_document(sections, _ROW_CAPS[-1]), max_bytes)


class _Rows:
    """A table's rows, built on first use (one per item, in order) and kept."""

    def __init__(self, items: Sequence[Finding] | Sequence[str], row: Callable[..., str] | None = None) -> None:
        self._items = items
        self._row = row
        self._built: list[str] = [] if row is not None else [str(i) for i in items]

    def __len__(self) -> int:
        return len(self._items)

    def take(self, count: int) -> Iterator[str]:
        """The first `count` rows."""
        for i in range(min(count, len(self._items))):
            if i == len(self._built):
                assert self._row is not None
                self._built.append(self._row(self._items[i]))
            yield self._built[i]


_NO_ROWS = _Rows(())


@dataclass(frozen=True)
class _Section:
    """Lines before a table's rows, the rows (which may be cut), and lines after them."""

    before: list[str]
    rows: _Rows = _NO_ROWS
    after: list[str] = field(default_factory=list)

    def lines(self, cap: int | None) -> Iterator[str]:
        total = len(self.rows)
        yield from self.before
        yield from self.rows.take(total if cap is None else cap)
        if cap is not None and total > cap:
            yield from ("", f"_... and {total - cap} more (shortened to fit GitHub's size limit)_")
        yield from self.after


def _lines(sections: list[_Section], cap: int | None) -> Iterator[str]:
    for section in sections:
        yield from section.lines(cap)
    if cap is not None:
        yield from ("", f"_Tables are cut at {cap} rows to fit GitHub's size limit; "
                        "the full list is in clearance.json and clearance.sarif._")


def _document(sections: list[_Section], cap: int | None) -> str:
    return "\n".join(_lines(sections, cap)) + "\n"


def _fits(sections: list[_Section], cap: int | None, max_bytes: int) -> bool:
    """Whether `_document(sections, cap)` is at most `max_bytes` in UTF-8; stops reading rows once it is over."""
    size = 0
    for line in _lines(sections, cap):
        size += len(line.encode("utf-8")) + 1   # the line and its "\n"
        if size > max_bytes:
            return False
    return True


def _header(report: Report) -> list[str]:
    failing = report.failing_count
    badge = "**Result: FAIL**" if failing else "**Result: PASS**"
    note = incomplete_note(report)
    stamp = report.generated_at.isoformat(timespec="seconds")
    calls = api_calls_line(report)
    return [
        f"## clearance: {escape_cell(verdict(report))}",
        "",
        f"{badge} · {escape_cell(note) if note else 'evaluation complete'} · view: {report.view.value} · "
        f"{plural(report.asset_count, 'asset')} · {calls + ' · ' if calls else ''}{stamp} · "
        f"clearance {escape_cell(report.tool_version)}",
        "",
        f"Target: {escape_cell(report.target)}",
        *_baseline(report),
    ]


def _baseline(report: Report) -> list[str]:
    if report.baseline is None:
        return []
    matched = sum(1 for f in report.findings if f.in_baseline)
    return ["", f"Baseline: {escape_cell(summary_line(report.baseline, matched, report.baseline_gone))}"]


def _summary_table(report: Report) -> list[str]:
    counts = report.severity_status_counts()
    totals = report.status_counts()
    head = "| Severity | " + " | ".join(STATUS_LABELS[s] for s in STATUS_ORDER) + " | total |"
    rule = "|---|" + "---:|" * (len(STATUS_ORDER) + 1)
    rows = [
        f"| {sev.value} | " + " | ".join(str(counts[sev][s]) for s in STATUS_ORDER)
        + f" | {sum(counts[sev].values())} |"
        for sev in SEVERITY_ORDER
    ]
    total = "| **total** | " + " | ".join(f"**{totals[s]}**" for s in STATUS_ORDER) + f" | **{len(report.findings)}** |"
    return ["", "### Summary", "", head, rule, *rows, total]


def _accounts(report: Report) -> _Section:
    """When the findings span two or more accounts: one row per account, worst first (cut like the other tables)."""
    accounts = account_table(report)
    if not accounts:
        return _Section([])
    head = ["| " + " | ".join(ACCOUNT_HEADINGS) + " |", "|---|" + "---:|" * (len(ACCOUNT_HEADINGS) - 1)]
    rows = _Rows([f"| {code_cell(cells[0])} | " + " | ".join(cells[1:]) + " |"
                  for cells in map(account_cells, accounts)])
    return _Section(["", f"### By account ({len(accounts)})", "",
                     "Failing results by severity, then the other results; worst accounts first.", "", *head], rows)


def _coverage_summary(coverages: list[FrameworkCoverage]) -> list[str]:
    if not coverages:
        return []
    head = "| Framework | " + " | ".join(s.value for s in COVERAGE_ORDER) + " | requirements |"
    rule = "|---|" + "---:|" * (len(COVERAGE_ORDER) + 1)
    rows = []
    for fc in coverages:
        counts = fc.by_status()
        cells = " | ".join(f"**{counts[s]}**" if s is CoverageStatus.FAIL and counts[s] else str(counts[s])
                           for s in COVERAGE_ORDER)
        rows.append(f"| **{escape_cell(fc.id)}** {escape_cell(fc.name, 120)} | {cells} | {len(fc.requirements)} |")
    return ["", "### Compliance coverage", "",
            "Requirements of each framework by status: _fail_ some control mapped to it fails; _incomplete_ some "
            "result is unknown or error; _partial_ its controls pass but evidence it only in part (why: under its "
            "title); _no-data_ its controls found nothing to check; _manual_ no control checks it "
            "(process evidence). Each requirement is listed under \"Coverage by requirement\".", "", head, rule, *rows]


def _coverage_details(coverages: list[FrameworkCoverage]) -> list[_Section]:
    sections: list[_Section] = []
    for i, fc in enumerate(coverages):
        head = ["| Requirement | Title | Controls | Status |", "|---|---|---|---|"]
        rows = _Rows([f"| {code_cell(r.id)} | {_title(r)} | {_controls(r.controls)} | {_status(r.status)} |"
                      for r in fc.requirements])
        section = _details(f"{fc.id}: {fc.name} ({summary_text(fc)})", head, rows)
        if i == 0:
            section = _Section(["", "### Coverage by requirement", *section.before], section.rows, section.after)
        sections.append(section)
    return sections


def _title(req: RequirementCoverage) -> str:
    """The requirement's title; a partly evidenced one says so, and why, on a second line."""
    title = escape_cell(req.title, 160)
    if not req.partial:
        return title
    why = escape_cell(req.evidence_why or "the controls check only part of it", 400)
    return f"{title}<br>*partial evidence:* {why}"


def _controls(controls: Mapping[str, CoverageStatus]) -> str:
    if not controls:
        return "none"
    return ", ".join(f"**{escape_cell(cid)}** ({status.value})"
                     if status in (CoverageStatus.FAIL, CoverageStatus.INCOMPLETE) else escape_cell(cid)
                     for cid, status in controls.items())


def _status(status: CoverageStatus) -> str:
    return f"**{status.value}**" if status is CoverageStatus.FAIL else status.value


def _listed(report: Report, *statuses: Status) -> list[Finding]:
    """The findings of these statuses, in the report's order (most severe first, by control, status, asset)."""
    return [f for f in report.sorted_findings if f.status in statuses]


def _failing(report: Report) -> _Section:
    fails = _listed(report, Status.FAIL)
    if not fails:
        return _Section(["", "### Failing findings", "", "None."])

    def row(f: Finding) -> str:
        return (f"| {f.severity.value} | {_control_cell(report, f)} | {_resource(f)} | {_where(f)} | "
                f"{escape_cell(f.message)} |")

    rows = _Rows(fails, row)
    return _Section(["", f"### Failing findings ({len(fails)})", "",
                     "| Severity | Control | Resource | Location | Message |", "|---|---|---|---|---|"], rows)


def _incomplete(report: Report) -> _Section:
    items = _listed(report, Status.UNKNOWN, Status.ERROR)
    if not items:
        return _Section([])

    def row(f: Finding) -> str:
        return (f"| {f.status.value} | {_control_cell(report, f)} | {_resource(f)} | {_where(f)} | "
                f"{escape_cell(f.detail or f.message)} |")

    rows = _Rows(items, row)
    counts = report.status_counts()
    summary = f"Could not evaluate: {counts[Status.UNKNOWN]} unknown, {counts[Status.ERROR]} error"
    return _details(summary, ["| Status | Control | Resource | Location | Why |", "|---|---|---|---|---|"], rows)


def _waived(report: Report) -> _Section:
    items = _listed(report, Status.WAIVED)
    if not items:
        return _Section([])
    head = ["| Severity | Control | Resource | Reason | Approver | Expires |", "|---|---|---|---|---|---|"]
    return _details(f"Waived ({len(items)})", head, _Rows(items, lambda f: _waiver_row(report, f)))


def _waiver_row(report: Report, f: Finding) -> str:
    w = f.waiver
    reason, approver, expires = (w.reason, w.approver, w.expires) if w else ("", "", "")
    return (f"| {f.severity.value} | {_control_cell(report, f)} | {_resource(f)} | {escape_cell(reason)} | "
            f"{escape_cell(approver)} | {escape_cell(expires)} |")


def _not_checked(report: Report) -> _Section:
    if not report.unsupported:
        return _Section([])
    rows = _Rows([f"| {code_cell(t)} | {n} |" for t, n in sorted(report.unsupported.items())])
    total = sum(report.unsupported.values())
    return _Section(["", f"### Not checked ({plural(total, 'resource')} of types no control covers)", "",
                     "| Resource type | Count |", "|---|---:|"], rows)


def _notes(report: Report) -> list[str]:
    lines: list[str] = []
    for title, items in (("Waiver problems", report.waiver_problems), ("Warnings", report.warnings)):
        if items:
            lines += ["", f"### {title}", "", *(f"- {escape_cell(i)}" for i in items)]
    return lines


def _details(summary: str, head: list[str], rows: _Rows) -> _Section:
    # The blank line after <summary> lets GitHub render the Markdown table inside. The summary itself is HTML,
    # where a Markdown escape (`cis\_aws`) would show its backslash: escape it as HTML text instead.
    return _Section(["", "<details>", f"<summary>{html_text(summary)}</summary>", "", *head], rows,
                    ["", "</details>"])


def _control_cell(report: Report, f: Finding) -> str:
    control = report.controls.get(f.control_id)
    title = f" {escape_cell(control.title, 120)}" if control else ""
    return f"**{escape_cell(f.control_id)}**{title}"


def _resource(f: Finding) -> str:
    name = escape_cell(f.asset_name or f.asset_id, 200)
    return f"{name} ({code_cell(f.asset_kind)})"


def _where(f: Finding) -> str:
    return code_cell(str(f.location)) if f.location else ""


def _hard_cut(text: str, max_bytes: int) -> str:
    """Last resort when even empty tables do not fit: cut at a line boundary and say so."""
    note = "\n\n_Cut to fit GitHub's size limit; the full report is in clearance.json._\n"
    budget = max(0, max_bytes - len(note.encode("utf-8")))
    cut = text.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    return cut[: cut.rfind("\n") + 1] + note if "\n" in cut else note.lstrip("\n")


class MarkdownRenderer:
    name = "markdown"
    extension = "md"

    def render(self, report: Report) -> str:
        # clearance.md is offered for a pull-request comment: the smaller of GitHub's two limits applies.
        return render_markdown(report, COMMENT_LIMIT)


register(MarkdownRenderer())
