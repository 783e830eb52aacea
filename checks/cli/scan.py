"""`clearance scan`: the live view of one account, or of many (an organization, in one process or in shards)."""

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
    make_console,
    parse_formats,
    record_run,
    selection_of,
    split_values,
)
from checks.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console

    from checks.flows.scan_org import OrgRequest


@contextmanager
def progress_bar(console: "Console") -> Iterator[Callable[[int], Callable[[str], None]] | None]:
    """A Rich progress bar on a terminal; none in CI logs or when output is redirected."""
    if not console.is_terminal or os.environ.get("CI"):
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("scanning"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                  TimeElapsedColumn(), console=console, transient=True) as bar:

        def start(total: int) -> Callable[[str], None]:
            task = bar.add_task("", total=total)
            return lambda done: bar.update(task, advance=1, description=done)

        yield start


UNTRUSTED_HINT = "pass --endpoint-url to choose an endpoint explicitly, or start your own with 'clearance sandbox up'"


def credentials_source(profile: str | None, role_arn: str | None) -> str:
    """Where the scan's credentials come from, told without resolving them (that may call the instance metadata)."""
    env = os.environ
    if profile:
        base = f"profile {profile} (--profile)"
    elif env.get("AWS_ACCESS_KEY_ID"):
        base = "environment variables (AWS_ACCESS_KEY_ID)"
    elif env.get("AWS_PROFILE") or env.get("AWS_DEFAULT_PROFILE"):
        name = env.get("AWS_PROFILE") or env.get("AWS_DEFAULT_PROFILE")
        base = f"profile {name} (AWS_PROFILE)" if env.get("AWS_PROFILE") else f"profile {name} (AWS_DEFAULT_PROFILE)"
    else:
        base = "the default AWS credential chain (config files, SSO, instance or container role)"
    return f"role {role_arn} assumed with {base}" if role_arn else base


ProfileOption = Annotated[str | None, typer.Option(metavar="NAME", help="AWS profile.")]
ProgramDirOption = Annotated[Path | None, typer.Option(
    "--program-dir", metavar="DIR",
    help="The Pulumi program that deployed the account: its settings, waivers and review register apply (default: "
         "the program applied to the sandbox, else the working folder's).")]
RegionsOption = Annotated[list[str], typer.Option(
    "--regions", metavar="REGION",
    help="Regions (comma-separated or repeated); 'all' = every enabled region (needs ec2:DescribeRegions); "
         "default: the session's.")]
EndpointOption = Annotated[str | None, typer.Option(metavar="URL", help="AWS endpoint (the sandbox, LocalStack...).")]
RoleOption = Annotated[str | None, typer.Option(metavar="ARN", help="Role to assume for the live read.")]
TimeoutOption = Annotated[float | None, typer.Option(
    min=0.1, metavar="SECONDS",
    help="Seconds the whole live read may take (default 300); what is not read by then is an error.",
    show_default=False)]
OrganizationOption = Annotated[bool, typer.Option(
    "--organization", metavar="",
    help="Scan every ACTIVE account of the AWS Organization (organizations:ListAccounts, from the management or a "
         "delegated administrator account), each through --role-name.")]
AccountsOption = Annotated[list[str], typer.Option(
    "--accounts", metavar="IDS|@FILE",
    help="Accounts to scan through --role-name (comma-separated ids, or a file: one id per line, or the JSON of "
         "`aws organizations list-accounts`); with --organization, only these of it.")]
ExcludeAccountsOption = Annotated[list[str], typer.Option(
    "--exclude-accounts", metavar="IDS|@FILE", help="Accounts left out (same forms as --accounts).")]
RoleNameOption = Annotated[str, typer.Option(
    "--role-name", metavar="NAME",
    help="The role assumed in each account (`clearance iam-policy --organization` prints it and its trust policy).")]
ExternalIdOption = Annotated[str | None, typer.Option(
    "--external-id", metavar="TEXT", help="The sts:ExternalId the member roles' trust policy requires.")]
PerAccountOption = Annotated[int, typer.Option(
    "--per-account", min=1, max=64, metavar="N",
    help="Collector runs of one account (and of one account and region) at once: AWS throttles per account "
         "and region, so a slow or throttled account does not hold the others.")]
ShardOption = Annotated[str | None, typer.Option(
    "--shard", metavar="K/N",
    help="Read only this share of the (account, region, service) units (deterministic and balanced) and record it "
         "in --store under --run-group; `clearance report --run-group` merges the shards.")]
RunGroupOption = Annotated[str | None, typer.Option(
    "--run-group", metavar="ID", envvar="CLEARANCE_RUN_GROUP",
    help="The id every shard of one organization scan shares (e.g. the CI run id; env CLEARANCE_RUN_GROUP).")]
