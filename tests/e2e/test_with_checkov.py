"""`clearance check --with-checkov` with the real checkov (.venv-checkov/, made by `make install`) on infra/ and
examples/noncompliant/: its findings sit beside clearance's, on the Pulumi resources' files and lines, and every
checkov AWS check that applies to a converted resource type ran (no silent zero).

Skips when .venv-checkov/ is missing, unless CLEARANCE_REQUIRE_SYSTEM_TESTS=1 (CI): then fails.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from checks.checkov.runner import run_checkov
from checks.flows.check import CheckRequest, load_source
from checks.terraform.to_plan import to_terraform_plan
from tests.paths import SARIF_SCHEMA

ROOT = Path(__file__).resolve().parents[2]
CLEARANCE = str(Path(sys.executable).parent / "clearance")
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
PROGRAMS = ("infra", "examples/noncompliant")
# checkov python checks that apply to a converted type but return no result (UNKNOWN) on these estates, and why
NO_RESULT = {
    ("CKV_AWS_143", "aws_s3_bucket"): "object lock: judged only when object_lock_configuration is declared",
    ("CKV_AWS_70", "aws_s3_bucket"): "an inline bucket policy only: the programs use aws_s3_bucket_policy",
    ("CKV_AWS_152", "aws_lb"): "cross-zone load balancing: network and gateway load balancers only (ALBs here)",
    ("CKV_AWS_224", "aws_ecs_cluster"): "judged only when execute_command_configuration is declared",
    ("CKV_AWS_250", "aws_db_instance"): "PostgreSQL instances only (infra/ runs MySQL)",
    ("CKV_AWS_325", "aws_rds_cluster"): "Aurora MySQL clusters only (the example's cluster is PostgreSQL)",
    ("CKV_AWS_326", "aws_rds_cluster"): "Aurora MySQL clusters only (the example's cluster is PostgreSQL)",
    ("CKV_AWS_334", "aws_ecs_task_definition"): "infra/'s container_definitions is built from outputs: unknown at "
                                                "plan time, so left out of the plan",
    ("CKV_AWS_335", "aws_ecs_task_definition"): "as CKV_AWS_334",
    ("CKV_AWS_233", "aws_acm_certificate"): "lifecycle create_before_destroy: checkov does not run lifecycle checks "
                                            "on plans (plan_runner ignores CKV_AWS_217/233/237)",
}


@pytest.fixture(scope="module")
def checkov() -> Path:
    if not os.access(CHECKOV, os.X_OK):
        if os.environ.get("CLEARANCE_REQUIRE_SYSTEM_TESTS") == "1":
            pytest.fail(f"{CHECKOV} is missing (CLEARANCE_REQUIRE_SYSTEM_TESTS=1: system tests must run); "
                        "run 'make install'")
        pytest.skip(f"{CHECKOV} is missing: run 'make install' to test --with-checkov")
    return CHECKOV


def run(program: str, out: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    proc = subprocess.run([CLEARANCE, "check", program, "--with-checkov", "--format", "json", "--format", "sarif",
                           "--out", str(out), "--quiet", *extra], capture_output=True, text=True, cwd=ROOT,
                          timeout=600, check=False)
    doc = json.loads((out / "clearance.json").read_text()) if (out / "clearance.json").exists() else {}
    return proc, doc


@pytest.mark.parametrize("program", PROGRAMS)
def test_checkov_findings_sit_beside_clearance_s_on_the_pulumi_lines(checkov: Path, program: str,
                                                                     tmp_path: Path) -> None:
    proc, doc = run(program, tmp_path, "--checkov", str(checkov))
    assert proc.returncode == 1, proc.stderr  # checkov fails some checks clearance does not have (docs/checkov.md)
    ours = [f for f in doc["findings"] if not f["control"].startswith("CKV")]
    theirs = [f for f in doc["findings"] if f["control"].startswith("CKV")]
    assert ours and theirs
    failed = [f for f in theirs if f["status"] == "fail"]
    assert failed
    for f in theirs:
        assert f["location"] is not None and f["location"]["file"].startswith(f"{program}/"), f
        assert doc["controls"][f["control"]]["severity"] == "medium"
    scanned = [w for w in doc["warnings"] if w.startswith("checkov 3.3.30 scanned ")]
    assert len(scanned) == 1 and "scanned 0 " not in scanned[0]
    noted = [f for f in ours if "CKV_AWS_7" in re.split(r"[ ,;]+", (f["detail"] or "").partition("also checkov ")[2])]
    assert noted and {f["control"] for f in noted} == {"KEY-01"}
    assert not any(f["control"] == "CKV_AWS_7" and f["status"] == "fail" for f in theirs)  # shown once, on KEY-01
    sarif = json.loads((tmp_path / "clearance.sarif").read_text())
    jsonschema.validate(sarif, json.loads(SARIF_SCHEMA.read_text()))
    rules = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert {f["control"] for f in failed} <= rules


def test_clearance_s_own_findings_are_unchanged_by_checkov(checkov: Path, tmp_path: Path) -> None:
    _, with_it = run("examples/noncompliant", tmp_path / "with")
    plain = subprocess.run([CLEARANCE, "check", "examples/noncompliant", "--format", "json", "--out",
                            str(tmp_path / "plain"), "--quiet"], capture_output=True, text=True, cwd=ROOT,
                           timeout=600, check=False)
    assert plain.returncode == 1, plain.stderr
    without = json.loads((tmp_path / "plain" / "clearance.json").read_text())

    def key(f: dict[str, Any]) -> tuple[str, str, str]:
        return f["control"], f["asset"]["id"], f["status"]

    assert sorted(map(key, without["findings"])) == sorted(
        key(f) for f in with_it["findings"] if not f["control"].startswith("CKV"))


def checks_by_type(checkov: Path) -> dict[str, set[str]]:
    """checkov's Python AWS resource checks, per Terraform type they apply to (`checkov --list`)."""
    listing = subprocess.run([str(checkov), "--list", "--framework", "terraform", "--skip-download"],
                             capture_output=True, text=True, timeout=300, check=True).stdout
    out: dict[str, set[str]] = {}
    for line in listing.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 6 and "/checks/resource/aws/" in cells[-2]:
            out.setdefault(cells[4], set()).add(cells[2])
    assert len(out) > 100, "checkov --list printed no AWS resource checks: its format changed?"
    return out


def test_every_check_that_applies_to_a_converted_type_ran(checkov: Path) -> None:
    applies = checks_by_type(checkov)
    missing: list[tuple[str, str]] = []
    for program in PROGRAMS:
        loaded = load_source(CheckRequest(program_dir=ROOT / program))
        converted = to_terraform_plan(loaded.resources)
        types = {address.split(".", 1)[0] for address in converted.addresses}
        assert len(types) > 40, program
        result = run_checkov(checkov, converted.plan, expected_resources=len(converted.addresses))
        ran = {(r.check_id, r.resource_type) for r in result.records}
        missing += [(cid, t) for t in sorted(types & set(applies)) for cid in sorted(applies[t])
                    if (cid, t) not in ran and (cid, t) not in NO_RESULT]
    assert missing == []
