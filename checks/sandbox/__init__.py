"""The sandbox: a moto server on 127.0.0.1 that stands in for an AWS account, for `clearance scan`, demos and tests.

Library API (the CLI is `checks.cli_sandbox`):
- `start_sandbox(out_dir)` starts a detached server (or reuses the live one recorded in `<out>/sandbox.json`);
- `read_sandbox(out_dir)` is the recorded sandbox if it answers, else None; a state file this user's own sandbox
  cannot have written (someone else's, writable by others, a remote endpoint, a pid that is no sandbox server) is
  refused in one line, so a planted `sandbox.json` never redirects a scan;
- `stop_sandbox(out_dir)` stops it (SIGTERM, then SIGKILL) and removes the state file;
- `running_sandbox()` serves one from a thread of this process, for tests;
- `SandboxInfo.session()` is a boto3 Session with fake credentials whose clients use the sandbox endpoint.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from checks.sandbox.state import (
    DEFAULT_REGION,
    SERVER_MODULE,
    SandboxError,
    SandboxInfo,
    is_alive,
    is_sandbox_process,
    load_state,
    log_path,
    pid_alive,
    probe,
    remove_state,
    reset,
    state_path,
    write_state,
)
from checks.sandbox.trust import TRUST_HINT, UntrustedSandbox, load_checked, trust_problem

__all__ = ["SandboxError", "SandboxInfo", "UntrustedSandbox", "read_sandbox", "record_program", "reset_sandbox",
           "running_sandbox", "start_sandbox", "stop_sandbox"]

START_TIMEOUT = 15.0  # seconds for a detached server to import moto, bind and answer
STOP_TIMEOUT = 5.0  # seconds between SIGTERM and SIGKILL
_children: dict[int, subprocess.Popen[bytes]] = {}  # servers started by this process, reaped when stopped


@contextlib.contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    """Serialize `up` and `down` on one out folder (an advisory lock on the folder itself)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    fd = os.open(out_dir, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def read_sandbox(out_dir: Path, *, hint: str = TRUST_HINT) -> SandboxInfo | None:
    """The sandbox recorded in `out_dir`, or None when there is none or its server is gone or does not answer.

    Raises InputError (naming the file) when the state file cannot be read or parsed, and UntrustedSandbox (one line:
    why, then `hint`) when this user's own sandbox cannot have written it: see `trust_problem`. Nothing is contacted
    before the file is trusted.
    """
    path = state_path(out_dir)
    loaded = load_checked(path)
    if loaded is None:
        return None
    info, st = loaded
    if not pid_alive(info.pid):
        return None  # stale: its server is gone (a file whose pid is dead redirects nothing)
    problem = trust_problem(info, st)
    if problem is not None:
        raise UntrustedSandbox(f"not using the sandbox recorded there: {problem}", where=str(path), hint=hint)
    return info if is_alive(info) else None


def running_sandbox(*, region: str = DEFAULT_REGION, port: int = 0,
                    reset_on_exit: bool = True) -> contextlib.AbstractContextManager[SandboxInfo]:
    """A sandbox served from a thread of this process, for tests: see `checks.sandbox.server.running_sandbox`."""
    from checks.sandbox import server  # not at import time: `python -m checks.sandbox.server` imports this package

    return server.running_sandbox(region=region, port=port, reset_on_exit=reset_on_exit)


def reset_sandbox(info: SandboxInfo) -> None:
    """Delete every resource held by the sandbox."""
    reset(info.endpoint)


def _last_line(path: Path) -> str:
    try:
        lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return lines[-1].removeprefix("error: ") if lines else ""


def start_sandbox(out_dir: Path, *, port: int = 0, region: str = DEFAULT_REGION,
                  timeout: float = START_TIMEOUT) -> SandboxInfo:
    """Start a detached sandbox server recorded in `out_dir`, or return the live one already recorded there.

    Raises SandboxError, in one line with the install command, when moto (the `sandbox` extra) is not installed.
    """
    from checks.sandbox.server import require_moto  # not at import time: see `running_sandbox`

    require_moto()
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise SandboxError(f"cannot create the folder: {err.strerror or err}", where=str(out_dir)) from None
    with _locked(out_dir):
        state, log = state_path(out_dir), log_path(out_dir)
        try:
            checked = load_checked(state)
        except UntrustedSandbox:  # a symbolic link: never followed, replaced by the new server's file
            checked = None
            state.unlink(missing_ok=True)
        if checked is not None:
            current = checked[0]
            if pid_alive(current.pid) and trust_problem(*checked) is None and is_alive(current):
                return dataclasses.replace(current, reused=True)
            # a hung server that no longer answers, or a file this user's sandbox cannot have written (only a
            # sandbox server's pid is ever signalled; a gone one is a no-op)
            _stop_pid(current.pid)
            remove_state(state)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
        env["PYTHONUNBUFFERED"] = "1"
        env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"  # programs attach AWS managed policies (AWSBackupService...)
        cmd = [sys.executable, "-m", SERVER_MODULE, "--state", str(state.resolve()), "--log", str(log.resolve()),
               "--port", str(port), "--region", region]
        try:
            with log.open("wb") as log_fh:
                proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log_fh, stderr=subprocess.STDOUT,
                                        start_new_session=True, close_fds=True, env=env)
        except OSError as err:
            raise SandboxError(f"cannot start the sandbox server: {err.strerror or err}", where=str(log)) from None
        _children[proc.pid] = proc
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                _children.pop(proc.pid, None)
                reason = _last_line(log) or f"exit code {proc.returncode}"
                raise SandboxError(f"the sandbox server exited during start-up: {reason}", where=str(log))
            info = load_state(state)
            if info is not None and info.pid == proc.pid and probe(info.endpoint, timeout=1.0):
                return info
            time.sleep(0.05)
        _stop_pid(proc.pid)
        remove_state(state, pid=proc.pid)
        raise SandboxError(f"the sandbox server did not answer within {timeout:g}s", where=str(log),
                           hint="see the log file")


