"""A scan of the sandbox after `sandbox apply infra/`, as in the README: it takes infra/'s settings, waivers and
review register (the program applied), and points its findings at the lines of infra/ that declared their resources
(the state apply wrote), so its SARIF places them in the repository, each also named by ARN."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from checks.sandbox import read_sandbox
from checks.sandbox.landing import remove_default_vpc
from tests.e2e.sandboxes import running_sandbox

CLEARANCE = str(Path(sys.executable).parent / "clearance")
REPO = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"


def clearance(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=str(cwd / "no-aws-config"), AWS_SHARED_CREDENTIALS_FILE=str(cwd / "none"))
    return subprocess.run([CLEARANCE, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300,
                          check=False)


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The sandbox (in root/sandbox) with infra/ applied from the repository root."""
    root = tmp_path_factory.mktemp("linked")
    with running_sandbox(clearance, root) as folder:
        info = read_sandbox(folder)
        assert info is not None
        remove_default_vpc(info.session(REGION))  # as `sandbox up --no-default-vpc` does
        done = clearance("sandbox", "apply", "infra", "--out", str(folder), cwd=REPO)
        assert done.returncode == 0, done.stdout + done.stderr
        yield folder


def scan(folder: Path, out: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any], Any]:
    proc = clearance("scan", "--sandbox-dir", str(folder), "--regions", REGION, "--format", "json,sarif",
                     "--out", str(out), *extra, cwd=REPO)
    assert "Traceback" not in proc.stderr, proc.stderr
    report = json.loads((out / "clearance.json").read_text(encoding="utf-8"))
    sarif = json.loads((out / "clearance.sarif").read_text(encoding="utf-8"))
    return proc, report, sarif


def test_live_findings_point_at_the_lines_that_declared_their_resources(applied: Path, tmp_path: Path) -> None:
    proc, report, sarif = scan(applied, tmp_path / "out")
    assert proc.returncode == 4, proc.stdout + proc.stderr  # only what moto cannot answer is unread
    assert ("settings, waivers and review register of infra (the program applied to the sandbox; --program-dir "
            "chooses another)") in proc.stdout
    assert "findings point at the lines that declared their resources (the state " in proc.stdout
    findings = report["findings"]
    assert not [f for f in findings if f["status"] == "fail"]
    db = [f for f in findings if f["asset"]["kind"] == "rds.db_instance"]
    assert db and {f["location"]["file"] for f in db} == {"infra/components/database.py"}
    # what no state declares (the account's region-level view) has no line
    assert all(f["location"] is None for f in findings if f["asset"]["kind"] == "aws.region")
    ids = {f["asset"]["id"] for f in findings}
    results = sarif["runs"][0]["results"]
    assert results, "the SARIF lists the non-passing results"
    for result in results:
        [where] = result["locations"]
        assert where["physicalLocation"]["artifactLocation"]["uri"].startswith("infra/")
        assert where["logicalLocations"][0]["fullyQualifiedName"] in ids  # the ARN, or the AWS id where none
    assert any(r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].startswith("arn:aws:") for r in results)
    assert sarif["runs"][0]["automationDetails"]["id"].startswith("clearance/live/account-123456789012-eu-west-1/")


def test_without_the_link_live_findings_have_no_line(applied: Path, tmp_path: Path) -> None:
    """--state of another stack links nothing: no finding gets a line it does not have."""
    other = REPO / "tests" / "fixtures" / "state" / "sample_export_v6_legacy_bucket.json"
    proc, report, _ = scan(applied, tmp_path / "out", "--state", str(other))
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "findings point at the lines" not in proc.stdout
    assert all(f["location"] is None for f in report["findings"])
