"""Run groups: an organization scan split in shards over many machines, merged in the history store.

`scan --shard K/N --run-group ID --store URL` reads its share of the (account, region, service) units and records
what it read (`checks/org/payload.py`), never findings: normalizing joins resources across services, so only the
whole group can be judged. `report --run-group ID` loads every shard of the group, takes the units of the shards
that never reported as unread (every control of the kinds they read is `error`, naming the missing shard), and
evaluates the union exactly as a scan of the whole organization in one process would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from checks import tool_version
from checks.collectors import load_collectors
from checks.errors import InputError
from checks.flows.history import DEFAULT_STORE
from checks.flows.scan import LiveRead, ScanRequest, read_live, secrets_read
from checks.flows.scan_needs import scan_needs
from checks.live_types import FEEDS
from checks.org.payload import PayloadError, ShardRead, decode, encode, merged_api_calls
from checks.org.shards import Unit, assign, select
from checks.store import open_store, safe_url, store_url
from checks.unread import UnreadScope

if TYPE_CHECKING:
    from checks.drift.model import DriftReport
    from checks.model import Asset
    from checks.report import Report

NOT_REPORTED = "NotReported"  # the reason's first word for the units of a shard that never reported


@dataclass(frozen=True)
class ShardDone:
    """What a shard recorded: where, its units out of the group's, and what it could not read."""

    run_group: str
    shard: str          # "2/3"
    store: str          # printable URL (no password)
    units: int
    total_units: int
    accounts: int
    resources: int
    unread: int
    live: LiveRead

    def lines(self, store: str | None, *, quiet: bool) -> list[str]:
        """What the shard says once recorded: its share, what it could not read, and the command that merges."""
        render = f"clearance report --store {store or self.store} --run-group {self.run_group}"
        if quiet:
            return [f"shard {self.shard} of run group {self.run_group} recorded ({self.units} units); "
                    f"render with: {render}"]
        lines = [f"shard {self.shard} of run group {self.run_group}: read {self.units} of {self.total_units} units "
                 f"(account, region, service) in {self.accounts} account(s): {self.resources} resources",
                 *self.live.notes]
        if self.unread:
            lines.append(f"{self.unread} scope(s) could not be read: they are error results in the merged report")
        lines += [f"recorded in {self.store}; findings are computed when the group is merged:", f"  {render}"]
        return lines


def run_shard(req: ScanRequest, store: str | None, *,
              progress: Callable[[int], Callable[[str], None]] | None = None,
              now: dt.datetime | None = None) -> ShardDone:
    """Read this shard's units and record them under the run group (the store is opened first: a bad store fails
    before the slow read)."""
    from checks.catalog.loader import load_catalog
    from checks.store.groups import ShardRecord, record_shard

    org = req.org
    if org is None or org.shard is None or not org.run_group:
        raise InputError("a shard needs the run group its results join", where="--shard",
                         hint="give --run-group ID (the same on every shard, e.g. the CI run id)")
    url = store_url(store, DEFAULT_STORE)
    started = now or dt.datetime.now(dt.UTC)
    with open_store(url) as opened:
        catalog = load_catalog()
        live = read_live(req, progress=progress, needs=scan_needs(catalog.controls.values(), started))
        read = ShardRead(shard=org.shard, units=live.units, accounts=live.accounts, regions=tuple(live.regions),
                         organization=live.organization, resources=tuple(live.resources), unread=tuple(live.unread),
                         kinds=live.kinds, notes=tuple(live.notes), endpoint=live.endpoint, api_calls=live.api_calls,
                         secrets=secrets_read(req, live.resources))
        record_shard(opened, ShardRecord(run_group=org.run_group, index=org.shard.index, count=org.shard.count,
                                         target=live.key, started_at=started, tool_version=tool_version(),
                                         payload=encode(read)))
    mine = select(list(live.units), org.shard)
    return ShardDone(run_group=org.run_group, shard=str(org.shard), store=safe_url(url), units=len(mine),
                     total_units=len(live.units), accounts=len({u.account for u in mine}),
                     resources=len(live.resources), unread=len(live.unread), live=live)


@dataclass(frozen=True)
class MergedGroup:
    live: LiveRead
    run_group: str
    count: int
    missing: tuple[int, ...]
    started_at: dt.datetime
    target: str


