"""Whether a sandbox state file (`<out>/sandbox.json`) can have been written by this user's own sandbox.

A scan given no account uses the sandbox recorded in its out folder, with fake credentials: a state file planted
there (a cloned repository, a shared folder) must not redirect it to another host, or to another local service,
silently. Only a regular file owned by the current user and writable by nobody else, recording a loopback endpoint
and a live sandbox server of this user, is trusted; it is read and checked from one open file (no symlink followed).
"""

from __future__ import annotations

import errno
import ipaddress
import json
import os
import stat
import urllib.parse
from pathlib import Path

from checks.errors import InputError
from checks.sandbox.state import SandboxInfo, is_sandbox_process

LOOPBACK_HOSTS = frozenset({"localhost"})  # besides every loopback address (127.0.0.0/8, ::1)
TRUST_HINT = "start your own with 'clearance sandbox up'"


class UntrustedSandbox(InputError):
    """A sandbox state file that this user's own sandbox cannot have written: never used implicitly."""


def load_checked(path: Path) -> tuple[SandboxInfo, os.stat_result] | None:
    """The recorded sandbox and the status of the very file it was read from (no symlink followed); None: no file."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise UntrustedSandbox("not using the sandbox recorded there: the state file is a symbolic link",
                                   where=str(path), hint=TRUST_HINT) from None
        raise InputError(f"cannot read the sandbox state file: {err.strerror or err}", where=str(path)) from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        try:
            text = fh.read(1 << 20).decode("utf-8")
            return SandboxInfo.from_json(json.loads(text)), st
        except OSError as err:
            raise InputError(f"cannot read the sandbox state file: {err.strerror or err}", where=str(path)) from None
        except ValueError as err:  # UnicodeDecodeError and json.JSONDecodeError are ValueErrors
            raise InputError(f"unreadable sandbox state file: {err}", where=str(path),
                             hint="stop the server by hand if one runs, then delete the file") from None


def is_loopback(endpoint: str) -> bool:
    """Whether the endpoint is an http(s) URL on this machine: localhost or a loopback address."""
    try:
        url = urllib.parse.urlsplit(endpoint)
        host = url.hostname
        url.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    if url.scheme not in ("http", "https") or not host:
        return False
    if host.lower() in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def trust_problem(info: SandboxInfo, st: os.stat_result) -> str | None:
    """Why the state file `st` recording `info` cannot come from this user's own sandbox; None when it can.

    The file must be a regular file owned by the current user and writable by nobody else, its endpoint must be
    on this machine, and its live pid must be a sandbox server run by the current user (where /proc tells).
    """
    uid = os.getuid()
    mode = stat.S_IMODE(st.st_mode)
    if not stat.S_ISREG(st.st_mode):
        return "the state file is not a regular file"
    if st.st_uid != uid:
        return f"the state file is owned by uid {st.st_uid}, not by you (uid {uid})"
    if mode & 0o022:
        return f"the state file is writable by group or others (mode {mode:04o})"
    if not is_loopback(info.endpoint):
        return f"its endpoint {info.endpoint} is not on this machine (only 127.0.0.1, ::1 or localhost)"
    if not is_sandbox_process(info.pid):
        return f"its process {info.pid} is not a clearance sandbox server (a stale file?)"
    try:
        owner = os.stat(f"/proc/{info.pid}").st_uid
    except OSError:
        return None  # no /proc (macOS): the checks above are what can be told cheaply
    if owner != uid:
        return f"its process {info.pid} is run by uid {owner}, not by you (uid {uid})"
    return None
