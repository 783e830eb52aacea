"""Where `clearance scan` goes and with whose credentials: a planted `clearance-out/sandbox.json` never redirects it,
the sandbox's own state file is 0600, and the console always names the endpoint and the credentials' source (on
stderr under -q)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.sandboxes import running_sandbox

CLEARANCE = str(Path(sys.executable).parent / "clearance")
WAY_OUT = ("(pass --endpoint-url to choose an endpoint explicitly, or start your own with 'clearance sandbox up')")


def clearance(*args: str, cwd: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=str(cwd / "no-aws-config"), AWS_SHARED_CREDENTIALS_FILE=str(cwd / "none"),
               AWS_EC2_METADATA_DISABLED="true")
    env.update(extra_env)
    return subprocess.run([CLEARANCE, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120,
                          check=False)


def plant(cwd: Path, endpoint: str, mode: int) -> Path:
    """A sandbox.json such as a cloned repository or a shared folder could hold, naming a live process (pid 1)."""
    folder = cwd / "clearance-out"
    folder.mkdir(parents=True)
    path = folder / "sandbox.json"
    path.write_text(json.dumps({"version": 1, "endpoint": endpoint, "port": 4566, "pid": 1,
                                "account_id": "123456789012", "region": "us-east-1",
                                "started_at": "2026-01-01T00:00:00+00:00"}))
    path.chmod(mode)
    return path


@pytest.fixture(scope="module")
def sandbox_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with running_sandbox(clearance, tmp_path_factory.mktemp("source")) as folder:
        yield folder


@pytest.mark.parametrize(("endpoint", "mode", "why"), [
    ("http://198.51.100.7:4566", 0o644,
     "its endpoint http://198.51.100.7:4566 is not on this machine (only 127.0.0.1, ::1 or localhost)"),
    ("http://127.0.0.1:4566", 0o666, "the state file is writable by group or others (mode 0666)"),
    ("http://127.0.0.1:4566", 0o600, "its process 1 is not a clearance sandbox server (a stale file?)"),
])
def test_planted_sandbox_file_is_refused_in_one_line(tmp_path: Path, endpoint: str, mode: int, why: str) -> None:
    plant(tmp_path, endpoint, mode)
    for quiet in ((), ("-q",)):
        proc = clearance("scan", "--services", "kms", *quiet, cwd=tmp_path, AWS_ACCESS_KEY_ID="AKIAREALLOOKING",
                         AWS_SECRET_ACCESS_KEY="not-a-secret")
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert proc.stderr == (f"error: clearance-out/sandbox.json: not using the sandbox recorded there: {why} "
                               f"{WAY_OUT}\n")
        assert proc.stdout == ""


def test_sandbox_state_file_is_private(sandbox_dir: Path) -> None:
    mode = stat.S_IMODE((sandbox_dir / "sandbox.json").stat().st_mode)
    assert mode == 0o600, oct(mode)


def test_quiet_scan_of_the_sandbox_says_so_on_stderr(sandbox_dir: Path, tmp_path: Path) -> None:
    endpoint = json.loads((sandbox_dir / "sandbox.json").read_text())["endpoint"]
    proc = clearance("scan", "--sandbox-dir", str(sandbox_dir), "--services", "kms", "-q", "--out",
                     str(tmp_path / "r"), cwd=tmp_path, AWS_PROFILE="prod", AWS_ACCESS_KEY_ID="AKIAREALLOOKING",
                     AWS_SECRET_ACCESS_KEY="not-a-secret")
    assert proc.returncode in (0, 4), proc.stdout + proc.stderr
    said = (f"scanning the sandbox at {endpoint} with its fake credentials (recorded in "
            f"{sandbox_dir / 'sandbox.json'}; no --profile or --endpoint-url given)")
    assert said in proc.stderr.splitlines() and "scanning" not in proc.stdout


def test_named_endpoint_names_the_credentials_source(sandbox_dir: Path, tmp_path: Path) -> None:
    endpoint = json.loads((sandbox_dir / "sandbox.json").read_text())["endpoint"]
    loud = clearance("scan", "--endpoint-url", endpoint, "--services", "kms", "--out", str(tmp_path / "r"),
                     cwd=tmp_path, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                     AWS_DEFAULT_REGION="us-east-1")
    assert loud.returncode in (0, 4), loud.stdout + loud.stderr
    said = f"scanning {endpoint} with credentials from environment variables (AWS_ACCESS_KEY_ID)"
    assert loud.stdout.splitlines()[0] == said
    quiet = clearance("scan", "--services", "kms", "-q", "--out", str(tmp_path / "q"), cwd=tmp_path,
                      AWS_ENDPOINT_URL=endpoint, AWS_PROFILE="sandbox-profile", AWS_DEFAULT_REGION="us-east-1",
                      AWS_CONFIG_FILE=str(profile_file(tmp_path)))
    assert quiet.returncode in (0, 4), quiet.stdout + quiet.stderr
    assert (f"scanning {endpoint} with credentials from profile sandbox-profile (AWS_PROFILE)"
            in quiet.stderr.splitlines()) and "scanning" not in quiet.stdout


def profile_file(folder: Path) -> Path:
    path = folder / "aws-config"
    path.write_text("[profile sandbox-profile]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
                    "region = us-east-1\n")
    return path
