"""What a live scan could not read, as `UnreadScope`s for the evaluation and as note lines for the report.

A failed account- or region-wide list (a `ListFailure`) hides every resource of the raw types it feeds: each
asset kind those types feed (`live_types.FEEDS`) becomes an unread scope, so every control of that kind is
`error` for the account and region, never a silent pass. A region where every collector failed to connect is
reported once, as unreachable, with every kind its collectors read unread.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from checks.collectors.base import Collector, ListFailure
from checks.collectors.endpoints import is_connection_failure
from checks.live_types import FEEDS, is_skipped
from checks.raw import RawResource
from checks.unread import UnreadScope, fix_for

_DENIED = re.compile(r"^AccessDenied (\S+)")


@dataclass(frozen=True)
class Task:
    """One collector run: in `region`, or account-wide (`region` None) for a global collector; in `account` (""
    in a scan of one account, where the caller knows it)."""

    collector: Collector
    region: str | None
    account: str = ""


def crash_failure(task: Task, account: str, err: Exception) -> ListFailure:
    """A collector that raised on a malformed answer: every type it emits is unread in its scope."""
    where = task.region or "the account"
    detail = f"{type(err).__name__}: {err}"
    reason = (f"InvalidResponse {task.collector.name} collector in {where} "
              f"(malformed answer: {detail})")
    return ListFailure(account, task.region, task.collector.operations[0], reason, task.collector.types)


def deadline_failures(task: Task, account: str, reason: str, pending: str | None = None,
                      met: Sequence[ListFailure] = ()) -> list[ListFailure]:
    """A collector still running when the scan's deadline passed: what it emits is unread. The list failures it had
    already `met` keep their own reasons (a throttled list stays throttled); its other types are unread for the
    deadline, naming `pending`, the call it was waiting for (else its first operation)."""
    explained = {t for failure in met for t in failure.types}
    rest = tuple(t for t in task.collector.types if t not in explained)
    late = [ListFailure(account, task.region, pending or task.collector.operations[0], reason, rest)] if rest else []
    return [*met, *late]


def unreachable_regions(tasks: Sequence[Task], failures: Sequence[ListFailure]) -> dict[tuple[str, str], str]:
    """(account, region) -> the first connection failure, for each account and region where every collector failed
    to connect. A task's empty account stands for the failures' account (a scan of one account)."""
    by_region: dict[tuple[str, str], list[ListFailure]] = {}
    for failure in failures:
        if failure.region is not None:
            by_region.setdefault((failure.account, failure.region), []).append(failure)
    out: dict[tuple[str, str], str] = {}
    for (account, region), found in by_region.items():
        if not all(is_connection_failure(f.reason) for f in found):
            continue
        ran = [t for t in tasks if t.region == region and not t.collector.global_scope
               and t.account in ("", account)]
        if ran and all(any(set(f.types) & set(t.collector.types) for f in found) for t in ran):
            out[(account, region)] = found[0].reason
    return out


def unread_scopes(failures: Iterable[ListFailure], tasks: Sequence[Task], account: str,
                  unreachable: dict[tuple[str, str], str]) -> list[UnreadScope]:
    """One UnreadScope per asset kind fed by each failed list; every kind of an unreachable account and region.
    `account`: the account of tasks that name none (a scan of one account)."""
    scopes: list[UnreadScope] = []
    for failure in failures:
        scopes += [UnreadScope(failure.account, failure.region, kind, failure.operation, failure.action,
                               failure.reason) for raw_type in failure.types for kind in FEEDS.get(raw_type, ())]
    for (where, region), reason in unreachable.items():
        for task in tasks:
            if task.region != region or task.collector.global_scope or (task.account or account) != where:
                continue
            failure = ListFailure(where, region, task.collector.operations[0], reason, task.collector.types)
            scopes += [UnreadScope(where, region, kind, failure.operation, failure.action, reason)
                       for raw_type in failure.types for kind in FEEDS.get(raw_type, ())]
    return scopes


def read_problems(resources: Iterable[RawResource], failures: Iterable[ListFailure],
                  unreachable: dict[tuple[str, str], str] | None = None, *, accounts: int = 1) -> list[str]:
    """What could not be read, grouped by reason, with the permission to grant (or what else to do)."""
    unreachable = unreachable or {}
    reasons: Counter[str] = Counter()
    for raw in resources:
        for reason in raw.errors.values():
            if not is_skipped(reason):  # left out on purpose: no selected control reads it
                reasons[reason] += 1
    lines = []
    for reason, count in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])):
        denied = _DENIED.match(reason)
        fix = f": grant {denied.group(1)} to the scanning identity" if denied else ""
        lines.append(f"could not read ({count} resource(s)): {reason}{fix}")
    for (account, region), reason in sorted(unreachable.items()):
        where = f"region {region} of account {account}" if accounts > 1 else f"region {region}"
        lines.append(f"could not reach {where} ({reason}): every kind it holds is unread (error); "
                     "check the endpoint and the network, then scan again")
    listed = {f"could not list: {f.describe()}: {fix_for(f.reason, f.action)}" for f in failures
              if (f.account, f.region) not in unreachable}
    return lines + sorted(listed)
