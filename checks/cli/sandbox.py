"""`clearance sandbox up | status | down | apply | org`: the local moto server that stands in for an AWS account (or
an organization of them)."""

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from checks.cli.common import FlagHelpCommand, FlagHelpGroup
from checks.errors import ExitCode

if TYPE_CHECKING:
    from rich.console import Console

    from checks.sandbox import SandboxInfo

sandbox_app = typer.Typer(cls=FlagHelpGroup, no_args_is_help=True,
                          help="The local sandbox: a moto server on 127.0.0.1 standing in for an AWS account.")

OutOption = Annotated[Path, typer.Option(help="Folder holding the sandbox state file (sandbox.json) and log.")]


def _console() -> "Console":
    from checks.cli.common import make_console

    return make_console()


def _uptime(delta: dt.timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


def _describe(info: "SandboxInfo") -> list[str]:
    return [f"endpoint: {info.endpoint}",
            f"pid: {info.pid}  account: {info.account_id}  region: {info.region}",
            f"started: {info.started_at.isoformat(timespec='seconds')}  uptime: {_uptime(info.uptime())}",
            f"log: {info.log_file or '-'}"]


@sandbox_app.command("up", cls=FlagHelpCommand)
def up(
    out: OutOption = Path("clearance-out"),
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: a free one).")] = 0,
    region: Annotated[str, typer.Option(help="Region clients should use.")] = "us-east-1",
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the server to answer.")] = 15.0,
    default_vpc: Annotated[bool, typer.Option(
        "--default-vpc/--no-default-vpc", metavar="",
        help="Keep the default VPC AWS creates in every region (as in a new account), or delete it in --region "
             "(as in a production account: CIS and AWS advise it).")] = True,
) -> None:
    """Start the sandbox server in the background (or reuse the one already running) and print how to use it."""
    import shlex

    from checks.sandbox import start_sandbox

    info = start_sandbox(out, port=port, region=region, timeout=timeout)
    console = _console()
    console.print(f"sandbox {'already running' if info.reused else 'started'} at {info.endpoint} "
                  f"(pid {info.pid}, state {out / 'sandbox.json'})", markup=False)
    if not default_vpc:
        from checks.sandbox.landing import remove_default_vpc

        removed = remove_default_vpc(info.session(region))
        console.print(f"deleted the default VPC of {region} ({', '.join(removed)})" if removed
                      else f"{region} has no default VPC", markup=False)
    console.print("point AWS SDKs and the AWS CLI at it with:", markup=False)
    for key, value in info.env().items():
        console.print(f"  export {key}={shlex.quote(value)}", markup=False)
    console.print("stop it with: clearance sandbox down" + (f" --out {shlex.quote(str(out))}"
                                                             if out != Path("clearance-out") else ""), markup=False)


@sandbox_app.command("status", cls=FlagHelpCommand)
def status(out: OutOption = Path("clearance-out")) -> None:
    """Whether the sandbox runs: exit 0 when it answers, 3 when it does not."""
    from checks.sandbox.state import is_alive, load_state, state_path

    recorded = load_state(state_path(out))
    info = recorded if recorded is not None and is_alive(recorded) else None
    console = _console()
    if info is None:
        stale = f" (stale state file {state_path(out)}: pid {recorded.pid} gone or not answering)" if recorded else ""
        console.print(f"sandbox is not running{stale}", markup=False)
        raise typer.Exit(ExitCode.NOT_RUNNING)
    console.print("sandbox is running", markup=False)
    for line in [*_describe(info), *_org_lines(out, info)]:
        console.print(f"  {line}", markup=False)


@sandbox_app.command("down", cls=FlagHelpCommand)
def down(out: OutOption = Path("clearance-out")) -> None:
    """Stop the sandbox server (SIGTERM, then SIGKILL) and remove its state file; fine when none runs."""
    from checks.sandbox import stop_sandbox

    info = stop_sandbox(out)
    if info is None:
        _console().print("no sandbox was running", markup=False)
    else:
        _console().print(f"sandbox stopped (pid {info.pid}, {info.endpoint}, up {_uptime(info.uptime())})",
                         markup=False)


