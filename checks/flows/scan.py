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
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from checks.baseline import load_baseline
from checks.collectors import load_collectors
from checks.collectors.base import ClientSettings, Collector, CollectResult, ListFailure, Scope, caller_account
from checks.collectors.endpoints import IN_FLIGHT, Health, InFlight
from checks.collectors.shared import Shared
from checks.digests import strings_in
from checks.errors import InputError
from checks.flows.assess import Options, build_report, prepare, with_baseline
from checks.flows.linked import assess_linked
from checks.flows.scan_gaps import (
    Task,
    crash_failure,
    deadline_failures,
    read_problems,
    unreachable_regions,
    unread_scopes,
)
from checks.flows.scan_needs import scan_needs
from checks.flows.scan_request import (  # noqa: F401 - DEFAULT_TIMEOUT, ScanRequest: the flow's API
    DEFAULT_TIMEOUT,
    ScanRequest,
    build_session,
    credentials_source,
    resolve_regions,
)
from checks.live_types import EVERYTHING, FEEDS, Needs
from checks.model import SourceKind
from checks.normalize import Scopes
from checks.raw import RawResource
from checks.report import Report
from checks.unread import UnreadScope

DEADLINE_GRACE = 1.0     # past the deadline, for the calls in flight to end (they are refused from then on)


@dataclass
class ScanStats:
    """What the live read cost: every attempt of every API call (retries included), by "service:Operation" (the
    client's service name, as in Collector.operations), and each collector run's time."""

    seconds: float = 0.0
    by_operation: Counter[str] = field(default_factory=Counter)
    collector_seconds: dict[str, float] = field(default_factory=dict)
    _services: dict[str, str] = field(default_factory=dict, repr=False)  # hyphenized service id -> service name
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def api_calls(self) -> int:
        with self._lock:
            return sum(self.by_operation.values())

    @property
    def by_service(self) -> Counter[str]:
        with self._lock:
            out: Counter[str] = Counter()
            for operation, count in self.by_operation.items():
                out[operation.split(":", 1)[0]] += count
            return out

    def listen(self, session: boto3.Session) -> None:
        """Count the calls of every client `session` builds from now on."""
        session.events.register("before-call", self._named)
        session.events.register("before-send", self._sent)

    def _named(self, model: Any = None, **_: Any) -> None:
        """before-call (once per call, before its attempts): which service name the event's service id stands for."""
        if model is not None:
            service = model.service_model
            self._services.setdefault(service.service_id.hyphenize(), service.service_name)

    def _sent(self, event_name: str = "", **_: Any) -> None:
        """before-send: once per attempt (`before-send.<service id>.<Operation>`)."""
        parts = event_name.split(".")
        if len(parts) < 3:
            return
        with self._lock:
            self.by_operation[f"{self._services.get(parts[1], parts[1])}:{parts[2]}"] += 1


def _timed(c: Collector, scope: Scope, calls: InFlight) -> tuple[CollectResult, float]:
    IN_FLIGHT.set(calls)  # this pool thread now works for this run: its calls are tracked in `calls`
    started = time.perf_counter()
    return c.collect(scope), time.perf_counter() - started


@dataclass(frozen=True)
class Collected:
    resources: list[RawResource]
    failures: list[ListFailure]     # the lists that could not be read (denied, failed, malformed, too late)
    tasks: list[Task]               # what ran: a global collector once (region None), the others per region


def collect(session: boto3.Session, account: str, regions: list[str], collectors: Iterable[Collector], *,
            endpoint_url: str | None, max_workers: int, settings: ClientSettings, health: Health | None = None,
            on_done: Callable[[str], None] | None = None, timings: dict[str, float] | None = None,
            needs: Needs = EVERYTHING) -> Collected:
    """Run every collector in every region (global collectors once) on a bounded pool, until `health`'s deadline
    (and DEADLINE_GRACE for the calls in flight): a collector still running then, or one that raised on a
    malformed answer, is a ListFailure for every type it emits; the scan goes on. `needs`: what the selected controls
    read (per-resource reads nothing needs are left out; the default needs everything)."""
    health = health or Health()
    shared = Shared()  # answers the collectors share (KMS keys), for this scan only
    scopes = {r: Scope(session=session, region=r, account=account, endpoint_url=endpoint_url, settings=settings,
                       health=health, needs=needs, shared=shared) for r in regions}
    runs: list[tuple[Task, Scope]] = []
    for c in collectors:
        runs += [(Task(c, None), scopes[regions[0]])] if c.global_scope else [(Task(c, r), scopes[r]) for r in regions]
    resources: list[RawResource] = []
    failures: list[ListFailure] = []
    pool = ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="clearance-scan")
    in_flight = {task: InFlight() for task, _ in runs}
    futures = {pool.submit(_timed, task.collector, scope, in_flight[task]): task for task, scope in runs}
    pending = set(futures)
    left = health.remaining()
    try:
        for future in as_completed(futures, timeout=None if left is None else max(0.0, left) + DEADLINE_GRACE):
            pending.discard(future)
            task = futures[future]
            label = f"{task.collector.name} {task.region or 'global'}"
            try:
                result, seconds = future.result()
            except (KeyError, TypeError, ValueError, AttributeError) as err:  # a malformed answer the collector
                failures.append(crash_failure(task, account, err))             # did not expect
            else:
                if timings is not None:
                    timings[label] = seconds
                resources.extend(result.resources)
                failures.extend(result.errors)
            if on_done is not None:
                on_done(label)
    except FuturesTimeout:
        for f in pending:
            run = in_flight[futures[f]]
            failures += deadline_failures(futures[f], account, health.deadline_reason, run.pending(), run.failures())
    finally:
        # collectors still in a call finish on their own (every later call fails at once past the deadline)
        pool.shutdown(wait=not pending, cancel_futures=True)
    return Collected(resources, failures, [task for task, _ in runs])


