"""`clearance check`: the planned view (a Pulumi program under mocks, a preview file) or the state view."""

import math
from pathlib import Path
from typing import Annotated

import typer

from checks.cli.common import (
    CheckOption,
    FailOnOption,
    FormatOption,
    FrameworkOption,
    OutOption,
    QuietOption,
    RegisterOption,
    SettingsOption,
    SeverityOption,
    SkipCheckOption,
    SoftFailOption,
    StoreOption,
    StrictOption,
    WaiversOption,
    emit,
    parse_formats,
    record_run,
    selection_of,
)
from checks.errors import InputError


def parse_config(pairs: list[str]) -> dict[str, str]:
    config: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--config expects key=value, got {pair!r}")
        config[key.strip()] = value
    return config


def finite_timeout(value: float) -> float:
    """`--program-timeout`: click's range check lets `nan` through (no comparison is true of it)."""
    if math.isnan(value):
        raise typer.BadParameter(f"{value} is not in the range x>=0.001.")
    return value


def check(
    program_dir: Annotated[Path | None,
                           typer.Argument(help="Folder of a Pulumi Python program (holds Pulumi.yaml).")] = None,
    preview: Annotated[Path | None, typer.Option(metavar="FILE", help="A `pulumi preview --json` file.")] = None,
    state: Annotated[Path | None, typer.Option(metavar="FILE",
                                               help="A `pulumi stack export` file (version 3).")] = None,
    terraform_plan: Annotated[Path | None, typer.Option(
        "--terraform-plan", metavar="FILE",
        help="A Terraform plan as JSON ('terraform show -json tfplan'): its AWS resources are checked like a Pulumi "
             "program's.")] = None,
    program_dir_of_file: Annotated[Path | None, typer.Option(
        "--program-dir", metavar="DIR",
        help="The Pulumi program a --state/--preview file belongs to: settings, waivers and the review register are "
             "looked up from it, source files named from it (default: found from the file's project name).")] = None,
    stack: Annotated[str | None, typer.Option(metavar="NAME",
                                              help="Stack whose Pulumi.<stack>.yaml config to use.")] = None,
    config: Annotated[list[str], typer.Option("--config", "-c", metavar="KEY=VALUE",
                                              help="Stack config override (repeatable).")] = [],  # noqa: B006
    python: Annotated[str | None, typer.Option(metavar="PATH",
                                               help="Python interpreter of the program's own environment.")] = None,
    program_timeout: Annotated[float, typer.Option("--program-timeout", metavar="SECONDS", min=0.001,
                                                   callback=finite_timeout,
                                                   help="Stop the Pulumi program after this many seconds.")] = 300.0,
    format: FormatOption = ["console"],  # noqa: A002, B006
    out: OutOption = Path("clearance-out"),
    fail_on: FailOnOption = None,
    waivers: WaiversOption = None,
    settings: SettingsOption = None,
    sg_register: RegisterOption = None,
    strict: StrictOption = False,
    quiet: QuietOption = False,
    store: StoreOption = None,
    check: CheckOption = [],  # noqa: B006
    skip_check: SkipCheckOption = [],  # noqa: B006
    severity: SeverityOption = [],  # noqa: B006
    framework: FrameworkOption = [],  # noqa: B006
    soft_fail: SoftFailOption = False,
    baseline: Annotated[Path | None, typer.Option(
        metavar="FILE", help="A baseline from 'clearance baseline create': its failing findings are reported but do "
                             "not fail the run; its entries that no longer occur are listed.")] = None,
    sarif_category: Annotated[str | None, typer.Option(
        "--sarif-category", metavar="TEXT", help="The SARIF run's code-scanning category (automationDetails.id); "
                                                 "default: clearance/<view>/<target>.")] = None,
    coverage: Annotated[bool, typer.Option("--coverage", metavar="",
                                           help="Also print the compliance coverage of every requirement.")] = False,
    with_checkov: Annotated[bool, typer.Option(
        "--with-checkov", metavar="", help="Also run checkov (terraform_plan framework, no network) on the resources, "
                                           "converted to a Terraform plan, and report its results beside clearance's "
                                           "(docs/checkov.md).")] = False,
    checkov: Annotated[Path | None, typer.Option(
        "--checkov", metavar="PATH", help="The checkov executable for --with-checkov (default: $CLEARANCE_CHECKOV, "
                                          "else .venv-checkov/ made by 'make install', else checkov on PATH).")] = None,
) -> None:
    """Check a Pulumi program (planned), a preview file or a state file against the controls."""
    from checks.flows.check import CheckRequest, run_check

    formats = parse_formats(format)  # before the (slow) program run
    req = CheckRequest(program_dir=program_dir, preview=preview, state=state, stack=stack,
                       config=parse_config(config), python=python, waivers=waivers, settings=settings,
                       fail_on=fail_on, sg_register=sg_register, program_timeout=program_timeout,
                       project_dir=program_dir_of_file, baseline=baseline, sarif_category=sarif_category,
                       selection=selection_of(check, skip_check, severity, framework),
                       with_checkov=with_checkov, checkov=checkov, terraform_plan=terraform_plan)
    report = run_check(req)
    recorded = record_run(report, store, quiet=quiet)
    emit(report, formats, out, None, quiet=quiet, strict=strict,
         coverage=coverage, after=recorded, soft_fail=soft_fail)
