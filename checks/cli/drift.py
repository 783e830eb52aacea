"""`clearance drift`: configuration drift (state vs live) and compliance drift (vs the stored runs), recorded in the
history store and rendered as HTML, JSON, Markdown and an evidence CSV."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from checks.cli.common import FailOnOption, QuietOption, RegisterOption, SettingsOption, WaiversOption, split_values
from checks.cli.scan import (
    EndpointOption,
    ProfileOption,
    RegionsOption,
    RoleOption,
    SandboxDirOption,
    TimeoutOption,
    live_target,
    progress_bar,
)
from checks.errors import ExitCode, InputError

if TYPE_CHECKING:
    from checks.drift.model import DriftReport

DRIFT_FORMATS_HELP = "Drift report formats: html, json, markdown, csv (repeat or comma-separate)."


def drift(
    state: Annotated[list[Path], typer.Option("--state", help="A `pulumi stack export` file (repeatable).")] = [],  # noqa: B006
    backend: Annotated[str | None, typer.Option(
        help="A Pulumi backend read directly: file://DIR, s3://BUCKET[/prefix], or https://api.pulumi.com "
             "(PULUMI_ACCESS_TOKEN).")] = None,
    stack: Annotated[list[str], typer.Option("--stack", help="project/stack (org/project/stack for Pulumi Cloud) "
                                                            "of the backend; repeatable; default every stack.")] = [],  # noqa: B006
    ignore: Annotated[Path | None, typer.Option(help="YAML rules for live resources that are never drift.")] = None,
    store: Annotated[str | None, typer.Option(help="History store: a SQLAlchemy URL or a SQLite file "
                                                   "(default clearance-out/history.db).")] = None,
    program: Annotated[str | None, typer.Option(help="The Pulumi program folder, named in the command that reviews "
                                                     "new security-group rules.")] = None,
    profile: ProfileOption = None,
    regions: RegionsOption = [],  # noqa: B006
    endpoint_url: EndpointOption = None,
    role_arn: RoleOption = None,
    timeout: TimeoutOption = None,
    format: Annotated[list[str], typer.Option("--format", "-f", help=DRIFT_FORMATS_HELP)] = ["html,json,markdown,csv"],  # noqa: A002, B006
    out: Annotated[Path, typer.Option(help="Folder for the drift report files.")] = Path("clearance-out/drift"),
    sandbox_dir: SandboxDirOption = Path("clearance-out"),
    fail_on: FailOnOption = None,
    waivers: WaiversOption = None,
    settings: SettingsOption = None,
    sg_register: RegisterOption = None,
    quiet: QuietOption = False,
) -> None:
    """Compare the live account with Pulumi's state and with the stored runs; exit 3 when drift is found."""
    from checks.flows.drift import DriftRequest, run_drift
    from checks.flows.scan import DEFAULT_TIMEOUT, ScanRequest
    from reports.drift import DRIFT_FORMATS, write_drift_reports

    console = Console(highlight=False, soft_wrap=True)
    formats = [f.lower() for f in split_values(format)]
    unknown = [f for f in formats if f not in DRIFT_FORMATS]
    if unknown:
        raise InputError(f"unknown drift format '{unknown[0]}' (known: {', '.join(DRIFT_FORMATS)})", where="--format")
    target = live_target(profile, endpoint_url, role_arn, sandbox_dir, "reading")
    told = Console(stderr=True, highlight=False, soft_wrap=True) if quiet else console
    scan = ScanRequest(profile=profile, regions=split_values(regions), endpoint_url=target.endpoint_url,
                       role_arn=role_arn, session=target.session, waivers=waivers, settings=settings,
                       sg_register=sg_register, fail_on=fail_on,
                       timeout=DEFAULT_TIMEOUT if timeout is None else timeout, secret_digests=target.digests)
    req = DriftRequest(scan=scan, states=tuple(state), backend=backend, stacks=split_values(stack), ignore=ignore,
                       store=store, program=program)
    with progress_bar(Console(stderr=True)) as progress:
        result = run_drift(req, progress=progress, before_live=lambda: told.print(target.told, markup=False))
    try:
        written = write_drift_reports(result, formats, out)
    except OSError as err:
        raise InputError(f"cannot write the drift reports: {err.strerror or err}", where=str(out),
                         hint="choose another --out folder") from None
    for line in summary(result):
        if not quiet or line.startswith(("drift", "no drift")):
            console.print(line, markup=False)
    for path in written:
        console.print(f"wrote {path}", markup=False)
    if result.drift_found(fail_on or result.report.fail_on):
        raise typer.Exit(ExitCode.DRIFT)
    if result.report.unread:
        raise typer.Exit(ExitCode.INCOMPLETE)


def summary(result: DriftReport) -> list[str]:
    """The console's account of the run: drift by class, compliance drift, history, verdict last."""
    from checks.drift.model import DriftClass, Transition

    conf, comp = result.configuration, result.compliance
    lines = [f"drift of {result.report.target} against {', '.join(result.stacks) or 'no stack'}",
             "configuration: " + ", ".join(f"{len(conf.of(c))} {c.value.replace('_', ' ')}" for c in DriftClass)
             + f" ({conf.ignored} ignored as AWS defaults or by your rules)"]
    if comp.previous_run is None:
        lines.append("compliance: first recorded run of this account: the baseline for the next ones")
    else:
        lines.append("compliance since the last run: "
                     + ", ".join(f"{len(comp.of(t))} {t.value}" for t in Transition))
    if result.unreviewed:
        lines.append(f"security-group rules live without review: {len(result.unreviewed)} "
                     f"(review with: {result.unreviewed[0].command})")
    if result.report.unread:
        lines.append("INCOMPLETE: some lists could not be read; see the report's warnings")
    if result.run_id:
        lines.append(f"recorded as run {result.run_id} in {result.store}")
    found = result.drift_found(result.report.fail_on)
    lines.append("drift found" if found else "no drift")
    return lines
