"""write_drift_reports: every format once, published as one set in its own folder, beside (never over) the check
report set."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.base import write_reports
from reports.drift import DRIFT_FORMATS, FILE_NAMES, drift_renderer, write_drift_reports
from tests.drift_reports.sample import build_drift


def test_writes_each_format_once_as_one_set(tmp_path: Path) -> None:
    drift = build_drift()
    out = tmp_path / "clearance-out" / "drift"
    paths = write_drift_reports(drift, ["csv", *DRIFT_FORMATS, "html"], out)
    assert [p.name for p in paths] == ["evidence.csv", "drift.html", "drift.json", "drift.md"]
    for fmt, name in FILE_NAMES.items():
        assert (out / name).read_bytes() == drift_renderer(fmt)(drift).encode("utf-8")
        assert (out / name).is_symlink()  # published through reports._publish
    assert sorted(p.name for p in out.iterdir()) == sorted([".clearance-reports", *FILE_NAMES.values()])


def test_a_smaller_set_replaces_the_whole_old_one(tmp_path: Path) -> None:
    write_drift_reports(build_drift(), DRIFT_FORMATS, tmp_path)
    write_drift_reports(build_drift(), ["json"], tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".clearance-reports", "drift.json"]


def test_unknown_format_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"^unknown drift report format 'pdf' \(known formats: html, json, "
                                         r"markdown, csv\)$"):
        write_drift_reports(build_drift(), ["json", "pdf"], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_drift_set_and_check_set_live_apart(tmp_path: Path) -> None:
    drift = build_drift()
    out = tmp_path / "clearance-out"
    write_reports(drift.report, ["json"], out)
    write_drift_reports(drift, DRIFT_FORMATS, out / "drift")
    assert (out / "clearance.json").is_file()
    assert sorted(p.name for p in (out / "drift").iterdir()) == sorted([".clearance-reports", *FILE_NAMES.values()])
