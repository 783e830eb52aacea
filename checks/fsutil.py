"""The one atomic file write behind every file clearance writes (reports, review register, sandbox state, export).

A reader sees the old file or the new one, never a part of either: the bytes go to a temporary file in the same
folder, are flushed and fsynced, and the temporary file is moved over the target with `os.replace`. When anything
fails, the temporary file is removed and the old file is left as it was.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path


def atomic_write(path: Path, data: bytes | str) -> None:
    """Replace `path` with `data` (a str is written as UTF-8), creating its parent folders.

    A new file gets the usual permissions (0o666 less the umask); a file that exists keeps its permission bits.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data  # encode errors raise before any write
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _kept_mode(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    # os.open with mode 0o666 honours the umask, unlike tempfile.mkstemp's 0o600.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)  # gone after a successful replace; removed after any failure


def _kept_mode(path: Path) -> int | None:
    """The permission bits of the regular file at `path`, or None when there is none to keep."""
    try:
        st = path.stat()
    except OSError:
        return None
    return stat.S_IMODE(st.st_mode) & 0o777 if stat.S_ISREG(st.st_mode) else None
