"""Compliance coverage: per framework and requirement, which controls back it and what the findings say.

Pure functions over (frameworks, controls, findings); no I/O. A requirement's status:

- `manual`      no control is mapped to it: nothing clearance checks (the framework marks such requirements
                `manual: true`; the meta-tests keep the two in agreement for the shipped catalog)
- `no-data`     controls are mapped, but they evaluated no asset (e.g. IAM controls on a program without users)
- `pass`        every finding of its controls is pass, not_applicable or waived
- `partial`     as `pass`, but the framework marks the requirement `evidence: {level: partial}`: its controls check
                a proxy or a part of it, so passing controls do not show it met (the reason is in `evidence_why`)
- `fail`        some finding of its controls is fail
- `incomplete`  no fail, but some finding is unknown or error, or some of its controls did not run (deselected
                with --check, --skip-check, --severity or --framework): the requirement could not be fully
                evaluated. A control that did not run has `no-data` as its own status.

`static_coverage` (no findings; `clearance controls coverage`) says only `automated`, `partial` or `manual`.
A waived finding counts as passing here, as it does for the exit code; the reports list the waivers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from operator import attrgetter

from checks.catalog.controls import Control
from checks.catalog.frameworks import Framework
from checks.model import Finding, Status


class CoverageStatus(StrEnum):
    FAIL = "fail"
    INCOMPLETE = "incomplete"
    PARTIAL = "partial"       # its controls pass, but they evidence the requirement only in part
    PASS = "pass"
    NO_DATA = "no-data"
    MANUAL = "manual"
    AUTOMATED = "automated"   # static coverage only: controls exist, nothing was evaluated


# Order of columns and counts: what needs attention first. AUTOMATED only appears in static coverage.
COVERAGE_ORDER: tuple[CoverageStatus, ...] = (
    CoverageStatus.FAIL,
    CoverageStatus.INCOMPLETE,
    CoverageStatus.PARTIAL,
    CoverageStatus.PASS,
    CoverageStatus.NO_DATA,
    CoverageStatus.MANUAL,
)
STATIC_ORDER: tuple[CoverageStatus, ...] = (CoverageStatus.AUTOMATED, CoverageStatus.PARTIAL, CoverageStatus.MANUAL)

_CONTROL_STATUS = attrgetter("control_id", "status")
_PASSING = frozenset({Status.PASS, Status.NOT_APPLICABLE, Status.WAIVED})
_INCOMPLETE = frozenset({Status.UNKNOWN, Status.ERROR})


@dataclass(frozen=True)
class RequirementCoverage:
    id: str
    title: str
    manual: bool                                   # as declared in the framework file
    status: CoverageStatus
    controls: Mapping[str, CoverageStatus]         # control id -> its own status, sorted by id
    findings: Mapping[Status, int] = field(default_factory=dict)   # findings of those controls, by status
    description: str | None = None
    partial: bool = False                          # the framework marks its evidence partial
    evidence_why: str | None = None                # why the evidence is partial


@dataclass(frozen=True)
class FrameworkCoverage:
    id: str
    name: str
    version: str | None
    requirements: tuple[RequirementCoverage, ...]  # in the framework file's order

    def counts(self) -> Counter[CoverageStatus]:
        return Counter(r.status for r in self.requirements)

    def by_status(self, static: bool = False) -> dict[CoverageStatus, int]:
        """Requirement count for every status of the order (zeros included)."""
        counts = self.counts()
        return {s: counts[s] for s in (STATIC_ORDER if static else COVERAGE_ORDER)}


def control_map(frameworks: Mapping[str, Framework], controls: Iterable[Control]
                ) -> dict[str, dict[str, tuple[str, ...]]]:
    """framework id -> requirement id -> ids of the controls that reference it (sorted).

    Every requirement of every framework is present (with `()` when no control references it); references to
    frameworks or requirements that do not exist are ignored (the loader reports them).
    """
    mapped: dict[str, dict[str, set[str]]] = {
        fid: {rid: set() for rid in fw.requirements} for fid, fw in frameworks.items()
    }
    for control in controls:
        for fid, rids in control.frameworks.items():
            reqs = mapped.get(fid)
            if reqs is None:
                continue
            for rid in rids:
                if rid in reqs:
                    reqs[rid].add(control.id)
    return {fid: {rid: tuple(sorted(ids)) for rid, ids in reqs.items()} for fid, reqs in mapped.items()}


def status_of(counts: Mapping[Status, int]) -> CoverageStatus:
    """The status of a set of findings (of one control, or of all controls of a requirement)."""
    if counts.get(Status.FAIL, 0):
        return CoverageStatus.FAIL
    if any(counts.get(s, 0) for s in _INCOMPLETE):
        return CoverageStatus.INCOMPLETE
    if any(counts.get(s, 0) for s in _PASSING):
        return CoverageStatus.PASS
    return CoverageStatus.NO_DATA


def findings_by_control(findings: Iterable[Finding]) -> dict[str, Counter[Status]]:
    """control id -> its findings' statuses counted (controls and statuses in the order they first occur)."""
    out: dict[str, Counter[Status]] = {}
    for (control_id, status), n in Counter(map(_CONTROL_STATUS, findings)).items():  # counted in C: one pass
        counts = out.get(control_id)
        if counts is None:
            counts = out[control_id] = Counter()
        counts[status] = n
    return out


