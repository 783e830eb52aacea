"""The JSON report: valid against its published schema, complete, and deterministic."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from checks.model import Finding, Status
from checks.report import REPORT_SCHEMA_VERSION, Report
from reports.json import JsonRenderer, report_schema_path
from tests.reports.conftest import partly_evidenced

# the sample report has one error result: its verdict says it is incomplete
VERDICT = ("INCOMPLETE: 1 result could not be evaluated (data not read); "
           "3 findings at or above high among the rest")


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(report_schema_path().read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def doc_of(report: Report) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(JsonRenderer().render(report))
    return parsed


def test_sample_report_is_valid(report: Report, validator: Draft202012Validator) -> None:
    errors = [e.message for e in validator.iter_errors(doc_of(report))]
    assert errors == []


def test_empty_report_is_valid(make_report: Callable[..., Report], validator: Draft202012Validator) -> None:
    doc = doc_of(make_report(findings=(), fail_on=None, artifact=None, unsupported={}, waiver_problems=(),
                             warnings=()))
    assert [e.message for e in validator.iter_errors(doc)] == []
    assert doc["summary"]["result"] == "pass"
    assert doc["summary"]["verdict"] == "NOTHING CHECKED (11 assets checked): no failing findings"
    assert doc["fail_on"] is None


def test_schema_rejects_a_malformed_finding(report: Report, validator: Draft202012Validator) -> None:
    doc = doc_of(report)
    doc["findings"][0]["status"] = "passed"
    doc["findings"][1]["location"] = {"file": "x.py", "line": 0}
    del doc["findings"][2]["fingerprint"]
    assert len(list(validator.iter_errors(doc))) == 3


def test_header_and_summary(report: Report) -> None:
    doc = doc_of(report)
    assert doc["schema_version"] == REPORT_SCHEMA_VERSION
    assert doc["tool"] == {"name": "clearance", "version": "0.1.0"}
    assert doc["generated_at"] == "2026-05-04T09:30:00+00:00"
    assert (doc["view"], doc["target"], doc["fail_on"]) == ("planned", "program infra/ (stack dev)", "high")
    summary = doc["summary"]
    assert summary["by_status"] == {"fail": 5, "error": 1, "unknown": 1, "waived": 2, "pass": 3, "not_applicable": 2}
    assert summary["by_severity"]["critical"] == {"fail": 1, "error": 0, "unknown": 0, "waived": 1, "pass": 1,
                                                  "not_applicable": 0}
    assert summary["by_severity"]["high"]["error"] == 1
    assert (summary["result"], summary["failing"], summary["findings"], summary["assets"]) == ("fail", 3, 14, 11)
    assert summary["verdict"] == VERDICT
    assert summary["incomplete"] is True
    assert summary["incomplete_note"] == "evaluation incomplete: 1 unknown, 1 error"


def test_controls_carry_remediation_frameworks_and_claim(report: Report) -> None:
    controls = doc_of(report)["controls"]
    assert list(controls) == sorted(report.controls)
    key = controls["KEY-01"]
    assert key["severity"] == "high" and key["kind"] == "kms.key"
    assert key["frameworks"] == {"iso27001_2022": ["A.8.24"], "nist_800_53": ["SC-12"], "soc2": ["CC6.1"]}
    assert key["remediation"] == {"pulumi": "Fix KEY-01 in the Pulumi program.", "cli": "aws fix-key-01"}
    assert key["claim"].startswith("Aptly uses a secure key management system")


def test_findings_keep_every_field(report: Report) -> None:
    findings = doc_of(report)["findings"]
    assert len(findings) == len(report.findings)
    by_status: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        by_status.setdefault(f["status"], []).append(f)
    error = by_status["error"][0]
    assert error["detail"] == "AccessDenied kms:GetKeyRotationStatus"
    assert error["location"] is None
    assert error["asset"]["name"] == "legacy-key" and error["asset"]["id"].startswith("arn:aws:kms:")
    waived = {f["control"]: f for f in by_status["waived"]}
    assert waived["IAM-01"]["waiver"] == {
        "control": "IAM-01", "asset": "ci-deployer*", "reason": "Deployer needs admin until the split lands",
        "approver": "alice@example.com", "expires": "2026-12-31",
    }
    net = next(f for f in by_status["fail"] if f["control"] == "NET-01")
    assert net["location"] == {"file": "infra/__main__.py", "line": 40}
    assert net["waiver"] is None and net["detail"] is None
    assert all(f["fingerprint"] for f in findings)


def test_lists_are_sorted_and_output_is_deterministic(report: Report) -> None:
    doc = doc_of(report)
    keys = [(f["control"], f["asset"]["kind"], f["asset"]["id"]) for f in doc["findings"]]
    assert keys == sorted(keys)
    assert doc["unsupported"] == [{"type": "aws:lambda/function:Function", "count": 1},
                                  {"type": "aws:sqs/queue:Queue", "count": 2}]
    shuffled = dataclasses.replace(report, findings=tuple(reversed(report.findings)),
                                   unsupported=dict(reversed(list(report.unsupported.items()))))
    assert JsonRenderer().render(shuffled) == JsonRenderer().render(report)


def test_non_ascii_text_survives(make_report: Callable[..., Report], make_finding: Callable[..., Finding]) -> None:
    f = make_finding("S3-01", Status.FAIL, "b", "bücket", "Bücket “b” is public")
    doc = doc_of(make_report(findings=(f,)))
    assert doc["findings"][0]["message"] == "Bücket “b” is public"
    assert doc["waiver_problems"] == ["waiver for S3-01 on old-bucket expired on 2026-01-31"]
    assert doc["warnings"] == ["checkov is not installed: its checks were skipped"]


# --- compliance coverage (schema 1.1; partial evidence 1.2) -----------------------------------------------------------


def test_schema_version_is_1_5() -> None:  # 1.3: the baseline fields (tests/unit/test_baseline.py); 1.4: api_calls;
    assert REPORT_SCHEMA_VERSION == "1.5"    # 1.5: account and region (tests/reports/test_accounts_rollup.py)


def test_api_calls_of_a_live_run(make_report: Callable[..., Report], validator: Draft202012Validator) -> None:
    doc = doc_of(make_report(api_calls={"s3:ListBuckets": 1, "ec2:DescribeSecurityGroups": 12, "kms:ListKeys": 2}))
    assert [e.message for e in validator.iter_errors(doc)] == []
    assert doc["api_calls"] == {"total": 15, "operations": {"ec2:DescribeSecurityGroups": 12, "kms:ListKeys": 2,
                                                            "s3:ListBuckets": 1}}
    assert list(doc["api_calls"]["operations"]) == ["ec2:DescribeSecurityGroups", "kms:ListKeys", "s3:ListBuckets"]
    doc["api_calls"]["operations"]["ListBuckets"] = 1     # not service:Operation
    doc["api_calls"]["total"] = -1
    assert len(list(validator.iter_errors(doc))) == 2


def test_no_api_calls_without_aws(report: Report, validator: Draft202012Validator) -> None:
    doc = doc_of(report)   # a planned view: no call to AWS, no field (documents of 1.3 and before validate)
    assert "api_calls" not in doc
    doc["schema_version"] = "1.3"
    assert [e.message for e in validator.iter_errors(doc)] == []


def test_coverage_is_empty_without_frameworks(report: Report, validator: Draft202012Validator) -> None:
    doc = doc_of(report)
    assert doc["coverage"] == {}


def test_coverage_per_framework_and_requirement(covered_report: Report, validator: Draft202012Validator) -> None:
    doc = doc_of(covered_report)
    assert [e.message for e in validator.iter_errors(doc)] == []
    coverage = doc["coverage"]
    assert list(coverage) == ["nist_800_53", "soc2"]
    soc2 = coverage["soc2"]
    assert (soc2["name"], soc2["version"]) == ("SOC 2 (2017 Trust Services Criteria)", "2017")
    assert soc2["summary"] == {"fail": 3, "incomplete": 0, "partial": 0, "pass": 2, "no-data": 0, "manual": 2}
    reqs = {r["id"]: r for r in soc2["requirements"]}
    assert [r["id"] for r in soc2["requirements"]] == ["CC6.1", "CC6.3", "CC6.6", "CC7.2", "CC7.3", "CC9.2", "A1.2"]
    assert reqs["CC6.1"]["controls"] == {"IAM-01": "pass", "KEY-01": "fail", "S3-01": "fail"}
    assert reqs["CC6.1"]["findings"] == {"fail": 2, "error": 1, "unknown": 0, "waived": 1, "pass": 1,
                                         "not_applicable": 1}
    assert (reqs["CC6.1"]["status"], reqs["CC6.1"]["manual"]) == ("fail", False)
    assert reqs["CC9.2"] == {"id": "CC9.2", "title": "Vendor and business partner risk", "manual": True,
                             "status": "manual", "controls": {},
                             "findings": {s: 0 for s in ("fail", "error", "unknown", "waived", "pass",
                                                         "not_applicable")},
                             "evidence": {"level": "full", "why": None}}
    assert coverage["nist_800_53"]["version"] is None


def test_schema_checks_coverage(covered_report: Report, validator: Draft202012Validator) -> None:
    doc = doc_of(covered_report)
    doc["coverage"]["soc2"]["requirements"][0]["status"] = "passed"
    doc["coverage"]["soc2"]["summary"].pop("manual")
    doc["coverage"]["nist_800_53"]["requirements"][0]["controls"]["IAM-01"] = "ok"
    assert len(list(validator.iter_errors(doc))) == 3


def test_partial_evidence(make_report: Callable[..., Report], validator: Draft202012Validator) -> None:
    doc = doc_of(make_report(frameworks=partly_evidenced()))
    assert [e.message for e in validator.iter_errors(doc)] == []
    soc2 = doc["coverage"]["soc2"]
    assert soc2["summary"] == {"fail": 3, "incomplete": 0, "partial": 1, "pass": 1, "no-data": 0, "manual": 2}
    reqs = {r["id"]: r for r in soc2["requirements"]}
    assert (reqs["CC6.3"]["status"], reqs["CC6.3"]["evidence"]) == (
        "partial", {"level": "partial", "why": "roles are checked, not who holds them"})
    assert (reqs["CC6.1"]["status"], reqs["CC6.1"]["evidence"]) == ("fail", {"level": "partial", "why": "a proxy"})
    assert reqs["CC6.1"]["controls"]["IAM-01"] == "pass"     # a control's own status is never partial
    reqs["CC6.3"]["evidence"] = {"level": "some", "why": ""}
    assert len(list(validator.iter_errors(doc))) == 2


def test_a_1_1_document_still_validates(covered_report: Report, validator: Draft202012Validator) -> None:
    doc = doc_of(covered_report)
    doc["schema_version"] = "1.1"
    for fc in doc["coverage"].values():
        del fc["summary"]["partial"]
        for req in fc["requirements"]:
            del req["evidence"]
    assert [e.message for e in validator.iter_errors(doc)] == []


def test_a_1_0_document_still_validates(report: Report, validator: Draft202012Validator) -> None:
    doc = doc_of(report)
    del doc["coverage"]
    doc["schema_version"] = "1.0"
    assert [e.message for e in validator.iter_errors(doc)] == []


def test_coverage_is_deterministic(covered_report: Report) -> None:
    shuffled = dataclasses.replace(covered_report, findings=tuple(reversed(covered_report.findings)),
                                   frameworks=dict(reversed(list(covered_report.frameworks.items()))))
    assert JsonRenderer().render(shuffled) == JsonRenderer().render(covered_report)
