"""The detached sandbox: `clearance sandbox up | status | down` through the entry point, and the library API."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from checks.sandbox import SandboxError, read_sandbox, start_sandbox, stop_sandbox
from checks.sandbox.state import is_sandbox_process, pid_alive, probe
from tests.sandbox.conftest import CLEARANCE, clearance, server_pids


def test_entry_point_has_sandbox() -> None:
    """`clearance sandbox --help` lists the four subcommands, and `--version` names the installed version."""
    done = clearance("--help")
    assert done.returncode == 0, done.stderr
    for command in ("up", "status", "down", "apply"):
        assert command in done.stdout
    version = subprocess.run([CLEARANCE, "--version"], capture_output=True, text=True, timeout=60, check=False)
    assert version.returncode == 0, version.stderr
    assert re.fullmatch(r"clearance \d+\.\d+\.\d+\S*\n", version.stdout)


def test_up_status_down_cycle(out: Path) -> None:
    before = clearance("status", "--out", str(out))
    assert before.returncode == 3 and before.stdout.strip() == "sandbox is not running"

    up = clearance("up", "--out", str(out))
    assert up.returncode == 0, up.stderr
    state = json.loads((out / "sandbox.json").read_text())
    endpoint, pid = state["endpoint"], state["pid"]
    url = urllib.parse.urlsplit(endpoint)
    assert (url.hostname, url.port) == ("127.0.0.1", state["port"])
    assert f"sandbox started at {endpoint} (pid {pid}" in up.stdout
    assert f"export AWS_ENDPOINT_URL={endpoint}" in up.stdout
    assert probe(endpoint) and is_sandbox_process(pid)
    info = read_sandbox(out)
    assert info is not None and info.endpoint == endpoint
    assert info.session().client("sts").get_caller_identity()["Account"] == state["account_id"] == "123456789012"

    again = clearance("up", "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert f"sandbox already running at {endpoint} (pid {pid}" in again.stdout
    assert json.loads((out / "sandbox.json").read_text())["pid"] == pid
    assert server_pids(out) == [pid]

    status = clearance("status", "--out", str(out))
    assert status.returncode == 0 and f"endpoint: {endpoint}" in status.stdout and "uptime: " in status.stdout

    down = clearance("down", "--out", str(out))
    assert down.returncode == 0, down.stderr
    assert f"sandbox stopped (pid {pid}, {endpoint}" in down.stdout
    assert not pid_alive(pid) and not (out / "sandbox.json").exists()
    assert not probe(endpoint, timeout=0.5)
    assert "sandbox stopped" in (out / "sandbox.log").read_text()

    assert clearance("status", "--out", str(out)).returncode == 3
    none = clearance("down", "--out", str(out))
    assert none.returncode == 0 and none.stdout.strip() == "no sandbox was running"


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_stale_state_file_is_replaced(out: Path) -> None:
    out.mkdir()
    port = _closed_port()
    stale = {"version": 1, "endpoint": f"http://127.0.0.1:{port}", "port": port, "pid": _dead_pid(),
             "account_id": "123456789012", "region": "us-east-1", "started_at": "2020-01-01T00:00:00+00:00"}
    (out / "sandbox.json").write_text(json.dumps(stale))
    assert read_sandbox(out) is None

    status = clearance("status", "--out", str(out))
    assert status.returncode == 3 and "stale state file" in status.stdout

    up = clearance("up", "--out", str(out))
    assert up.returncode == 0, up.stderr
    assert "sandbox started at" in up.stdout
    fresh = json.loads((out / "sandbox.json").read_text())
    assert fresh["pid"] != stale["pid"] and probe(fresh["endpoint"])
    assert clearance("down", "--out", str(out)).returncode == 0
    assert not (out / "sandbox.json").exists()


def test_stale_file_of_a_foreign_live_pid_is_not_signalled(out: Path) -> None:
    out.mkdir()
    port = _closed_port()
    (out / "sandbox.json").write_text(json.dumps(
        {"endpoint": f"http://127.0.0.1:{port}", "port": port, "pid": os.getpid(), "account_id": "123456789012",
         "region": "us-east-1", "started_at": "2020-01-01T00:00:00+00:00"}))
    assert stop_sandbox(out) is None  # the pid (this test run) is alive but is no sandbox server: left alone
    assert not (out / "sandbox.json").exists()


def test_unreadable_state_file_is_one_line_error(out: Path) -> None:
    out.mkdir()
    (out / "sandbox.json").write_text("{not json")
    for command in ("status", "up", "down"):
        done = clearance(command, "--out", str(out))
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in done.stderr
        assert lines[0].startswith(f"error: {out / 'sandbox.json'}: unreadable sandbox state file")


def test_port_in_use_names_the_log(out: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        done = clearance("up", "--out", str(out), "--port", str(port))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == (f"error: {out / 'sandbox.log'}: the sandbox server exited during start-up: cannot "
                                   f"bind the sandbox server to 127.0.0.1:{port}: Address already in use "
                                   "(choose another --port, or 0 for a free one)")
    assert not (out / "sandbox.json").exists() and server_pids(out) == []


def test_library_start_read_stop(out: Path) -> None:
    info = start_sandbox(out, region="eu-west-1")
    assert not info.reused and info.region == "eu-west-1" and info.pid != os.getpid()
    assert start_sandbox(out).reused
    seen = read_sandbox(out)
    assert seen is not None and seen.pid == info.pid
    sts = info.session().client("sts")
    assert sts.meta.region_name == "eu-west-1" and sts.get_caller_identity()["Account"] == info.account_id
    stopped = stop_sandbox(out)
    assert stopped is not None and stopped.pid == info.pid
    assert not pid_alive(info.pid)  # reaped, not a zombie of this test process
    assert read_sandbox(out) is None and stop_sandbox(out) is None


def test_start_timeout_kills_the_server(out: Path) -> None:
    with pytest.raises(SandboxError) as caught:
        start_sandbox(out, timeout=0.05)  # importing moto alone takes longer
    assert str(caught.value) == (f"{out / 'sandbox.log'}: the sandbox server did not answer within 0.05s "
                                 "(see the log file)")
    assert server_pids(out) == [] and not (out / "sandbox.json").exists()
