"""The `clearance` command line (Typer). User errors print one line and exit 2, never a traceback."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from checks import tune_gc
from checks.cli_live import iam_policy, scan
from checks.cli_sandbox import sandbox_app
from checks.cli_sg import sg_app
from checks.errors import ClearanceError, InputError
from checks.model import Severity

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Compliance-as-code checks for AWS estates defined with Pulumi.")
controls_app = typer.Typer(no_args_is_help=True, help="Inspect the control catalog.")
app.add_typer(controls_app, name="controls")
app.add_typer(sg_app, name="sg")
app.add_typer(sandbox_app, name="sandbox")
app.command("scan")(scan)
app.command("iam-policy")(iam_policy)

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_DRIFT, EXIT_INCOMPLETE = 0, 1, 2, 3, 4


def _out() -> Console:
    return Console(highlight=False, soft_wrap=False)


def fail(err: ClearanceError) -> None:
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    for line in err.render().splitlines():  # one line per problem
        console.print(f"[bold red]error:[/] {escape(line)}", markup=True)
    raise typer.Exit(err.exit_code)


def _parse_config(pairs: list[str]) -> dict[str, str]:
    config: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--config expects key=value, got {pair!r}")
        config[key.strip()] = value
    return config


def _formats(values: list[str]) -> list[str]:
    return [f.strip().lower() for v in values for f in v.split(",") if f.strip()]


@app.command()
def check(
    program_dir: Annotated[Path | None,
                           typer.Argument(help="Folder of a Pulumi Python program (holds Pulumi.yaml).")] = None,
    preview: Annotated[Path | None, typer.Option(help="A `pulumi preview --json` file.")] = None,
    state: Annotated[Path | None, typer.Option(help="A `pulumi stack export` file (version 3).")] = None,
    stack: Annotated[str | None, typer.Option(help="Stack whose Pulumi.<stack>.yaml config to use.")] = None,
    config: Annotated[list[str], typer.Option("--config", "-c", help="Stack config override key=value.")] = [],  # noqa: B006
    python: Annotated[str | None, typer.Option(help="Python interpreter of the program's own environment.")] = None,
    format: Annotated[list[str], typer.Option("--format", "-f",  # noqa: A002
                                              help="console, json, sarif, markdown, junit (repeat or comma-separate).")
                      ] = ["console"],  # noqa: B006
    out: Annotated[Path, typer.Option(help="Folder for report files.")] = Path("clearance-out"),
    fail_on: Annotated[Severity | None, typer.Option(case_sensitive=False,
                                                     help="Exit 1 on failures at or above this severity.")] = None,
    waivers: Annotated[Path | None, typer.Option(help="Waivers YAML file.")] = None,
    settings: Annotated[Path | None,
                        typer.Option(help="clearance.toml or pyproject.toml with [tool.clearance].")] = None,
    sg_register: Annotated[Path | None, typer.Option(help="Security-group review register (FW-01).")] = None,
    strict: Annotated[bool, typer.Option(help="Exit 4 when some results are unknown or error.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the verdict line.")] = False,
    coverage: Annotated[bool, typer.Option("--coverage",
                                           help="Also print the compliance coverage of every requirement.")] = False,
) -> None:
    """Check a Pulumi program (planned), a preview file or a state file against the controls."""
    from checks.pipeline import CheckRequest, run_check
    from reports.base import RENDERERS, write_reports
    from reports.console import print_report, verdict_line

    try:
        formats = _formats(format)
        unknown = [f for f in formats if f not in RENDERERS]
        if unknown:
            raise InputError(f"unknown format '{unknown[0]}' (known: {', '.join(sorted(RENDERERS))})",
                             where="--format")  # checked before the (slow) program run
        req = CheckRequest(program_dir=program_dir, preview=preview, state=state, stack=stack,
                           config=_parse_config(config), python=python, waivers=waivers, settings=settings,
                           fail_on=fail_on, sg_register=sg_register)
        report, _ = run_check(req)
        files = [f for f in formats if f != "console"]
        try:
            written = write_reports(report, files, out) if files else []
        except OSError as err:
            raise InputError(f"cannot write the reports: {err.strerror or err}", where=str(out),
                             hint="choose another --out folder") from None
    except ClearanceError as err:
        fail(err)
        return
    console = _out()
    if quiet:
        console.print(verdict_line(report))
    else:
        print_report(report, console, coverage=coverage)
    for path in written:
        console.print(f"wrote {path}")
    if report.failing():
        raise typer.Exit(EXIT_FINDINGS)
    if strict and report.incomplete:
        raise typer.Exit(EXIT_INCOMPLETE)


@controls_app.command("list")
def controls_list(
    framework: Annotated[str | None, typer.Option(help="Only controls mapped to this framework id.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only controls of this asset kind.")] = None,
) -> None:
    """List the controls of the catalog."""
    from checks.loader import load_catalog

    try:
        catalog = load_catalog()
        if framework and framework not in catalog.frameworks:
            raise InputError(f"unknown framework '{framework}' (known: {', '.join(sorted(catalog.frameworks))})",
                             where="--framework")
    except ClearanceError as err:
        fail(err)
        return
    table = Table("id", "severity", "kind", "title", framework or "frameworks")
    for control in sorted(catalog.controls.values(), key=lambda c: c.id):
        if framework and framework not in control.frameworks:
            continue
        if kind and control.kind != kind:
            continue
        refs = ", ".join(control.frameworks[framework]) if framework else ", ".join(sorted(control.frameworks))
        table.add_row(control.id, control.severity.value, control.kind, control.title, refs)
    _out().print(table)


@controls_app.command("coverage")
def controls_coverage(
    framework: Annotated[str | None, typer.Option(help="Only this framework id (e.g. soc2, statement).")] = None,
) -> None:
    """Which requirements of each framework the controls back, and which are manual (nothing is checked)."""
    from checks.coverage import static_coverage, summary_text
    from checks.loader import load_catalog
    from reports.console import coverage_summary_table, requirement_table

    try:
        catalog = load_catalog()
        if framework and framework not in catalog.frameworks:
            raise InputError(f"unknown framework '{framework}' (known: {', '.join(sorted(catalog.frameworks))})",
                             where="--framework")
    except ClearanceError as err:
        fail(err)
        return
    frameworks = {framework: catalog.frameworks[framework]} if framework else catalog.frameworks
    coverages = static_coverage(frameworks, catalog.controls.values())
    console = _out()
    if not framework:
        console.print(coverage_summary_table(coverages, static=True))
    for fc in coverages:
        console.print(f"[bold]{escape(fc.id)}[/]: {escape(fc.name)}  ({escape(summary_text(fc, static=True))})")
        console.print(requirement_table(fc))


@controls_app.command("show")
def controls_show(control_id: Annotated[str, typer.Argument(help="Control id, e.g. KEY-01.")]) -> None:
    """Show one control: what it checks, how to fix it, where it maps."""
    from checks.loader import load_catalog

    try:
        catalog = load_catalog()
        control = catalog.controls.get(control_id.upper())
        if control is None:
            raise InputError(f"no control '{control_id}'", hint="list them with 'clearance controls list'")
    except ClearanceError as err:
        fail(err)
        return
    console = _out()
    console.print(f"[bold]{control.id}[/] {escape(control.title)}  "
                  f"([bold]{control.severity.value}[/], kind {control.kind})")
    lines = [f"file: {control.file}"]
    if control.description:
        lines.append(control.description.strip())
    lines.append(f"reads: {', '.join(control.reads)}")
    if control.applies_if:
        lines.append(f"applies if: {control.applies_if.source}")
    lines.append(f"asserts: {control.assert_.source}")
    if control.params:
        lines.append("params: " + ", ".join(f"{k}={v!r}" for k, v in control.params.items()))
    lines.append(f"fix (Pulumi): {control.remediation.pulumi}")
    if control.remediation.cli:
        lines.append(f"fix (CLI): {control.remediation.cli}")
    for fid, reqs in sorted(control.frameworks.items()):
        fw = catalog.frameworks[fid]
        lines.extend(f"maps to {fw.name}: {rid} {fw.requirements[rid].title}" for rid in reqs)
    if control.claim:
        lines.append(f"backs the claim: \"{control.claim.strip()}\"")
    for line in lines:
        console.print(line, markup=False)


@controls_app.command("lint")
def controls_lint() -> None:
    """Validate every control and framework file; print each problem on one line."""
    from checks.loader import load_catalog

    try:
        catalog = load_catalog()
    except ClearanceError as err:
        fail(err)
        return
    _out().print(f"{len(catalog.controls)} controls and {len(catalog.frameworks)} frameworks are valid")


def main() -> None:
    tune_gc()
    try:
        app()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
