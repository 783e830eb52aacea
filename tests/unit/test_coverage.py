"""Compliance coverage: the status of each requirement from the findings of the controls mapped to it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from checks.catalog.controls import Control, Remediation
from checks.catalog.expressions import Expression
from checks.catalog.frameworks import Evidence, Framework, Requirement
from checks.cli import app
from checks.coverage import (
    CoverageStatus,
    RequirementCoverage,
    control_map,
    coverage,
    static_coverage,
    status_of,
    summary_text,
)
from checks.model import Finding, Severity, SourceKind, Status

ROOT = Path(__file__).resolve().parents[2]
C = CoverageStatus


def control(cid: str, **frameworks: tuple[str, ...]) -> Control:
    return Control.of({
        "id": cid, "title": f"Control {cid}", "severity": Severity.HIGH, "kind": "s3.bucket", "reads": ("x",),
        "assert": Expression("x"), "message": "{name}", "remediation": Remediation(pulumi="fix it"),
        "frameworks": frameworks,
    })


def finding(cid: str, status: Status, asset: str = "a") -> Finding:
    return Finding(control_id=cid, severity=Severity.HIGH, status=status, asset_kind="s3.bucket", asset_id=asset,
                   asset_name=asset, source=SourceKind.PLANNED, message="m", fingerprint=f"{cid}|{asset}")


def framework(fid: str, *reqs: str, manual: tuple[str, ...] = ()) -> Framework:
    return Framework(fid, fid.upper(), {r: Requirement(r, f"title {r}", r in manual) for r in reqs},
                     f"{fid}.yaml", "1")


FRAMEWORKS = {
    "soc2": framework("soc2", "R-FAIL", "R-INCOMPLETE", "R-PASS", "R-NODATA", "R-MANUAL", "R-ONLY-NA",
                      manual=("R-MANUAL",)),
    "alpha": framework("alpha", "Z", "A"),
}
CONTROLS = [
    control("C-FAIL", soc2=("R-FAIL",), alpha=("A",)),
    control("C-PASS", soc2=("R-FAIL", "R-INCOMPLETE", "R-PASS"), alpha=("A", "Z")),
    control("C-UNKNOWN", soc2=("R-INCOMPLETE",)),
    control("C-ERROR", soc2=("R-INCOMPLETE",)),
    control("C-NONE", soc2=("R-NODATA",), pci=("X",)),     # an unknown framework is ignored
    control("C-NA", soc2=("R-ONLY-NA", "R-GONE")),           # an unknown requirement is ignored
]
FINDINGS = [
    finding("C-FAIL", Status.FAIL), finding("C-FAIL", Status.PASS, "b"),
    finding("C-PASS", Status.PASS), finding("C-PASS", Status.WAIVED, "b"),
    finding("C-PASS", Status.NOT_APPLICABLE, "c"),
    finding("C-UNKNOWN", Status.UNKNOWN), finding("C-ERROR", Status.ERROR), finding("C-ERROR", Status.PASS, "b"),
    finding("C-NA", Status.NOT_APPLICABLE),
    finding("OTHER-01", Status.FAIL),                        # a control no framework maps: no effect
]


def by_id(fid: str, findings: list[Finding] = FINDINGS) -> dict[str, RequirementCoverage]:
    [fc] = [fc for fc in coverage(FRAMEWORKS, CONTROLS, findings) if fc.id == fid]
    return {r.id: r for r in fc.requirements}


@pytest.mark.parametrize(("statuses", "expected"), [
    ((), C.NO_DATA),
    ((Status.PASS,), C.PASS),
    ((Status.NOT_APPLICABLE,), C.PASS),
    ((Status.WAIVED, Status.PASS), C.PASS),
    ((Status.UNKNOWN, Status.PASS), C.INCOMPLETE),
    ((Status.ERROR,), C.INCOMPLETE),
    ((Status.FAIL, Status.ERROR, Status.PASS), C.FAIL),
])
def test_status_of_a_set_of_findings(statuses: tuple[Status, ...], expected: CoverageStatus) -> None:
    assert status_of({s: 1 for s in statuses}) is expected


def test_requirement_statuses() -> None:
    reqs = by_id("soc2")
    assert {rid: r.status for rid, r in reqs.items()} == {
        "R-FAIL": C.FAIL, "R-INCOMPLETE": C.INCOMPLETE, "R-PASS": C.PASS, "R-NODATA": C.NO_DATA,
        "R-MANUAL": C.MANUAL, "R-ONLY-NA": C.PASS}


def test_each_control_has_its_own_status_and_findings_are_counted() -> None:
    reqs = by_id("soc2")
    fail, incomplete = reqs["R-FAIL"], reqs["R-INCOMPLETE"]
    assert dict(fail.controls) == {"C-FAIL": C.FAIL, "C-PASS": C.PASS}
    assert dict(fail.findings) == {Status.FAIL: 1, Status.PASS: 2, Status.WAIVED: 1,
                                   Status.NOT_APPLICABLE: 1}
    assert dict(incomplete.controls) == {
        "C-ERROR": C.INCOMPLETE, "C-PASS": C.PASS, "C-UNKNOWN": C.INCOMPLETE}
    assert list(incomplete.controls) == ["C-ERROR", "C-PASS", "C-UNKNOWN"]


def test_frameworks_sorted_requirements_in_file_order() -> None:
    result = coverage(FRAMEWORKS, CONTROLS, FINDINGS)
    assert [fc.id for fc in result] == ["alpha", "soc2"]
    assert [r.id for r in result[0].requirements] == ["Z", "A"]
    assert [r.status for r in result[0].requirements] == [C.PASS, C.FAIL]


def test_no_findings_at_all_is_no_data_not_pass() -> None:
    reqs = by_id("soc2", [])
    assert {rid: r.status for rid, r in reqs.items()} == {
        "R-FAIL": C.NO_DATA, "R-INCOMPLETE": C.NO_DATA, "R-PASS": C.NO_DATA, "R-NODATA": C.NO_DATA,
        "R-MANUAL": C.MANUAL, "R-ONLY-NA": C.NO_DATA}


def test_a_referenced_manual_requirement_is_evaluated() -> None:
    # the meta-tests forbid it in the catalog; coverage still reports what the controls found
    fws = {"soc2": framework("soc2", "R", manual=("R",))}
    [fc] = coverage(fws, [control("C-1", soc2=("R",))], [finding("C-1", Status.FAIL)])
    assert fc.requirements[0].status is C.FAIL and fc.requirements[0].manual is True


def test_a_requirement_without_controls_is_manual_even_if_not_declared() -> None:
    [fc] = coverage({"x": framework("x", "R")}, [], [])
    assert fc.requirements[0].status is C.MANUAL and fc.requirements[0].manual is False


def test_counts_and_summary_text() -> None:
    soc2 = next(fc for fc in coverage(FRAMEWORKS, CONTROLS, FINDINGS) if fc.id == "soc2")
    assert soc2.by_status() == {C.FAIL: 1, C.INCOMPLETE: 1, C.PARTIAL: 0, C.PASS: 2, C.NO_DATA: 1, C.MANUAL: 1}
    assert summary_text(soc2) == "6 requirements: 1 fail, 1 incomplete, 2 pass, 1 no-data, 1 manual"
    [empty] = coverage({"y": framework("y", "R")}, [], [])
    assert summary_text(empty) == "1 requirement: 1 manual"


def test_control_map_and_static_coverage() -> None:
    mapping = control_map(FRAMEWORKS, CONTROLS)
    assert mapping["soc2"]["R-INCOMPLETE"] == ("C-ERROR", "C-PASS", "C-UNKNOWN")
    assert mapping["soc2"]["R-MANUAL"] == ()
    assert "pci" not in mapping and "R-GONE" not in mapping["soc2"]
    static = {fc.id: fc for fc in static_coverage(FRAMEWORKS, CONTROLS)}
    assert {r.id: r.status for r in static["soc2"].requirements} == {
        "R-FAIL": C.AUTOMATED, "R-INCOMPLETE": C.AUTOMATED, "R-PASS": C.AUTOMATED, "R-NODATA": C.AUTOMATED,
        "R-MANUAL": C.MANUAL, "R-ONLY-NA": C.AUTOMATED}
    assert static["soc2"].by_status(static=True) == {C.AUTOMATED: 5, C.PARTIAL: 0, C.MANUAL: 1}
    assert summary_text(static["soc2"], static=True) == "6 requirements: 5 automated, 1 manual"


# --- partial evidence ------------------------------------------------------------------------------------------

PARTLY = {"stmt": Framework("stmt", "STMT", {
    "P": Requirement("P", "title P", evidence=Evidence.PARTIAL, evidence_why="a proxy"),
    "F": Requirement("F", "title F"),
}, "stmt.yaml")}


@pytest.mark.parametrize(("statuses", "expected"), [
    ((Status.PASS,), C.PARTIAL),                      # all pass, but the controls show only part of it
    ((Status.PASS, Status.WAIVED, Status.NOT_APPLICABLE), C.PARTIAL),
    ((Status.FAIL, Status.PASS), C.FAIL),             # a failure is a failure, partial evidence or not
    ((Status.UNKNOWN, Status.PASS), C.INCOMPLETE),
    ((), C.NO_DATA),
])
def test_a_partly_evidenced_requirement_is_never_shown_as_met(statuses: tuple[Status, ...],
                                                               expected: CoverageStatus) -> None:
    findings = [finding("C-1", s, f"a{i}") for i, s in enumerate(statuses)]
    [fc] = coverage(PARTLY, [control("C-1", stmt=("P", "F"))], findings)
    reqs = {r.id: r for r in fc.requirements}
    assert reqs["P"].status is expected
    assert (reqs["P"].partial, reqs["P"].evidence_why) == (True, "a proxy")
    assert (reqs["F"].partial, reqs["F"].evidence_why) == (False, None)
    assert reqs["F"].status is (C.PASS if expected is C.PARTIAL else expected)
    assert dict(reqs["P"].controls) == {"C-1": reqs["F"].status}   # a control's own status is unchanged


def test_partial_counts_summary_and_static_coverage() -> None:
    [fc] = coverage(PARTLY, [control("C-1", stmt=("P", "F"))], [finding("C-1", Status.PASS)])
    assert fc.by_status() == {C.FAIL: 0, C.INCOMPLETE: 0, C.PARTIAL: 1, C.PASS: 1, C.NO_DATA: 0, C.MANUAL: 0}
    assert summary_text(fc) == "2 requirements: 1 partial, 1 pass"
    [static] = static_coverage(PARTLY, [control("C-1", stmt=("P", "F"))])
    assert {r.id: r.status for r in static.requirements} == {"P": C.PARTIAL, "F": C.AUTOMATED}
    assert static.by_status(static=True) == {C.AUTOMATED: 1, C.PARTIAL: 1, C.MANUAL: 0}
    assert summary_text(static, static=True) == "2 requirements: 1 automated, 1 partial"
    [unmapped] = static_coverage(PARTLY, [])
    assert {r.id: r.status for r in unmapped.requirements} == {"P": C.MANUAL, "F": C.MANUAL}


def test_the_shipped_statement_marks_the_proxied_claims_partial() -> None:
    from checks.catalog.frameworks import load_frameworks
    frameworks, _ = load_frameworks()
    partial = {rid for rid, r in frameworks["statement"].requirements.items() if r.partial}
    assert {"PATCH", "VPC-ACCESS", "MFA"} <= partial


# --- the command line ------------------------------------------------------------------------------------------

runner = CliRunner()
WIDE = {"COLUMNS": "250"}


def test_controls_coverage_lists_every_framework() -> None:
    result = runner.invoke(app, ["controls", "coverage"], env=WIDE)
    assert result.exit_code == 0, result.output
    summary = {line.split()[0]: line.split()[1:] for line in result.output.splitlines()
               if line.split() and line.split()[0] in {"soc2", "statement", "cis_aws_v3", "iso27001_2022",
                                                       "nist_800_53"}}
    assert set(summary) == {"soc2", "statement", "cis_aws_v3", "iso27001_2022", "nist_800_53"}
    assert all(int(a) + int(p) + int(m) == int(total) for a, p, m, total in summary.values())
    assert int(summary["statement"][1]) >= 3           # PATCH, VPC-ACCESS, MFA: partly evidenced
    assert "statement: Aptly security statement" in result.output


def test_controls_coverage_of_one_framework() -> None:
    result = runner.invoke(app, ["controls", "coverage", "--framework", "soc2"], env=WIDE)
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split()[1:] for line in result.output.splitlines() if re.match(r"\s*[A-C]+\d", line)}
    assert rows["CC6.2"][:2] == ["manual", "-"]
    assert rows["CC6.1"][:2] == ["automated", "ENC-01,"]
    assert rows["A1.3"][:2] == ["automated", "BAK-02"]
    assert "iso27001_2022" not in result.output


def test_controls_coverage_unknown_framework_is_a_usage_error() -> None:
    result = runner.invoke(app, ["controls", "coverage", "--framework", "pci"], env=WIDE)
    assert result.exit_code == 2
    assert "unknown framework 'pci'" in result.output


def test_controls_list_by_framework_prints_requirement_ids() -> None:
    def table(framework: str) -> dict[str, list[str]]:
        result = runner.invoke(app, ["controls", "list", "--framework", framework], env=WIDE)
        assert result.exit_code == 0, result.output
        lines = [[c.strip() for c in re.split("[\u2502\u2503]", line)[1:-1]]   # Rich's light and heavy bars
                 for line in result.output.splitlines() if line[:1] in ("\u2502", "\u2503")]
        assert lines[0] == ["id", "severity", "kind", "title", framework]   # the column is named after it
        return {cells[0]: cells for cells in lines[1:] if cells[0]}

    soc2 = table("soc2")
    assert soc2["KEY-01"][4] == "CC6.1"
    assert soc2["BAK-02"][4] == "A1.3"
    assert soc2["S3-01"][4] == "CC6.1, CC6.6"
    cis = table("cis_aws_v3")
    # each CIS id maps to a control that checks exactly it: not the composite password policy IAM-01
    assert cis["IAM-04"][4] == "1.8" and cis["IAM-05"][4] == "1.9" and "IAM-01" not in cis and "ENC-01" not in cis


def test_check_prints_coverage_on_request() -> None:
    state = str(ROOT / "tests" / "fixtures" / "state" / "sample_export_v6_legacy_bucket.json")
    compact = runner.invoke(app, ["check", "--state", state], env=WIDE)
    assert compact.exit_code == 1, compact.output
    assert "Compliance coverage (requirements by status):" in compact.output
    assert not re.search(r"^\s*CC6\.2\s+manual", compact.output, re.M)
    full = runner.invoke(app, ["check", "--state", state, "--coverage"], env=WIDE)
    assert full.exit_code == 1, full.output
    assert re.search(r"^\s*CC6\.2\s+manual", full.output, re.M)
    assert re.search(r"^\s*2\.1\.1\s+fail\s+S3-02 \(fail\)", full.output, re.M)   # CIS: deny HTTP requests
