"""atomic_write: the new content or the old one, never a part of either, and no temporary file left behind; and the
primitives that publish a set of files (atomic_symlink, write_new, exclusive_lock)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from checks.fsutil import atomic_symlink, atomic_write, exclusive_lock, try_lock, write_new


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


def test_atomic_symlink_replaces_a_file_or_a_symlink_and_leaves_no_temp(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("a", encoding="utf-8")
    (tmp_path / "b").write_text("b", encoding="utf-8")
    link = tmp_path / "report"
    link.write_text("old regular file", encoding="utf-8")
    atomic_symlink("a", link)
    assert os.readlink(link) == "a" and link.read_text(encoding="utf-8") == "a"
    atomic_symlink("b", link)
    assert os.readlink(link) == "b" and link.read_text(encoding="utf-8") == "b"
    assert names(tmp_path) == ["a", "b", "report"]


def test_atomic_symlink_refuses_a_folder_and_removes_its_temp_from_tmp_dir(tmp_path: Path) -> None:
    (tmp_path / "report").mkdir()
    (tmp_path / "staging").mkdir()
    with pytest.raises(IsADirectoryError):
        atomic_symlink("a", tmp_path / "report", tmp_path / "staging")
    assert (tmp_path / "report").is_dir()
    assert names(tmp_path / "staging") == []


def test_write_new_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "clearance.json"
    write_new(path, b"{}\n", 0o600)
    assert path.read_bytes() == b"{}\n" and path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(FileExistsError):
        write_new(path, b"other")
    assert path.read_bytes() == b"{}\n"


def test_exclusive_lock_keeps_others_out_until_released(tmp_path: Path) -> None:
    lock = tmp_path / "staging" / "lock"
    with exclusive_lock(lock):
        fd = os.open(lock, os.O_RDONLY)
        try:
            assert not try_lock(fd, wait=False)
        finally:
            os.close(fd)
    fd = os.open(lock, os.O_RDONLY)
    try:
        assert try_lock(fd, wait=False)
    finally:
        os.close(fd)


def test_a_waiter_on_a_lock_file_its_holder_removed_locks_the_new_file(tmp_path: Path) -> None:
    lock = tmp_path / "staging" / "lock"
    waiting, holding, done = threading.Event(), threading.Event(), threading.Event()

    def waiter() -> None:
        waiting.set()
        with exclusive_lock(lock):
            holding.set()
            done.wait(10)

    with exclusive_lock(lock):
        thread = threading.Thread(target=waiter)
        thread.start()
        assert waiting.wait(10)
        assert not holding.wait(0.2)  # it waits for this holder
        lock.unlink()
        lock.parent.rmdir()
    assert holding.wait(10)
    fd = os.open(lock, os.O_RDONLY)  # the waiter holds the lock file that is there now, not the removed one
    try:
        assert not try_lock(fd, wait=False)
    finally:
        os.close(fd)
        done.set()
        thread.join(10)
