"""Publish a run's report files as one set: every report in `--out` comes from one run, never a mix of two.

`--out` keeps the paths users know (`clearance.sarif`, ...), but each is a symlink into a hidden folder:

    DIR/clearance.sarif -> .clearance-reports/current/clearance.sarif
    DIR/.clearance-reports/current -> run-<id>          (the published run)
    DIR/.clearance-reports/run-<id>/clearance.sarif     (the files themselves)
    DIR/.clearance-reports/lock                         (serialises the publish step of concurrent runs)

A run writes and fsyncs its files into its own `run-<id>` folder first (nothing visible changes), then, holding
the lock, replaces `current` with one `os.replace`: readers see the whole old set or the whole new one, and a
kill at any point leaves one of the two. Afterwards the symlinks of formats the run did not write (now dangling)
and the folders of older runs are removed. A run folder is flock-ed by its run until it is published, so the
clean-up (done under the lock, at the start and the end of every run) removes only what a killed or finished run
left. Report files written as regular files by older versions are adopted first: hard-linked into a run folder
that becomes `current`, then each replaced by its symlink, so what they show never changes until the switch.
Nothing else in DIR is touched: only names given as report names, and symlinks that point into `current`.
Not POSIX (no symlinks or flock): each file is written with `atomic_write`, as before.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import time
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

from checks.fsutil import atomic_symlink, atomic_write, exclusive_lock, fsync_dir, kept_mode, try_lock, write_new

STAGING = ".clearance-reports"
CURRENT = "current"
LOCK = "lock"
# Temporary files that `atomic_write` of older versions left beside the reports when killed.
_OLD_TEMP = re.compile(r"\.clearance\..+\.[0-9a-f]{12}\.tmp")


def link_text(name: str) -> str:
    """What the report symlink `DIR/<name>` points to."""
    return f"{STAGING}/{CURRENT}/{name}"


def publish(out_dir: Path, files: Mapping[str, bytes | Iterable[bytes]], report_names: Collection[str]) -> None:
    """Make `files` (file name -> content, or its pieces in order, which may be made as they are read) the report
    set of `out_dir` as a whole, or change nothing visible.

    `report_names` are all the file names a report may have: a regular file of such a name is a report of an
    older version, replaced with the rest of the set (it disappears when this run did not write it).
    """
    if os.name != "posix":  # pragma: no cover - no symlinks or flock to publish a set with
        for name, data in files.items():
            atomic_write(out_dir / name, data if isinstance(data, bytes) else b"".join(data))
        return
    base = out_dir / STAGING
    lock = base / LOCK
    with exclusive_lock(lock):
        _sweep(base)
        run = base / f"run-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{secrets.token_hex(4)}"
        run.mkdir()
        run_fd = os.open(run, os.O_RDONLY)
        try_lock(run_fd)  # a new folder: free; tells the clean-up of other runs that this one is alive
    published = False
    try:
        for name, data in files.items():
            if isinstance(data, bytes):
                write_new(run / name, data, kept_mode(out_dir / name))
            else:
                _write_pieces(run / name, data, kept_mode(out_dir / name))
        fsync_dir(run)
        with exclusive_lock(lock):
            _switch(out_dir, base, run.name, files, report_names)
            published = True
            with contextlib.suppress(OSError):  # the set is out: leftovers are removed by the next run
                _remove_dangling(out_dir)
                _remove_old_temps(out_dir)
                _sweep(base)
    except BaseException:
        if not (published or _points_at(base / CURRENT, run.name)):  # interrupted right after the switch: keep
            shutil.rmtree(run, ignore_errors=True)
            with exclusive_lock(lock):
                _remove_dangling(out_dir)
                _sweep(base)
                _drop_if_unused(base)
        raise
    finally:
        os.close(run_fd)  # releases the run folder's lock


def _write_pieces(path: Path, pieces: Iterable[bytes], mode: int | None) -> None:
    """`write_new` of the pieces joined, without joining them (a large report is never in memory twice)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    with os.fdopen(fd, "wb") as fh:
        fh.writelines(pieces)
        fh.flush()
        os.fsync(fh.fileno())
    if mode is not None:
        os.chmod(path, mode)


def _switch(out_dir: Path, base: Path, run: str, files: Collection[str], report_names: Collection[str]) -> None:
    """Point `current` at `run`, with a report symlink for every file of the run (under the lock)."""
    ours: set[str] = set()
    old: list[str] = []
    for name in sorted({*report_names, *files}):
        path = out_dir / name
        if _is_ours(path):
            ours.add(name)
        elif path.is_file():  # a regular file (or a symlink to one): a report of an older version
            old.append(name)
        elif path.is_dir() and name in files:
            raise IsADirectoryError(errno.EISDIR, f"{path} is a folder in the way of a report file: remove it")
    if old:
        _adopt(out_dir, base, old)
        ours.update(old)
    for name in files:
        if name not in ours:  # dangling until `current` points at a run that has the file
            atomic_symlink(link_text(name), out_dir / name, base)
    fsync_dir(out_dir)
    atomic_symlink(run, base / CURRENT, base)  # the one switch from the old set to the new one
    fsync_dir(base)


def _adopt(out_dir: Path, base: Path, names: list[str]) -> None:
    """Turn report files of an older version into report symlinks, without changing what any report shows."""
    adopted = base / f"run-adopted-{secrets.token_hex(4)}"
    adopted.mkdir()
    current = base / CURRENT
    if current.is_dir():
        for entry in current.iterdir():
            os.link(entry, adopted / entry.name)
    for name in names:
        target = adopted / name
        target.unlink(missing_ok=True)
        try:
            os.link(out_dir / name, target, follow_symlinks=True)
        except OSError:  # no hard links here (or a symlink to another file system): copy
            shutil.copy2(out_dir / name, target)
    fsync_dir(adopted)
    atomic_symlink(adopted.name, current, base)
    fsync_dir(base)
    for name in names:
        atomic_symlink(link_text(name), out_dir / name, base)


def _is_ours(path: Path) -> bool:
    return _points_at(path, link_text(path.name))


def _points_at(path: Path, target: str) -> bool:
    try:
        return os.readlink(path) == target
    except OSError:  # missing, or not a symlink
        return False


def _remove_dangling(out_dir: Path) -> None:
    """Remove report symlinks whose format the published run did not write."""
    for entry in os.scandir(out_dir):
        path = Path(entry.path)
        if entry.is_symlink() and _is_ours(path) and not path.exists():
            path.unlink(missing_ok=True)


def _remove_old_temps(out_dir: Path) -> None:
    for entry in os.scandir(out_dir):
        if _OLD_TEMP.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
            Path(entry.path).unlink(missing_ok=True)


def _sweep(base: Path) -> None:
    """Remove what finished or killed runs left in `base` (under the lock): every folder but the published one and
    those still locked by a live run, and every stray temporary symlink."""
    try:
        published = os.readlink(base / CURRENT)
    except OSError:
        published = None
    for entry in os.scandir(base):
        if entry.name in (LOCK, CURRENT, published):
            continue
        path = Path(entry.path)
        if not entry.is_dir(follow_symlinks=False):
            path.unlink(missing_ok=True)
            continue
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:  # a failed run removed its own folder
            continue
        try:
            if try_lock(fd, wait=False):
                shutil.rmtree(path, ignore_errors=True)
        finally:
            os.close(fd)


def _drop_if_unused(base: Path) -> None:
    """After a failed first run, remove the hidden folder again (under the lock): DIR is left as it was."""
    if sorted(os.listdir(base)) == [LOCK]:
        (base / LOCK).unlink()
        base.rmdir()
