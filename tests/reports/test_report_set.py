"""A run's report set replaces the previous one as a whole or not at all (reports._publish), in one process.

Kills and concurrent processes are in test_report_set_processes.py.
"""

from __future__ import annotations

import errno
import io
import os
import threading
from pathlib import Path

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from checks.cli import app
from checks.cli.common import emit
from checks.fsutil import try_lock
from checks.report import Report
from reports._publish import STAGING
from reports.base import Renderer, write_reports
from tests.paths import ROOT
from tests.reports._report_writer import Marked

STATE = ROOT / "tests" / "fixtures" / "state" / "sample_export_v6_legacy_bucket.json"
WIDE = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
NAMES = ("clearance.json", "clearance.sarif", "clearance.md", "clearance.junit.xml")




class Boom:
    name = "markdown"
    extension = "md"

    def render(self, report: Report) -> str:
        raise RuntimeError("renderer exploded")


def registry(marker: str, size: int = 1) -> dict[str, Renderer]:
    return {name: Marked(name, ext, marker, size)
            for name, ext in (("json", "json"), ("sarif", "sarif"), ("markdown", "md"), ("junit", "junit.xml"))}


FORMATS = ["json", "sarif", "markdown", "junit"]


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """What a reader sees in `folder`: every visible entry's bytes (through symlinks), or `<folder>`."""
    return {p.name: (p.read_bytes() if p.is_file() else "<folder>") for p in sorted(folder.iterdir())
            if not p.name.startswith(".")}


def leftovers(folder: Path) -> list[str]:  # sorted
    """Temporary files anywhere below `folder`, and staging entries besides the lock, `current` and its run."""
    found = [str(p.relative_to(folder)) for p in folder.rglob("*") if p.name.endswith(".tmp")]
    staging = folder / STAGING
    if staging.is_dir():
        published = os.readlink(staging / "current") if (staging / "current").is_symlink() else None
        found += [f"{STAGING}/{p.name}" for p in staging.iterdir() if p.name not in ("lock", "current", published)]
    return sorted(set(found))


def markers(folder: Path) -> set[str]:
    return {(folder / name).read_text(encoding="utf-8").split(" ", 1)[0] for name in NAMES}


def test_a_failing_third_file_keeps_the_previous_set_byte_for_byte_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    runner = CliRunner()
    args = ["check", "--state", str(STATE), "-f", "json,sarif,markdown,junit", "--out", str(out), "--quiet",
            "--fail-on", "high"]
    first = runner.invoke(app, args, env=WIDE)
    assert first.exit_code == 0, first.output
    (out / "sandbox.json").write_text('{"port": 1}\n', encoding="utf-8")
    before = snapshot(out)
    assert sorted(before) == sorted([*NAMES, "sandbox.json"])

    real_fsync = os.fsync
    calls: list[int] = []

    def full_disk_on_the_third_file(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_disk_on_the_third_file)
    second = runner.invoke(app, args, env=WIDE)
    assert second.exit_code == 2, second.output
    assert second.output.strip().splitlines() == [
        f"error: {out}: cannot write the reports: No space left on device (choose another --out folder)"]
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_a_renderer_that_raises_on_the_third_format_changes_nothing(report: Report, tmp_path: Path) -> None:
    write_reports(report, FORMATS, tmp_path, registry=registry("first"))
    before = snapshot(tmp_path)
    broken = {**registry("second"), "markdown": Boom()}
    with pytest.raises(RuntimeError, match="renderer exploded"):
        write_reports(report, FORMATS, tmp_path, registry=broken)
    assert snapshot(tmp_path) == before
    assert markers(tmp_path) == {"first"}
    assert leftovers(tmp_path) == []


def test_a_successful_run_leaves_symlinks_into_one_run_folder_and_no_temp_file(report: Report, tmp_path: Path) -> None:
    for marker in ("first", "second", "third"):
        paths = write_reports(report, FORMATS, tmp_path, registry=registry(marker))
    assert paths == [tmp_path / name for name in NAMES]
    assert markers(tmp_path) == {"third"}
    for name in NAMES:
        assert os.readlink(tmp_path / name) == f"{STAGING}/current/{name}"
    assert leftovers(tmp_path) == []
    assert len(list((tmp_path / STAGING).iterdir())) == 3  # lock, current and the run folder


def test_reports_of_an_older_version_are_replaced_and_other_files_left_alone(report: Report, tmp_path: Path) -> None:
    (tmp_path / "clearance.json").write_text("old json\n", encoding="utf-8")
    (tmp_path / "clearance.sarif").write_text("old sarif\n", encoding="utf-8")  # a format this run does not write
    (tmp_path / ".clearance.md.0123456789ab.tmp").write_text("temp of a killed old version\n", encoding="utf-8")
    others = {"sandbox.json": "{}\n", "history.db": "db\n", ".sandbox.json.0123456789ab.tmp": "not a report\n",
              "clearance.toml": "[tool.clearance]\n"}
    for name, text in others.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "notes").mkdir()

    write_reports(report, ["json", "markdown"], tmp_path, registry=registry("new"))

    assert (tmp_path / "clearance.json").read_text(encoding="utf-8") == "new json\n"
    assert (tmp_path / "clearance.md").read_text(encoding="utf-8") == "new md\n"
    assert not os.path.lexists(tmp_path / "clearance.sarif")
    assert not os.path.lexists(tmp_path / ".clearance.md.0123456789ab.tmp")
    for name, text in others.items():
        assert (tmp_path / name).read_text(encoding="utf-8") == text
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [STAGING, "clearance.json", "clearance.md", "notes", *others])
    assert leftovers(tmp_path) == [".sandbox.json.0123456789ab.tmp"]  # not a report's: left alone