def _reap(pid: int) -> None:
    proc = _children.get(pid)
    if proc is not None:
        if proc.poll() is not None:
            _children.pop(pid, None)
        return
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        _reap(pid)
        if not pid_alive(pid):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def _stop_pid(pid: int, timeout: float = STOP_TIMEOUT) -> bool:
    """SIGTERM the sandbox server, SIGKILL it after `timeout`; whether a sandbox process was running."""
    if not is_sandbox_process(pid):  # gone, or the pid now belongs to another program: never signal it
        _reap(pid)
        return False
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 2.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            break
        except PermissionError as err:
            raise SandboxError(f"cannot stop the sandbox server (pid {pid}): {err.strerror}") from None
        if _wait_gone(pid, wait):
            break
    else:
        raise SandboxError(f"the sandbox server (pid {pid}) did not exit after SIGKILL")
    return True


def stop_sandbox(out_dir: Path, *, timeout: float = STOP_TIMEOUT) -> SandboxInfo | None:
    """Stop the sandbox recorded in `out_dir` and remove its state file; the stopped sandbox, or None if none ran."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return None
    with _locked(out_dir):
        state = state_path(out_dir)
        info = load_state(state)
        if info is None:
            return None
        ran = _stop_pid(info.pid, timeout)
        remove_state(state)
        return info if ran else None


def record_program(out_dir: Path, info: SandboxInfo, program_dir: Path, export: Path | None = None) -> SandboxInfo:
    """Record in the sandbox's state file that `program_dir` was applied to it, and the stack export (`export`) that
    apply wrote: a scan or drift of the sandbox then takes that program's settings, waivers and review register, as
    `clearance check` of the program does, and a scan points its findings at the lines that declared them. The file
    keeps its owner and mode, so it stays as trusted as before (see trust_problem); a sandbox that is no longer the
    one recorded there is left alone."""
    with _locked(Path(out_dir)):
        state = state_path(out_dir)
        current = load_state(state)
        if current is None or current.pid != info.pid:
            return info
        updated = dataclasses.replace(current, program=str(Path(program_dir).resolve()),
                                      applied_state=str(Path(export).resolve()) if export is not None else None)
        write_state(state, updated)
        return updated
