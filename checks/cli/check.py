"""`clearance check`: the planned view (a Pulumi program under mocks, a preview file) or the state view."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from checks.cli.common import (
    FailOnOption,
    FormatOption,
    OutOption,
    QuietOption,
    RegisterOption,
    SettingsOption,
    StoreOption,
    StrictOption,
    WaiversOption,
    emit,
    parse_formats,
    record_run,
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


def check(
    program_dir: Annotated[Path | None,
                           typer.Argument(help="Folder of a Pulumi Python program (holds Pulumi.yaml).")] = None,
    preview: Annotated[Path | None, typer.Option(help="A `pulumi preview --json` file.")] = None,
    state: Annotated[Path | None, typer.Option(help="A `pulumi stack export` file (version 3).")] = None,
    stack: Annotated[str | None, typer.Option(help="Stack whose Pulumi.<stack>.yaml config to use.")] = None,
    config: Annotated[list[str], typer.Option("--config", "-c", help="Stack config override key=value.")] = [],  # noqa: B006
    python: Annotated[str | None, typer.Option(help="Python interpreter of the program's own environment.")] = None,
    program_timeout: Annotated[float, typer.Option("--program-timeout", metavar="SECONDS", min=0.001,
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
    coverage: Annotated[bool, typer.Option("--coverage",
                                           help="Also print the compliance coverage of every requirement.")] = False,
) -> None:
    """Check a Pulumi program (planned), a preview file or a state file against the controls."""
    from checks.flows.check import CheckRequest, run_check

    formats = parse_formats(format)  # before the (slow) program run
    req = CheckRequest(program_dir=program_dir, preview=preview, state=state, stack=stack,
                       config=parse_config(config), python=python, waivers=waivers, settings=settings,
                       fail_on=fail_on, sg_register=sg_register, program_timeout=program_timeout)
    report = run_check(req)
    console = Console(highlight=False, soft_wrap=False)
    recorded = record_run(report, store, quiet=quiet)
    emit(report, formats, out, console, quiet=quiet, strict=strict,
         coverage=coverage, after=recorded)