def _missing_scopes(reads: Sequence[ShardRead], count: int, missing: Sequence[int], run_group: str
                    ) -> list[UnreadScope]:
    """The units no reported shard read: every kind they feed is unread, naming the shard that held them."""
    units: dict[Unit, None] = {}
    for read in reads:
        units.update(dict.fromkeys(read.units))
    owner = assign(list(units), count)
    collectors = load_collectors()
    scopes: list[UnreadScope] = []
    for unit in units:
        index = owner[unit]
        if index not in missing:
            continue
        collector = collectors.get(unit.service)
        if collector is None:
            continue
        operation = collector.operations[0]
        reason = (f"{NOT_REPORTED} shard {index}/{count} of run group {run_group} never reported "
                  f"({unit.service} {unit.region or 'global'})")
        kinds = dict.fromkeys(k for t in collector.types for k in FEEDS.get(t, ()))
        scopes += [UnreadScope(unit.account, unit.region, kind, operation, operation, reason) for kind in kinds]
    return scopes


def merge_group(store: str | None, run_group: str | None) -> MergedGroup:
    """The group's shards as one live read (the latest complete group when `run_group` is None)."""
    from checks.store.groups import latest_complete_group, load_group

    url = store_url(store, DEFAULT_STORE)
    with open_store(url) as opened:
        group = load_group(opened, run_group) if run_group else latest_complete_group(opened)
    reads: list[ShardRead] = []
    for shard in group.shards:
        try:
            reads.append(decode(shard.payload))
        except PayloadError as err:
            raise InputError(f"shard {shard.index}/{shard.count} of run group {group.run_group}: {err}",
                             where=safe_url(url), hint="run that shard again") from None
    first = reads[0]
    accounts: dict[str, str] = {}
    regions: dict[str, None] = {}
    for read in reads:
        accounts.update(dict(read.accounts))
        regions.update(dict.fromkeys(read.regions))
    missing = tuple(group.missing)
    unread = [s for r in reads for s in r.unread] + _missing_scopes(reads, group.count, missing, group.run_group)
    notes = [f"shard {r.shard}: {note}" if r.shard else note for r in reads for note in r.notes]
    if missing:
        notes.insert(0, f"run group {group.run_group}: shard(s) {', '.join(f'{k}/{group.count}' for k in missing)} "
                        "never reported: what they hold is error, not pass (run them, then render the report again)")
    units = tuple(dict.fromkeys(u for r in reads for u in r.units))
    live = LiveRead(
        resources=[res for r in reads for res in r.resources], unread=unread, notes=notes, account="",
        regions=list(regions), endpoint=first.endpoint, kinds=frozenset(k for r in reads for k in r.kinds),
        api_calls=merged_api_calls(reads), accounts=tuple(sorted(accounts.items())), organization=first.organization,
        units=units, shard=None, secrets=frozenset(s for r in reads for s in r.secrets))
    started = min(s.started_at for s in group.shards)
    return MergedGroup(live=live, run_group=group.run_group, count=group.count, missing=missing, started_at=started,
                       target=group.shards[0].target)


def group_drift(report: Report, assets: Sequence[Asset], store: str | None, *, record: bool) -> DriftReport:
    """The security officer's view of a merged group (`report --format html`): the run recorded (unless not
    `record`), compliance drift against the previous run of the organization, trends overall and per account.
    No state is compared: configuration drift is said to be not compared, never reported as none."""
    from checks.drift.model import ComplianceDrift, ConfigurationDrift, DriftReport
    from checks.flows.history import record as record_report

    recorded = record_report(report, report.history_key, store)[0] if record else None
    url = store_url(store, DEFAULT_STORE)
    with open_store(url) as opened:
        trend = opened.trend(report.history_key)
        per_account = opened.account_trend(report.history_key)
    return DriftReport(report=report, configuration=ConfigurationDrift(),
                       compliance=recorded.compliance if recorded else ComplianceDrift(), trend=trend,
                       account_trend=per_account, assets=tuple(assets),
                       run_id=recorded.run_id if recorded else None, store=safe_url(url),
                       configuration_compared=False)


def recorded_before(store: str | None, key: str, started_at: dt.datetime) -> str | None:
    """The id of the run already recorded for this group (same key, started when the group started), if any."""
    from checks.store.groups import recorded_run

    with open_store(store_url(store, DEFAULT_STORE)) as opened:
        return recorded_run(opened, key, started_at)
