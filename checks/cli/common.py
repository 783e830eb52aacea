"""What several commands share: their common options, the format list, and how a report is printed and written."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from checks.errors import ExitCode, InputError
from checks.model import Severity
from reports import format_names

if TYPE_CHECKING:
    from checks.report import Report

FORMATS_HELP = f"Report formats: {', '.join(format_names())} (repeat or comma-separate)."

FormatOption = Annotated[list[str], typer.Option("--format", "-f", help=FORMATS_HELP)]
OutOption = Annotated[Path, typer.Option(help="Folder for report files.")]
FailOnOption = Annotated[Severity | None, typer.Option(case_sensitive=False,
                                                       help="Exit 1 on failures at or above this severity.")]
WaiversOption = Annotated[Path | None, typer.Option(help="Waivers YAML file.")]
SettingsOption = Annotated[Path | None, typer.Option(help="clearance.toml or pyproject.toml with [tool.clearance].")]
RegisterOption = Annotated[Path | None, typer.Option(help="Security-group review register (FW-01).")]
StrictOption = Annotated[bool, typer.Option(
    help="Exit 4 also when some results are unknown or nothing was checked (results that could not be read "
         "exit 4 always).")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the verdict line.")]
StoreOption = Annotated[str | None, typer.Option(
    help="Record the run in a history store (a SQLAlchemy URL or a SQLite file): each finding is then new, "
         "recurring, resolved or regressed against the previous run of the same target.")]


def split_values(values: list[str]) -> tuple[str, ...]:
    """Values of a repeatable, comma-separable option."""
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def parse_formats(values: list[str]) -> list[str]:
    """The chosen formats, lower-cased; an unknown one is a usage error (checked before any slow work)."""
    known = format_names()
    formats = [f.lower() for f in split_values(values)]
    unknown = [f for f in formats if f not in known]
    if unknown:
        raise InputError(f"unknown format '{unknown[0]}' (known: {', '.join(known)})", where="--format")
    return formats


def emit(report: Report, formats: list[str], out: Path, console: Console, *, quiet: bool, strict: bool,
         coverage: bool = False, after: Sequence[str] = ()) -> None:
    """Write the report files, print the console report (or the verdict line) and exit with the verdict's code."""
    from reports.base import write_reports
    from reports.console import print_report, verdict_line

    files = [f for f in formats if f != "console"]
    try:
        written = write_reports(report, files, out) if files else []
    except OSError as err:
        raise InputError(f"cannot write the reports: {err.strerror or err}", where=str(out),
                         hint="choose another --out folder") from None
    if quiet:
        console.print(verdict_line(report), soft_wrap=True)  # one line, whatever the width: scripts read it
    else:
        print_report(report, console, coverage=coverage)
    for path in written:
        console.print(f"wrote {path}", soft_wrap=True, highlight=False)
    for line in after:
        console.print(line, soft_wrap=True, highlight=False, markup=False)
    code = report.exit_code(strict=strict)
    if code is not ExitCode.OK:
        raise typer.Exit(code)


def record_run(report: Report, store: str | None, *, quiet: bool) -> list[str]:
    """With --store: record the run; the line that says how its findings compare with the previous run of the same
    target (none under --quiet or without --store)."""
    if store is None:
        return []
    from checks.drift.model import Transition
    from checks.flows.history import record

    recorded, where = record(report, report.history_key, store)
    comp = recorded.compliance
    if quiet:
        return []
    if comp.previous_run is None:
        return [f"recorded run {recorded.run_id} in {where}: the first of {report.history_key}"]
    counts = ", ".join(f"{len(comp.of(t))} {t.value}" for t in Transition)
    return [f"recorded run {recorded.run_id} in {where}: {counts} since the previous run"]
