"""The Pulumi program's child process: start it, wait for it with a time limit, and never leave it behind.

A child runs in its own session (process group) with a temp folder of its own. When clearance ends normally the
group is killed in `finally`; when clearance is stopped by SIGTERM or SIGINT, `stop_children_on_signals` kills
every running child's group, removes its temp folder, and exits with the conventional code (128 + signal); a child
that is starting as the signal comes (not yet registered) is ended as it starts, and none starts after it.
Handlers can only be installed from the main thread: the check flow installs them around the whole run (the
program itself loads on a worker thread), and `load_program` installs them when it is called on the main thread.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_LIVE: dict[int, tuple[subprocess.Popen[bytes], Path]] = {}  # pid -> (process, its temp folder)
# re-entrant: a signal handler runs on the main thread, which may hold the lock when the signal comes
_LOCK = threading.RLock()
# set (under _LOCK) by a stop signal, on the way out: a child that starts after it is ended at once, so that a signal
# between a child's start and its registration in _LIVE cannot leave it running (nor the worker waiting for it)
_STOPPING = threading.Event()


class ChildTimeout(TimeoutError):
    """The child did not finish in time (it has been killed)."""


class ChildStopped(RuntimeError):
    """clearance is stopping (SIGTERM or SIGINT): the child was not started, or was ended as it started."""


def run_child(command: Sequence[str], *, cwd: Path, env: Mapping[str, str], timeout: float, temp_dir: Path,
              on_wait: Callable[[], None] | None = None, interval: float = 0.05,
              on_started: Callable[[], None] | None = None) -> tuple[int, str]:
    """Run `command` in a new session; return its exit code and stderr. Raises OSError when it cannot start and
    ChildTimeout when it runs past `timeout` seconds. `on_started` is called once it has started; while it runs,
    `on_wait` is called every `interval` seconds (to read what the child writes as it goes); the child's end is
    seen at once, not at the next interval. Whatever the child left running in its session is ended when it ends."""
    if _STOPPING.is_set():
        raise ChildStopped()
    stderr_path = temp_dir / "child-stderr.txt"  # a file, not a pipe: nothing to drain while `on_wait` works
    with open(stderr_path, "wb") as stderr_file:
        proc = subprocess.Popen(list(command), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=stderr_file, start_new_session=True)
    try:
        with _LOCK:  # registered, or stopping seen: end_children sets the flag and lists _LIVE under the same lock
            _LIVE[proc.pid] = (proc, temp_dir)
            stopping = _STOPPING.is_set()
        if stopping:
            raise ChildStopped()
        if on_started is not None:
            on_started()
        _wait(proc, time.monotonic() + timeout, on_wait, interval)
    finally:
        with _LOCK:
            _LIVE.pop(proc.pid, None)
        _kill_group(proc.pid)  # timed out or interrupted: the child too; else what it left behind
        proc.wait()
    try:
        stderr = stderr_path.read_bytes()
    except FileNotFoundError:  # a signal ended the child and removed its temp folder meanwhile
        stderr = b""
    return proc.returncode, stderr.decode("utf-8", errors="replace")


def _wait(proc: subprocess.Popen[bytes], deadline: float, on_wait: Callable[[], None] | None,
          interval: float) -> None:
    """Wait for `proc` until `deadline` (time.monotonic), calling `on_wait` between waits of at most `interval`."""
    pidfd = _pidfd(proc.pid)
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if proc.poll() is not None:
                    return
                raise ChildTimeout()
            step = min(interval, remaining) if on_wait is not None else remaining
            if pidfd is None:
                try:
                    proc.wait(timeout=step)
                    return
                except subprocess.TimeoutExpired:
                    pass
            else:
                select.select([pidfd], [], [], step)  # readable when the child ends
                if proc.poll() is not None:
                    return
            if on_wait is not None:
                on_wait()
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _pidfd(pid: int) -> int | None:
    """A file descriptor that becomes readable when `pid` ends (Linux 5.3+), else None (then: polling)."""
    pidfd_open = getattr(os, "pidfd_open", None)
    if pidfd_open is None:
        return None
    try:
        return int(pidfd_open(pid))
    except OSError:
        return None


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def end_children() -> None:
    """Kill every running child's process group and remove its temp folder; a child started after this is ended
    as it starts (clearance is on its way out)."""
    with _LOCK:
        _STOPPING.set()
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
