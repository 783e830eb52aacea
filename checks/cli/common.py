"""What several commands share: their common options, the format list, the console (`--color`), and how a report is
printed and written.

Option help goes through Rich markup (Typer's help), so text in square brackets is escaped (`\\[tool.clearance]`,
written escaped: Rich is imported only when something is printed, issue 13); options carry readable metavars (FILE,
DIR, FORMAT, ID...) and flags none.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer._click.globals import get_current_context  # typer vendors click privately
from typer.core import TyperCommand, TyperGroup

from checks.errors import ExitCode, InputError
from checks.model import Severity
from checks.selection import Selection
from reports import format_names

if TYPE_CHECKING:
    from rich.console import Console

    from checks.report import Report

FORMATS_HELP = f"Report formats: {', '.join(format_names())} (repeat or comma-separate)."
SEVERITIES = ", ".join(s.value for s in Severity)

def _complete(values: Sequence[str], incomplete: str) -> list[str]:
    """Shell completion: the values that start with what was typed (after the last comma)."""
    head, _, last = incomplete.rpartition(",")
    prefix = f"{head}," if head else ""
    return [prefix + v for v in values if v.lower().startswith(last.lower())]


def complete_format(incomplete: str) -> list[str]:
    return _complete(format_names(), incomplete)


def complete_severity(incomplete: str) -> list[str]:
    return _complete([s.value for s in Severity], incomplete)


def complete_control(incomplete: str) -> list[str]:
    from checks.catalog.loader import load_catalog

    try:
        return _complete(sorted(load_catalog().controls), incomplete)
    except InputError:  # a broken catalog completes nothing; the command itself will say what is wrong
        return []


def complete_framework(incomplete: str) -> list[str]:
    from checks.catalog.loader import load_catalog

    try:
        return _complete(sorted(load_catalog().frameworks), incomplete)
    except InputError:
        return []


FormatOption = Annotated[list[str], typer.Option("--format", "-f", metavar="FORMAT", help=FORMATS_HELP,
                                                 autocompletion=complete_format)]
OutOption = Annotated[Path, typer.Option(metavar="DIR", help="Folder for report files.")]
FailOnOption = Annotated[Severity | None, typer.Option(case_sensitive=False, metavar="SEVERITY",
                                                       help=f"Exit 1 on failures at or above this severity "
                                                            f"({SEVERITIES}).")]
WaiversOption = Annotated[Path | None, typer.Option(metavar="FILE", help="Waivers YAML file.")]
SettingsOption = Annotated[Path | None, typer.Option(
    metavar="FILE", help="clearance.toml or pyproject.toml with \\[tool.clearance] (default: found from the program "
                         "folder, else the working folder, upwards).")]
RegisterOption = Annotated[Path | None, typer.Option(metavar="FILE", help="Security-group review register (FW-01).")]
StrictOption = Annotated[bool, typer.Option(
    metavar="",
    help="Exit 4 also when some results are unknown or nothing was checked (results that could not be read "
         "exit 4 always).")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", metavar="", help="Print only the verdict line.")]
StoreOption = Annotated[str | None, typer.Option(
    metavar="URL",
    help="Record the run in a history store (a SQLAlchemy URL or a SQLite file): each finding is then new, "
         "recurring, resolved or regressed against the previous run of the same target.")]
SoftFailOption = Annotated[bool, typer.Option(
    "--soft-fail", metavar="",
    help="Write and print the reports as usual, but failing findings and drift do not fail the run: exit 0 (still "
         "4 when data could not be read, 2 on bad input).")]
CheckOption = Annotated[list[str], typer.Option(
    "--check", metavar="ID", autocompletion=complete_control,
    help="Only these controls: ids or globs such as NET-* (case-insensitive; repeat or comma-separate).")]
SkipCheckOption = Annotated[list[str], typer.Option(
    "--skip-check", metavar="ID", autocompletion=complete_control,
    help="Leave out these controls: ids or globs; wins over --check.")]
SeverityOption = Annotated[list[str], typer.Option(
    "--severity", metavar="SEVERITY", autocompletion=complete_severity,
    help=f"Only controls of these severities, a list, not a floor ({SEVERITIES}; repeat or comma-separate; "
         "--fail-on sets the exit threshold).")]
FrameworkOption = Annotated[list[str], typer.Option(
    "--framework", metavar="ID", autocompletion=complete_framework,
    help="Only controls mapped to these frameworks (ids as in 'clearance controls list --framework'); the coverage "
         "shows only them.")]


def readable_metavars(params: Sequence[Any]) -> None:
    """Give every option without a metavar its name (`--reviewer REVIEWER`), and flags none: Typer would show Python
    types (`<str>`, `<path>`, `<list[str]>`, `<bool>`). Arguments keep theirs (usage errors name them as typed)."""
    for param in params:
        if getattr(param, "metavar", None) is not None or getattr(param, "param_type_name", "") != "option":
            continue
        param.metavar = "" if getattr(param, "is_flag", False) else (param.name or "value").upper()


class FlagHelpCommand(TyperCommand):
    """A command whose --help shows readable metavars: no `<bool>` for a flag, names instead of Python types."""

    def get_help_option(self, ctx: Any) -> Any:
        readable_metavars(self.params)
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option


class FlagHelpGroup(TyperGroup):
    """A command group whose --help shows no `<bool>` type."""

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option


def selection_of(check: Sequence[str], skip_check: Sequence[str], severity: Sequence[str],
                 framework: Sequence[str]) -> Selection:
    """The controls to run, from --check, --skip-check, --severity and --framework (validated against the catalog
    when the run prepares it)."""
    return Selection.of(check=check, skip_check=skip_check, severity=severity, framework=framework)


class ColorMode(StrEnum):
    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


PIPE_WIDTH = 120                # the width of tables when the output is not a terminal and COLUMNS is not set
COLOR_KEY = "clearance.color"   # where the root command leaves --color, in the shared click context meta


def color_settings(mode: ColorMode, environ: Mapping[str, str]) -> dict[str, Any]:
    """Rich Console arguments for a colour mode. `auto`: NO_COLOR (any non-empty value) means never, else
    FORCE_COLOR means always, else colour only on a terminal; `always` and `never` win over both variables."""
    if mode is ColorMode.AUTO:
        if environ.get("NO_COLOR"):
            mode = ColorMode.NEVER
        elif environ.get("FORCE_COLOR"):
            mode = ColorMode.ALWAYS
    if mode is ColorMode.NEVER:
        return {"color_system": None, "no_color": True}
    if mode is ColorMode.ALWAYS:
        truecolor = environ.get("COLORTERM", "").lower() in ("truecolor", "24bit")
        system = "truecolor" if truecolor else "256" if "256" in environ.get("TERM", "") else "standard"
        return {"color_system": system, "no_color": False}
    return {"color_system": "auto", "no_color": False}


def color_mode() -> ColorMode:
    """The --color of this invocation (auto outside a command, as in tests that call functions directly)."""
    ctx = get_current_context(silent=True)
    value = ctx.meta.get(COLOR_KEY) if ctx is not None else None
    return value if isinstance(value, ColorMode) else ColorMode.AUTO


def make_console(*, stderr: bool = False, mode: ColorMode | None = None, **kwargs: Any) -> Console:
    """A Rich console in the chosen colour mode (`mode`, else this invocation's --color). Soft wrap by default: a
    message is never cut at Rich's default 80 columns when the output is not a terminal. No emoji codes: a path or
    a message that holds `:name:` prints as itself (and Rich's emoji table, ~3 ms, is never loaded: issue 13)."""
    from rich.console import Console

    chosen = mode if isinstance(mode, ColorMode) else color_mode()
    options: dict[str, Any] = {"highlight": False, "soft_wrap": True, "emoji": False,
                               **color_settings(chosen, os.environ)}
    options.update(kwargs)
    console = Console(stderr=stderr, **options)
    if not console.is_terminal and "width" not in kwargs and not os.environ.get("COLUMNS"):
        console.width = PIPE_WIDTH  # a log or a file: tables as wide as the plain-text report, not Rich's 80
    return console


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


FULL_LIST_FORMATS = ("json", "sarif", "junit")  # the files that list every finding (markdown is cut to fit GitHub)


def plain_stdout(environ: Mapping[str, str] | None = None) -> bool:
    """Whether what Rich would print on stdout is the text itself: stdout is no terminal, no colour is asked for
    (--color always, FORCE_COLOR) and Rich is not told stdout is a terminal (TTY_COMPATIBLE)."""
    env = os.environ if environ is None else environ
    if color_mode() is ColorMode.ALWAYS or env.get("FORCE_COLOR") or env.get("TTY_COMPATIBLE"):
        return False
    return not sys.stdout.isatty()


def emit(report: Report, formats: list[str], out: Path, console: Console | None, *, quiet: bool, strict: bool,
         coverage: bool = False, after: Sequence[str] = (), soft_fail: bool = False) -> None:
    """Write the report files, print the console report (or the verdict line) and exit with the verdict's code
    (with `soft_fail`, failing findings do not make it 1, and the console says which code the run would have had;
    a run that could not read something still exits 4). `console` None: made when needed; a quiet run whose
    stdout is plain text (`plain_stdout`) prints its lines without Rich (~30 ms of imports, issue 13)."""
    from reports.base import verdict_text, write_reports

    files = [f for f in formats if f != "console"]
    try:
        written = write_reports(report, files, out) if files else []
    except OSError as err:
        raise InputError(f"cannot write the reports: {err.strerror or err}", where=str(out),
                         hint="choose another --out folder") from None
    code = report.exit_code(strict=strict, soft_fail=soft_fail)
    hard = report.exit_code(strict=strict)
    soft = (hard, code) if hard is not code else None
    if quiet and console is None and plain_stdout():
        lines = [verdict_text(report, soft), *(f"wrote {path}" for path in written), *after]
        sys.stdout.write("".join(f"{line}\n" for line in lines))
        sys.stdout.flush()
        if code is not ExitCode.OK:
            raise typer.Exit(code)
        return
    from reports.console import print_report, verdict_line

    console = console or make_console()
    if quiet:
        console.print(verdict_line(report, soft_fail=soft), soft_wrap=True)  # one line whatever the width
    else:
        paths = dict(zip(files, written, strict=True))
        full = next((paths[f] for f in FULL_LIST_FORMATS if f in paths), None)
        print_report(report, console, coverage=coverage, full_list=str(full) if full else None, soft_fail=soft)
    for path in written:
        console.print(f"wrote {path}", soft_wrap=True, highlight=False, markup=False)
    for line in after:
        console.print(line, soft_wrap=True, highlight=False, markup=False)
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
