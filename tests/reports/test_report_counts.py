"""The report's counted views (issue 13: counted in C, grouped by runs) give what counting one finding at a time
gives, with and without a threshold or findings recorded in a baseline."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter

import pytest

from checks.coverage import findings_by_control
from checks.model import Finding, Severity, Status
from tests.reports.conftest import build_report, finding


def _shuffled(seed: int, baseline: bool) -> tuple[Finding, ...]:
    rng = random.Random(seed)
    out = []
    for i in range(400):
        f = finding(rng.choice(["S3-01", "KEY-01", "NET-03"]), rng.choice(list(Status)), f"a{i}", f"a{i}", "m")
        out.append(dataclasses.replace(f, severity=rng.choice(list(Severity)),
                                       in_baseline=baseline and rng.random() < 0.2))
    return tuple(out)


@pytest.mark.parametrize("baseline", [False, True])
@pytest.mark.parametrize("fail_on", [None, Severity.CRITICAL, Severity.MEDIUM, Severity.LOW])
def test_counts_and_groups_are_those_of_each_finding(fail_on: Severity | None, baseline: bool) -> None:
    findings = _shuffled(3, baseline)
    report = build_report(findings=findings, fail_on=fail_on)
    floor = fail_on.rank if fail_on else 0
    assert report.failing_count == sum(1 for f in findings if f.status is Status.FAIL and f.severity.rank >= floor
                                       and not f.in_baseline) == len(report.failing())
    assert report.status_counts() == Counter(f.status for f in findings)
    groups: dict[str, list[Finding]] = {}
    counted: dict[str, Counter[Status]] = {}
    for f in findings:
        groups.setdefault(f.control_id, []).append(f)
        counted.setdefault(f.control_id, Counter())[f.status] += 1
    assert report.by_control() == groups and list(report.by_control()) == list(groups)
    assert findings_by_control(findings) == counted and list(findings_by_control(findings)) == list(counted)
