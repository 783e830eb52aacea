"""Sandbox test fixtures: a clean AWS environment (no endpoint override, fake credentials) and a guard that kills
every sandbox server a test started, whatever happened, and fails the test if one had survived."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from checks.sandbox import stop_sandbox
from checks.sandbox.state import SERVER_MODULE

CLEARANCE = str(Path(sys.executable).parent / "clearance")
AWS_VARS = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE",
            "AWS_SHARED_CREDENTIALS_FILE", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
FAKE = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL") and k not in AWS_VARS}
    env.pop("MOTO_ACCOUNT_ID", None)
    return {**env, **FAKE}


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("AWS_ENDPOINT_URL") or key in AWS_VARS or key == "MOTO_ACCOUNT_ID":
            monkeypatch.delenv(key)
    for key, value in FAKE.items():
        monkeypatch.setenv(key, value)


def server_pids(marker: Path) -> list[int]:
    """Pids of sandbox server processes whose command line names `marker` (their --state file is inside it)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    pids = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            continue
        if state != "Z" and SERVER_MODULE.encode() in args and any(str(marker).encode() in a for a in args):
            pids.append(int(entry.name))
    return pids


@pytest.fixture
def out(tmp_path: Path) -> Iterator[Path]:
    """An out folder for a detached sandbox; whatever runs from it is stopped after the test."""
    folder = tmp_path / "out"
    yield folder
    try:
        stop_sandbox(folder)
    except Exception:  # noqa: BLE001 - e.g. a deliberately unreadable state file; the kill below still runs
        pass
    survivors = server_pids(tmp_path)
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while server_pids(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not survivors, f"sandbox server(s) {survivors} survived the test"


def clearance(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `clearance sandbox ARGS` through the installed entry point."""
    cmd = [CLEARANCE, "sandbox", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=cwd, env=clean_env(), check=False)
