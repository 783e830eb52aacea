"""JUnit XML: parseable, counts that match the testcases, one testcase per applicable finding."""

from __future__ import annotations

import dataclasses
import re
import socket
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import xmlschema

from checks.flows.check import CheckRequest, run_check
from checks.model import Finding, Status
from checks.report import Report
from reports.junit import JUnitRenderer, junit_tree
from tests.paths import ROOT

JUNIT_SCHEMA = ROOT / "tests" / "schemas" / "JUnit.xsd"


def parse(report: Report) -> ET.Element:
    text = JUnitRenderer().render(report)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))


def case_of(suite: ET.Element, classname: str, name: str) -> ET.Element:
    (case,) = [c for c in suite.iter("testcase") if c.get("classname") == classname and c.get("name") == name]
    return case


def test_counts_match_the_testcases(report: Report) -> None:
    root = parse(report)
    assert root.tag == "testsuites" and root.attrib == {}  # the Ant schema gives the aggregate no attributes
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "clearance:planned"
    assert (suite.get("package"), suite.get("id")) == ("clearance", "0")
    cases = suite.findall("testcase")
    actual = {
        "tests": len(cases),
        "failures": sum(1 for c in cases if c.find("failure") is not None),
        "errors": sum(1 for c in cases if c.find("error") is not None),
        "skipped": sum(1 for c in cases if c.find("skipped") is not None),
    }
    # 14 findings, 2 of them not applicable (left out): 5 fail, 1 error, 1 unknown + 2 waived skipped, 3 pass
    assert actual == {"tests": 12, "failures": 5, "errors": 1, "skipped": 3}
    assert {k: int(suite.get(k, "-1")) for k in actual} == actual
    passes = [c for c in cases if len(c) == 0]
    assert len(passes) == 3
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["not_applicable"] == "2"


def test_suite_time_host_and_timestamp(report: Report) -> None:
    suite = parse(report).find("testsuite")
    assert suite is not None
    assert suite.get("timestamp") == "2026-05-04T09:30:00"  # UTC, no zone suffix
    assert suite.get("hostname") == socket.gethostname()
    assert suite.get("time") == "0" and {c.get("time") for c in suite.iter("testcase")} == {"0"}  # no timings
    assert [child.tag for child in suite][-2:] == ["system-out", "system-err"]
    cest = dataclasses.replace(report, generated_at=datetime(2026, 5, 4, 11, 30, tzinfo=timezone(timedelta(hours=2))))
    other = junit_tree(cest, host="ci-runner").find("testsuite")
    assert other is not None and (other.get("timestamp"), other.get("hostname")) == ("2026-05-04T09:30:00", "ci-runner")


def test_times_are_the_measured_run_and_control_evaluation_times(report: Report) -> None:
    """The suite's time is the run's; a testcase's is its control's evaluation time over the resources it judged
    (not-applicable results included: the control evaluated them too); nothing measured is "0"."""
    judged = Counter(f.control_id for f in report.findings)
    timed = dataclasses.replace(report, duration_seconds=2.5,
                                control_seconds={cid: 0.003 * n for cid, n in judged.items()})
    suite = junit_tree(timed).find("testsuite")
    assert suite is not None and suite.get("time") == "2.500000"
    assert {c.get("time") for c in suite.iter("testcase")} == {"0.003000"}
    real = run_check(CheckRequest(preview=ROOT / "tests/fixtures/preview/v7_bucket_with_sse_side_resource.json"))
    measured = junit_tree(real).find("testsuite")
    assert measured is not None and float(measured.get("time", "0")) > 0
    assert all(float(c.get("time", "-1")) > 0 for c in measured.iter("testcase"))


def test_testcases_carry_control_asset_and_location(report: Report) -> None:
    suite = parse(report).find("testsuite")
    assert suite is not None
    web = case_of(suite, "NET-01", "web-sg")
    assert web.get("file") is None and web.get("line") is None  # not in the Ant schema: the text says where
    failure = web.find("failure")
    assert failure is not None
    assert failure.get("type") == "NON_COMPLIANT"
    assert failure.get("message") == "Security group web-sg allows 0.0.0.0/0 on port 22"
    text = failure.text or ""
    assert text.splitlines()[0] == "location: infra/__main__.py:40"
    assert "remediation (Pulumi): Fix NET-01 in the Pulumi program." in text
    logs = case_of(suite, "S3-01", "shop-logs").find("failure")
    assert logs is not None and not (logs.text or "").startswith("location:")


