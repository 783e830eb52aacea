"""atomic_write: the new content or the old one, never a part of either, and no temporary file left behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from checks.fsutil import atomic_write


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_replaces_the_content_with_bytes_or_text(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text("old and longer than the new content\n", encoding="utf-8")
    atomic_write(path, b"new\n")
    assert path.read_bytes() == b"new\n"
    atomic_write(path, "caf\u00e9\n")
    assert path.read_bytes() == "caf\u00e9\n".encode()
    assert names(tmp_path) == ["report.json"]


def test_creates_the_parent_folders(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "state.json"
    atomic_write(path, "{}\n")
    assert path.read_text(encoding="utf-8") == "{}\n"
    assert names(path.parent) == ["state.json"]


def test_a_failing_replace_keeps_the_old_file_and_removes_the_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "register.yaml"
    path.write_text("reviews: []\n", encoding="utf-8")

    def refuse(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(path, "reviews: [x]\n")
    assert path.read_text(encoding="utf-8") == "reviews: []\n"
    assert names(tmp_path) == ["register.yaml"]


def test_a_failing_write_keeps_the_old_file_and_removes_the_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "clearance.md"
    path.write_text("old summary\n", encoding="utf-8")
    replaced: list[object] = []

    def broken_disk(fd: int) -> None:
        raise OSError("input/output error")

    monkeypatch.setattr(os, "fsync", broken_disk)
    monkeypatch.setattr(os, "replace", lambda src, dst: replaced.append(dst))
    with pytest.raises(OSError, match="input/output error"):
        atomic_write(path, "new summary\n")
    assert replaced == []
    assert path.read_text(encoding="utf-8") == "old summary\n"
    assert names(tmp_path) == ["clearance.md"]


def test_text_that_cannot_be_encoded_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "clearance.md"
    path.write_text("old summary\n", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        atomic_write(path, "bad \udc80 byte\n")
    assert path.read_text(encoding="utf-8") == "old summary\n"
    assert names(tmp_path) == ["clearance.md"]


def test_a_new_file_follows_the_umask_and_an_old_file_keeps_its_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        fresh = tmp_path / "fresh.json"
        atomic_write(fresh, "{}")
        kept = tmp_path / "private.json"
        kept.write_text("{}", encoding="utf-8")
        kept.chmod(0o600)
        atomic_write(kept, '{"new": true}')
    finally:
        os.umask(old)
    assert fresh.stat().st_mode & 0o777 == 0o644
    assert kept.stat().st_mode & 0o777 == 0o600
    assert kept.read_text(encoding="utf-8") == '{"new": true}'


def test_a_folder_in_the_way_is_an_error_and_leaves_no_temp_file(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    with pytest.raises(OSError):
        atomic_write(tmp_path / "out", "x")
    assert names(tmp_path) == ["out"]
