"""The one atomic file write behind every file clearance writes (reports, review register, sandbox state, export),
and the few primitives that publish a set of files at once (`reports._publish`): an atomic symlink switch, a
folder fsync and an advisory lock.

A reader sees the old file or the new one, never a part of either: the bytes go to a temporary file in the same
folder, are flushed and fsynced, and the temporary file is moved over the target with `os.replace`. When anything
fails, the temporary file is removed and the old file is left as it was.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path


def _token() -> str:
    """12 random hex digits for a temporary file's name: what `secrets.token_hex(6)` returns, without importing
    `secrets` (and hmac, base64, random) on every run (issue 13)."""
    return os.urandom(6).hex()


def atomic_write(path: Path, data: bytes | str) -> None:
    """Replace `path` with `data` (a str is written as UTF-8), creating its parent folders.

    A new file gets the usual permissions (0o666 less the umask); a file that exists keeps its permission bits.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data  # encode errors raise before any write
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = kept_mode(path)
    tmp = path.with_name(f".{path.name}.{_token()}.tmp")
    try:
        write_new(tmp, payload, mode)  # honours the umask (unlike tempfile.mkstemp's 0o600) unless a mode is kept
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)  # gone after a successful replace; removed after any failure


def kept_mode(path: Path) -> int | None:
    """The permission bits of the regular file at `path` (a symlink is followed), or None when there is none."""
    try:
        st = path.stat()
    except OSError:
        return None
    return stat.S_IMODE(st.st_mode) & 0o777 if stat.S_ISREG(st.st_mode) else None


def write_new(path: Path, data: bytes, mode: int | None = None) -> None:
    """Create `path` (it must not exist) with `data`, flushed and fsynced; `mode` replaces the umask's bits."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    if mode is not None:
        os.chmod(path, mode)


def atomic_symlink(target: str, link: Path, tmp_dir: Path | None = None) -> None:
    """Make `link` a symlink to `target` (a path text, relative to the folder of `link`) in one `os.replace`.

    The new symlink is made under a temporary name in `tmp_dir` (on the same file system; beside `link` by default)
    and moved over whatever `link` was, so `link` is the old entry or the new symlink, never missing. A folder at
    `link` is an error (IsADirectoryError) and is left alone, as is everything else when anything fails.
    """
    tmp = (link.parent if tmp_dir is None else tmp_dir) / f".{link.name}.{_token()}.tmp"
    os.symlink(target, tmp)
    try:
        os.replace(tmp, link)
    finally:
        tmp.unlink(missing_ok=True)  # gone after a successful replace


def fsync_dir(path: Path) -> None:
    """Make the entries of the folder `path` durable (a rename, a new or removed name): best effort, since some
    systems cannot open or fsync a folder."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def try_lock(fd: int, *, wait: bool = True) -> bool:
    """Take an exclusive advisory lock (flock) on the open file or folder `fd`, held until `fd` is closed.

    Returns False when `wait` is False and another open file holds the lock. Without fcntl (not POSIX) there is
    no lock and this returns True.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on the lock file `path` (created with its folders when missing).

    The holder may remove the lock file (and its folder): a waiter that then gets the lock of the removed file sees
    that `path` is no longer the file it locked and starts again, so two holders never overlap.
    """
    while True:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except FileNotFoundError:  # the folder was removed between mkdir and open
            continue
        try:
            try_lock(fd)
            locked = os.fstat(fd)
            current = os.stat(path)
        except FileNotFoundError:
            os.close(fd)
            continue
        except BaseException:
            os.close(fd)
            raise
        if (locked.st_dev, locked.st_ino) == (current.st_dev, current.st_ino):
            break
        os.close(fd)
    try:
        yield
    finally:
        os.close(fd)  # releases the lock
