"""`clearance drift`: configuration drift (state vs live) and compliance drift (vs the stored runs), recorded in the
history store and rendered as HTML, JSON, Markdown and an evidence CSV."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from checks.cli.common import (
    CheckOption,
    FailOnOption,
    FrameworkOption,
    QuietOption,
    RegisterOption,
    SettingsOption,
    SeverityOption,
    SkipCheckOption,
    SoftFailOption,
    WaiversOption,
    make_console,
    selection_of,
    split_values,
)
from checks.cli.scan import (
    AccountsOption,
    EndpointOption,
    ExcludeAccountsOption,
    ExternalIdOption,
    OrganizationOption,
    PerAccountOption,
    ProfileOption,
    RegionsOption,
    RoleNameOption,
    RoleOption,
    SandboxDirOption,
    TimeoutOption,
    live_target,
    org_request,
    progress_bar,
)
from checks.errors import ExitCode, InputError
from checks.paths import display_path

if TYPE_CHECKING:
    from checks.drift.model import DriftReport

DRIFT_FORMATS_HELP = "Drift report formats: html, json, markdown, csv (repeat or comma-separate)."


def drift(
    state: Annotated[list[Path], typer.Option("--state", metavar="FILE",
                                              help="A `pulumi stack export` file (repeatable).")] = [],  # noqa: B006
    backend: Annotated[str | None, typer.Option(
        metavar="URL",
        help="A Pulumi backend read directly: file://DIR, s3://BUCKET\\[/prefix], or https://api.pulumi.com "
             "(PULUMI_ACCESS_TOKEN).")] = None,  # `\\[`: Rich markup escaped (Typer's help)
    stack: Annotated[list[str], typer.Option("--stack", metavar="PROJECT/STACK",
                                             help="project/stack (org/project/stack for Pulumi Cloud) of the "
                                                  "backend; repeatable; default every stack.")] = [],  # noqa: B006
    ignore: Annotated[Path | None, typer.Option(metavar="FILE",
                                                help="YAML rules for live resources that are never drift.")] = None,
    store: Annotated[str | None, typer.Option(metavar="URL", help="History store: a SQLAlchemy URL or a SQLite "
                                                                  "file (default clearance-out/history.db).")] = None,
    program: Annotated[str | None, typer.Option(metavar="DIR", help="The Pulumi program folder, named in the command "
                                                                    "that reviews new security-group rules.")] = None,
    profile: ProfileOption = None,
    regions: RegionsOption = [],  # noqa: B006
    endpoint_url: EndpointOption = None,
    role_arn: RoleOption = None,
    timeout: TimeoutOption = None,
    format: Annotated[list[str], typer.Option("--format", "-f", metavar="FORMAT",
                                              help=DRIFT_FORMATS_HELP)] = ["html,json,markdown,csv"],  # noqa: A002, B006
    out: Annotated[Path, typer.Option(metavar="DIR",
                                      help="Folder for the drift report files.")] = Path("clearance-out/drift"),
    sandbox_dir: SandboxDirOption = Path("clearance-out"),
    fail_on: FailOnOption = None,
    waivers: WaiversOption = None,
    settings: SettingsOption = None,
    sg_register: RegisterOption = None,
    quiet: QuietOption = False,
    check: CheckOption = [],  # noqa: B006
    skip_check: SkipCheckOption = [],  # noqa: B006
    severity: SeverityOption = [],  # noqa: B006
    framework: FrameworkOption = [],  # noqa: B006
    soft_fail: SoftFailOption = False,
    organization: OrganizationOption = False,
    accounts: AccountsOption = [],  # noqa: B006
    exclude_accounts: ExcludeAccountsOption = [],  # noqa: B006
    role_name: RoleNameOption = "ClearanceScan",
    external_id: ExternalIdOption = None,
    per_account: PerAccountOption = 4,
) -> None:
    """Compare the live account (or every account of --organization / --accounts) with Pulumi's state and with the
    stored runs; exit 3 when drift is found."""
    from checks.flows.drift import DriftRequest, run_drift
    from checks.flows.scan import DEFAULT_TIMEOUT, ScanRequest
    from reports.drift import DRIFT_FORMATS, write_drift_reports

    console = make_console()
    selection = selection_of(check, skip_check, severity, framework)
    formats = [f.lower() for f in split_values(format)]
    unknown = [f for f in formats if f not in DRIFT_FORMATS]
    if unknown:
        raise InputError(f"unknown drift format '{unknown[0]}' (known: {', '.join(DRIFT_FORMATS)})", where="--format")
    org = org_request(organization, accounts, exclude_accounts, role_name, external_id, per_account, None, None, store)
    target = live_target(profile, endpoint_url, role_arn, sandbox_dir, "reading")
    told = make_console(stderr=True) if quiet else console
    program_dir, said = target.program_dir(Path(program) if program else None)
    scan = ScanRequest(program_dir=program_dir, profile=profile, regions=split_values(regions),
                       endpoint_url=target.endpoint_url,
                       role_arn=role_arn, session=target.session, waivers=waivers, settings=settings,
                       sg_register=sg_register, fail_on=fail_on,
                       timeout=DEFAULT_TIMEOUT if timeout is None else timeout, secret_digests=target.digests,
                       selection=selection, org=org)
    req = DriftRequest(scan=scan, states=tuple(state), backend=backend, stacks=split_values(stack), ignore=ignore,
                       store=store, program=program or (display_path(program_dir) if program_dir else None))
    with progress_bar(make_console(stderr=True, soft_wrap=False)) as progress:
        result = run_drift(req, progress=progress, before_live=lambda: told.print("\n".join(
            line for line in (target.told, said) if line), markup=False))
    try:
        written = write_drift_reports(result, formats, out)
    except OSError as err:
        raise InputError(f"cannot write the drift reports: {err.strerror or err}", where=str(out),
                         hint="choose another --out folder") from None
    drifted = result.drift_found(fail_on or result.report.fail_on)
    unread = ExitCode.INCOMPLETE if result.report.unread else ExitCode.OK
    hard = ExitCode.DRIFT if drifted else unread
    code = unread if soft_fail else hard  # --soft-fail: drift does not fail the run; unread data still exits 4
    lines = summary(result)
    if code is not hard:
        lines[-1] += f" (--soft-fail: exit {int(code)} instead of {int(hard)})"
    for line in lines:
        if not quiet or line.startswith(("drift", "no drift")):
            console.print(line, markup=False)
    for path in written:
        console.print(f"wrote {path}", markup=False)
    if code is not ExitCode.OK:
        raise typer.Exit(code)


def summary(result: "DriftReport") -> list[str]:
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
