"""drift.json: valid against its schema, the documented keys exactly, secrets never printed, the check report's
own document under `evaluation`."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from checks.drift.model import ComplianceDrift, ConfigurationDrift
from reports.drift.json import DRIFT_SCHEMA_VERSION, drift_schema_path, render_json
from reports.json import JsonRenderer
from tests.drift_reports.sample import DB_PASSWORD, TOKEN, XSS, build_drift


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(drift_schema_path().read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def doc() -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(render_json(build_drift()))
    return parsed


def test_sample_is_valid(validator: Draft202012Validator) -> None:
    assert [e.message for e in validator.iter_errors(doc())] == []


def test_empty_drift_is_valid(validator: Draft202012Validator) -> None:
    empty = json.loads(render_json(build_drift(configuration=ConfigurationDrift(), compliance=ComplianceDrift(),
                                               trend=(), unreviewed=(), run_id=None, store=None)))
    assert [e.message for e in validator.iter_errors(empty)] == []
    assert empty["summary"]["verdict"] == "NO DRIFT: 0 assets in sync; no new or regressed failing findings"
    assert empty["summary"]["drift_found"] is False


def test_schema_rejects_a_printed_secret(validator: Draft202012Validator) -> None:
    d = doc()
    secret = next(c for c in d["configuration_drift"]["changed"][1]["changes"] if c["secret"])
    secret["state"] = "hunter2"
    assert len(list(validator.iter_errors(d))) == 1


def test_exact_keys() -> None:
    d = doc()
    assert list(d) == ["drift_schema_version", "tool", "generated_at", "target", "run_id", "store", "stacks",
                       "summary", "configuration_drift", "compliance_drift", "trend", "unreviewed_rules", "notes",
                       "evaluation"]
    assert d["drift_schema_version"] == DRIFT_SCHEMA_VERSION == "1.1"
    assert list(d["configuration_drift"]) == ["changed", "missing", "unmanaged", "in_sync_count", "ignored",
                                              "coverage"]
    assert list(d["compliance_drift"]) == ["previous_run", "previous_at", "new", "regressed", "recurring",
                                           "resolved"]
    assert d["summary"] == {
        "verdict": "DRIFT FOUND: 3 changed, 2 missing, 2 unmanaged; 2 new and 2 regressed failing findings; "
                   "2 unreviewed security-group rules",
        "drift_found": True,
        "fail_on": None,
        "configuration": {"changed": 3, "missing": 2, "unmanaged": 2, "in_sync": 2},
        "compliance": {"new": 2, "regressed": 2, "recurring": 2, "resolved": 2},
        "unreviewed_rules": 2,
    }
    assert d["run_id"] == "run-3" and d["stacks"] == ["shop/prod"]
    assert d["configuration_drift"]["in_sync_count"] == 2 and d["configuration_drift"]["ignored"] == 3
    assert d["configuration_drift"]["coverage"][0] == {"kind": "ec2.security_group", "live": 2, "managed": 1,
                                                       "share": 0.5}
    assert [p["run_id"] for p in d["trend"]] == ["run-0", "run-1", "run-2"]
    assert d["trend"][1] == {"run_id": "run-1", "at": "2026-04-27T09:30:00+00:00",
                             "failing": {"critical": 1, "high": 1, "medium": 2, "low": 2}, "total": 6, "errors": 1}


def test_ordering_and_values() -> None:
    d = doc()
    assert [a["id"] for a in d["configuration_drift"]["changed"]] == [
        "sg-0a1b2c3d", "arn:aws:rds:eu-west-1:123456789012:db:main", "arn:aws:s3:::xss-bucket"]
    assert [i["control"] for i in d["compliance_drift"]["new"]] == ["NET-01", "S3-01"]  # most severe first
    sg = d["configuration_drift"]["changed"][0]
    assert sg["location"] == {"file": "infra/__main__.py", "line": 40}
    assert sg["changes"] == [{"path": "rules", "secret": False, "state": [{"cidr": "10.0.0.0/8", "from_port": 443}],
                              "live": [{"cidr": "0.0.0.0/0", "from_port": 22},
                                       {"cidr": "10.0.0.0/8", "from_port": 443}], "note": None}]
    db = d["configuration_drift"]["changed"][1]["changes"]
    assert db[1] == {"path": "master_password", "secret": True, "state": None, "live": None,
                     "note": "secret, not compared"}
    assert d["configuration_drift"]["changed"][2]["name"] == XSS


def test_evaluation_is_the_check_report_document() -> None:
    drift = build_drift()
    assert doc()["evaluation"] == json.loads(JsonRenderer().render(drift.report))


def test_no_secret_is_printed() -> None:
    text = render_json(build_drift())
    assert DB_PASSWORD not in text and TOKEN not in text


def test_output_is_deterministic() -> None:
    assert render_json(build_drift()) == render_json(build_drift())
