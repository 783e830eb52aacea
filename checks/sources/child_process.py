"""The Pulumi program's child process: start it, wait for it with a time limit, and never leave it behind.

A child runs in its own session (process group) with a temp folder of its own. When clearance ends normally the
group is killed in `finally`; when clearance is stopped by SIGTERM or SIGINT, `stop_children_on_signals` kills
every running child's group, removes its temp folder, and exits with the conventional code (128 + signal).
Handlers can only be installed from the main thread: the check flow installs them around the whole run (the
program itself loads on a worker thread), and `load_program` installs them when it is called on the main thread.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_LIVE: dict[int, tuple[subprocess.Popen[bytes], Path]] = {}  # pid -> (process, its temp folder)
_LOCK = threading.Lock()


class ChildTimeout(TimeoutError):
    """The child did not finish in time (it has been killed)."""


def run_child(command: Sequence[str], *, cwd: Path, env: Mapping[str, str], timeout: float,
              temp_dir: Path) -> tuple[int, str]:
    """Run `command` in a new session; return its exit code and stderr. Raises OSError when it cannot start and
    ChildTimeout when it runs past `timeout` seconds."""
    proc = subprocess.Popen(list(command), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    with _LOCK:
        _LIVE[proc.pid] = (proc, temp_dir)
    try:
        try:
            _, err_bytes = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ChildTimeout() from None
    finally:
        with _LOCK:
            _LIVE.pop(proc.pid, None)
        if proc.poll() is None:  # timed out or interrupted: end the child and anything it started
            _kill_group(proc.pid)
            proc.communicate()
    return proc.returncode, err_bytes.decode("utf-8", errors="replace")


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def end_children() -> None:
    """Kill every running child's process group and remove its temp folder."""
    with _LOCK:
        live = list(_LIVE.values())
    for proc, temp_dir in live:
        _kill_group(proc.pid)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        shutil.rmtree(temp_dir, ignore_errors=True)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    end_children()
    print(f"clearance: stopped by {signal.Signals(signum).name}", file=sys.stderr)
    raise SystemExit(128 + signum)


@contextmanager
def stop_children_on_signals() -> Iterator[None]:
    """While inside, SIGTERM and SIGINT end the running children (and their temp folders), then exit 128 + signal.
    Does nothing off the main thread, and leaves an ignored signal ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    for sig, handler in previous.items():
        if handler is not signal.SIG_IGN:
            signal.signal(sig, _on_signal)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            if handler is not None:
                signal.signal(sig, handler)
