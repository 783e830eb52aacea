"""`clearance baseline create`: record today's failing findings; `check --baseline FILE` then fails on new ones only."""

from pathlib import Path
from typing import Annotated

import typer

from checks.cli.check import finite_timeout, parse_config
from checks.cli.common import FlagHelpCommand, FlagHelpGroup, RegisterOption, SettingsOption, WaiversOption
from checks.errors import InputError
from checks.paths import display_path

baseline_app = typer.Typer(cls=FlagHelpGroup, no_args_is_help=True,
                           help="Accepted failing findings (check --baseline FILE).")


@baseline_app.command("create", cls=FlagHelpCommand)
def create(
    program_dir: Annotated[Path | None,
                           typer.Argument(help="Folder of a Pulumi Python program (holds Pulumi.yaml).")] = None,
    preview: Annotated[Path | None, typer.Option(help="A `pulumi preview --json` file.")] = None,
    state: Annotated[Path | None, typer.Option(help="A `pulumi stack export` file (version 3).")] = None,
    program_dir_of_file: Annotated[Path | None, typer.Option(
        "--program-dir", metavar="DIR",
        help="The Pulumi program a --state/--preview file belongs to (default: found from the file's project "
             "name).")] = None,
    stack: Annotated[str | None, typer.Option(help="Stack whose Pulumi.<stack>.yaml config to use.")] = None,
    config: Annotated[list[str], typer.Option("--config", "-c", help="Stack config override key=value.")] = [],  # noqa: B006
    python: Annotated[str | None, typer.Option(help="Python interpreter of the program's own environment.")] = None,
    program_timeout: Annotated[float, typer.Option("--program-timeout", metavar="SECONDS", min=0.001,
                                                   callback=finite_timeout,
                                                   help="Stop the Pulumi program after this many seconds.")] = 300.0,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="FILE",
        help="The baseline file to write (default: clearance-baseline.yaml in PROGRAM_DIR or --program-dir, else "
             "in the working folder).")] = None,
    waivers: WaiversOption = None,
    settings: SettingsOption = None,
    sg_register: RegisterOption = None,
) -> None:
    """Run the same check as `clearance check` and record every failing finding in a baseline file.

    Only `fail` results are recorded: `error` and `unknown` results (data not read or not known) are never accepted.
    An existing baseline is replaced; entries that still fail keep their recorded date."""
    from rich.console import Console

    from checks.baseline import BASELINE_NAME, baseline_entries, load_baseline, write_baseline
    from checks.flows.check import CheckRequest, run_check

    path = output or (program_dir or program_dir_of_file or Path.cwd()) / BASELINE_NAME
    previous = load_baseline(path) if path.exists() else None  # a malformed one is an error, never overwritten
    req = CheckRequest(program_dir=program_dir, preview=preview, state=state, stack=stack,
                       config=parse_config(config), python=python, waivers=waivers, settings=settings,
                       sg_register=sg_register, program_timeout=program_timeout, project_dir=program_dir_of_file)
    report = run_check(req)
    created = baseline_entries(report.findings, report.generated_at.date(), previous)
    try:
        write_baseline(path, created.entries, report.target)
    except OSError as err:
        raise InputError(f"cannot write the baseline: {err.strerror or err}", where=str(path),
                         hint="choose another --output file") from None
    console = Console(highlight=False, soft_wrap=True)
    count = len(created.entries)
    console.print(f"recorded {count} failing finding{'' if count == 1 else 's'} of {report.target} in "
                  f"{display_path(path)} ({created.new} new, {created.kept} kept, {created.dropped} dropped)",
                  markup=False)
    if created.not_evaluated:
        console.print(f"not recorded: {created.not_evaluated} result{'' if created.not_evaluated == 1 else 's'} "
                      "could not be evaluated (unknown or error); they fail a check with this baseline if they turn "
                      "out to fail", markup=False)
    console.print(f"use it with: clearance check ... --baseline {display_path(path)}", markup=False)
