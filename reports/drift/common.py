"""What every drift renderer shares: orderings, the verdict, the per-account rollup, and printing values without
leaking secrets.

A value is printed through `shown()`: a `checks.model.Secret` anywhere inside it becomes "****", maps and lists are
written as compact JSON, and the result is cut to `limit` characters. Renderers never print a value any other way.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from checks.drift.model import (
    SECRET_NOT_COMPARED,
    AssetDrift,
    AttributeChange,
    DriftClass,
    DriftReport,
    FindingHistory,
    Transition,
    TrendPoint,
)
from checks.model import UNKNOWN, Secret, SecretTexts, Severity, Status
from reports.base import SEVERITY_ORDER, plural

REDACTED = SecretTexts.REDACTED
NOT_COMPARED = "configuration drift not compared: no state given (--state)"
MAX_VALUE = 300                     # characters of one printed value
# Order of the compliance-drift classes: what needs action first.
TRANSITION_ORDER: tuple[Transition, ...] = (Transition.NEW, Transition.REGRESSED, Transition.RECURRING,
                                            Transition.RESOLVED)
DRIFT_ORDER: tuple[DriftClass, ...] = (DriftClass.CHANGED, DriftClass.MISSING, DriftClass.UNMANAGED)
SEVERITY_COLOURS: Mapping[Severity, str] = {
    Severity.CRITICAL: "#991b1b",
    Severity.HIGH: "#ea580c",
    Severity.MEDIUM: "#d4a017",
    Severity.LOW: "#3b82f6",
}


def plain(value: Any) -> Any:
    """`value` as JSON-ready data: secrets "****", UNKNOWN "(unknown)", tuples lists, other objects their str."""
    if isinstance(value, Secret):
        return REDACTED
    if value is UNKNOWN:
        return "(unknown)"
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [plain(v) for v in value]
        return items if isinstance(value, list | tuple) else sorted(items, key=str)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def shown(value: Any, limit: int = MAX_VALUE) -> str:
    """One value as one line of text (strings as they are, the rest compact JSON), cut to `limit` characters."""
    data = plain(value)
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, sort_keys=True,
                                                         separators=(",", ":"))
    text = " ".join(text.split()) if ("\n" in text or "\r" in text) else text
    return text if len(text) <= limit else text[: limit - 3] + "..."


def change_values(change: AttributeChange) -> tuple[str, str]:
    """The state and the live value as printed: both SECRET_NOT_COMPARED for a secret attribute."""
    if change.secret:
        return SECRET_NOT_COMPARED, SECRET_NOT_COMPARED
    return shown(change.state), shown(change.live)


def asset_order(item: AssetDrift) -> tuple[str, str, str]:
    return (item.kind, item.id, item.name)


def drifted(drift: DriftReport, cls: DriftClass) -> list[AssetDrift]:
    return sorted(drift.configuration.of(cls), key=asset_order)


def history_order(item: FindingHistory) -> tuple[int, str, str, str, str]:
    """Most severe first, then control, asset and fingerprint."""
    return (-item.severity.rank, item.control_id, item.asset_kind, item.asset_id, item.fingerprint)


def transitions(drift: DriftReport, transition: Transition) -> list[FindingHistory]:
    return sorted(drift.compliance.of(transition), key=history_order)


def in_sync_count(drift: DriftReport) -> int:
    return len(drift.configuration.of(DriftClass.IN_SYNC))


def drift_found(drift: DriftReport) -> bool:
    return drift.drift_found(drift.report.fail_on)


def verdict(drift: DriftReport) -> str:
    """`DRIFT FOUND: 2 changed, 1 missing; 3 new failing findings; 1 unreviewed security-group rule` or
    `NO DRIFT: 40 assets in sync; no new or regressed failing findings`. Without a state to compare with
    (`configuration_compared` False) the configuration part is NOT_COMPARED, never "N assets in sync"."""
    parts: list[str] = []
    config = [f"{len(drift.configuration.of(c))} {c.value}" for c in DRIFT_ORDER if drift.configuration.of(c)]
    if config and drift.configuration_compared:
        parts.append(", ".join(config))
    floor = drift.report.fail_on
    worse = [i for i in drift.compliance.items if i.transition in (Transition.NEW, Transition.REGRESSED)
             and (floor is None or i.severity.rank >= floor.rank)]
    if worse:
        new = sum(1 for i in worse if i.transition is Transition.NEW)
        regressed = len(worse) - new
        words = [w for w in (f"{new} new" if new else "", f"{regressed} regressed" if regressed else "") if w]
        at = f" at or above {floor.value}" if floor else ""
        parts.append(f"{' and '.join(words)} failing finding{'s' if len(worse) != 1 else ''}{at}")
    if drift.unreviewed:
        parts.append(plural(len(drift.unreviewed), "unreviewed security-group rule"))
    if parts:
        return "DRIFT FOUND: " + "; ".join([*parts, *([] if drift.configuration_compared else [NOT_COMPARED])])
    if not drift.configuration_compared:
        return f"NO DRIFT: no new or regressed failing findings; {NOT_COMPARED}"
    return (f"NO DRIFT: {plural(in_sync_count(drift), 'asset')} in sync; "
            "no new or regressed failing findings")


def severity_totals(drift: DriftReport) -> dict[Severity, int]:
    """Failing findings of this run by severity."""
    out = dict.fromkeys(SEVERITY_ORDER, 0)
    for f in drift.report.findings:
        if f.status is Status.FAIL:
            out[f.severity] += 1
    return out


@dataclass(frozen=True)
class AccountRow:
    """One account of the run: its findings by status, its failing findings by severity, its stored runs."""

    account: str
    failing: Mapping[Severity, int]
    statuses: Mapping[Status, int]
    trend: tuple[TrendPoint, ...] = field(default_factory=tuple)   # oldest first

    @property
    def errors(self) -> int:
        return self.statuses.get(Status.ERROR, 0)

    @property
    def passes(self) -> int:
        return self.statuses.get(Status.PASS, 0)

    @property
    def failing_total(self) -> int:
        return sum(self.failing.values())


def account_order(row: AccountRow) -> tuple[int | str, ...]:
    """Worst first: most critical failures, then high, medium, low, then errors; then by account id."""
    return (*(-row.failing.get(s, 0) for s in SEVERITY_ORDER), -row.errors, row.account)


def account_rows(drift: DriftReport) -> list[AccountRow]:
    """Every account that findings of this run belong to, worst first (findings without an account are left out).

    Reads `Finding.account` where the model has it (`getattr`: older findings have none), so the rollup works with
    findings of any version; each row's trend is `drift.account_trend[account]` sorted oldest first."""
    statuses: dict[str, Counter[Status]] = {}
    failing: dict[str, Counter[Severity]] = {}
    for f in drift.report.findings:
        account = finding_account(f)
        if account is None:
            continue
        statuses.setdefault(account, Counter())[f.status] += 1
        if f.status is Status.FAIL:
            failing.setdefault(account, Counter())[f.severity] += 1
    rows = [AccountRow(account, {s: failing.get(account, Counter())[s] for s in SEVERITY_ORDER},
                       dict(counts), trend_of(drift, account))
            for account, counts in statuses.items()]
    return sorted(rows, key=account_order)


def trend_of(drift: DriftReport, account: str) -> tuple[TrendPoint, ...]:
    return tuple(sorted(drift.account_trend.get(account, ()), key=lambda p: (p.at, p.run_id)))


def finding_account(finding: Any) -> str | None:
    """The account of a finding, or None (findings before the model had accounts, or not scoped to one)."""
    account = getattr(finding, "account", None)
    return account if isinstance(account, str) and account else None
