"""SARIF: valid against the OASIS 2.1.0 schema and carrying what GitHub code scanning needs."""

from __future__ import annotations

import dataclasses
import email.message
import json
from collections.abc import Callable
from typing import Any

import pytest
from jsonschema import Draft4Validator

from checks.catalog.controls import Control
from checks.model import Finding, Location, Severity, Status
from checks.report import Report
from reports import sarif
from reports.sarif import INCOMPLETE_RULE_ID, SarifRenderer, artifact_uri
from tests.paths import SARIF_SCHEMA

SCHEMA = SARIF_SCHEMA


@pytest.fixture(scope="module")
def validator() -> Draft4Validator:
    """The vendored schema: a missing file is a failure, never a skip (the validity test would prove nothing)."""
    assert SCHEMA.is_file(), f"the vendored SARIF schema is missing: {SCHEMA}"
    return Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def run_of(report: Report) -> dict[str, Any]:
    doc = json.loads(SarifRenderer().render(report))
    assert doc["version"] == "2.1.0" and doc["$schema"]
    assert len(doc["runs"]) == 1
    run: dict[str, Any] = doc["runs"][0]
    return run


def by_status(run: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in run["results"]:
        out.setdefault(r["properties"]["status"], []).append(r)
    return out


def test_valid_against_the_oasis_schema(report: Report, validator: Draft4Validator) -> None:
    doc = json.loads(SarifRenderer().render(report))
    assert [e.message for e in validator.iter_errors(doc)] == []


def test_github_required_fields(report: Report) -> None:
    run = run_of(report)
    driver = run["tool"]["driver"]
    assert driver["name"] == "clearance" and driver["version"] == driver["semanticVersion"] == "0.1.0"
    assert run["automationDetails"]["id"] == "clearance/planned/program-infra-stack-dev/2026-05-04T09:30:00Z"
    for rule in driver["rules"]:
        assert rule["id"]
        assert 0 < len(rule["shortDescription"]["text"]) <= 1024
        assert 0 < len(rule["fullDescription"]["text"]) <= 1024
        assert rule["help"]["text"].strip()
        assert len(rule.get("name", "")) <= 255
        assert len(rule["properties"]["tags"]) <= 20
    for result in run["results"]:
        assert result["message"]["text"].strip()
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"]
        region = physical["region"]
        assert region["startLine"] >= 1 and region["endLine"] >= region["startLine"]
        assert region["startColumn"] >= 1 and region["endColumn"] >= 1
        assert result["partialFingerprints"]["primaryLocationLineHash"]
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_only_fail_waived_unknown_and_error_are_reported(report: Report) -> None:
    statuses = by_status(run_of(report))
    assert {k: len(v) for k, v in statuses.items()} == {"fail": 5, "waived": 2, "unknown": 1, "error": 1}


def test_rules_are_the_controls_with_failures_plus_the_incomplete_rule(report: Report) -> None:
    rules = {r["id"]: r for r in run_of(report)["tool"]["driver"]["rules"]}
    assert set(rules) == {"IAM-01", "KEY-01", "NET-01", "S3-01", "S3-02", "TAG-01", INCOMPLETE_RULE_ID}
    key = rules["KEY-01"]
    assert key["shortDescription"]["text"] == "Customer-managed KMS keys rotate automatically"
    assert key["defaultConfiguration"]["level"] == "error"
    assert key["properties"]["security-severity"] == "8.0"
    assert key["properties"]["precision"] == "very-high"
    assert {"security", "soc2:CC6.1", "iso27001_2022:A.8.24", "nist_800_53:SC-12"} <= set(key["properties"]["tags"])
    assert "Fix KEY-01 in the Pulumi program." in key["help"]["text"]
    assert "aws fix-key-01" in key["help"]["markdown"]
    assert rules["NET-01"]["fullDescription"]["text"].startswith("Ingress from 0.0.0.0/0")
    severities = {cid: rules[cid]["properties"]["security-severity"] for cid in ("NET-01", "S3-02", "TAG-01")}
    assert severities == {"NET-01": "9.5", "S3-02": "5.5", "TAG-01": "3.0"}
    incomplete = rules[INCOMPLETE_RULE_ID]
    assert "security-severity" not in incomplete["properties"]
    assert incomplete["defaultConfiguration"]["level"] == "note"


def test_fail_levels_follow_severity(report: Report) -> None:
    levels = {r["ruleId"]: (r["kind"], r["level"]) for r in by_status(run_of(report))["fail"]}
    assert levels == {"NET-01": ("fail", "error"), "KEY-01": ("fail", "error"), "S3-01": ("fail", "error"),
                      "S3-02": ("fail", "warning"), "TAG-01": ("fail", "note")}


def test_waived_results_are_suppressed_with_reason_approver_and_expiry(report: Report) -> None:
    statuses = by_status(run_of(report))
    waived = {r["ruleId"]: r for r in statuses["waived"]}
    (suppression,) = waived["IAM-01"]["suppressions"]
    assert suppression["kind"] == "external" and suppression["status"] == "accepted"
    for part in ("Deployer needs admin until the split lands", "alice@example.com", "2026-12-31"):
        assert part in suppression["justification"]
    assert waived["IAM-01"]["kind"] == "fail" and waived["IAM-01"]["level"] == "error"
    # The spec wants suppressions on all results of a run or none: the others carry an empty list.
    assert all(r["suppressions"] == [] for s in ("fail", "unknown", "error") for r in statuses[s])


def test_unknown_and_error_are_review_results_without_a_level(report: Report) -> None:
    statuses = by_status(run_of(report))
    for result in statuses["unknown"] + statuses["error"]:
        assert result["ruleId"] == INCOMPLETE_RULE_ID
        assert result["kind"] == "review" and "level" not in result
    error = statuses["error"][0]
    assert "KEY-01" in error["message"]["text"]
    assert "AccessDenied kms:GetKeyRotationStatus" in error["message"]["text"]
    assert error["properties"]["detail"] == "AccessDenied kms:GetKeyRotationStatus"


def test_locations_fall_back_to_the_artifact(make_report: Callable[..., Report]) -> None:
    def uri_and_line(run: dict[str, Any], control: str) -> tuple[str, int]:
        result = next(r for r in run["results"] if r["properties"]["control_id"] == control)
        physical = result["locations"][0]["physicalLocation"]
        return physical["artifactLocation"]["uri"], physical["region"]["startLine"]

    run = run_of(make_report())
    assert uri_and_line(run, "NET-01") == ("infra/__main__.py", 40)
    assert uri_and_line(run, "S3-01") == ("infra/Pulumi.yaml", 1)
    logical = next(r for r in run["results"] if r["ruleId"] == "S3-01")["locations"][0]["logicalLocations"][0]
    assert logical["fullyQualifiedName"] == "arn:aws:s3:::shop-logs" and logical["name"] == "shop-logs"
    assert logical["kind"] == "resource"


def test_without_a_file_a_result_is_left_out_and_counted(make_report: Callable[..., Report]) -> None:
    """No made-up `Pulumi.yaml`: without the declaring file or an artifact, GitHub would reject the upload."""
    run = run_of(make_report(artifact=None))
    assert {r["properties"]["asset_name"] for r in run["results"]
            if r["properties"]["control_id"] in ("S3-01", "KEY-01")} == {"app-key"}
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert ("2 results left out: no file of the repository declares the resource (GitHub code scanning rejects a "
            "result without one); clearance.json lists them") in notes


def test_artifact_uris_are_relative_with_forward_slashes() -> None:
    assert artifact_uri("infra\\stacks\\__main__.py") == "infra/stacks/__main__.py"
    assert artifact_uri("./infra/__main__.py") == "infra/__main__.py"
    assert artifact_uri("my infra/main#1.py") == "my%20infra/main%231.py"


def test_line_hash_survives_moved_lines(report: Report) -> None:
    moved = tuple(
        dataclasses.replace(f, location=Location(f.location.file, f.location.line + 7)) if f.location else f
        for f in report.findings
    )
    before = {r["partialFingerprints"]["clearance/v1"]: r["partialFingerprints"] for r in run_of(report)["results"]}
    after = {r["partialFingerprints"]["clearance/v1"]: r["partialFingerprints"]
             for r in run_of(dataclasses.replace(report, findings=moved))["results"]}
    assert before == after
    hashes = [p["primaryLocationLineHash"] for p in before.values()]
    assert len(set(hashes)) == len(hashes)


def test_long_titles_and_many_frameworks_are_clipped(
    make_report: Callable[..., Report], make_finding: Callable[..., Finding], validator: Draft4Validator
) -> None:
    base = make_report().controls["S3-01"]
    long = dataclasses.replace(base, title="T" * 2000, frameworks={"nist": tuple(f"AC-{i}" for i in range(40))})
    controls: dict[str, Control] = {**make_report().controls, "S3-01": long}
    f = make_finding("S3-01", Status.FAIL, "b", "b", "public")
    doc = json.loads(SarifRenderer().render(make_report(findings=(f,), controls=controls)))
    (rule,) = doc["runs"][0]["tool"]["driver"]["rules"]
    assert len(rule["shortDescription"]["text"]) == 1024
    assert len(rule["name"]) == 255
    assert len(rule["properties"]["tags"]) == 20
    assert [e.message for e in validator.iter_errors(doc)] == []


def test_a_control_missing_from_the_report_still_gets_a_rule(
    make_report: Callable[..., Report], make_finding: Callable[..., Finding], validator: Draft4Validator
) -> None:
    f = make_finding("GONE-01", Status.FAIL, "b", "b", "failed", severity=Severity.HIGH)
    doc = json.loads(SarifRenderer().render(make_report(findings=(f,))))
    (rule,) = doc["runs"][0]["tool"]["driver"]["rules"]
    assert rule["id"] == "GONE-01" and rule["help"]["text"]
    assert [e.message for e in validator.iter_errors(doc)] == []


def test_result_cap_keeps_the_most_severe_failures(
    make_report: Callable[..., Report], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sarif, "MAX_RESULTS", 3)
    run = run_of(make_report())
    assert [r["ruleId"] for r in run["results"]] == ["IAM-01", "NET-01", "KEY-01"]
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert "6 results left out: GitHub accepts 3 per run" in notes


def test_no_results_is_still_a_valid_run(make_report: Callable[..., Report], validator: Draft4Validator) -> None:
    doc = json.loads(SarifRenderer().render(make_report(findings=())))
    assert doc["runs"][0]["results"] == [] and doc["runs"][0]["tool"]["driver"]["rules"] == []
    assert [e.message for e in validator.iter_errors(doc)] == []


def test_information_uri_comes_from_project_urls(report: Report, monkeypatch: pytest.MonkeyPatch) -> None:
    meta = email.message.Message()
    meta["Project-URL"] = "Changelog, https://example.org/changes"
    meta["Project-URL"] = "Repository, https://example.org/clearance"
    monkeypatch.setattr(sarif.metadata, "metadata", lambda name: meta)
    assert run_of(report)["tool"]["driver"]["informationUri"] == "https://example.org/clearance"

    def missing(name: str) -> email.message.Message:
        raise sarif.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(sarif.metadata, "metadata", missing)
    assert "informationUri" not in run_of(report)["tool"]["driver"]