def test_error_unknown_and_waived_but_not_not_applicable(report: Report) -> None:
    suite = parse(report).find("testsuite")
    assert suite is not None
    error = case_of(suite, "KEY-01", "legacy-key").find("error")
    assert error is not None and error.get("message") == "AccessDenied kms:GetKeyRotationStatus"
    unknown = case_of(suite, "S3-02", "shop-assets").find("skipped")
    assert unknown is not None and unknown.get("message") == "unknown: versioning.enabled is unknown at plan time"
    assert [c for c in suite.iter("testcase") if c.get("classname") == "LOG-01"] == []
    waived = case_of(suite, "IAM-01", "ci-deployer").find("skipped")
    assert waived is not None
    assert waived.get("message") == (
        "waived by alice@example.com until 2026-12-31: Deployer needs admin until the split lands"
    )


def test_hostile_text_is_escaped(make_report: Callable[..., Report], make_finding: Callable[..., Finding]) -> None:
    message = 'a <b> & "c" ]]> \x01 bell\x07'
    f = make_finding("S3-01", Status.FAIL, "b<1>", 'b"&', message, detail="x\x00y")
    suite = parse(make_report(findings=(f,))).find("testsuite")
    assert suite is not None
    (case,) = suite.findall("testcase")
    assert case.get("name") == 'b"&'
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == 'a <b> & "c" ]]> \ufffd bell\ufffd'
    assert "detail: x\ufffdy" in (failure.text or "")


def test_empty_report(make_report: Callable[..., Report]) -> None:
    root = parse(make_report(findings=(), fail_on=None))
    suite = root.find("testsuite")
    assert suite is not None and suite.get("tests") == "0" and suite.get("failures") == "0"
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert props["fail_on"] == "" and props["target"] == "program infra/ (stack dev)"


@pytest.fixture(scope="module")
def ant_schema() -> xmlschema.XMLSchema:
    """windyroad's JUnit.xsd (Ant's JUnit and JUnitReport tasks), vendored: missing is a failure, never a skip."""
    assert JUNIT_SCHEMA.is_file(), f"the vendored JUnit schema is missing: {JUNIT_SCHEMA}"
    return xmlschema.XMLSchema(str(JUNIT_SCHEMA))


def schema_errors(schema: xmlschema.XMLSchema, text: str) -> list[str]:
    return [f"{e.path}: {e.reason}" for e in schema.iter_errors(text)]


def test_valid_against_the_ant_schema(ant_schema: xmlschema.XMLSchema, report: Report,
                                      make_report: Callable[..., Report], make_finding: Callable[..., Finding]) -> None:
    hostile = make_finding("S3-01", Status.FAIL, "b<1>", 'b"&', "a <b> & \x01", detail="x\x00y")
    for sample in (report, make_report(findings=()), make_report(findings=(hostile,))):
        assert schema_errors(ant_schema, JUnitRenderer().render(sample)) == []


@pytest.mark.parametrize(("option", "fixture"), [
    ("preview", "tests/fixtures/preview/v7_bucket_with_sse_side_resource.json"),
    ("state", "tests/fixtures/state/v6_kms_sse_v2_side_resource_sg_secret_rds.json"),
])
def test_a_real_run_is_valid_against_the_ant_schema(ant_schema: xmlschema.XMLSchema, monkeypatch: pytest.MonkeyPatch,
                                                    option: str, fixture: str) -> None:
    monkeypatch.chdir(ROOT)
    real = run_check(CheckRequest(**{option: Path(fixture)}))  # type: ignore[arg-type]
    text = JUnitRenderer().render(real)
    assert schema_errors(ant_schema, text) == []
    suite = ET.fromstring(text.encode()).find("testsuite")
    assert suite is not None and int(suite.get("failures", "0")) > 0


def test_the_schema_rejects_what_the_issue_reported(ant_schema: xmlschema.XMLSchema, report: Report) -> None:
    """The validation proves something only if the schema fails on the old shape: a zone suffix, no hostname,
    attributes on <testsuites>, `file` on a testcase."""
    good = JUnitRenderer().render(report)
    broken = {
        "zone": good.replace('timestamp="2026-05-04T09:30:00"', 'timestamp="2026-05-04T09:30:00+00:00"'),
        "hostname": re.sub(r' hostname="[^"]*"', "", good),
        "root attributes": good.replace("<testsuites>", '<testsuites tests="12">'),
        "file": good.replace('<testcase classname="NET-01"', '<testcase file="a.py" classname="NET-01"'),
    }
    for what, text in broken.items():
        assert text != good, what
        assert schema_errors(ant_schema, text), what
