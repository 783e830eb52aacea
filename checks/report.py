"""The report handed to every renderer: findings plus the context needed to explain them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from checks.catalog.controls import Control
from checks.catalog.frameworks import Framework
from checks.coverage import FrameworkCoverage, coverage
from checks.model import Finding, Severity, SourceKind, Status

REPORT_SCHEMA_VERSION = "1.1"


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
    waiver_problems: tuple[str, ...] = ()                          # expired or unused waivers
    warnings: tuple[str, ...] = ()
    frameworks: Mapping[str, Framework] = field(default_factory=dict)   # for compliance coverage; empty: none

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
        """Fail findings at or above the threshold (all fails when no threshold), most severe first."""
        floor = self.fail_on.rank if self.fail_on else 0
        hits = [f for f in self.findings if f.status is Status.FAIL and f.severity.rank >= floor]
        return sorted(hits, key=lambda f: (-f.severity.rank, f.control_id, f.asset_id))

    def coverage(self) -> list[FrameworkCoverage]:
        """Per framework and requirement: the controls mapped to it and the status their findings give."""
        return coverage(self.frameworks, self.controls.values(), self.findings)

    @property
    def incomplete(self) -> bool:
        counts = self.status_counts()
        return bool(counts[Status.ERROR] or counts[Status.UNKNOWN])