SandboxDirOption = Annotated[Path, typer.Option(
    metavar="DIR", help="Where `clearance sandbox up --out` put the running sandbox; used when no account is named.")]


@dataclass(frozen=True)
class LiveTarget:
    """Where a live read goes: the sandbox's session and endpoint when no account is named, else none (the
    request's profile or role), and the line that says so."""

    session: Any
    endpoint_url: str | None
    told: str
    digests: Any = None  # the sandbox's SecretDigests (checks/digests.py), or None
    program: Path | None = None  # the program last applied to the sandbox (`sandbox apply`), if it still exists
    applied_state: Path | None = None  # the stack export that apply wrote, if it still exists

    def states(self, given: Sequence[Path]) -> tuple[tuple[Path, ...], str | None]:
        """The stack exports that link live findings to their declarations: `given` (--state), else the one the
        sandbox's apply wrote; and the line that says so when it was not given."""
        if given or self.applied_state is None:
            return tuple(given), None
        from checks.paths import display_path

        return (self.applied_state,), (f"findings point at the lines that declared their resources (the state "
                                       f"{display_path(self.applied_state)} that apply wrote; --state gives another)")

    def program_dir(self, given: Path | None) -> tuple[Path | None, str | None]:
        """The program folder whose settings, waivers and review register apply: `given` (--program-dir), else the
        program applied to the sandbox; and the line that says so when it was not given."""
        if given is not None:
            if not (given / "Pulumi.yaml").is_file():
                raise InputError("no Pulumi.yaml in this folder", where=str(given),
                                 hint="--program-dir names the Pulumi program that deployed the account")
            return given, None
        if self.program is None:
            return None, None
        from checks.paths import display_path

        return self.program, (f"settings, waivers and review register of {display_path(self.program)} (the program "
                              "applied to the sandbox; --program-dir chooses another)")


def _existing(path: str | None) -> Path | None:
    return Path(path) if path and Path(path).is_file() else None


def live_target(profile: str | None, endpoint_url: str | None, role_arn: str | None, sandbox_dir: Path,
                verb: str) -> LiveTarget:
    """The running sandbox when no account is named (and its file is trusted), else the named account."""
    from checks.sandbox import read_sandbox

    named = profile or endpoint_url or role_arn or os.environ.get("AWS_ENDPOINT_URL")
    sandbox = None if named else read_sandbox(sandbox_dir, hint=UNTRUSTED_HINT)
    if sandbox is not None:
        from checks.digests import read_digests

        applied = Path(sandbox.program) if sandbox.program else None
        return LiveTarget(sandbox.session(), sandbox.endpoint,
                          f"{verb} the sandbox at {sandbox.endpoint} with its fake credentials (recorded in "
                          f"{sandbox_dir / 'sandbox.json'}; no --profile or --endpoint-url given)",
                          read_digests(sandbox_dir),
                          applied if applied is not None and (applied / "Pulumi.yaml").is_file() else None,
                          _existing(sandbox.applied_state))
    where = endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
    return LiveTarget(None, endpoint_url, f"{verb} {where or 'AWS (default endpoints)'} with credentials from "
                                          f"{credentials_source(profile, role_arn)}")