@sandbox_app.command("apply", cls=FlagHelpCommand)
def apply(
    program_dir: Annotated[Path, typer.Argument(help="Folder of the Pulumi program (holds Pulumi.yaml).")],
    out: OutOption = Path("clearance-out"),
    stack: Annotated[str | None, typer.Option(help="Stack whose Pulumi.<stack>.yaml config to use.")] = None,
    state_file: Annotated[Path | None, typer.Option(help="Where to write the stack export "
                                                         "(default: OUT/sandbox-state.json).")] = None,
) -> None:
    """Deploy the program's planned resources into the running sandbox and write the resulting state
    (`pulumi stack export` format, real sandbox ids and ARNs)."""
    from checks.digests import write_digests
    from checks.errors import InputError
    from checks.sandbox import read_sandbox, record_program
    from checks.sandbox.apply import apply_program

    console = _console()
    info = read_sandbox(out)
    if info is None:
        raise InputError(f"no sandbox is running in {out}",
                         hint=f"start one with 'clearance sandbox up --out {out}'")
    target = state_file or out / "sandbox-state.json"
    result = apply_program(program_dir, info.session(), info.endpoint, target, stack=stack)
    write_digests(out, result.secret_texts)  # so a scan of the sandbox recognises them (checks/digests.py)
    record_program(out, info, program_dir, result.state_file)  # a scan of the sandbox then uses both
    console.print(f"applied {len(result.applied)} resource(s) of {program_dir} to the sandbox at {info.endpoint} "
                  f"in {result.duration_s:.1f} s", markup=False)
    for line in result.unsupported:
        console.print(f"not applied (the sandbox cannot emulate it): {line}", markup=False)
    for line in result.problems():
        console.print(f"failed: {line}", markup=False)
    console.print(f"state written to {result.state_file}", markup=False)
    if result.failed:
        raise typer.Exit(ExitCode.FINDINGS)


@sandbox_app.command("org", cls=FlagHelpCommand)
def org(
    out: OutOption = Path("clearance-out"),
    accounts: Annotated[int, typer.Option(min=1, max=256, metavar="N",
                                          help="Member accounts sandbox-1..N (those already there are kept).")] = 3,
    regions: Annotated[list[str], typer.Option(
        "--regions", metavar="REGION",
        help="Regions seeded in each member account (comma-separated or repeated; default: the sandbox's).")] = [],  # noqa: B006
    role_name: Annotated[str, typer.Option(metavar="NAME",
                                           help="Role created in every account for the scan to assume.")]
    = "ClearanceScan",
    resources: Annotated[int, typer.Option(min=0, max=2000, metavar="N",
                                           help="Resources per member account, spread over the regions.")] = 40,
    seed: Annotated[int, typer.Option(min=0, metavar="N", help="Which violations go to which account.")] = 0,
) -> None:
    """Turn the running sandbox's account into the management account of an AWS Organization with member accounts,
    each holding the scan role and a small estate whose violations differ from account to account (idempotent: a
    second run adds only what is missing)."""
    import json
    import shlex

    from checks.cli.common import split_values
    from checks.errors import InputError
    from checks.fsutil import atomic_write
    from checks.sandbox import read_sandbox
    from checks.sandbox.org import ORG_FILE, VIOLATIONS, MemberAccount, create_organization

    console = _console()
    info = read_sandbox(out)
    if info is None:
        raise InputError(f"no sandbox is running in {out}",
                         hint=f"start one with 'clearance sandbox up --out {out}'")
    chosen = split_values(regions) or (info.region,)
    controls = {v.name: v.control for v in VIOLATIONS}

    def show(member: MemberAccount) -> None:
        seeded = ", ".join(f"{v} ({controls.get(v, '?')})" for v in member.violations) or "none (clean)"
        state = f"created, {member.seeded} resources" if member.created else (
            f"{member.seeded} resources added" if member.seeded else "already there")
        console.print(f"  {member.name:<12} {member.account_id}  {state}; violations: {seeded}", markup=False)

    console.print(f"building the organization in the sandbox at {info.endpoint} ({accounts} member account(s), "
                  f"{', '.join(chosen)})", markup=False)
    made = create_organization(info.session(chosen[0]), endpoint_url=info.endpoint, accounts=accounts,
                               regions=chosen, role_name=role_name, resources=resources, seed=seed, progress=show)
    record = {**made.to_json(), "sandbox_pid": info.pid, "endpoint": info.endpoint}
    atomic_write(out / ORG_FILE, json.dumps(record, indent=2) + "\n")
    console.print(f"organization {made.organization_id}: management account {made.management_account}, "
                  f"{len(made.members)} member account(s); role {made.role_name} in each, trusting "
                  f"{made.management_account} (recorded in {out / ORG_FILE})", markup=False)
    where = None if out == Path("clearance-out") else shlex.quote(str(out))
    console.print(f"scan it with: {made.scan_command(where)}", markup=False)


def _org_lines(out: Path, info: "SandboxInfo") -> list[str]:
    """What `status` says of the organization `sandbox org` recorded for this very sandbox (none for another)."""
    import json

    from checks.sandbox.org import ORG_FILE, OrgSandbox

    try:
        data = json.loads((out / ORG_FILE).read_text(encoding="utf-8"))
        made = OrgSandbox.from_json(data)
    except (OSError, ValueError):
        return []
    if not isinstance(data, dict) or data.get("sandbox_pid") != info.pid:
        return []
    return [f"organization: {made.organization_id}, {len(made.members)} member account(s), role {made.role_name}, "
            f"regions {', '.join(made.regions)}"]
