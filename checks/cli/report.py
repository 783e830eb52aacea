"""`clearance report`: the organization-wide report of a run group, merged from its shards in the history store."""

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from checks.cli.common import (
    CheckOption,
    FailOnOption,
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
    split_values,
)
from checks.cli.scan import ProgramDirOption
from checks.errors import InputError

if TYPE_CHECKING:
    from checks.model import Asset


def report(
    store: Annotated[str | None, typer.Option(
        metavar="URL", help="The history store the shards recorded in (a SQLAlchemy URL or a SQLite file; default "
                            "clearance-out/history.db).")] = None,
    run_group: Annotated[str | None, typer.Option(
        "--run-group", metavar="ID", envvar="CLEARANCE_RUN_GROUP",
        help="The run group to render (default: the latest group whose every shard reported).")] = None,
    format: Annotated[list[str], typer.Option(
        "--format", "-f", metavar="FORMAT",
        help="Report formats: console, json, sarif, junit, markdown, and html (the security officer's page, with the "
             "account view and trends per account: <out>/drift/drift.html) (repeat or comma-separate).")] = ["console"],  # noqa: A002, B006
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
    from checks.flows.groups import merge_group, recorded_before
    from checks.flows.scan import ScanRequest, judge_live, scan_options

    started = time.perf_counter()
    console = make_console()
    asked = split_values(format)
    html = any(f.lower() == "html" for f in asked)
    formats = parse_formats([f for f in asked if f.lower() != "html"] or ["console"])
    selection = selection_of(check, skip_check, severity, framework)
    if program_dir is not None and not (program_dir / "Pulumi.yaml").is_file():
        raise InputError("no Pulumi.yaml in this folder", where=str(program_dir),
                         hint="--program-dir names the Pulumi program that deployed the accounts")
    req = ScanRequest(program_dir=program_dir, waivers=waivers, settings=settings, sg_register=sg_register,
                      fail_on=fail_on, selection=selection)
    options = scan_options(req)
    prepared = prepare(options, datetime.now(UTC))  # a bad waiver or settings file fails before the store is read
    merged = merge_group(store, run_group)
    now = merged.started_at  # the group's scan time: the report and the recorded run are dated by it
    shards = merged.count - len(merged.missing)
    target = f"{merged.live.key}, run group {merged.run_group} ({shards} of {merged.count} shards)"
    assets: list[Asset] = []
    result = judge_live(req, merged.live, prepared, options, now, started=started, target=target, assets=assets)
    incomplete = bool(merged.missing) and record  # recorded once whole: a later render of the whole group counts
    record = record and not incomplete
    before = recorded_before(store, result.history_key, now) if record else None
    if before is not None:
        record = False
    if not html:
        after = record_run(result, store or str(Path("clearance-out") / "history.db"), quiet=quiet) if record else []
    else:  # the security officer's page: recorded, with trends overall and per account
        from checks.flows.groups import group_drift
        from reports.drift import write_drift_reports

        drift = group_drift(result, assets, store, record=record)
        try:
            written = write_drift_reports(drift, ["html"], out / "drift")  # a set of its own, as `drift` writes
        except OSError as err:
            raise InputError(f"cannot write the HTML report: {err.strerror or err}", where=str(out),
                             hint="choose another --out folder") from None
        after = [f"recorded run {drift.run_id} in {drift.store}"] if drift.run_id and not quiet else []
        after += [f"wrote {p}" for p in written]
    if incomplete and not quiet:
        after.insert(0, f"not recorded in the history: shard(s) of run group {merged.run_group} are missing (it is "
                        "recorded when the report is rendered with every shard in)")
    if before is not None and not quiet:
        after.insert(0, f"run group {merged.run_group} was recorded before, as run {before}: not recorded again")
    emit(result, formats, out, console, quiet=quiet, strict=strict, after=after, soft_fail=soft_fail)
