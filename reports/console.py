"""The console report (Rich): coloured on a terminal, plain text in `clearance.txt`.

Passes and not-applicable results are only counted. Findings are grouped by control; on a terminal each
control lists at most `TERMINAL_LINES_PER_CONTROL` lines, the file lists all. Every piece of report text
goes into a `rich.text.Text`, never through console markup, so a `[` in a message prints as itself.
"""

from __future__ import annotations

import io
import re
from collections import Counter

from rich import box
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from checks.model import Finding, Severity, Status
from checks.report import Report
from reports.base import (
    SEVERITY_ORDER,
    STATUS_LABELS,
    STATUS_ORDER,
    control_order,
    finding_sort_key,
    incomplete_note,
    plural,
    register,
    verdict,
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


# A line of output: (text, style) segments. Lines stay plain data so that the file version, which lists
# every finding, can skip Rich's per-line rendering (too slow for 100,000 lines).
Segment = tuple[str, str]
Line = list[Segment]


def print_report(report: Report, console: Console, limit: int | None = TERMINAL_LINES_PER_CONTROL) -> None:
    """Print the report with colour; `limit` caps the lines listed per control (None lists every finding)."""
    _print(report, console, limit, plain=False)


def _print(report: Report, console: Console, limit: int | None, plain: bool) -> None:
    _emit(console, _header(report), plain)
    console.print(_summary_table(report), highlight=False)
    _emit(console, _findings(report, limit), plain)
    _emit(console, _tail(report), plain)


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
    texts = (Text.assemble(*((safe(t), style) for t, style in line)) for line in lines)
    console.print(Text("\n").join(texts), highlight=False, soft_wrap=True)


def _header(report: Report) -> list[Line]:
    stamp = report.generated_at.isoformat(sep=" ", timespec="seconds")
    threshold = report.fail_on.value if report.fail_on else "any failure"
    return [
        [("clearance ", "bold"), (report.tool_version, "dim"), (" - ", ""), (f"{report.view.value} view", "bold"),
         (" of ", ""), (report.target, "bold")],
        [(f"{plural(report.asset_count, 'asset')} checked at {stamp}; fail on {threshold}", "dim")],
    ]


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


def _findings(report: Report, limit: int | None) -> list[Line]:
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
            lines.append([(f"    ... and {len(listed) - len(shown)} more (every finding is in clearance.txt and "
                           "clearance.json)", "dim")])
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


def _tail(report: Report) -> list[Line]:
    lines: list[Line] = []
    if report.unsupported:
        lines += [[], [("Not checked (resource types clearance does not model yet):", "bold")]]
        lines += [[(f"    {t} x{n}", "yellow")] for t, n in sorted(report.unsupported.items())]
    for title, items in (("Waiver problems:", report.waiver_problems), ("Warnings:", report.warnings)):
        if items:
            lines += [[], [(title, "bold")], *([(f"    {item}", "yellow")] for item in items)]
    lines += [[], [(verdict(report), "bold red" if report.failing() else "bold green")]]
    note = incomplete_note(report)
    if note:
        lines.append([(note, "yellow")])
    return lines


def verdict_line(report: Report) -> Text:
    """The last line of the report: `3 findings at or above high` in red, or the all-clear in green."""
    return Text(verdict(report), style="bold red" if report.failing() else "bold green")


class ConsoleRenderer:
    name = "console"
    extension = "txt"

    def render(self, report: Report) -> str:
        """Plain text with every finding listed, for `clearance.txt`."""
        buffer = io.StringIO()
        console = Console(file=buffer, width=FILE_WIDTH, color_system=None, force_terminal=False,
                          markup=False, emoji=False, highlight=False, legacy_windows=False)
        _print(report, console, limit=None, plain=True)
        return buffer.getvalue()


register(ConsoleRenderer())
