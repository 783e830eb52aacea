"""`clearance scan`: read a live account (or the sandbox) with boto3, normalize, evaluate, report.

Regions and collectors fan out on a bounded thread pool, within the scan's deadline. Every API call is counted.
What could not be read is `error` (a list that failed makes every control of the kinds it feeds `error` for its
account and region: scan_gaps.py) and is summarized by reason, with the IAM action that would fix a denial.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from checks.baseline import Baseline, load_baseline
from checks.collectors import load_collectors
from checks.collectors.base import ClientSettings, Collector, CollectResult, ListFailure, Scope, caller_account
from checks.collectors.endpoints import IN_FLIGHT, Health, InFlight
from checks.collectors.shared import Shared
from checks.digests import strings_in
from checks.errors import InputError
from checks.flows.assess import Options, Prepared, build_report, prepare, with_baseline
from checks.flows.fanout import FairTimeout, Limits, fair_completed
from checks.flows.linked import assess_linked
from checks.flows.live_read import LiveRead
from checks.flows.scan_gaps import (
    Task,
    crash_failure,
    deadline_failures,
    read_problems,
    unreachable_regions,
    unread_scopes,
)
from checks.flows.scan_needs import scan_needs
from checks.flows.scan_org import denied_failures, open_accounts, plan_accounts, units_of
from checks.flows.scan_request import (  # noqa: F401 - DEFAULT_TIMEOUT, ScanRequest: the flow's API
    DEFAULT_TIMEOUT,
    ScanRequest,
    build_session,
    credentials_source,
    resolve_regions,
)
from checks.flows.scan_services import needed_collectors
from checks.flows.scan_stats import ScanStats
from checks.live_types import EVERYTHING, FEEDS, Needs
from checks.model import Asset, SourceKind
from checks.org.shards import Unit
from checks.raw import RawResource
from checks.report import Report

if TYPE_CHECKING:
    from checks.sources.backends import StateSet

DEADLINE_GRACE = 1.0     # past the deadline, for the calls in flight to end (they are refused from then on)


def _timed(task: Task, scope: Scope, calls: InFlight) -> tuple[CollectResult, float]:
    IN_FLIGHT.set(calls)  # this pool thread now works for this run: its calls are tracked in `calls`
    started = time.perf_counter()
    return task.collector.collect(scope), time.perf_counter() - started


@dataclass(frozen=True)
class Collected:
    resources: list[RawResource]
    failures: list[ListFailure]     # the lists that could not be read (denied, failed, malformed, too late)
    tasks: list[Task]               # what ran: a global collector once (region None), the others per region


def collect(session: boto3.Session, account: str, regions: list[str], collectors: Iterable[Collector], *,
            endpoint_url: str | None, max_workers: int, settings: ClientSettings, health: Health | None = None,
            on_done: Callable[[str], None] | None = None, timings: dict[str, float] | None = None,
            needs: Needs = EVERYTHING) -> Collected:
    """Run every collector in every region of one account (global collectors once): `collect_units` for one
    account, every worker free to work for it."""
    chosen = list(collectors)
    units = units_of([account], regions, chosen)
    return collect_units({account: session}, regions, units, {c.name: c for c in chosen}, endpoint_url=endpoint_url,
                         limits=Limits(max(1, max_workers), max(1, max_workers), max(1, max_workers)),
                         settings=settings, health=health, on_done=on_done, timings=timings, needs=needs)


def collect_units(sessions: Mapping[str, boto3.Session], regions: list[str], units: Sequence[Unit],
                  collectors: Mapping[str, Collector], *, endpoint_url: str | None, limits: Limits,
                  settings: ClientSettings, health: Health | None = None,
                  on_done: Callable[[str], None] | None = None, timings: dict[str, float] | None = None,
                  needs: Needs = EVERYTHING) -> Collected:
    """Run each unit (account, region, collector; a global collector's region is None) on a fair bounded pool
    (`limits`: at most so many tasks of one account, and of one account and region, in flight; accounts
    interleaved), until `health`'s deadline (and DEADLINE_GRACE for the calls in flight): a collector still running
    then, or one that raised on a malformed answer, is a ListFailure for every type it emits; the scan goes on.
    `needs`: what the selected controls read (per-resource reads nothing needs are left out)."""
    health = health or Health()
    shared = Shared()  # answers the collectors share (KMS keys), for this scan only; keyed by account and region
    many = len(sessions) > 1
    making = threading.Lock()  # clients are built one at a time: boto3 Sessions (and the model loader the
    # accounts' sessions share, checks/org/roles.py) are not thread-safe; the clients are
    scopes = {(a, r): Scope(session=sessions[a], region=r, account=a, endpoint_url=endpoint_url, settings=settings,
                            health=health, needs=needs, shared=shared, _lock=making)
              for a in sessions for r in regions}
    tasks = [Task(collectors[u.service], u.region, u.account) for u in units]
    in_flight = {task: InFlight() for task in tasks}
    resources: list[RawResource] = []
    failures: list[ListFailure] = []
    left = health.remaining()
    remaining = Counter(t.account for t in tasks)  # tasks left per account: the progress says accounts done
    finished = 0

    def run(task: Task) -> tuple[CollectResult, float]:
        return _timed(task, scopes[(task.account, task.region or regions[0])], in_flight[task])

    try:
        for task, future in fair_completed(tasks, run, key=lambda t: (t.account, t.region), limits=limits,
                                           timeout=None if left is None else max(0.0, left) + DEADLINE_GRACE):
            label = f"{task.collector.name} {task.region or 'global'}"
            told = label
            if many:
                remaining[task.account] -= 1
                finished += remaining[task.account] == 0
                label = f"{task.account} {label}"
                told = f"{label} · {finished}/{len(remaining)} accounts done"
            try:
                result, seconds = future.result()
            except (KeyError, TypeError, ValueError, AttributeError) as err:  # a malformed answer the collector
                failures.append(crash_failure(task, task.account, err))      # did not expect
            else:
                if timings is not None:
                    timings[label] = seconds
                resources.extend(result.resources)
                failures.extend(result.errors)
            if on_done is not None:
                on_done(told)
    except FairTimeout as late:
        # collectors still in a call finish on their own (every later call fails at once past the deadline)
        for task in late.pending:
            run_ = in_flight[task]
            failures += deadline_failures(task, task.account, health.deadline_reason, run_.pending(),
                                          run_.failures())
    return Collected(resources, failures, tasks)


def _stats_notes(stats: ScanStats) -> str:
    slowest = sorted(stats.collector_seconds.items(), key=lambda kv: -kv[1])[:3]
    return (f"{stats.api_calls} API calls in {stats.seconds:.1f} s (slowest: "
            + ", ".join(f"{name} {secs:.1f} s" for name, secs in slowest) + ")")


def read_live(req: ScanRequest, *, progress: Callable[[int], Callable[[str], None]] | None = None,
              needs: Needs = EVERYTHING) -> LiveRead:
    """Read the account (or the accounts of `req.org`): every chosen collector in every region, within the
    request's deadline. `needs`: what the selected controls read; the default (everything) is what drift needs,
    which compares every attribute."""
    client_settings = ClientSettings()
    session = build_session(req)
    health = Health(timeout=req.timeout)
    stats = ScanStats()
    stats.listen(session)
    started = time.perf_counter()
    try:
        regions = resolve_regions(session, req, client_settings, health)
        account, endpoint = caller_account(session, regions[0], req.endpoint_url, client_settings, health)
    except NoCredentialsError:
        raise InputError("no AWS credentials", hint="use --profile, AWS_PROFILE, or the sandbox (clearance sandbox up)"
                         ) from None
    except (ClientError, BotoCoreError) as err:
        where = req.endpoint_url or "AWS"
        raise InputError(f"cannot reach the account (sts:GetCallerIdentity): {err}", where=where,
                         hint="check the endpoint, the network and the credentials") from None
    registry = load_collectors()
    if req.services:
        chosen = [registry[s] for s in req.services]
        needs = replace(needs, tags_listed=False)  # collectors named: their resources' tags are read too
    else:  # the collectors whose resources some selected control may judge (all of them for drift)
        chosen = needed_collectors((registry[s] for s in sorted(registry)), needs)
    by_name = {c.name: c for c in chosen}
    org = req.org
    notes: list[str] = []
    if org is None:
        sessions = {account: session}
        units: Sequence[Unit] = units_of([account], regions, chosen)
        failures: list[ListFailure] = []
        limits = Limits(max(1, req.max_workers), max(1, req.max_workers), max(1, req.max_workers))
        plan = None
    else:
        plan = plan_accounts(session, org, regions, chosen, endpoint_url=req.endpoint_url, settings=client_settings)
        mine = sorted({u.account for u in plan.mine})
        sessions, denied = open_accounts(session, mine, org, endpoint_url=req.endpoint_url, settings=client_settings,
                                         region=regions[0], caller_arn=None, listen=stats.listen)
        failures = denied_failures(plan.mine, denied, by_name)
        units = [u for u in plan.mine if u.account in sessions]
        per = max(1, min(org.per_account, req.max_workers))
        limits = Limits(max(1, req.max_workers), per, per)
        notes += list(plan.warnings)
        if denied:
            notes.append(f"could not assume the role in {len(denied)} account(s): "
                         + ", ".join(sorted(denied)) + " (their controls are error results)")
    collected = collect_units(sessions, regions, units, by_name, endpoint_url=req.endpoint_url, limits=limits,
                              settings=client_settings, health=health,
                              on_done=progress(len(units)) if progress else None,
                              timings=stats.collector_seconds, needs=needs)
    failures += collected.failures
    stats.seconds = time.perf_counter() - started
    unreachable = unreachable_regions(collected.tasks, failures)
    unread = unread_scopes(failures, collected.tasks, account, unreachable)
    notes = [_stats_notes(stats), f"read from {endpoint} with credentials from {credentials_source(session, req)}",
             *notes, *read_problems(collected.resources, failures, unreachable, accounts=len(sessions))]
    kinds = frozenset(k for c in chosen for t in c.types for k in FEEDS.get(t, ()))
    if plan is None:
        return LiveRead(collected.resources, unread, notes, account, regions, endpoint, kinds,
                        dict(sorted(stats.by_operation.items())))
    return LiveRead(collected.resources, unread, notes, account, regions, endpoint, kinds,
                    dict(sorted(stats.by_operation.items())),
                    accounts=tuple(sorted((a.id, a.name) for a in plan.accounts)),
                    organization=plan.organization, units=plan.units, shard=org.shard if org else None)


def secrets_read(req: ScanRequest, resources: Iterable[RawResource]) -> frozenset[str]:
    """The sandbox's secrets that the live read holds (none when the target is not a sandbox that recorded them)."""
    if req.secret_digests is None:
        return frozenset()
    return req.secret_digests.find(t for r in resources for t in strings_in(dict(r.props)))


def scan_options(req: ScanRequest) -> Options:
    return Options(anchor=req.program_dir or Path.cwd(), waivers=req.waivers, settings=req.settings,
                   sg_register=req.sg_register, fail_on=req.fail_on, selection=req.selection,
                   sarif_category=req.sarif_category)


def run_scan(req: ScanRequest, *, progress: Callable[[int], Callable[[str], None]] | None = None) -> Report:
    """Scan, normalize and evaluate; `progress(total)` returns a callback called once per finished task."""
    started = time.perf_counter()
    options = scan_options(req)
    now = req.now or dt.datetime.now(dt.UTC)
    prepared = prepare(options, now)
    baseline = load_baseline(req.baseline) if req.baseline is not None else None  # before the (slow) live read
    states = []
    if req.states:  # a bad state file fails before the live read too
        from checks.sources.backends import load_states

        states = load_states(list(req.states), None, [], program=req.program_dir)
    live = read_live(req, progress=progress, needs=scan_needs(prepared.catalog.controls.values(), now,
                                                               prepared.catalog.templates))
    return judge_live(req, live, prepared, options, now, started=started, states=states, baseline=baseline)


def judge_live(req: ScanRequest, live: LiveRead, prepared: Prepared, options: Options, now: dt.datetime, *,
               started: float, states: Sequence[StateSet] = (), baseline: Baseline | None = None,
               target: str | None = None, assets: list[Asset] | None = None) -> Report:
    """Normalize and evaluate a live read (of one process, or merged from a run group's shards); `assets`, when
    given, receives the live assets (the drift report's evidence)."""
    def secrets_of(raw: Iterable[RawResource]) -> frozenset[str]:
        return live.secrets if live.secrets is not None else secrets_read(req, raw)

    normalized, result, _ = assess_linked(prepared, live.resources, now, state=[r for s in states for r in s.resources],
                                          unread=live.unread, scopes=live.scopes, secrets_of=secrets_of)
    if assets is not None:
        assets.extend(normalized.assets)
    notes = [*live.notes, *(w for s in states for w in s.warnings)]
    report = build_report(prepared, options, normalized, result, view=SourceKind.LIVE, target=target or live.target,
                          now=now, warnings=notes, key=live.key, started=started, api_calls=live.api_calls)
    return with_baseline(report, baseline)