def scan(
    profile: ProfileOption = None,
    regions: RegionsOption = [],  # noqa: B006
    endpoint_url: EndpointOption = None,
    role_arn: RoleOption = None,
    max_workers: Annotated[int, typer.Option(min=1, max=64, metavar="N", help="Parallel API workers.")] = 8,
    timeout: TimeoutOption = None,
    services: Annotated[list[str], typer.Option("--services", metavar="SERVICE",
                                                help="Only these collectors (comma-separated).")] = [],  # noqa: B006
    format: FormatOption = ["console"],  # noqa: A002, B006
    out: OutOption = Path("clearance-out"),
    sandbox_dir: SandboxDirOption = Path("clearance-out"),
    program_dir: ProgramDirOption = None,
    state: Annotated[list[Path], typer.Option(
        "--state", metavar="FILE",
        help="A `pulumi stack export` of what deployed the account (repeatable): live findings point at the file "
             "and line that declared their resources (default: the state the sandbox's apply wrote).")] = [],  # noqa: B006
    fail_on: FailOnOption = None,
    waivers: WaiversOption = None,
    settings: SettingsOption = None,
    sg_register: RegisterOption = None,
    strict: StrictOption = False,
    quiet: QuietOption = False,
    store: StoreOption = None,
    baseline: Annotated[Path | None, typer.Option(
        metavar="FILE", help="A baseline (clearance baseline create): its failing findings are reported but do not "
                             "fail the run.")] = None,
    check: CheckOption = [],  # noqa: B006
    skip_check: SkipCheckOption = [],  # noqa: B006
    severity: SeverityOption = [],  # noqa: B006
    framework: FrameworkOption = [],  # noqa: B006
    soft_fail: SoftFailOption = False,
    sarif_category: Annotated[str | None, typer.Option(
        "--sarif-category", metavar="TEXT", help="The SARIF run's code-scanning category (automationDetails.id); "
                                                 "default: clearance/<view>/<target>.")] = None,
    organization: OrganizationOption = False,
    accounts: AccountsOption = [],  # noqa: B006
    exclude_accounts: ExcludeAccountsOption = [],  # noqa: B006
    role_name: RoleNameOption = "ClearanceScan",
    external_id: ExternalIdOption = None,
    per_account: PerAccountOption = 4,
    shard: ShardOption = None,
    run_group: RunGroupOption = None,
) -> None:
    """Scan a live AWS account (read-only), or the running sandbox when no account is named; or many accounts
    (--organization, --accounts), in one process or in shards (--shard K/N) merged by `clearance report`."""
    from checks.collectors import load_collectors
    from checks.flows.scan import DEFAULT_TIMEOUT, ScanRequest, run_scan

    console = make_console()
    formats = parse_formats(format)
    selection = selection_of(check, skip_check, severity, framework)
    chosen = split_values(services)
    known = load_collectors()
    bad = [s for s in chosen if s not in known]
    if bad:
        raise InputError(f"unknown service '{bad[0]}' (known: {', '.join(sorted(known))})", where="--services")
    org = org_request(organization, accounts, exclude_accounts, role_name, external_id, per_account, shard, run_group,
                      store)
    target = live_target(profile, endpoint_url, role_arn, sandbox_dir, "scanning")
    # always said, on stderr under -q: where the scan goes and with whose credentials is never a surprise
    told = make_console(stderr=True) if quiet else console
    told.print(target.told, markup=False)
    program, said = target.program_dir(program_dir)
    states, linked = target.states(state)
    for line in (said, linked):
        if line:
            told.print(line, markup=False)
    req = ScanRequest(program_dir=program, states=states, profile=profile, regions=split_values(regions),
                      endpoint_url=target.endpoint_url,
                      role_arn=role_arn, max_workers=max_workers, services=chosen, session=target.session,
                      waivers=waivers,
                      settings=settings, sg_register=sg_register, fail_on=fail_on,
                      timeout=DEFAULT_TIMEOUT if timeout is None else timeout, secret_digests=target.digests,
                      selection=selection, baseline=baseline, sarif_category=sarif_category, org=org)
    if org is not None and org.shard is not None:
        from checks.flows.groups import run_shard

        with progress_bar(make_console(stderr=True, soft_wrap=False)) as progress:
            done = run_shard(req, store, progress=progress)
        for line in done.lines(store, quiet=quiet):
            console.print(line, soft_wrap=True, highlight=False, markup=False)
        return
    with progress_bar(make_console(stderr=True, soft_wrap=False)) as progress:
        report = run_scan(req, progress=progress)
    recorded = record_run(report, store, quiet=quiet)
    emit(report, formats, out, console, quiet=quiet, strict=strict, after=recorded, soft_fail=soft_fail)


def org_request(organization: bool, accounts: list[str], exclude: list[str], role_name: str,  # noqa: PLR0913
                external_id: str | None, per_account: int, shard: str | None, run_group: str | None,
                store: str | None) -> "OrgRequest | None":
    """The many-accounts part of the request (None: one account), its combinations checked before any call."""
    from checks.flows.scan_org import OrgRequest
    from checks.org.shards import parse_shard

    if not organization and not accounts:
        for given, option in ((exclude, "--exclude-accounts"), (shard, "--shard"), (run_group, "--run-group")):
            if given:
                raise InputError(f"{option} applies to a scan of many accounts", where=option,
                                 hint="add --organization or --accounts")
        return None
    parsed = parse_shard(shard) if shard is not None else None
    if parsed is not None:
        if not run_group:
            raise InputError("a shard needs the run group its results join", where="--shard",
                             hint="give --run-group ID (the same on every shard, e.g. the CI run id)")
        if not store:
            raise InputError("a shard records what it read in the history store", where="--shard",
                             hint="give --store URL (PostgreSQL when shards run on different machines)")
    if run_group is not None:
        from checks.store.groups import check_group_id

        check_group_id(run_group)
    from checks.org.accounts import parse_account_list

    # read (and checked) before any call: a bad id or file is one line naming it
    ids = parse_account_list(accounts, option="--accounts") if accounts else []
    left_out = parse_account_list(exclude, option="--exclude-accounts") if exclude else []
    return OrgRequest(organization=organization, accounts=tuple(ids), exclude=tuple(left_out),
                      role_name=role_name, external_id=external_id, per_account=per_account, shard=parsed,
                      run_group=run_group)
