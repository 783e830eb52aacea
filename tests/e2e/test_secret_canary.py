"""A secret canary fed through every source must appear in no report, no console output and no file the sandbox writes.

The canary is a KMS key id, an ARN, a name, a tag value and a policy string (tests/fixtures/secrets/). One
`clearance` run per source, shared by module-scoped fixtures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from checks.model import UNKNOWN, Secret
from checks.sources.state import load_state
from tests.e2e.sandboxes import running_sandbox

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SECRETS = ROOT / "tests" / "fixtures" / "secrets"
CLEARANCE = str(Path(sys.executable).parent / "clearance")
CANARY = "CANARY-5f1d3c9a"
FORMATS = "console,json,sarif,markdown,junit"
REPORT_FILES = ["clearance.json", "clearance.junit.xml", "clearance.md", "clearance.sarif"]

Run = tuple[subprocess.CompletedProcess[str], Path]


def clearance(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
               AWS_CONFIG_FILE=str(cwd / "no-aws-config"), AWS_SHARED_CREDENTIALS_FILE=str(cwd / "none"))
    return subprocess.run([CLEARANCE, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300,
                          check=False)


def report_files(out: Path) -> list[Path]:
    """Every report written under `out` (a run folder inside it included)."""
    return sorted(p for p in out.rglob("clearance.*") if p.is_file())


def assert_no_canary(proc: subprocess.CompletedProcess[str], out: Path) -> None:
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    names = sorted({p.name for p in report_files(out)})
    assert names == REPORT_FILES, names
    assert CANARY not in proc.stdout, proc.stdout
    assert CANARY not in proc.stderr, proc.stderr
    for path in report_files(out):
        assert CANARY not in path.read_text(encoding="utf-8"), path


def finding(out: Path, control: str, name: str) -> dict[str, Any]:
    report = json.loads(next(p for p in report_files(out) if p.name == "clearance.json").read_text())
    return next(f for f in report["findings"] if f["control"] == control and f["asset"]["name"] == name)


# ---------------------------------------------------------------- a Pulumi program (secure config, -c, Output.secret)


@pytest.fixture(scope="module")
def program_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    out = tmp_path_factory.mktemp("program")
    proc = clearance("check", str(SECRETS / "program"), "-c", f"dbPassword={CANARY}", "-c", f"keyAlias={CANARY}",
                     "-f", FORMATS, "--out", str(out))
    return proc, out


def test_program_prints_no_secret(program_run: Run) -> None:
    assert_no_canary(*program_run)


def test_program_secret_kms_key_ids_are_redacted_in_enc_07_and_enc_09(program_run: Run) -> None:
    _, out = program_run
    assert finding(out, "ENC-07", "legacy")["message"] == (
        "EBS volume legacy: encrypted true, KMS key **** (customer-managed: false; none means the AWS-managed "
        "aws/ebs key or no encryption)")
    assert finding(out, "ENC-09", "legacydb")["message"] == (
        "RDS DB instance legacydb is encrypted with KMS key ****, which is not customer-managed; it must be encrypted "
        "with a customer-managed KMS key")


def test_program_secure_config_with_a_wrong_type_is_not_echoed(tmp_path: Path) -> None:
    """A `-c` value for a secure key that the program reads with the wrong type: the error must not quote it.
    (checks/sources/program.py is being fixed for this by another engineer: this test may fail until it lands.)"""
    program = tmp_path / "program"
    program.mkdir()
    (program / "Pulumi.yaml").write_text("name: typed\nruntime: python\n")
    (program / "Pulumi.dev.yaml").write_text("config:\n  typed:count:\n    secure: v1:AAAAAAAA:BBBBBBBB\n")
    (program / "__main__.py").write_text("import pulumi\n\npulumi.Config().require_secret_int('count')\n")
    proc = clearance("check", str(program), "-c", f"count={CANARY}", "-f", FORMATS, "--out", str(tmp_path / "out"),
                     cwd=tmp_path)
    assert CANARY not in proc.stdout + proc.stderr, proc.stdout + proc.stderr


# ---------------------------------------------------------------- a preview file ("[secret]" and secret envelopes)


@pytest.fixture(scope="module")
def preview_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    out = tmp_path_factory.mktemp("preview")
    return clearance("check", "--preview", str(SECRETS / "preview.json"), "-f", FORMATS, "--out", str(out)), out


def test_preview_prints_no_secret(preview_run: Run) -> None:
    assert_no_canary(*preview_run)


def test_preview_blinded_secrets_are_unknown_not_values(preview_run: Run) -> None:
    _, out = preview_run
    blinded = finding(out, "ENC-07", "blinded")
    assert blinded["status"] == "unknown"
    assert blinded["detail"] == "not known at plan time: encryption.customer_managed_key, encryption.kms_key_id"
    assert finding(out, "ENC-07", "legacy")["message"] == (
        "EBS volume legacy: encrypted true, KMS key **** (customer-managed: false; none means the AWS-managed "
        "aws/ebs key or no encryption)")


# ---------------------------------------------------------------- a state export (plaintext and ciphertext secrets)


@pytest.fixture(scope="module")
def state_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    out = tmp_path_factory.mktemp("state")
    return clearance("check", "--state", str(SECRETS / "state_show_secrets.json"), "-f", FORMATS,
                     "--out", str(out)), out


def test_state_prints_no_secret(state_run: Run) -> None:
    assert_no_canary(*state_run)


def test_state_secret_arn_and_identifier_never_become_the_asset_id(state_run: Run) -> None:
    _, out = state_run
    db = finding(out, "ENC-09", "legacydb")
    assert db["asset"] == {"kind": "rds.db_instance", "name": "legacydb",
                           "id": "urn:pulumi:dev::canary::aws:rds/instance:Instance::legacydb"}
    bucket = finding(out, "ENC-01", "logs")
    assert bucket["asset"]["id"] == "urn:pulumi:dev::canary::aws:s3/bucketV2:BucketV2::logs"
    sealed = finding(out, "ENC-07", "sealed")  # a ciphertext-only key id is unknown, never a value
    assert sealed["status"] == "unknown"


# ---------------------------------------------------------------- sandbox apply, then a live scan


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with running_sandbox(clearance, tmp_path_factory.mktemp("sandbox")) as folder:
        yield folder


@pytest.fixture(scope="module")
def applied(sandbox: Path) -> list[subprocess.CompletedProcess[str]]:
    program = str(SECRETS / "sandbox_program")
    first = clearance("sandbox", "apply", program, "--out", str(sandbox), cwd=sandbox.parent)
    # again: the role exists now, and AWS's error names it; the printed reason must not
    again = clearance("sandbox", "apply", program, "--out", str(sandbox), "--state-file",
                      str(sandbox / "again.json"), cwd=sandbox.parent)
    return [first, again]


def test_sandbox_apply_writes_and_prints_no_secret(sandbox: Path, applied: list[subprocess.CompletedProcess[str]]
                                                   ) -> None:
    first, again = applied
    assert first.returncode == 0, first.stdout + first.stderr
    assert "failed: aws:iam/role:Role app: CreateRole: EntityAlreadyExists: Role with name **** already exists" \
        in again.stdout, again.stdout
    for proc in applied:
        assert CANARY not in proc.stdout + proc.stderr
    written = sorted(p for p in sandbox.rglob("*") if p.is_file())
    assert {p.name for p in written} >= {"sandbox.json", "sandbox-state.json", "again.json"}
    for path in written:
        assert CANARY not in path.read_text(encoding="utf-8", errors="replace"), path


def test_sandbox_state_holds_secret_envelopes_that_read_back_as_unknown(sandbox: Path,
                                                                         applied: list[object]) -> None:
    envelope = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                "ciphertext": "clearance-sandbox:redacted"}
    data = json.loads((sandbox / "sandbox-state.json").read_text())
    role = next(r for r in data["deployment"]["resources"] if r["type"] == "aws:iam/role:Role")
    assert role["outputs"]["arn"] == envelope and role["outputs"]["name"] == envelope  # derived from a secret name
    assert role["id"] == "****"  # the secret name was the whole id
    raw = next(r for r in load_state(sandbox / "sandbox-state.json").resources if r.type == "aws:iam/role:Role")
    assert raw.props["arn"] is UNKNOWN and not any(isinstance(v, Secret) for v in raw.props.values())


def test_sandbox_state_and_live_scan_print_no_secret(sandbox: Path, applied: list[object],
                                                     tmp_path: Path) -> None:
    state_out, live_out = tmp_path / "state", tmp_path / "live"
    state = clearance("check", "--state", str(sandbox / "sandbox-state.json"), "-f", FORMATS,
                      "--out", str(state_out), cwd=sandbox.parent)
    assert_no_canary(state, state_out)
    live = clearance("scan", "--sandbox-dir", str(sandbox), "-f", FORMATS, "--out", str(live_out),
                     cwd=sandbox.parent)
    assert_no_canary(live, live_out)
