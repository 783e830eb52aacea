"""PathDisplay (the catalog cache's fast path for naming ~100 files) says exactly what display_path says."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from checks.catalog.cache import _Shown
from checks.paths import PathDisplay, display_path


def _tree(tmp_path: Path) -> list[Path]:
    """Files inside and outside the working folder, through symbolic links to folders and to files."""
    work = tmp_path / "work"
    (work / "policies" / "controls").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    for name in ("a.yaml", "b.yaml"):
        (work / "policies" / "controls" / name).write_text("x")
        (tmp_path / "elsewhere" / name).write_text("x")
    (work / "linked").symlink_to(work / "policies")                        # a folder link inside
    (work / "out").symlink_to(tmp_path / "elsewhere")                      # a folder link leading outside
    (work / "policies" / "in.yaml").symlink_to(tmp_path / "elsewhere" / "a.yaml")  # a file link leading outside
    (tmp_path / "elsewhere" / "back.yaml").symlink_to(work / "policies" / "controls" / "b.yaml")  # and back in
    return [
        work / "policies" / "controls" / "a.yaml", work / "policies" / "controls" / "missing.yaml",
        work / "linked" / "controls" / "b.yaml", work / "out" / "a.yaml", work / "policies" / "in.yaml",
        tmp_path / "elsewhere" / "back.yaml", tmp_path / "elsewhere" / "b.yaml", work / "policies" / "..",
        work / "policies" / ".." / "policies" / "controls" / "a.yaml", Path("policies/controls/a.yaml"),
        Path("a.yaml"), Path("linked/controls/a.yaml"), Path("/"), work,
    ]


@pytest.mark.parametrize("where", ["work", "work/policies", "elsewhere", "."])
def test_path_display_says_what_display_path_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  where: str) -> None:
    paths = _tree(tmp_path)
    monkeypatch.chdir(tmp_path / where)
    display = PathDisplay()
    for path in paths * 2:  # the second time from its folder memo
        assert display(path) == display_path(path), path


def test_the_cache_names_moved_files_as_display_path_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = _tree(tmp_path)
    work = tmp_path / "work"
    monkeypatch.chdir(work / "policies")
    shown = _Shown(str(work))
    assert shown.moved
    for path in paths:
        written = os.path.relpath(path, work) if path.is_absolute() else str(path)
        assert shown(written) == display_path(work / written), path
    monkeypatch.chdir(work)
    assert not _Shown(str(work)).moved
