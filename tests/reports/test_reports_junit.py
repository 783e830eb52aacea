"""JUnit XML: parseable, counts that match the testcases, one testcase per finding."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

from checks.model import Finding, Status
from checks.report import Report
from reports.junit import JUnitRenderer


def parse(report: Report) -> ET.Element:
    text = JUnitRenderer().render(report)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))


def case_of(suite: ET.Element, classname: str, name: str) -> ET.Element:
    (case,) = [c for c in suite.iter("testcase") if c.get("classname") == classname and c.get("name") == name]
    return case


def test_counts_match_the_testcases(report: Report) -> None:
    root = parse(report)
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "clearance:planned"
    cases = suite.findall("testcase")
    actual = {
        "tests": len(cases),
        "failures": sum(1 for c in cases if c.find("failure") is not None),
        "errors": sum(1 for c in cases if c.find("error") is not None),
        "skipped": sum(1 for c in cases if c.find("skipped") is not None),
    }
    assert actual == {"tests": 14, "failures": 5, "errors": 1, "skipped": 5}
    for node in (root, suite):
        assert {k: int(node.get(k, "-1")) for k in actual} == actual
    passes = [c for c in cases if len(c) == 0]
    assert len(passes) == 3


def test_testcases_carry_control_asset_and_location(report: Report) -> None:
    suite = parse(report).find("testsuite")
    assert suite is not None
    web = case_of(suite, "NET-01", "web-sg")
    assert (web.get("file"), web.get("line")) == ("infra/__main__.py", "40")
    failure = web.find("failure")
    assert failure is not None
    assert failure.get("type") == "NON_COMPLIANT"
    assert failure.get("message") == "Security group web-sg allows 0.0.0.0/0 on port 22"
    assert "remediation (Pulumi): Fix NET-01 in the Pulumi program." in (failure.text or "")
    logs = case_of(suite, "S3-01", "shop-logs")
    assert logs.get("file") is None and logs.get("line") is None


def test_error_unknown_not_applicable_and_waived(report: Report) -> None:
    suite = parse(report).find("testsuite")
    assert suite is not None
    error = case_of(suite, "KEY-01", "legacy-key").find("error")
    assert error is not None and error.get("message") == "AccessDenied kms:GetKeyRotationStatus"
    unknown = case_of(suite, "S3-02", "shop-assets").find("skipped")
    assert unknown is not None and unknown.get("message") == "unknown: versioning.enabled is unknown at plan time"
    na = case_of(suite, "LOG-01", "shop-tmp").find("skipped")
    assert na is not None and na.get("message") == "not applicable"
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
    assert root.get("tests") == "0" and root.get("failures") == "0"
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert props["fail_on"] == "" and props["target"] == "program infra/ (stack dev)"
