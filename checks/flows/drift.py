"""`clearance drift`: the security officer's report. The state (stack exports, or Pulumi's backends read directly)
against a live read of the account (configuration drift), and this evaluation against the stored runs of the same
account (compliance drift), recorded in the history store.

Everything that can be wrong with the input is checked before the (slow) live read: the state, the ignore file and
the store are opened first.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from checks import tool_version
from checks.drift.config import compare
from checks.drift.ignore import IgnoreRules
from checks.drift.model import DriftReport, TrendPoint
from checks.drift.rules import unreviewed_rules
from checks.errors import InputError
from checks.flows.assess import build_report, prepare
from checks.flows.history import DEFAULT_STORE
from checks.flows.linked import assess_linked
from checks.flows.scan import ScanRequest, read_live, scan_options, secrets_read
from checks.model import SourceKind
from checks.sources.backends import load_states
from checks.store import RunRecord, catalog_version, open_store, safe_url, store_url


@dataclass(frozen=True)
class DriftRequest:
    scan: ScanRequest                       # the live side: account, regions, endpoint, deadline, waivers, settings
    states: tuple[Path, ...] = ()           # --state FILE (repeatable)
    backend: str | None = None              # --backend file://DIR | s3://BUCKET[/prefix] | https://api.pulumi.com
    stacks: tuple[str, ...] = ()            # --stack project/stack (repeatable); empty: every stack found
    ignore: Path | None = None              # --ignore FILE: the user's rules for what is never unmanaged drift
    store: str | None = None                # --store URL or path; default clearance-out/history.db
    program: str | None = None              # --program DIR: named in the review command of unreviewed rules, and
    #                                         the program folder of its project's stacks (their source locations)
    default_store: Path = field(default=DEFAULT_STORE)


def run_drift(req: DriftRequest, *, progress: Callable[[int], Callable[[str], None]] | None = None,
              before_live: Callable[[], None] | None = None) -> DriftReport:
    """`before_live` is called once the input is known good, just before the live read (the CLI says where it
    reads from then, not before a usage error)."""
    if not req.states and not req.backend:
        raise InputError("drift compares the live account with what Pulumi deployed: give the state",
                         where="--state / --backend",
                         hint="--state FILE (a `pulumi stack export`, repeatable) or --backend file://DIR | s3://BUCKET")
    started = time.perf_counter()
    options = scan_options(req.scan)
    now = req.scan.now or dt.datetime.now(dt.UTC)
    prepared = prepare(options, now)
    ignore = IgnoreRules.load(req.ignore)
    states = load_states(list(req.states), req.backend, list(req.stacks),
                         program=Path(req.program) if req.program else None)
    url = store_url(req.store, req.default_store)
    with open_store(url) as store:   # a corrupt, foreign or newer store stops the run before the live read
        if before_live is not None:
            before_live()
        live = read_live(req.scan, progress=progress)
        state_raw = [r for s in states for r in s.resources]
        normalized, result, state_assets = assess_linked(
            prepared, live.resources, now, state=state_raw, unread=live.unread, scopes=live.scopes,
            secrets_of=lambda raw: secrets_read(req.scan, raw))
        notes = [*live.notes, *(w for s in states for w in s.warnings)]
        report = build_report(prepared, options, normalized, result, view=SourceKind.LIVE, target=live.target,
                              now=now, warnings=notes, key=live.key, started=started, api_calls=live.api_calls)
        stacks_of = {r.urn: s.name for s in states for r in s.resources}
        configuration = compare(state_assets, normalized.assets, ignore=ignore, stacks=stacks_of,
                                unread_kinds={s.kind for s in live.unread})
        counts = Counter(i.drift.value for i in configuration.items)
        recorded = store.record(RunRecord(
            target=live.key, view=SourceKind.LIVE, started_at=now, tool_version=tool_version(),
            catalog_version=catalog_version(report.controls), findings=report.findings, configuration=dict(counts)))
        trend = store.trend(live.key)
        account_trend = _account_trend(store, live.key)
    return DriftReport(
        report=report, configuration=configuration, compliance=recorded.compliance, trend=trend,
        unreviewed=unreviewed_rules(normalized.assets, req.program), stacks=tuple(s.name for s in states),
        assets=tuple(normalized.assets), run_id=recorded.run_id, store=safe_url(url), account_trend=account_trend)


def _account_trend(store: object, target: str) -> dict[str, tuple[TrendPoint, ...]]:
    """The stored runs of `target` per account (`Store.account_trend`), or none when the store cannot tell."""
    read = getattr(store, "account_trend", None)
    return dict(read(target)) if callable(read) else {}
