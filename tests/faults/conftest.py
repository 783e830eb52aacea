"""Fault-injection fixtures: one sandbox (moto in a thread of this process) and one fault proxy in front of it per
module, an estate seeded once, and `scan()`: `clearance scan` through the proxy in a subprocess, bounded in time.

Everything listens on and talks to 127.0.0.1 only; the credentials are moto's fake ones.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from checks.sandbox import SandboxInfo, running_sandbox
from tests.faults.proxy import FaultProxy

CLEARANCE = str(Path(sys.executable).parent / "clearance")
REGION = "us-east-1"
DEADLINE = 4.0  # --timeout of every faulty scan, seconds
MARGIN = 6.0  # start-up of the `clearance` process (imports, catalog) and the report, on a busy 2-core machine
HARD_LIMIT = 60.0  # the subprocess is killed after this: a scan that ignores its deadline fails, never hangs
FAKE = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}


@dataclass(frozen=True)
class ScanRun:
    code: int
    stdout: str
    stderr: str
    seconds: float
    report: dict[str, Any] | None

    def findings(self, kind: str | None = None) -> list[dict[str, Any]]:
        found = (self.report or {}).get("findings", [])
        return [f for f in found if kind is None or f["asset"]["kind"] == kind]

    def explain(self) -> str:
        return f"exit {self.code} in {self.seconds:.1f} s\nstdout: {self.stdout[-2000:]}\nstderr: {self.stderr[-2000:]}"


def scan_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "MOTO_ACCOUNT_ID"}
    env.update(FAKE, AWS_CONFIG_FILE=str(tmp / "no-config"), AWS_SHARED_CREDENTIALS_FILE=str(tmp / "no-credentials"),
               AWS_EC2_METADATA_DISABLED="true", NO_PROXY="127.0.0.1", no_proxy="127.0.0.1")
    for key in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        env.pop(key, None)
    return env


def run_clearance_scan(endpoint: str, out: Path, *services: str, timeout: float | None = DEADLINE) -> ScanRun:
    """`clearance scan` of `services` in REGION through `endpoint`, JSON report in `out`; timed, never hanging."""
    out.mkdir(parents=True, exist_ok=True)
    cmd = [CLEARANCE, "scan", "--endpoint-url", endpoint, "--regions", REGION, "--services", ",".join(services),
           "--format", "json", "--out", str(out), "--quiet"]
    if timeout is not None:
        cmd += ["--timeout", f"{timeout:g}"]
    started = time.monotonic()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=out, env=scan_env(out), timeout=HARD_LIMIT,
                              check=False)
    except subprocess.TimeoutExpired as err:
        pytest.fail(f"clearance scan still running after {HARD_LIMIT:g} s (deadline {timeout}): {err.stderr!r}")
    seconds = time.monotonic() - started
    path = out / "clearance.json"
    report = json.loads(path.read_text()) if path.exists() else None
    return ScanRun(proc.returncode, proc.stdout, proc.stderr, seconds, report)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxInfo]:
    with running_sandbox(region=REGION) as info:
        yield info


@pytest.fixture(scope="module")
def proxy(sandbox: SandboxInfo) -> Iterator[FaultProxy]:
    running = FaultProxy(sandbox.endpoint).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def faults(proxy: FaultProxy) -> Iterator[FaultProxy]:
    """The module's proxy with no rules; whatever a test injects is cleared after it."""
    proxy.clear()
    try:
        yield proxy
    finally:
        proxy.clear()
