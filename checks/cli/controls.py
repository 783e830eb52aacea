"""`clearance controls list | show | lint | coverage`: the control catalog and what it covers."""

from typing import TYPE_CHECKING, Annotated

import typer

from checks.cli.common import FlagHelpCommand, FlagHelpGroup, make_console
from checks.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console

    from checks.catalog.loader import Catalog

controls_app = typer.Typer(cls=FlagHelpGroup, no_args_is_help=True, help="Inspect the control catalog.")


def _out() -> "Console":
    return make_console(soft_wrap=False)


def _catalog(framework: str | None = None) -> "Catalog":
    """The catalog; a --framework that it does not define is a usage error."""
    from checks.catalog.loader import load_catalog

    catalog = load_catalog()
    if framework and framework not in catalog.frameworks:
        raise InputError(f"unknown framework '{framework}' (known: {', '.join(sorted(catalog.frameworks))})",
                         where="--framework")
    return catalog


@controls_app.command("list", cls=FlagHelpCommand)
def controls_list(
    framework: Annotated[str | None, typer.Option(metavar="ID",
                                                  help="Only controls mapped to this framework id.")] = None,
    kind: Annotated[str | None, typer.Option(metavar="KIND", help="Only controls of this asset kind.")] = None,
) -> None:
    """List the controls of the catalog."""
    from rich.table import Table  # not at import: every command imports this module

    catalog = _catalog(framework)
    table = Table("id", "severity", "kind", "title", framework or "frameworks")
    for control in sorted(catalog.controls.values(), key=lambda c: c.id):
        if framework and framework not in control.frameworks:
            continue
        if kind and control.kind != kind:
            continue
        refs = ", ".join(control.frameworks[framework]) if framework else ", ".join(sorted(control.frameworks))
        table.add_row(control.id, control.severity.value, control.kind, control.title, refs)
    _out().print(table)


@controls_app.command("coverage", cls=FlagHelpCommand)
def controls_coverage(
    framework: Annotated[str | None, typer.Option(metavar="ID",
                                                  help="Only this framework id (e.g. soc2, statement).")] = None,
) -> None:
    """Which requirements of each framework the controls back, and which are manual (nothing is checked)."""
    from rich.markup import escape

    from checks.coverage import static_coverage, summary_text
    from reports.console import coverage_summary_table, requirement_table

    catalog = _catalog(framework)
    frameworks = {framework: catalog.frameworks[framework]} if framework else catalog.frameworks
    coverages = static_coverage(frameworks, catalog.controls.values())
    console = _out()
    if not framework:
        console.print(coverage_summary_table(coverages, static=True))
    for fc in coverages:
        console.print(f"[bold]{escape(fc.id)}[/]: {escape(fc.name)}  ({escape(summary_text(fc, static=True))})")
        console.print(requirement_table(fc))


@controls_app.command("show", cls=FlagHelpCommand)
def controls_show(control_id: Annotated[str, typer.Argument(help="Control id, e.g. KEY-01.")]) -> None:
    """Show one control: what it checks, how to fix it, where it maps."""
    from rich.markup import escape

    catalog = _catalog()
    control = catalog.controls.get(control_id.upper())
    if control is None:
        raise InputError(f"no control '{control_id}'", hint="list them with 'clearance controls list'")
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


@controls_app.command("lint", cls=FlagHelpCommand)
def controls_lint() -> None:
    """Validate every control and framework file; print each problem on one line."""
    catalog = _catalog()
    _out().print(f"{len(catalog.controls)} controls and {len(catalog.frameworks)} frameworks are valid")
