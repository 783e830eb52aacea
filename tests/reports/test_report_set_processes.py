"""A run's report set replaces the previous one as a whole or not at all, across processes: a writer killed at
random points, and two writers on one folder at once (python subprocesses, hence `slow`)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from checks.report import Report
from reports.base import write_reports
from tests.paths import ROOT
from tests.reports.test_report_set import FORMATS, NAMES, leftovers, markers, registry

pytestmark = pytest.mark.slow


def writer(out: Path, marker: str, runs: int) -> subprocess.Popen[str]:
    """A writer process, importing; `start` it once `out` is ready."""
    return subprocess.Popen([sys.executable, "-m", "tests.reports._report_writer", str(out), marker, str(runs)],
                            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def start(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    proc.stdin.write("go\n")
    proc.stdin.flush()


def test_a_writer_killed_at_random_points_leaves_one_run_s_set(report: Report, tmp_path: Path) -> None:
    rng = random.Random(20260504)
    seen: set[str] = set()
    attempts = 20
    following = writer(tmp_path / "out0", "killed", 1000)
    for attempt in range(attempts):
        out = tmp_path / f"out{attempt}"
        write_reports(report, FORMATS, out, registry=registry("seed"))
        proc = following
        if attempt + 1 < attempts:  # the next writer imports while this one runs
            following = writer(tmp_path / f"out{attempt + 1}", "killed", 1000)
        start(proc)
        time.sleep(rng.uniform(0.0, 0.3))
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        found = markers(out)  # every report exists: the seed set was complete and so is every run's
        assert len(found) == 1, f"attempt {attempt}: reports of several runs: {sorted(found)}"
        seen |= found
        assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(NAMES)

        write_reports(report, FORMATS, out, registry=registry("next"))  # the next run cleans up
        assert markers(out) == {"next"}
        assert leftovers(out) == []
    assert len(seen) > 2  # the kills landed after different runs


def test_two_writers_on_one_folder_leave_one_run_s_set(report: Report, tmp_path: Path) -> None:
    for attempt in range(10):
        out = tmp_path / f"out{attempt}"
        write_reports(report, FORMATS, out, registry=registry("seed"))
        procs = [writer(out, marker, 3) for marker in ("A", "B")]
        for proc in procs:  # both have imported: start them together
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        for proc in procs:
            _, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
        assert markers(out) in ({"A-2"}, {"B-2"}), f"attempt {attempt}: a mixed set"
        assert leftovers(out) == []
