"""A stop signal (SIGTERM, SIGINT: `child_process.end_children`, called by the handler) leaves no child running,
even one that starts as the signal comes: between a child's start and its registration, or after the signal.
Before, a signal in that window left `clearance check PROGRAM` waiting for the program until its time limit."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from checks.sources import child_process
from checks.sources.child_process import ChildStopped, end_children, run_child
from tests.sources.test_program_stream import _running

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


@pytest.fixture(autouse=True)
def not_stopping() -> Iterator[None]:
    yield
    child_process._STOPPING.clear()  # end_children marks the process as on its way out: not the next test's


def test_a_signal_between_the_start_and_the_registration_ends_the_child(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[subprocess.Popen[bytes]] = []
    real_popen = subprocess.Popen

    def popen_then_signal(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        proc = real_popen(*args, **kwargs)
        started.append(proc)
        end_children()  # the handler runs here: the child is not in the registry yet
        return proc

    monkeypatch.setattr(child_process.subprocess, "Popen", popen_then_signal)
    began = time.monotonic()
    with pytest.raises(ChildStopped):
        run_child(SLEEPER, cwd=tmp_path, env={}, timeout=60, temp_dir=tmp_path)
    assert time.monotonic() - began < 10  # not the child's 60 s, nor the time limit
    assert not _running(started[0].pid)
    assert child_process._LIVE == {}


def test_no_child_starts_after_a_stop_signal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    end_children()
    monkeypatch.setattr(child_process.subprocess, "Popen", lambda *a, **k: pytest.fail("a child was started"))
    with pytest.raises(ChildStopped):
        run_child(SLEEPER, cwd=tmp_path, env={}, timeout=60, temp_dir=tmp_path)


def test_a_signal_while_the_child_runs_ends_it_as_before(tmp_path: Path) -> None:
    result: list[tuple[int, str]] = []

    def run() -> None:
        result.append(run_child(SLEEPER, cwd=tmp_path, env={}, timeout=60, temp_dir=tmp_path))

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 30
    while not child_process._LIVE and time.monotonic() < deadline:
        time.sleep(0.01)
    [(proc, _)] = child_process._LIVE.values()
    end_children()
    worker.join(30)
    assert not worker.is_alive() and not _running(proc.pid)
    assert result == [(-9, "")]  # killed; its temp folder (tmp_path) removed with its stderr file