@dataclass(frozen=True)
class LiveRead:
    """What a live read produced before evaluation: raw resources, the scopes that could not be read, and notes."""

    resources: list[RawResource]
    unread: list[UnreadScope]
    notes: list[str]
    account: str
    regions: list[str]
    endpoint: str
    kinds: frozenset[str] = frozenset()  # the asset kinds the chosen collectors read
    api_calls: Mapping[str, int] = field(default_factory=dict)  # "service:Operation" -> attempts (retries included)

    @property
    def scopes(self) -> Scopes:
        """The account and regions read, and what could not be read there: for the region-level assets."""
        unread = {(u.account, u.region, u.kind): u.reason for u in self.unread}
        return Scopes(regions=[(self.account, r) for r in self.regions], unread=unread, read_kinds=self.kinds)

    @property
    def target(self) -> str:
        """`account 123456789012 (eu-west-1) at <endpoint>`: what the report says was scanned."""
        return f"{self.key} at {self.endpoint}"

    @property
    def key(self) -> str:
        """`account 123456789012 (eu-west-1)`: the history store's key for this target (no endpoint: a sandbox's
        port changes between runs, its account does not)."""
        return f"account {self.account} ({', '.join(self.regions)})"


def read_live(req: ScanRequest, *, progress: Callable[[int], Callable[[str], None]] | None = None,
              needs: Needs = EVERYTHING) -> LiveRead:
    """Read the account: every chosen collector in every region, within the request's deadline. `needs`: what the
    selected controls read; the default (everything) is what drift needs, which compares every attribute."""
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
    chosen = [registry[s] for s in (req.services or tuple(sorted(registry)))]
    total = sum(1 if c.global_scope else len(regions) for c in chosen)
    collected = collect(session, account, regions, chosen, endpoint_url=req.endpoint_url,
                        max_workers=req.max_workers, settings=client_settings, health=health,
                        on_done=progress(total) if progress else None, timings=stats.collector_seconds,
                        needs=needs)
    stats.seconds = time.perf_counter() - started
    unreachable = unreachable_regions(collected.tasks, collected.failures)
    unread = unread_scopes(collected.failures, collected.tasks, account, unreachable)
    slowest = sorted(stats.collector_seconds.items(), key=lambda kv: -kv[1])[:3]
    notes = [f"{stats.api_calls} API calls in {stats.seconds:.1f} s (slowest: "
             + ", ".join(f"{name} {secs:.1f} s" for name, secs in slowest) + ")",
             f"read from {endpoint} with credentials from {credentials_source(session, req)}"]
    notes += read_problems(collected.resources, collected.failures, unreachable)
    kinds = frozenset(k for c in chosen for t in c.types for k in FEEDS.get(t, ()))
    return LiveRead(collected.resources, unread, notes, account, regions, endpoint, kinds,
                    dict(sorted(stats.by_operation.items())))


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
    live = read_live(req, progress=progress, needs=scan_needs(prepared.catalog.controls.values(), now))
    normalized, result, _ = assess_linked(prepared, live.resources, now, state=[r for s in states for r in s.resources],
                                          unread=live.unread, scopes=live.scopes,
                                          secrets_of=lambda raw: secrets_read(req, raw))
    notes = [*live.notes, *(w for s in states for w in s.warnings)]
    report = build_report(prepared, options, normalized, result, view=SourceKind.LIVE, target=live.target, now=now,
                          warnings=notes, key=live.key, started=started, api_calls=live.api_calls)
    return with_baseline(report, baseline)