def test_a_format_the_run_did_not_write_disappears_with_the_switch(report: Report, tmp_path: Path) -> None:
    write_reports(report, FORMATS, tmp_path, registry=registry("first"))
    write_reports(report, ["json"], tmp_path, registry=registry("second"))
    assert snapshot(tmp_path) == {"clearance.json": b"second json\n"}
    assert leftovers(tmp_path) == []


def test_a_folder_in_the_way_is_an_error_that_changes_nothing(report: Report, tmp_path: Path) -> None:
    (tmp_path / "clearance.json").write_text("old json\n", encoding="utf-8")
    (tmp_path / "clearance.sarif").mkdir()
    with pytest.raises(IsADirectoryError) as err:
        write_reports(report, FORMATS, tmp_path, registry=registry("new"))
    assert err.value.strerror == f"{tmp_path / 'clearance.sarif'} is a folder in the way of a report file: remove it"
    assert snapshot(tmp_path) == {"clearance.json": b"old json\n", "clearance.sarif": "<folder>"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clearance.json", "clearance.sarif"]


def test_a_report_keeps_the_permission_bits_it_was_given(report: Report, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_reports(report, ["json"], tmp_path, registry=registry("first"))
        (tmp_path / "clearance.json").chmod(0o600)  # chmod follows the symlink
        write_reports(report, ["json", "sarif"], tmp_path, registry=registry("second"))
    finally:
        os.umask(old)
    assert (tmp_path / "clearance.json").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "clearance.sarif").stat().st_mode & 0o777 == 0o644


def test_emit_prints_the_paths_users_know(report: Report, tmp_path: Path) -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, highlight=False)
    with pytest.raises(typer.Exit):  # the sample report fails at or above high
        emit(report, ["console", "json", "sarif"], tmp_path, console, quiet=True, strict=False)
    lines = buffer.getvalue().splitlines()
    assert lines[-2:] == [f"wrote {tmp_path / 'clearance.json'}", f"wrote {tmp_path / 'clearance.sarif'}"]


def test_the_next_run_removes_what_a_killed_run_left(report: Report, tmp_path: Path) -> None:
    write_reports(report, FORMATS, tmp_path, registry=registry("first"))
    staging = tmp_path / STAGING
    (staging / "run-killed").mkdir()
    (staging / "run-killed" / "clearance.json").write_text("half", encoding="utf-8")
    os.symlink("run-killed", staging / ".current.0123456789ab.tmp")
    os.symlink(f"{STAGING}/current/clearance.txt", tmp_path / "clearance.txt")  # dangling, of a killed run
    assert leftovers(tmp_path) == [f"{STAGING}/.current.0123456789ab.tmp", f"{STAGING}/run-killed"]

    broken = {**registry("second"), "markdown": Boom()}
    with pytest.raises(RuntimeError):
        write_reports(report, FORMATS, tmp_path, registry=broken)  # fails before anything is written
    write_reports(report, FORMATS, tmp_path, registry=registry("third"))

    assert markers(tmp_path) == {"third"}
    assert leftovers(tmp_path) == []
    assert not os.path.lexists(tmp_path / "clearance.txt")


def test_a_failing_run_after_a_killed_one_removes_its_leftovers_too(
    report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_reports(report, FORMATS, tmp_path, registry=registry("first"))
    (tmp_path / STAGING / "run-killed").mkdir()

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left on device"):
        write_reports(report, FORMATS, tmp_path, registry=registry("second"))
    assert markers(tmp_path) == {"first"}
    assert leftovers(tmp_path) == []


def test_the_staging_folder_of_a_live_run_is_left_alone(report: Report, tmp_path: Path) -> None:
    write_reports(report, ["json"], tmp_path, registry=registry("first"))
    live = tmp_path / STAGING / "run-live"
    live.mkdir()
    fd = os.open(live, os.O_RDONLY)
    try:
        assert try_lock(fd, wait=False)
        write_reports(report, ["json"], tmp_path, registry=registry("second"))
        assert live.is_dir()
    finally:
        os.close(fd)
    write_reports(report, ["json"], tmp_path, registry=registry("third"))
    assert not live.exists()


def test_concurrent_runs_on_one_folder_publish_one_whole_set(report: Report, tmp_path: Path) -> None:
    for attempt in range(10):
        out = tmp_path / f"out{attempt}"
        write_reports(report, FORMATS, out, registry=registry("seed"))
        start = threading.Barrier(2)
        failures: list[BaseException] = []

        def run(marker: str, out: Path = out, start: threading.Barrier = start,
                failures: list[BaseException] = failures) -> None:
            start.wait()
            try:
                write_reports(report, FORMATS, out, registry=registry(marker, size=20_000))
            except OSError as err:  # pragma: no cover - reported by the assertion below
                failures.append(err)

        threads = [threading.Thread(target=run, args=(marker,)) for marker in ("A", "B")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert failures == []
        assert markers(out) in ({"A"}, {"B"}), f"attempt {attempt}: a mixed set"
        assert leftovers(out) == []
