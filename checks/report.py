"""The report handed to every renderer: findings plus the context needed to explain them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from itertools import groupby
from operator import attrgetter

from checks.catalog.controls import Control
from checks.catalog.frameworks import Framework
from checks.coverage import FrameworkCoverage, coverage
from checks.errors import ExitCode
from checks.model import Finding, Severity, SourceKind, Status

REPORT_SCHEMA_VERSION = "1.5"

# Order of statuses in tables and listings: what needs action first (reports.base.STATUS_ORDER).
ACTION_ORDER: tuple[Status, ...] = (Status.FAIL, Status.ERROR, Status.UNKNOWN, Status.WAIVED, Status.PASS,
                                    Status.NOT_APPLICABLE)
_ACTION_RANK = {status: i for i, status in enumerate(ACTION_ORDER)}
_ASSET_ORDER = attrgetter("asset_kind", "asset_id", "fingerprint")
_CONTROL_ID = attrgetter("control_id")
_SEVERITY_STATUS = attrgetter("severity", "status")
_IN_BASELINE = attrgetter("in_baseline")
_SEVERITY_FIRST = {severity: -severity.rank for severity in Severity}   # a dict: `.rank` is a slower property
_SEVERITIES = tuple(sorted(Severity, key=lambda s: -s.rank))             # most severe first


@dataclass(frozen=True, slots=True)
class AccountRollup:
    """One AWS account's results: counts by status, `fail` results by severity (recorded in a baseline or not, as
    the report's own counts), and `failing`, the fails that decide the exit code (`Report.failing_count`'s rule:
    at or above the threshold, not in the baseline)."""

    account: str
    by_status: Mapping[Status, int]
    fail_by_severity: Mapping[Severity, int]
    failing: int

    @property
    def findings(self) -> int:
        return sum(self.by_status.values())

    def worst_first(self) -> tuple[int, ...]:
        """The order of `Report.accounts`: most critical fails, then high, medium and low ones, then errors."""
        fails = self.fail_by_severity
        return (-fails[Severity.CRITICAL], -fails[Severity.HIGH], -fails[Severity.MEDIUM], -fails[Severity.LOW],
                -self.by_status[Status.ERROR])


_ACCOUNT_TALLY = attrgetter("account", "status", "severity", "in_baseline")


def account_rollups(findings: Iterable[Finding], fail_on: Severity | None = None) -> tuple[AccountRollup, ...]:
    """Per account (findings of no known account left out), worst first (`AccountRollup.worst_first`), then by id.

    One C-level count of (account, status, severity, in baseline) over the findings, then a pass over the few
    distinct tuples."""
    floor = -fail_on.rank if fail_on else 0
    by_status: dict[str, dict[Status, int]] = {}
    fails: dict[str, dict[Severity, int]] = {}
    failing: dict[str, int] = {}
    for (account, status, severity, in_baseline), n in Counter(map(_ACCOUNT_TALLY, findings)).items():
        if account is None:
            continue
        counts = by_status.get(account)
        if counts is None:
            counts = by_status[account] = dict.fromkeys(ACTION_ORDER, 0)
            fails[account] = dict.fromkeys(_SEVERITIES, 0)
            failing[account] = 0
        counts[status] += n
        if status is Status.FAIL:
            fails[account][severity] += n
            if not in_baseline and _SEVERITY_FIRST[severity] <= floor:
                failing[account] += n
    rollups = [AccountRollup(a, by_status[a], fails[a], failing[a]) for a in by_status]
    return tuple(sorted(rollups, key=lambda r: (r.worst_first(), r.account)))


def finding_sort_key(finding: Finding) -> tuple[int, str, int, str, str, str]:
    """Most severe first, then by control, status (fail first), asset and fingerprint."""
    return (_SEVERITY_FIRST[finding.severity], finding.control_id, _ACTION_RANK[finding.status], finding.asset_kind,
            finding.asset_id, finding.fingerprint)


@dataclass(frozen=True)
class Report:
    """Everything a renderer reads. What several renderers derive from the findings (counts, the failing ones, the
    sorted list, coverage) is computed once per report and kept on it (`functools.cached_property` writes to the
    instance's `__dict__`, which a frozen dataclass without slots allows): a run that writes five formats does
    not count, sort or compute coverage five times. The fields are never changed after construction
    (`dataclasses.replace` makes a new report, with nothing cached)."""

    findings: tuple[Finding, ...]
    controls: Mapping[str, Control]
    view: SourceKind
    target: str                      # what was checked, e.g. "program infra/ (stack dev)"
    asset_count: int
    generated_at: datetime
    tool_version: str
    fail_on: Severity | None = None
    artifact: str | None = None      # file to point at for findings without a source location
    unsupported: Mapping[str, int] = field(default_factory=dict)   # resource type -> count not checked
    waiver_problems: tuple[str, ...] = ()                          # expired, unused or broad waivers
    warnings: tuple[str, ...] = ()
    frameworks: Mapping[str, Framework] = field(default_factory=dict)   # for compliance coverage; empty: none
    key: str | None = None           # what the history store compares runs by (the target without what changes
                                     # between runs of the same thing, like a sandbox's port); None: the target
    baseline: str | None = None      # `--baseline FILE`: the baseline file as shown; None: no baseline
    baseline_gone: tuple[str, ...] = ()  # baseline entries no finding matches any more (fixed or gone)
    sarif_category: str | None = None    # `--sarif-category`: SARIF automationDetails.id; None: from the target
    duration_seconds: float | None = None    # the run, from its start to this report (None: not measured)
    control_seconds: Mapping[str, float] = field(default_factory=dict)  # control id -> its evaluation time
    not_run: Mapping[str, Control] = field(default_factory=dict)  # controls deselected (--check, --skip-check,
                                     # --severity, --framework): not evaluated, in no report but the coverage's
    api_calls: Mapping[str, int] = field(default_factory=dict)  # live views: "service:Operation" -> calls made
                                     # (every attempt, retries included); empty: no AWS call (planned, state)

    @property
    def history_key(self) -> str:
        return self.key or self.target

    def status_counts(self) -> Counter[Status]:
        return Counter(self._status_counts)

    @cached_property
    def _status_counts(self) -> Counter[Status]:
        """From the counts by severity and status (one pass over the findings for both): statuses in the order they
        first occur, as counting the findings would give them."""
        counts: Counter[Status] = Counter()
        for (_, status), n in self._severity_status_pairs.items():
            counts[status] += n
        return counts

    def severity_status_counts(self) -> dict[Severity, Counter[Status]]:
        return {sev: Counter(counts) for sev, counts in self._severity_status_counts.items()}

    @cached_property
    def _severity_status_pairs(self) -> Counter[tuple[Severity, Status]]:
        return Counter(map(_SEVERITY_STATUS, self.findings))

    @cached_property
    def _severity_status_counts(self) -> dict[Severity, Counter[Status]]:
        out: dict[Severity, Counter[Status]] = {s: Counter() for s in Severity}
        for (sev, status), n in self._severity_status_pairs.items():
            out[sev][status] = n
        return out

    def by_control(self) -> dict[str, list[Finding]]:
        """Findings grouped by control, in the order of `findings`."""
        return {cid: list(group) for cid, group in self._by_control.items()}

    @cached_property
    def _by_control(self) -> dict[str, list[Finding]]:
        groups: dict[str, list[Finding]] = {}
        for control_id, run in groupby(self.findings, key=_CONTROL_ID):  # a control's findings come in runs
            group = groups.get(control_id)
            if group is None:
                groups[control_id] = list(run)
            else:
                group.extend(run)
        return groups

    @cached_property
    def sorted_findings(self) -> tuple[Finding, ...]:
        """Every finding ordered by `finding_sort_key` (most severe first, then control, status, asset,
        fingerprint); a renderer takes the ones it lists from here, in this order.

        Sorted in buckets of (severity, control, status), each by a C-level key: the same order as
        `sorted(findings, key=finding_sort_key)` (both stable), in half the time."""
        buckets: dict[tuple[Severity, str, Status], list[Finding]] = {}
        for f in self.findings:
            key = (f.severity, f.control_id, f.status)
            bucket = buckets.get(key)
            if bucket is None:
                buckets[key] = [f]
            else:
                bucket.append(f)
        out: list[Finding] = []
        for key in sorted(buckets, key=lambda k: (_SEVERITY_FIRST[k[0]], k[1], _ACTION_RANK[k[2]])):
            out += sorted(buckets[key], key=_ASSET_ORDER)
        return tuple(out)

    def failing(self) -> list[Finding]:
        """Fail findings at or above the threshold (all fails when no threshold), most severe first; a fail recorded
        in the baseline (`--baseline`) is reported but does not count."""
        return list(self._failing)

    @cached_property
    def _failing(self) -> tuple[Finding, ...]:
        first = _SEVERITY_FIRST
        return tuple(sorted(self._counted_fails(), key=lambda f: (first[f.severity], f.control_id, f.asset_id)))

    @cached_property
    def failing_count(self) -> int:
        """`len(failing())`, without sorting them: from the counts by severity when no finding is in a baseline."""
        if any(map(_IN_BASELINE, self.findings)):
            return sum(1 for _ in self._counted_fails())
        floor = -self.fail_on.rank if self.fail_on else 0
        return sum(counts[Status.FAIL] for severity, counts in self._severity_status_counts.items()
                   if _SEVERITY_FIRST[severity] <= floor)

    def _counted_fails(self) -> Iterator[Finding]:
        floor = -self.fail_on.rank if self.fail_on else 0
        first = _SEVERITY_FIRST
        return (f for f in self.findings
                if f.status is Status.FAIL and first[f.severity] <= floor and not f.in_baseline)

    @cached_property
    def accounts(self) -> tuple[AccountRollup, ...]:
        """Per AWS account, worst first (`account_rollups`); empty when no finding has a known account."""
        return account_rollups(self.findings, self.fail_on)

    def coverage(self) -> list[FrameworkCoverage]:
        """Per framework and requirement: the controls mapped to it and the status their findings give."""
        return list(self._coverage)

    @cached_property
    def _coverage(self) -> tuple[FrameworkCoverage, ...]:
        return tuple(coverage(self.frameworks, self.controls.values(), self.findings, not_run=self.not_run.values()))

    @property
    def api_call_total(self) -> int:
        """AWS API calls the run made (0 for planned and state views)."""
        return sum(self.api_calls.values())

    @property
    def incomplete(self) -> bool:
        """Some result is unknown or error: not everything the controls need was known and read."""
        counts = self._status_counts
        return bool(counts[Status.ERROR] or counts[Status.UNKNOWN])

    @property
    def unread(self) -> bool:
        """Something the controls need could not be read (an `error` result): never a clean run."""
        return bool(self._status_counts[Status.ERROR])

    @property
    def nothing_checked(self) -> bool:
        """No control evaluated anything: no resource was read, or none is of a kind a control covers."""
        return not self.findings

    def uncovered_count(self) -> int:
        """Resources read whose types no control covers (clearance does not model them yet)."""
        return sum(self.unsupported.values())

    def top_uncovered(self, limit: int = 3) -> list[tuple[str, int]]:
        """The most frequent resource types no control covers, most frequent first."""
        return sorted(self.unsupported.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]

    def exit_code(self, *, strict: bool = False, soft_fail: bool = False) -> ExitCode:
        """1 on failures at or above the threshold (not with `soft_fail`); else 4 when something could not be read
        (always: --soft-fail never makes an unread run exit 0) or, with `strict`, when some result is unknown or
        nothing was checked; else 0."""
        if self.failing_count and not soft_fail:
            return ExitCode.FINDINGS
        if self.unread or (strict and (self.incomplete or self.nothing_checked)):
            return ExitCode.INCOMPLETE
        return ExitCode.OK