def coverage(frameworks: Mapping[str, Framework], controls: Iterable[Control],
             findings: Iterable[Finding], not_run: Iterable[Control] = ()) -> list[FrameworkCoverage]:
    """Coverage of every framework (sorted by id) from the findings of one evaluation; `not_run`: the controls
    the run's selection left out (the requirements they back are at best incomplete, never pass)."""
    per_control = findings_by_control(findings)
    out: list[FrameworkCoverage] = []
    skipped = list(not_run)
    skipped_ids = {c.id for c in skipped}
    mapping = control_map(frameworks, [*controls, *skipped])
    for fid in sorted(frameworks):
        fw = frameworks[fid]
        reqs: list[RequirementCoverage] = []
        for rid, req in fw.requirements.items():
            ids = mapping[fid][rid]
            total: Counter[Status] = Counter()
            statuses: dict[str, CoverageStatus] = {}
            for cid in ids:
                counts = per_control.get(cid, Counter())
                total.update(counts)
                statuses[cid] = status_of(counts)
            status = status_of(total) if ids else CoverageStatus.MANUAL
            if status is not CoverageStatus.FAIL and skipped_ids.intersection(ids):
                status = CoverageStatus.INCOMPLETE
            if status is CoverageStatus.PASS and req.partial:
                status = CoverageStatus.PARTIAL
            reqs.append(RequirementCoverage(rid, req.title, req.manual, status, statuses,
                                            {s: total[s] for s in Status if total[s]}, req.description,
                                            req.partial, req.evidence_why))
        out.append(FrameworkCoverage(fid, fw.name, fw.version, tuple(reqs)))
    return out


def static_coverage(frameworks: Mapping[str, Framework], controls: Iterable[Control]) -> list[FrameworkCoverage]:
    """Coverage of the catalog itself, nothing evaluated: each requirement is `automated`, `partial` (automated,
    but its controls evidence it only in part) or `manual`."""
    mapping = control_map(frameworks, controls)
    out: list[FrameworkCoverage] = []
    for fid in sorted(frameworks):
        fw = frameworks[fid]
        reqs = tuple(
            RequirementCoverage(
                rid, req.title, req.manual,
                CoverageStatus.MANUAL if not mapping[fid][rid]
                else CoverageStatus.PARTIAL if req.partial else CoverageStatus.AUTOMATED,
                {cid: CoverageStatus.AUTOMATED for cid in mapping[fid][rid]}, {}, req.description,
                req.partial, req.evidence_why)
            for rid, req in fw.requirements.items()
        )
        out.append(FrameworkCoverage(fid, fw.name, fw.version, reqs))
    return out


def summary_text(fc: FrameworkCoverage, static: bool = False) -> str:
    """`34 requirements: 2 fail, 1 incomplete, 12 pass, 3 no-data, 16 manual` (zero counts left out)."""
    counts = fc.by_status(static)
    parts = [f"{n} {s.value}" for s, n in counts.items() if n]
    noun = "requirement" if len(fc.requirements) == 1 else "requirements"
    return f"{len(fc.requirements)} {noun}" + (f": {', '.join(parts)}" if parts else "")


EVIDENCE_LEVELS = ("full", "partial", "none")


def evidence_rows(framework: Framework, controls: Iterable[Control]) -> list[tuple[str, str, str, str, str]]:
    """One row per requirement, in the file's order: (id, title, evidence, controls, what is not checked).

    `evidence` is `full` (mapped controls, evidence not marked partial), `partial` (the framework marks it so) or
    `none` (no control is mapped: a manual requirement). docs/evidence.md shows these rows for the statement.
    """
    mapped = control_map({framework.id: framework}, controls)[framework.id]
    rows: list[tuple[str, str, str, str, str]] = []
    for rid, req in framework.requirements.items():
        ids = mapped[rid]
        if not ids:
            level, gap = "none", "No control checks it (manual: a process, or not visible in a Pulumi program)."
        else:
            level, gap = ("partial" if req.partial else "full"), req.evidence_why or ""
        rows.append((rid, req.title, level, ", ".join(ids), gap))
    return rows


def evidence_table(framework: Framework, controls: Iterable[Control]) -> str:
    """`evidence_rows` as a Markdown table (the generated part of docs/evidence.md)."""
    def cell(text: str) -> str:
        return " ".join(text.split()).replace("|", "\\|") or "-"

    rows = evidence_rows(framework, controls)
    counts = Counter(level for _, _, level, _, _ in rows)
    lines = [f"{len(rows)} claims: " + ", ".join(f"{counts[level]} {level}" for level in EVIDENCE_LEVELS) + ".", "",
             "| Claim | Evidence | Controls | What the controls do not show |", "|---|---|---|---|"]
    lines += [f"| **{cell(rid)}** {cell(title)} | {level} | {cell(ids)} | {cell(gap)} |"
              for rid, title, level, ids, gap in rows]
    return "\n".join(lines) + "\n"
