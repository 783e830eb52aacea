"""`clearance sandbox up`, `clearance scan` and `clearance sandbox down` through the real entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from checks.sandbox import read_sandbox
from tests.e2e.sandboxes import running_sandbox

CLEARANCE = str(Path(sys.executable).parent / "clearance")


def clearance(*args: str, cwd: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_",))}
    env.update(extra_env, AWS_CONFIG_FILE=str(cwd / "no-aws-config"), AWS_SHARED_CREDENTIALS_FILE=str(cwd / "none"))
    return subprocess.run([CLEARANCE, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300,
                          check=False)


@pytest.fixture
def sandbox_dir(tmp_path: Path) -> Iterator[Path]:
    with running_sandbox(clearance, tmp_path) as folder:
        yield folder


def test_scan_finds_the_running_sandbox_and_reports_live_findings(sandbox_dir: Path, tmp_path: Path) -> None:
    info = read_sandbox(sandbox_dir)
    assert info is not None and info.endpoint.startswith("http://127.0.0.1:")
    session = info.session()
    kms = session.client("kms")
    kms.create_key(Description="no rotation")
    rotating = kms.create_key(Description="rotating")["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=rotating)
    out = tmp_path / "reports"
    proc = clearance("scan", "--sandbox-dir", str(sandbox_dir), "--services", "kms", "--format", "json,sarif",
                     "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # one key does not rotate
    assert f"scanning the sandbox at {info.endpoint}" in proc.stdout
    report = json.loads((out / "clearance.json").read_text())
    assert report["view"] == "live"
    key01 = sorted(f["status"] for f in report["findings"] if f["control"] == "KEY-01")
    assert key01 == ["fail", "pass"]
    assert any("API calls in" in w for w in report["warnings"])


def test_scan_without_credentials_is_one_clear_line(tmp_path: Path) -> None:
    proc = clearance("scan", "--services", "kms", "--regions", "eu-west-1", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == ("error: no AWS credentials (use --profile, AWS_PROFILE, or the sandbox "
                                   "(clearance sandbox up))")


def test_unreachable_endpoint_is_one_clear_line(tmp_path: Path) -> None:
    proc = clearance("scan", "--endpoint-url", "http://127.0.0.1:9", "--services", "kms", "--regions", "eu-west-1",
                     cwd=tmp_path, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith("error: http://127.0.0.1:9: cannot reach the account (sts:GetCallerIdentity)")


def test_unknown_service_and_iam_policy(tmp_path: Path) -> None:
    bad = clearance("scan", "--services", "kms,nope", cwd=tmp_path)
    assert bad.returncode == 2 and "unknown service 'nope'" in bad.stderr
    policy = json.loads(clearance("iam-policy", cwd=tmp_path).stdout)
    actions = policy["Statement"][0]["Action"]
    assert "kms:GetKeyRotationStatus" in actions and "elasticloadbalancing:DescribeListeners" in actions
    assert all(not a.split(":")[1].startswith(("Create", "Delete", "Put", "Update", "Modify")) for a in actions)
