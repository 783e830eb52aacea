"""The renderer registry, the atomic writer and the shared verdict text."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from checks.errors import ExitCode
from checks.model import Finding, Severity, Status
from checks.report import Report
from reports import format_names
from reports.base import Renderer, get_renderer, output_name, register, renderers, verdict, write_reports


class _Fixed:
    def __init__(self, name: str, extension: str, text: str = "new\n") -> None:
        self.name = name
        self.extension = extension
        self.text = text

    def render(self, report: Report) -> str:
        return self.text


class _Boom:
    name = "boom"
    extension = "boom"

    def render(self, report: Report) -> str:
        raise RuntimeError("renderer exploded")


def test_every_format_is_registered_with_its_file_name() -> None:
    names = {name: output_name(r) for name, r in renderers().items()}
    assert names == {
        "console": "clearance.txt",
        "json": "clearance.json",
        "sarif": "clearance.sarif",
        "markdown": "clearance.md",
        "junit": "clearance.junit.xml",
    }
    assert all(r.name == name for name, r in renderers().items())


def test_every_module_of_reports_is_one_format_named_for_it() -> None:
    """A new format is one module: its name is the format's, listed without importing (the CLI's help)."""
    assert format_names() == tuple(sorted(renderers()))
    for name, renderer in renderers().items():
        assert type(renderer).__module__ == f"reports.{name}"


def test_register_refuses_a_duplicate_name_or_file_name() -> None:
    registry: dict[str, Renderer] = {}
    register(_Fixed("a", "a"), registry)
    with pytest.raises(ValueError, match="'a' is already registered"):
        register(_Fixed("a", "other"), registry)
    with pytest.raises(ValueError, match="clearance.a"):
        register(_Fixed("b", "a"), registry)
    assert list(registry) == ["a"]


def test_unknown_format_lists_the_known_ones() -> None:
    with pytest.raises(ValueError) as err:
        get_renderer("pdf")
    message = str(err.value)
    assert "'pdf'" in message
    for name in ("console", "json", "junit", "markdown", "sarif"):
        assert name in message
    assert "\n" not in message


def test_unknown_format_writes_nothing(report: Report, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="known formats: console, json, junit, markdown, sarif"):
        write_reports(report, ["json", "pdf"], out)
    assert not out.exists()


def test_write_reports_writes_each_format_once(report: Report, tmp_path: Path) -> None:
    out = tmp_path / "clearance-out"
    paths = write_reports(report, ["sarif", "json", "sarif", "markdown", "junit", "console"], out)
    assert [p.name for p in paths] == [
        "clearance.sarif", "clearance.json", "clearance.md", "clearance.junit.xml", "clearance.txt",
    ]
    for path in paths:
        renderer = next(r for r in renderers().values() if output_name(r) == path.name)
        assert path.read_text(encoding="utf-8") == renderer.render(report)
    # the reports are symlinks into the hidden folder that lets a run replace them as one set (reports._publish)
    assert sorted(p.name for p in out.iterdir()) == sorted([".clearance-reports", *(p.name for p in paths)])


def test_a_failing_renderer_leaves_the_old_files_alone(report: Report, tmp_path: Path) -> None:
    good = tmp_path / "clearance.json"
    good.write_text('{"old": true}\n', encoding="utf-8")
    registry: dict[str, Renderer] = {"json": renderers()["json"], "boom": _Boom()}
    with pytest.raises(RuntimeError, match="renderer exploded"):
        write_reports(report, ["json", "boom"], tmp_path, registry=registry)
    assert good.read_text(encoding="utf-8") == '{"old": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["clearance.json"]


def test_a_failing_write_keeps_the_old_file_and_removes_the_temp_file(
    report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = tmp_path / "clearance.md"
    good.write_text("old summary\n", encoding="utf-8")
    registry: dict[str, Renderer] = {"markdown": _Fixed("markdown", "md", "new summary\n")}

    def refuse(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        write_reports(report, ["markdown"], tmp_path, registry=registry)
    assert good.read_text(encoding="utf-8") == "old summary\n"
    assert [p.name for p in tmp_path.iterdir()] == ["clearance.md"]


def test_written_files_follow_the_umask(report: Report, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        (path,) = write_reports(report, ["json"], tmp_path)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


def test_write_reports_replaces_a_lone_surrogate_instead_of_failing(report: Report, tmp_path: Path) -> None:
    registry: dict[str, Renderer] = {"x": _Fixed("x", "txt", "bad \udc80 byte\n")}
    (path,) = write_reports(report, ["x"], tmp_path, registry=registry)
    assert path.read_text(encoding="utf-8") == "bad ? byte\n"


def test_verdict_counts_fails_at_or_above_the_threshold(
    make_report: Callable[..., Report], make_finding: Callable[..., Finding]
) -> None:
    read = tuple(f for f in make_report().findings if f.status is not Status.ERROR)
    assert verdict(make_report(findings=read)) == "3 findings at or above high"
    assert verdict(make_report(findings=read, fail_on=Severity.CRITICAL)) == "1 finding at or above critical"
    assert verdict(make_report(findings=read, fail_on=None)) == "5 failing findings"
    clean = (make_finding("S3-01", Status.PASS, "b", "b", "ok"),)
    assert verdict(make_report(findings=clean)) == "no findings at or above high"
    assert verdict(make_report(findings=clean, fail_on=None)) == "no failing findings"


def test_verdict_never_reads_clean_over_data_that_was_not_read(
    make_report: Callable[..., Report], make_finding: Callable[..., Finding]
) -> None:
    assert verdict(make_report()) == ("INCOMPLETE: 1 result could not be evaluated (data not read); "
                                      "3 findings at or above high among the rest")
    unread = (make_finding("S3-01", Status.PASS, "b", "b", "ok"),
              make_finding("KEY-01", Status.ERROR, "scope:1/eu-west-1/kms.key", "every kms.key", "not read"))
    report = make_report(findings=unread, fail_on=None)
    assert verdict(report) == ("INCOMPLETE: 1 result could not be evaluated (data not read); "
                               "no failing findings among the rest")
    assert report.exit_code() is ExitCode.INCOMPLETE  # without --strict
    assert report.exit_code(strict=True) is ExitCode.INCOMPLETE
    assert make_report().exit_code() is ExitCode.FINDINGS  # failures give 1
    # --soft-fail: failing findings no longer fail the run, but a run that could not read something never exits 0
    assert make_report().exit_code(soft_fail=True) is ExitCode.INCOMPLETE
    assert report.exit_code(soft_fail=True) is ExitCode.INCOMPLETE
    read = make_report(findings=tuple(f for f in make_report().findings if f.status is not Status.ERROR))
    assert (read.exit_code(), read.exit_code(soft_fail=True)) == (ExitCode.FINDINGS, ExitCode.OK)


def test_verdict_says_nothing_was_checked(make_report: Callable[..., Report]) -> None:
    report = make_report(findings=(), fail_on=None, asset_count=0,
                         unsupported={"aws:lambda/function:Function": 3, "aws:sqs/queue:Queue": 1})
    assert verdict(report) == ("NOTHING CHECKED (0 assets checked; 4 resources of types no control covers "
                               "(aws:lambda/function:Function x3, aws:sqs/queue:Queue x1)): no failing findings")
    assert report.exit_code() is ExitCode.OK
    assert report.exit_code(strict=True) is ExitCode.INCOMPLETE


def test_unknown_results_exit_4_only_with_strict(
    make_report: Callable[..., Report], make_finding: Callable[..., Finding]
) -> None:
    report = make_report(findings=(make_finding("S3-01", Status.UNKNOWN, "b", "b", "?"),), fail_on=None)
    assert report.exit_code() is ExitCode.OK
    assert report.exit_code(strict=True) is ExitCode.INCOMPLETE
