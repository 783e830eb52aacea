"""`clearance report`: the organization-wide report of a run group, merged from its shards in the history store."""

from datetime import UTC, datetime
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
    StrictOption,
    WaiversOption,
    emit,
    make_console,
    parse_formats,
    record_run,
    selection_of,
)
from checks.cli.scan import ProgramDirOption


def report(
    store: Annotated[str | None, typer.Option(
        metavar="URL", help="The history store the shards recorded in (a SQLAlchemy URL or a SQLite file; default "
                            "clearance-out/history.db).")] = None,
    run_group: Annotated[str | None, typer.Option(
        "--run-group", metavar="ID", envvar="CLEARANCE_RUN_GROUP",
        help="The run group to render (default: the latest group whose every shard reported).")] = None,
    format: FormatOption = ["console"],  # noqa: A002, B006
    out: OutOption = Path("clearance-out"),
    program_dir: ProgramDirOption = None,
    fail_on: FailOnOption = None,
    waivers: WaiversOption = None,
    settings: SettingsOption = None,
    sg_register: RegisterOption = None,
    strict: StrictOption = False,
    quiet: QuietOption = False,
    check: CheckOption = [],  # noqa: B006
    skip_check: SkipCheckOption = [],  # noqa: B006
    severity: SeverityOption = [],  # noqa: B006
    framework: FrameworkOption = [],  # noqa: B006
    soft_fail: SoftFailOption = False,
    record: Annotated[bool, typer.Option(
        "--record/--no-record",
        help="Record the merged run in the store (history, new/resolved findings and trends per account).")] = True,
) -> None:
    """Render the organization-wide report of a sharded scan (`scan --shard K/N --run-group ID`): every shard's
    read merged and judged as one scan, per account; shards that never reported are named and their share is
    error, never pass."""
    import time

    from checks.flows.assess import prepare
    from checks.flows.groups import merge_group
    from checks.flows.scan import ScanRequest, judge_live, scan_options

    started = time.perf_counter()
    console = make_console()
    formats = parse_formats(format)
    selection = selection_of(check, skip_check, severity, framework)
    if program_dir is not None and not (program_dir / "Pulumi.yaml").is_file():
        from checks.errors import InputError

        raise InputError("no Pulumi.yaml in this folder", where=str(program_dir),
                         hint="--program-dir names the Pulumi program that deployed the accounts")
    req = ScanRequest(program_dir=program_dir, waivers=waivers, settings=settings, sg_register=sg_register,
                      fail_on=fail_on, selection=selection)
    options = scan_options(req)
    now = datetime.now(UTC)
    prepared = prepare(options, now)  # a bad waiver or settings file fails before the store is read
    merged = merge_group(store, run_group)
    shards = merged.count - len(merged.missing)
    target = f"{merged.live.key}, run group {merged.run_group} ({shards} of {merged.count} shards)"
    result = judge_live(req, merged.live, prepared, options, now, started=started, target=target)
    recorded = record_run(result, store or str(Path("clearance-out") / "history.db"), quiet=quiet) if record else []
    emit(result, formats, out, console, quiet=quiet, strict=strict, after=recorded, soft_fail=soft_fail)
