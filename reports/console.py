"""The console report (Rich): coloured on a terminal; `ConsoleRenderer` renders the same as plain text.

Passes and not-applicable results are only counted. Findings are grouped by control; on a terminal each
control lists at most `TERMINAL_LINES_PER_CONTROL` lines (and says which written file lists them all, or which
--format would), the plain text lists all. On a terminal, long lines wrap at spaces, never inside a word
(`publicly_accessible` stays whole); elsewhere (a pipe, a CI log) a line is never wrapped at all. Compliance
coverage (when the report carries frameworks) is one row per framework; the per-requirement tables follow the
findings in the file, and on a terminal when asked for (`coverage=True`). Every piece of report text goes into
a `rich.text.Text`, never through console markup, so a `[` in a message prints as itself.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Mapping

from rich import box
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Span, Text

from checks.baseline import summary_line
from checks.coverage import COVERAGE_ORDER, STATIC_ORDER, CoverageStatus, FrameworkCoverage, summary_text
from checks.errors import ExitCode
from checks.model import Finding, Severity, Status
from checks.report import Report
from reports.base import (
    ACCOUNT_HEADINGS,
    ACCOUNT_ROWS,
    SEVERITY_ORDER,
    STATUS_LABELS,
    STATUS_ORDER,
    account_cells,
    account_table,
    api_calls_line,
    control_order,
    finding_sort_key,
    incomplete_note,
    plural,
    register,
    soft_fail_note,
    verdict,
    verdict_text,
    waiver_text,
    where,
)

TERMINAL_LINES_PER_CONTROL = 50
FILE_WIDTH = 120
_LISTED = (Status.FAIL, Status.ERROR, Status.UNKNOWN, Status.WAIVED)
SEVERITY_STYLE = {Severity.CRITICAL: "bold white on red", Severity.HIGH: "bold red",
                  Severity.MEDIUM: "yellow", Severity.LOW: "cyan"}
STATUS_STYLE = {Status.FAIL: "bold red", Status.ERROR: "magenta", Status.UNKNOWN: "yellow",
                Status.WAIVED: "blue", Status.PASS: "green", Status.NOT_APPLICABLE: "dim"}
COVERAGE_STYLE = {CoverageStatus.FAIL: "bold red", CoverageStatus.INCOMPLETE: "yellow", CoverageStatus.PASS: "green",
                  CoverageStatus.PARTIAL: "blue", CoverageStatus.NO_DATA: "dim", CoverageStatus.MANUAL: "cyan",
                  CoverageStatus.AUTOMATED: "green"}


# A line of output: (text, style) segments. Lines stay plain data so that the file version, which lists
# every finding, can skip Rich's per-line rendering (too slow for 100,000 lines).
Segment = tuple[str, str]
Line = list[Segment]


def print_report(report: Report, console: Console, limit: int | None = TERMINAL_LINES_PER_CONTROL,
                 coverage: bool = False, full_list: str | None = None,
                 soft_fail: tuple[ExitCode, ExitCode] | None = None) -> None:
    """Print the report with colour; `limit` caps the lines listed per control (None lists every finding);
    `coverage` adds the per-requirement coverage table of every framework; `full_list` is the written file that
    lists every finding (None: none was written); `soft_fail` (the exit code without --soft-fail, the one with it)."""
    _print(report, console, limit, plain=False, coverage_detail=coverage, full_list=full_list, soft_fail=soft_fail)


def _print(report: Report, console: Console, limit: int | None, plain: bool, coverage_detail: bool,
           full_list: str | None = None, soft_fail: tuple[ExitCode, ExitCode] | None = None) -> None:
    _emit(console, _header(report), plain)
    console.print(_summary_table(report), highlight=False)
    _print_accounts(report, console, plain)
    coverages = report.coverage() if report.frameworks else []
    if coverages:
        _emit(console, [[("Compliance coverage (requirements by status):", "bold")]], plain)
        console.print(coverage_summary_table(coverages), highlight=False)
        if not coverage_detail:
            _emit(console, [[("Per-requirement coverage: --coverage, clearance.json or clearance.md", "dim")]], plain)
    _emit(console, _findings(report, limit, full_list), plain)
    if coverage_detail:
        for fc in coverages:
            _emit(console, [[], [(f"{fc.id}: {fc.name}", "bold"), (f"  ({summary_text(fc)})", "dim")]], plain)
            console.print(requirement_table(fc), highlight=False)
    _emit(console, _tail(report, soft_fail), plain)


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BREAKS = str.maketrans({"\n": " ", "\r": " "})


def safe(text: str) -> str:
    """One line of text a terminal cannot misread: line breaks become spaces, escape and control codes go."""
    return _CONTROL.sub("", text.translate(_BREAKS))


def _emit(console: Console, lines: list[Line], plain: bool) -> None:
    if not lines:
        return
    if plain:
        console.file.write("".join("".join(safe(t) for t, _ in line) + "\n" for line in lines))
        return
    texts = [_text(line) for line in lines]
    # a terminal wraps a long line wherever the column ends, so Rich wraps it first, at spaces (a word longer than
    # the width is the only one ever folded); a pipe or a log gets each line whole
    if not console.is_terminal:
        console.print(Text("\n").join(texts), highlight=False, soft_wrap=True)
        return
    # Rich's wrapping leaves a line that fits (no tab, no wider than the console) as it is, and costs most of the
    # time of a long listing: runs of lines that fit are printed whole, only the others go through the wrapping.
    width = console.width
    run: list[Text] = []
    fits = True
    for text in texts:
        this_fits = "\t" not in text.plain and text.cell_len <= width
        if run and this_fits is not fits:
            _print_run(console, run, wrap=not fits)
            run = []
        fits = this_fits
        run.append(text)
    _print_run(console, run, wrap=not fits)


def _text(line: Line) -> Text:
    """`Text.assemble` of the segments, built in one go (the text is already `safe`, so Rich strips nothing)."""
    parts: list[str] = []
    spans: list[Span] = []
    pos = 0
    for t, style in line:
        t = safe(t)
        if style and t:
            spans.append(Span(pos, pos + len(t), style))
        parts.append(t)
        pos += len(t)
    return Text("".join(parts), spans=spans)


def _print_run(console: Console, texts: list[Text], wrap: bool) -> None:
    console.print(Text("\n").join(texts), highlight=False, soft_wrap=not wrap, overflow="fold" if wrap else None)


def _header(report: Report) -> list[Line]:
    stamp = report.generated_at.isoformat(sep=" ", timespec="seconds")
    threshold = report.fail_on.value if report.fail_on else "any failure"
    calls = api_calls_line(report)
    return [
        [("clearance ", "bold"), (report.tool_version, "dim"), (" - ", ""), (f"{report.view.value} view", "bold"),
         (" of ", ""), (report.target, "bold")],
        [(f"{plural(report.asset_count, 'asset')} checked at {stamp}; fail on {threshold}", "dim")],
        *([[(calls, "dim")]] if calls else []),
        *_uncovered_header(report),
        *_incomplete_header(report),
    ]


def _uncovered_header(report: Report) -> list[Line]:
    """How many resources read are of types no control covers, with the most frequent types."""
    uncovered = report.uncovered_count()
    if not uncovered:
        return []
    top = ", ".join(f"{t} x{n}" for t, n in report.top_uncovered())
    more = ", ..." if len(report.unsupported) > 3 else ""
    return [[(f"{plural(uncovered, 'resource')} of types no control covers, not checked: {top}{more}", "yellow")]]


def _incomplete_header(report: Report) -> list[Line]:
    """A headline that no reader can miss when the run could not read something or checked nothing."""
    if report.unread:
        errors = report.status_counts()[Status.ERROR]
        what = "scan" if report.view.value == "live" else "check"
        return [[(f"INCOMPLETE {what}: {plural(errors, 'result')} could not be evaluated because data they need "
                  "could not be read (see the error lines and warnings below)", "bold magenta")]]
    if report.nothing_checked:
        return [[("NOTHING CHECKED: no control covers any resource read", "bold yellow")]]
    return []


def _summary_table(report: Report) -> Table:
    counts = report.severity_status_counts()
    table = Table(box=box.SIMPLE_HEAD, title=None, show_footer=True, pad_edge=False)
    table.add_column("severity", footer="total")
    totals = report.status_counts()
    for status in STATUS_ORDER:
        table.add_column(STATUS_LABELS[status], justify="right", footer=str(totals[status]))
    table.add_column("total", justify="right", footer=str(len(report.findings)))
    for sev in SEVERITY_ORDER:
        row: list[RenderableType] = [Text(sev.value, style=SEVERITY_STYLE[sev])]
        for status in STATUS_ORDER:
            n = counts[sev][status]
            row.append(Text(str(n), style=STATUS_STYLE[status] if n and status in _LISTED else ""))
        row.append(str(sum(counts[sev].values())))
        table.add_row(*row)
    return table


def _print_accounts(report: Report, console: Console, plain: bool) -> None:
    """When the findings span two or more accounts: the worst `ACCOUNT_ROWS` of them, failing results by
    severity."""
    accounts = account_table(report)
    if not accounts:
        return
    _emit(console, [[("By account (failing results by severity; worst first):", "bold")]], plain)
    table = Table(box=box.SIMPLE_HEAD, title=None, pad_edge=False)
    for i, heading in enumerate(ACCOUNT_HEADINGS):
        table.add_column(heading, justify="right" if i else "left", no_wrap=True)
    styles = ["bold", *(SEVERITY_STYLE[sev] for sev in SEVERITY_ORDER), STATUS_STYLE[Status.ERROR],
              STATUS_STYLE[Status.UNKNOWN], "", ""]   # a count is coloured only when it is not 0
    for rollup in accounts[:ACCOUNT_ROWS]:
        cells = account_cells(rollup)
        table.add_row(*(Text(c, style=style if i == 0 or c != "0" else "") for i, (c, style) in
                        enumerate(zip(cells, styles, strict=True))))
    console.print(table, highlight=False)
    if len(accounts) > ACCOUNT_ROWS:
        _emit(console, [[(f"    {plural(len(accounts) - ACCOUNT_ROWS, 'more account')} in the JSON report", "dim")]],
              plain)


def coverage_summary_table(coverages: list[FrameworkCoverage], static: bool = False) -> Table:
    """One row per framework: how many of its requirements have each coverage status."""
    order = STATIC_ORDER if static else COVERAGE_ORDER
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, title=None)
    table.add_column("framework", no_wrap=True)
    for status in order:
        table.add_column(status.value, justify="right", no_wrap=True)
    table.add_column("requirements", justify="right", no_wrap=True)
    for fc in coverages:
        counts = fc.by_status(static)
        row: list[RenderableType] = [Text(fc.id, style="bold")]
        for status in order:
            n = counts[status]
            row.append(Text(str(n), style=COVERAGE_STYLE[status] if n and status is not CoverageStatus.NO_DATA else ""))
        row.append(str(len(fc.requirements)))
        table.add_row(*row)
    return table


def requirement_table(fc: FrameworkCoverage) -> Table:
    """One row per requirement: id, status, the controls mapped to it (failing or incomplete ones marked, those
    that evaluated nothing dimmed), title; a partly evidenced requirement says so, and why, under its title."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, title=None)
    table.add_column("requirement", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("controls", ratio=1)
    table.add_column("title", ratio=2)
    for req in fc.requirements:
        title = Text(safe(req.title))
        if req.partial:
            title.append(f"\npartial evidence: {safe(req.evidence_why or 'the controls check only part of it')}",
                         style="dim")
        table.add_row(Text(req.id, style="bold"), Text(req.status.value, style=COVERAGE_STYLE[req.status]),
                      _controls_cell(req.controls), title)
    return table


_MARKED = (CoverageStatus.FAIL, CoverageStatus.INCOMPLETE)


def _controls_cell(controls: Mapping[str, CoverageStatus]) -> Text:
    if not controls:
        return Text("-", style="dim")
    parts: list[tuple[str, str]] = []
    for i, (cid, status) in enumerate(controls.items()):
        if i:
            parts.append((", ", ""))
        marked = status in _MARKED
        style = COVERAGE_STYLE[status] if marked else "dim" if status is CoverageStatus.NO_DATA else ""
        parts.append((f"{cid} ({status.value})" if marked else cid, style))
    return Text.assemble(*parts)


def _findings(report: Report, limit: int | None, full_list: str | None = None) -> list[Line]:
    groups = report.by_control()
    lines: list[Line] = []
    quiet: list[str] = []
    for cid in control_order(report):
        findings = groups[cid]
        listed = sorted((f for f in findings if f.status in _LISTED), key=finding_sort_key)
        if not listed:
            quiet.append(cid)
            continue
        shown = listed if limit is None else listed[:limit]
        lines += [[], _control_heading(report, cid, findings), *(_finding_line(f) for f in shown)]
        if len(listed) > len(shown):
            where_all = f"every finding is in {full_list}" if full_list else "--format json lists every finding"
            lines.append([(f"    ... and {len(listed) - len(shown)} more ({where_all})", "dim")])
    if quiet:
        lines += [[], [(f"{plural(len(quiet), 'control')} with nothing to report (pass or not applicable only): "
                        + ", ".join(quiet), "green")]]
    return lines


def _control_heading(report: Report, cid: str, findings: list[Finding]) -> Line:
    control = report.controls.get(cid)
    severity = control.severity if control else max((f.severity for f in findings), key=lambda s: s.rank)
    counts = Counter(f.status for f in findings)
    tally = ", ".join(f"{counts[s]} {STATUS_LABELS[s]}" for s in STATUS_ORDER if counts[s])
    return [(cid, "bold"), (" ", ""), (f"[{severity.value}]", SEVERITY_STYLE[severity]), (" ", ""),
            (control.title if control else "", ""), (f"  ({tally})", "dim")]


def _finding_line(f: Finding) -> Line:
    if f.status is Status.WAIVED:
        what = waiver_text(f)
    elif f.status in (Status.UNKNOWN, Status.ERROR) and f.detail:
        what = f"{f.message} -- {f.detail}"
    else:
        what = f.message
    return [("    ", ""), (f"{f.status.value.upper():<7}", STATUS_STYLE[f.status]), (" ", ""), (where(f), "cyan"),
            ("  ", ""), (f.asset_name or f.asset_id, "bold"), ("  ", ""), (what, "")]


def _tail(report: Report, soft_fail: tuple[ExitCode, ExitCode] | None = None) -> list[Line]:
    lines: list[Line] = []
    if report.unsupported:
        lines += [[], [("Not checked (resource types clearance does not model yet):", "bold")]]
        lines += [[(f"    {t} x{n}", "yellow")] for t, n in sorted(report.unsupported.items())]
    for title, items in (("Waiver problems:", report.waiver_problems), ("Warnings:", report.warnings)):
        if items:
            lines += [[], [(title, "bold")], *([(f"    {item}", "yellow")] for item in items)]
    if report.baseline is not None:
        matched = sum(1 for f in report.findings if f.in_baseline)
        lines += [[], [(summary_line(report.baseline, matched, report.baseline_gone), "cyan")]]
    lines += [[], [(verdict(report) + soft_fail_note(soft_fail), _verdict_style(report))]]
    note = incomplete_note(report)
    if note:
        lines.append([(note, "yellow")])
    return lines


def verdict_line(report: Report, soft_fail: tuple[ExitCode, ExitCode] | None = None) -> Text:
    """The one line of `--quiet` (reports.base.verdict_text) in red when something fails, else yellow when something
    could not be read or nothing was checked, else green."""
    return Text(verdict_text(report, soft_fail), style=_verdict_style(report))


def _verdict_style(report: Report) -> str:
    if report.failing_count:
        return "bold red"
    return "bold yellow" if report.unread or report.nothing_checked else "bold green"


class ConsoleRenderer:
    name = "console"
    extension = "txt"

    def render(self, report: Report) -> str:
        """Plain text with every finding listed (`clearance.txt` where `write_reports` is asked for the console
        format; the CLI prints the console report instead)."""
        buffer = io.StringIO()
        console = Console(file=buffer, width=FILE_WIDTH, color_system=None, force_terminal=False,
                          markup=False, emoji=False, highlight=False, legacy_windows=False)
        _print(report, console, limit=None, plain=True, coverage_detail=True)
        return buffer.getvalue()


register(ConsoleRenderer())
