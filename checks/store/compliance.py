"""Compliance drift of a run against the stored history of its target: a pure function of what the store read.

Failing means status `fail` (a waived finding is not failing). Per fingerprint: NEW when failing now and never
before, RECURRING when failing now and in the previous run, REGRESSED when failing now, not in the previous run
but in an earlier one, RESOLVED when failing in the previous run and not now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from checks.drift.model import ComplianceDrift, FindingHistory, Transition
from checks.model import Finding, Severity, Status

_ORDER = {Transition.NEW: 0, Transition.REGRESSED: 1, Transition.RECURRING: 2, Transition.RESOLVED: 3}


@dataclass(frozen=True)
class StoredFailure:
    """A failing finding of the previous run, as stored."""

    fingerprint: str
    control_id: str
    severity: Severity
    asset_kind: str
    asset_id: str
    asset_name: str


@dataclass(frozen=True)
class Seen:
    """When a fingerprint failed in the stored runs of the target (before this run)."""

    first: dt.datetime
    last: dt.datetime


def failing_now(findings: Sequence[Finding]) -> dict[str, Finding]:
    """This run's failing findings by fingerprint (the first of any duplicates)."""
    out: dict[str, Finding] = {}
    for f in findings:
        if f.status is Status.FAIL:
            out.setdefault(f.fingerprint, f)
    return out


def compliance_drift(findings: Sequence[Finding], now: dt.datetime, previous_run: str | None,
                     previous_at: dt.datetime | None, previous_failing: Mapping[str, StoredFailure],
                     seen: Mapping[str, Seen]) -> ComplianceDrift:
    failing = failing_now(findings)
    status_now: dict[str, Status] = {}
    for f in findings:
        if f.fingerprint not in status_now or f.status is Status.FAIL:
            status_now[f.fingerprint] = f.status
    items: list[FindingHistory] = []
    for fp, f in failing.items():
        earlier = seen.get(fp)
        if fp in previous_failing:
            transition = Transition.RECURRING
        elif earlier is not None:
            transition = Transition.REGRESSED
        else:
            transition = Transition.NEW
        items.append(FindingHistory(
            fingerprint=fp, control_id=f.control_id, severity=f.severity, asset_kind=f.asset_kind,
            asset_id=f.asset_id, asset_name=f.asset_name, status=f.status, transition=transition,
            first_seen=earlier.first if earlier else now, last_seen=now))
    for fp, old in previous_failing.items():
        if fp in failing:
            continue
        earlier = seen.get(fp)
        first = earlier.first if earlier else (previous_at or now)
        last = earlier.last if earlier else (previous_at or now)
        items.append(FindingHistory(
            fingerprint=fp, control_id=old.control_id, severity=old.severity, asset_kind=old.asset_kind,
            asset_id=old.asset_id, asset_name=old.asset_name,
            status=status_now.get(fp, Status.NOT_APPLICABLE), transition=Transition.RESOLVED,
            first_seen=first, last_seen=last))
    items.sort(key=lambda i: (_ORDER[i.transition], -i.severity.rank, i.control_id, i.asset_kind, i.asset_id))
    return ComplianceDrift(previous_run=previous_run, previous_at=previous_at, items=tuple(items))
