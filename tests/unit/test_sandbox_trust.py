"""A planted `sandbox.json` never redirects a scan: `read_sandbox` trusts only a state file this user's own sandbox
can have written (checks.sandbox.trust), refuses any other in one line, and contacts nothing before trusting it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import checks.sandbox
import checks.sandbox.trust
from checks.sandbox import UntrustedSandbox, read_sandbox
from checks.sandbox.state import SandboxInfo
from checks.sandbox.trust import is_loopback, trust_problem

HINT = "(start your own with 'clearance sandbox up')"


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def plant(folder: Path, *, endpoint: str = "http://127.0.0.1:4566", pid: int | None = None,
          mode: int = 0o600) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "sandbox.json"
    path.write_text(json.dumps({"version": 1, "endpoint": endpoint, "port": 4566, "pid": pid or os.getpid(),
                                "account_id": "123456789012", "region": "us-east-1",
                                "started_at": "2026-01-01T00:00:00+00:00"}))
    path.chmod(mode)
    return path


@pytest.fixture(autouse=True)
def no_contact(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing may be contacted unless a test says the file is trusted."""
    def refuse(*_: object, **__: object) -> bool:
        raise AssertionError("the recorded endpoint was contacted")

    monkeypatch.setattr(checks.sandbox, "is_alive", refuse)


def refusal(folder: Path) -> str:
    with pytest.raises(UntrustedSandbox) as caught:
        read_sandbox(folder)
    return str(caught.value)


@pytest.mark.parametrize(("endpoint", "loopback"), [
    ("http://127.0.0.1:4566", True), ("http://127.1.2.3:80", True), ("http://[::1]:4566", True),
    ("https://localhost:4566", True), ("http://LOCALHOST:1", True),
    ("http://198.51.100.7:4566", False), ("http://sandbox.example.com:4566", False), ("http://0.0.0.0:4566", False),
    ("http://[::ffff:8.8.8.8]:1", False), ("http://127.0.0.1.nip.io:4566", False), ("file:///etc/passwd", False),
    ("ftp://127.0.0.1/", False), ("http://127.0.0.1:99999", False), ("http://user@evil.com@127.0.0.1/", True),
    ("http://127.0.0.1@evil.com/", False), ("", False),
])
def test_only_loopback_endpoints(endpoint: str, loopback: bool) -> None:
    assert is_loopback(endpoint) is loopback


def test_writable_by_others_is_refused(tmp_path: Path) -> None:
    path = plant(tmp_path, mode=0o666)
    assert refusal(tmp_path) == (f"{path}: not using the sandbox recorded there: the state file is writable by group "
                                 f"or others (mode 0666) {HINT}")
    path.chmod(0o620)
    assert "writable by group or others (mode 0620)" in refusal(tmp_path)


def test_remote_endpoint_is_refused_before_any_contact(tmp_path: Path) -> None:
    path = plant(tmp_path, endpoint="http://198.51.100.7:4566")
    assert refusal(tmp_path) == (f"{path}: not using the sandbox recorded there: its endpoint http://198.51.100.7:4566 "
                                 f"is not on this machine (only 127.0.0.1, ::1 or localhost) {HINT}")


def test_live_pid_that_is_no_sandbox_server_is_refused(tmp_path: Path) -> None:
    path = plant(tmp_path, pid=os.getpid())  # this pytest process: alive, but not `python -m checks.sandbox.server`
    assert refusal(tmp_path) == (f"{path}: not using the sandbox recorded there: its process {os.getpid()} is not a "
                                 f"clearance sandbox server (a stale file?) {HINT}")


def test_symbolic_link_is_refused(tmp_path: Path) -> None:
    real = plant(tmp_path / "elsewhere")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "sandbox.json").symlink_to(real)
    assert refusal(tmp_path / "out") == (f"{tmp_path / 'out' / 'sandbox.json'}: not using the sandbox recorded there: "
                                         f"the state file is a symbolic link {HINT}")


def test_file_of_another_user_is_refused(tmp_path: Path) -> None:
    info = SandboxInfo.from_json(json.loads(plant(tmp_path).read_text()))
    st = os.stat(tmp_path / "sandbox.json")
    foreign = os.stat_result((st.st_mode, st.st_ino, st.st_dev, st.st_nlink, os.getuid() + 1, st.st_gid, st.st_size,
                              0, 0, 0))
    assert trust_problem(info, foreign) == (f"the state file is owned by uid {os.getuid() + 1}, not by you "
                                            f"(uid {os.getuid()})")


def test_dead_pid_is_stale_whatever_the_file_says(tmp_path: Path) -> None:
    plant(tmp_path, endpoint="http://198.51.100.7:4566", pid=dead_pid(), mode=0o666)
    assert read_sandbox(tmp_path) is None  # redirects nothing, contacts nothing: `scan` goes on as if none ran


def test_own_sandbox_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plant(tmp_path, pid=os.getpid())
    monkeypatch.setattr(checks.sandbox.trust, "is_sandbox_process", lambda pid: pid == os.getpid())
    monkeypatch.setattr(checks.sandbox, "is_alive", lambda info: True)
    info = read_sandbox(tmp_path)
    assert info is not None and info.endpoint == "http://127.0.0.1:4566"
    monkeypatch.setattr(checks.sandbox, "is_alive", lambda info: False)
    assert read_sandbox(tmp_path) is None  # trusted but not answering: no sandbox


def test_hint_names_the_callers_way_out(tmp_path: Path) -> None:
    plant(tmp_path, mode=0o646)
    with pytest.raises(UntrustedSandbox) as caught:
        read_sandbox(tmp_path, hint="pass --endpoint-url")
    assert str(caught.value).endswith("(mode 0646) (pass --endpoint-url)")
