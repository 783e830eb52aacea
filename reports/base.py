"""The renderer protocol, the registry of formats, writing the report files, and helpers shared by renderers.

A renderer turns a `Report` into one string; it does no I/O. `write_reports` renders every requested
format in memory first, then publishes the files as one set (`reports._publish`): the reports in the out
folder are the whole old set or the whole new one, never a mix, whatever fails, is killed or runs at once.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable, Mapping, MutableMapping
from pathlib import Path
from typing import Any, Protocol

import orjson

from checks.errors import ExitCode
from checks.model import Finding, Severity, Status
from checks.report import ACTION_ORDER, AccountRollup, Report
from checks.report import finding_sort_key as finding_sort_key  # re-exported: the renderers' order
from reports import EXTENSIONS, format_names

FILE_STEM = "clearance"

# Most severe first; used by every renderer so that orderings agree.
SEVERITY_ORDER: tuple[Severity, ...] = tuple(sorted(Severity, key=lambda s: -s.rank))
# Order of statuses in tables and listings: what needs action first.
STATUS_ORDER: tuple[Status, ...] = ACTION_ORDER
STATUS_LABELS: Mapping[Status, str] = {
    Status.FAIL: "fail",
    Status.ERROR: "error",
    Status.UNKNOWN: "unknown",
    Status.WAIVED: "waived",
    Status.PASS: "pass",
    Status.NOT_APPLICABLE: "n/a",
}


class Renderer(Protocol):
    """One output format. `extension` names the file written in --out: `clearance.<extension>`. A renderer may
    also define `render_bytes(report) -> bytes` (the same text, UTF-8 encoded): `write_reports` then uses it and
    skips a decode and an encode of the whole document; or `render_pieces(report) -> Iterator[bytes]` (those bytes
    in pieces, in order, made as they are read): `write_reports` writes them one after another into the run's
    folder and never holds the whole document."""

    name: str
    extension: str

    def render(self, report: Report) -> str: ...


RENDERERS: dict[str, Renderer] = {}


def register(renderer: Renderer, registry: MutableMapping[str, Renderer] | None = None) -> Renderer:
    """Add a renderer under its name; a second renderer with the same name or file name raises."""
    target = RENDERERS if registry is None else registry
    if renderer.name in target:
        raise ValueError(f"a renderer named {renderer.name!r} is already registered")
    clash = [other.name for other in target.values() if other.extension == renderer.extension]
    if clash:
        raise ValueError(f"renderer {renderer.name!r} would write {output_name(renderer)}, as {clash[0]!r} does")
    target[renderer.name] = renderer
    return renderer


def renderers() -> dict[str, Renderer]:
    """Import every format module of this package once (each registers its renderer) and return the registry. Only
    the check report's formats: the drift report's package (`reports/drift/`, Jinja2) loads when drift runs."""
    for name in format_names():
        importlib.import_module(f"reports.{name}")
    return RENDERERS


def output_name(renderer: Renderer) -> str:
    return f"{FILE_STEM}.{renderer.extension}"


def report_names() -> set[str]:
    """The file names of every built-in format (`reports.EXTENSIONS`, without importing the formats; all of them
    are imported when a format is missing there)."""
    names = format_names()
    if all(name in EXTENSIONS for name in names):  # and any renderer registered besides them
        return {f"{FILE_STEM}.{EXTENSIONS[name]}" for name in names} | {output_name(r) for r in RENDERERS.values()}
    return {output_name(r) for r in renderers().values()}


def get_renderer(name: str, registry: Mapping[str, Renderer] | None = None) -> Renderer:
    """The renderer of a format (of every built-in one unless `registry` is given), or a ValueError that lists the
    known formats. A built-in format imports its own module only."""
    if registry is None and name in format_names():
        importlib.import_module(f"reports.{name}")
        if name in RENDERERS:
            return RENDERERS[name]
    source = renderers() if registry is None else registry
    try:
        return source[name]
    except KeyError:
        known = ", ".join(sorted(source)) or "none"
        raise ValueError(f"unknown report format {name!r} (known formats: {known})") from None


def write_reports(
    report: Report,
    formats: Iterable[str],
    out_dir: Path,
    registry: Mapping[str, Renderer] | None = None,
) -> list[Path]:
    """Render every format, then publish the `clearance.<extension>` files in `out_dir` as one set.

    Nothing is written unless every format rendered. The set replaces the previous run's as a whole (a report
    of a format not written this time disappears with it) or, on any failure, not at all; see
    `reports._publish`. Returns the report paths, `out_dir / "clearance.<extension>"`, in the order asked.
    """
    from reports._publish import publish

    chosen = [get_renderer(name, registry) for name in dict.fromkeys(formats)]  # de-duplicated, in order
    # Encode up front too: a stray lone surrogate becomes "?" instead of failing half-way through the writes. A
    # renderer in pieces (the JSON report) renders while its file is written, in the run's folder, which nothing
    # shows before the whole set is written (a failure there removes it).
    rendered = {output_name(r): _encoded(r, report) for r in chosen}
    if not rendered:
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    publish(out_dir, rendered, report_names() if registry is None else {output_name(r) for r in registry.values()})
    return [out_dir / name for name in rendered]


def _encoded(renderer: Renderer, report: Report) -> bytes | Iterable[bytes]:
    as_pieces = getattr(renderer, "render_pieces", None)
    if callable(as_pieces):
        return as_pieces(report)  # made while publish writes them
    as_bytes = getattr(renderer, "render_bytes", None)
    if callable(as_bytes):
        data = as_bytes(report)
        if isinstance(data, bytes):
            return data
    return renderer.render(report).encode("utf-8", errors="replace")


def json_bytes(document: Any) -> bytes:
    """A JSON document as `json.dumps(document, indent=2, ensure_ascii=False) + "\n"` writes it, UTF-8 encoded, with
    orjson (one call for the whole document). Text orjson refuses (a lone surrogate in a message) goes through the
    stdlib encoder instead, and that character becomes "?" as `write_reports` would make it."""
    try:
        return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    except orjson.JSONEncodeError:
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        return text.encode("utf-8", errors="replace")


# --- helpers shared by the renderers --------------------------------------------------------------


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"


def verdict(report: Report) -> str:
    """`3 findings at or above high` / `no findings at or above high` (`... failing findings` without a threshold),
    followed by why the run is not clean when something could not be read or nothing was checked: a verdict never
    reads as the all-clear over data that was not read."""
    count = report.failing_count
    if report.fail_on is None:
        text = plural(count, "failing finding") if count else "no failing findings"
    else:
        text = f"{plural(count, 'finding') if count else 'no findings'} at or above {report.fail_on.value}"
    if report.unread:
        errors = report.status_counts()[Status.ERROR]
        return f"INCOMPLETE: {plural(errors, 'result')} could not be evaluated (data not read); {text} among the rest"
    if report.nothing_checked:
        return f"NOTHING CHECKED ({coverage_line(report)}): {text}"
    return text


def api_calls_line(report: Report) -> str | None:
    """`1234 AWS API calls` when the run called AWS (a live view), else None."""
    return plural(report.api_call_total, "AWS API call") if report.api_calls else None


def api_calls_document(report: Report) -> dict[str, Any] | None:
    """The calls as JSON (the report's `api_calls`, SARIF's run property): the total and the calls per
    `service:Operation`, sorted; None when the run called no AWS API."""
    if not report.api_calls:
        return None
    return {"total": report.api_call_total,
            "operations": {op: report.api_calls[op] for op in sorted(report.api_calls)}}


def coverage_line(report: Report) -> str:
    """`12 assets checked; 5 resources of types no control covers (aws:lambda/function:Function x3, ...)`."""
    text = f"{plural(report.asset_count, 'asset')} checked"
    uncovered = report.uncovered_count()
    if uncovered:
        top = ", ".join(f"{t} x{n}" for t, n in report.top_uncovered())
        more = ", ..." if len(report.unsupported) > 3 else ""
        text += f"; {plural(uncovered, 'resource')} of types no control covers ({top}{more})"
    return text


def verdict_text(report: Report, soft_fail: tuple[ExitCode, ExitCode] | None = None) -> str:
    """The one line of `--quiet`: `3 findings at or above high`, or the all-clear; with unknown results, their count
    (what `--strict` exits 4 on) follows, so the line never reads cleaner than the run; `soft_fail`: (the exit code
    without --soft-fail, the one with it), said at the end."""
    text = verdict(report)
    note = incomplete_note(report)
    if note and not report.unread:
        text = f"{text} ({note})"
    return text + soft_fail_note(soft_fail)


def soft_fail_note(codes: tuple[ExitCode, ExitCode] | None) -> str:
    """` (--soft-fail: exit 0 instead of 1)` from (the code without --soft-fail, the code with it); empty when
    --soft-fail changed nothing."""
    return f" (--soft-fail: exit {int(codes[1])} instead of {int(codes[0])})" if codes else ""


def incomplete_note(report: Report) -> str | None:
    """`evaluation incomplete: 2 unknown, 1 error`, or None when every control could be evaluated."""
    counts = report.status_counts()
    parts = [f"{counts[s]} {s.value}" for s in (Status.UNKNOWN, Status.ERROR) if counts[s]]
    return f"evaluation incomplete: {', '.join(parts)}" if parts else None


def where(finding: Finding) -> str:
    """`file:line` when the finding has a source location, else the asset id."""
    return str(finding.location) if finding.location else finding.asset_id


def waiver_text(finding: Finding) -> str:
    """`waived by alice until 2026-12-31: reason` (or just `waived` without a waiver reference)."""
    w = finding.waiver
    if w is None:
        return "waived"
    return f"waived by {w.approver} until {w.expires}: {w.reason}"


def detail_text(finding: Finding) -> str:
    """The message, with the detail (why it is unknown or an error) appended when there is one."""
    if finding.detail and finding.detail not in finding.message:
        return f"{finding.message} ({finding.detail})"
    return finding.message


def control_order(report: Report) -> list[str]:
    """Control ids that have findings, most severe first, then by id."""
    groups = report.by_control()
    return sorted(groups, key=lambda cid: (-max(f.severity.rank for f in groups[cid]), cid))


ACCOUNT_ROWS = 10   # the console's "By account" table lists the worst accounts; the JSON report lists every one
ACCOUNT_HEADINGS = ("account", "critical", "high", "medium", "low", "error", "unknown", "pass", "total")


def account_table(report: Report) -> tuple[AccountRollup, ...]:
    """The accounts of a "By account" table, worst first: every one when the findings span two or more accounts,
    none for one account (its counts are the summary's) or none known (planned and state views)."""
    accounts = report.accounts
    return accounts if len(accounts) > 1 else ()


def account_cells(rollup: AccountRollup) -> list[str]:
    """A row under `ACCOUNT_HEADINGS`: the account, its fails by severity, its error, unknown and pass results, and
    all its findings."""
    counts = rollup.by_status
    return [rollup.account, *(str(rollup.fail_by_severity[sev]) for sev in SEVERITY_ORDER),
            *(str(counts[s]) for s in (Status.ERROR, Status.UNKNOWN, Status.PASS)), str(rollup.findings)]
