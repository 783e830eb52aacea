"""`clearance check PROGRAM_DIR` in a subprocess: the program time limit, and SIGTERM/SIGINT ending the child."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.sources.test_program import PROGRAMS

pytestmark = pytest.mark.slow
CLEARANCE = str(Path(sys.executable).parent / "clearance")


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PULUMI_"))}
    env.update(TMPDIR=str(tmp), AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")  # fake, never used
    return env


def _children(tmp: Path) -> list[int]:
    """Processes running the program child with an args file in `tmp`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if "_pulumi_child.py" in cmdline and str(tmp) in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


def test_program_timeout_option_names_itself(tmp_path: Path) -> None:
    proc = subprocess.run([CLEARANCE, "check", "slow", "--program-timeout", "1.5", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=PROGRAMS, env=_env(tmp_path), timeout=120, check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "error: slow/__main__.py: the Pulumi program did not finish within 1.5 s (raise the limit with "
        "--program-timeout SECONDS, or look for a loop or a network call that never returns)"]
    assert _children(tmp_path) == []
    assert list(tmp_path.glob("clearance-program-*")) == []


def _default_signals() -> None:
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_DFL)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_ends_the_child_and_removes_its_temp_folder(tmp_path: Path, signum: signal.Signals) -> None:
    # started as from a terminal: a runner that starts the tests in the background (`cmd &`, nohup) has SIGINT
    # ignored, which clearance, like any process, inherits and leaves ignored
    proc = subprocess.Popen([CLEARANCE, "check", "slow", "--out", str(tmp_path / "out")], cwd=PROGRAMS,
                            env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_signals)
    try:
        deadline = time.monotonic() + 60
        while not _children(tmp_path) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        children = _children(tmp_path)
        assert children, "the program's child process never started"
        assert list(tmp_path.glob("clearance-program-*"))
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 128 + signum, stderr
    assert stderr.strip().splitlines()[-1] == f"clearance: stopped by {signal.Signals(signum).name}"
    deadline = time.monotonic() + 10
    while _children(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _children(tmp_path) == []
    assert list(tmp_path.glob("clearance-program-*")) == []
