"""The report handed to every renderer: findings plus the context needed to explain them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from checks.catalog.controls import Control
from checks.catalog.frameworks import Framework
from checks.coverage import FrameworkCoverage, coverage
from checks.errors import ExitCode
from checks.model import Finding, Severity, SourceKind, Status

REPORT_SCHEMA_VERSION = "1.3"


@dataclass(frozen=True)
class Report:
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
        return Counter(f.status for f in self.findings)

    def severity_status_counts(self) -> dict[Severity, Counter[Status]]:
        out: dict[Severity, Counter[Status]] = {s: Counter() for s in Severity}
        for f in self.findings:
            out[f.severity][f.status] += 1
        return out

    def by_control(self) -> dict[str, list[Finding]]:
        groups: dict[str, list[Finding]] = {}
        for f in self.findings:
            groups.setdefault(f.control_id, []).append(f)
        return groups

    def failing(self) -> list[Finding]:
        """Fail findings at or above the threshold (all fails when no threshold), most severe first; a fail recorded
        in the baseline (`--baseline`) is reported but does not count."""
        floor = self.fail_on.rank if self.fail_on else 0
        hits = [f for f in self.findings
                if f.status is Status.FAIL and f.severity.rank >= floor and not f.in_baseline]
        return sorted(hits, key=lambda f: (-f.severity.rank, f.control_id, f.asset_id))

    def coverage(self) -> list[FrameworkCoverage]:
        """Per framework and requirement: the controls mapped to it and the status their findings give."""
        return coverage(self.frameworks, self.controls.values(), self.findings, not_run=self.not_run.values())

    @property
    def incomplete(self) -> bool:
        """Some result is unknown or error: not everything the controls need was known and read."""
        counts = self.status_counts()
        return bool(counts[Status.ERROR] or counts[Status.UNKNOWN])

    @property
    def unread(self) -> bool:
        """Something the controls need could not be read (an `error` result): never a clean run."""
        return any(f.status is Status.ERROR for f in self.findings)

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
        if self.failing() and not soft_fail:
            return ExitCode.FINDINGS
        if self.unread or (strict and (self.incomplete or self.nothing_checked)):
            return ExitCode.INCOMPLETE
        return ExitCode.OK
