"""The sandbox's state file (`<out>/sandbox.json`), what it records, and how to tell whether its server still runs.

The file is written atomically by the server process once its port is bound, and removed by the server on a clean
shutdown (or by `clearance sandbox down`). A file whose process is gone, or whose endpoint does not answer, is stale.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from checks.errors import ClearanceError, InputError
from checks.fsutil import atomic_write

STATE_FILE = "sandbox.json"
LOG_FILE = "sandbox.log"
HOST = "127.0.0.1"  # never 0.0.0.0: the sandbox is for this machine only
DEFAULT_REGION = "us-east-1"
FAKE_ACCESS_KEY_ID = "testing"  # moto maps any unknown key to its account (MOTO_ACCOUNT_ID or 123456789012)
FAKE_SECRET_ACCESS_KEY = "testing"
SERVER_MODULE = "checks.sandbox.server"
STATE_VERSION = 1


class SandboxError(ClearanceError):
    """The sandbox server could not be started, reached or stopped."""


def state_path(out_dir: Path) -> Path:
    return Path(out_dir) / STATE_FILE


def log_path(out_dir: Path) -> Path:
    return Path(out_dir) / LOG_FILE


@dataclass(frozen=True)
class SandboxInfo:
    """A running sandbox: where it answers, which process serves it, and the account and region it stands in for."""

    endpoint: str
    port: int
    pid: int
    account_id: str
    region: str
    started_at: dt.datetime
    log_file: str | None = None
    program: str | None = None  # the Pulumi program folder last applied (`sandbox apply`), absolute
    applied_state: str | None = None  # the stack export that apply wrote, absolute
    reused: bool = field(default=False, compare=False)  # start_sandbox found it already running (not persisted)

    def uptime(self, now: dt.datetime | None = None) -> dt.timedelta:
        return (now or dt.datetime.now(dt.UTC)) - self.started_at

    def env(self) -> dict[str, str]:
        """Environment variables that point AWS SDKs and CLIs at the sandbox (for a child process or `export`)."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": FAKE_SECRET_ACCESS_KEY,
            "AWS_DEFAULT_REGION": self.region,
        }

    def session(self, region: str | None = None) -> Any:
        """A boto3 Session with fake credentials whose clients and resources use the sandbox endpoint by default.

        Nothing in the environment is read or changed: `AWS_ENDPOINT_URL*`, profiles and real credentials are ignored.
        """
        return _session_class()(self.endpoint, region or self.region)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("reused")
        data["started_at"] = self.started_at.isoformat()
        return {"version": STATE_VERSION, **data}

    @classmethod
    def from_json(cls, data: Any) -> SandboxInfo:
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        try:
            started = dt.datetime.fromisoformat(str(data["started_at"]))
            return cls(endpoint=str(data["endpoint"]), port=int(data["port"]), pid=int(data["pid"]),
                       account_id=str(data["account_id"]), region=str(data["region"]),
                       started_at=started if started.tzinfo else started.replace(tzinfo=dt.UTC),
                       log_file=str(data["log_file"]) if data.get("log_file") else None,
                       program=str(data["program"]) if data.get("program") else None,
                       applied_state=str(data["applied_state"]) if data.get("applied_state") else None)
        except KeyError as err:
            raise ValueError(f"missing field {err.args[0]!r}") from None
        except (TypeError, ValueError) as err:
            raise ValueError(f"bad field value ({err})") from None


@functools.cache
def _session_class() -> type:
    import boto3  # imported on first use: `clearance sandbox status` stays fast
    import botocore.session

    class SandboxSession(boto3.Session):
        """boto3.Session whose `client()`/`resource()` default to the sandbox endpoint."""

        def __init__(self, endpoint_url: str, region: str) -> None:
            # the profile is not looked up in AWS_PROFILE: a profile missing from this machine must not matter
            core = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
            super().__init__(aws_access_key_id=FAKE_ACCESS_KEY_ID, aws_secret_access_key=FAKE_SECRET_ACCESS_KEY,
                             region_name=region, botocore_session=core)
            self.endpoint_url = endpoint_url

        def client(self, *args: Any, **kwargs: Any) -> Any:
            if len(args) < 6 and kwargs.get("endpoint_url") is None:  # endpoint_url is the 6th positional parameter
                kwargs["endpoint_url"] = self.endpoint_url
            return super().client(*args, **kwargs)

        def resource(self, *args: Any, **kwargs: Any) -> Any:
            if len(args) < 6 and kwargs.get("endpoint_url") is None:
                kwargs["endpoint_url"] = self.endpoint_url
            return super().resource(*args, **kwargs)

    return SandboxSession


def load_state(path: Path) -> SandboxInfo | None:
    """The recorded sandbox, alive or not; None when there is no file. An unreadable file is a one-line error."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as err:
        raise InputError(f"cannot read the sandbox state file: {err.strerror or err}", where=str(path)) from None
    try:
        return SandboxInfo.from_json(json.loads(text))
    except ValueError as err:  # json.JSONDecodeError is a ValueError
        raise InputError(f"unreadable sandbox state file: {err}", where=str(path),
                         hint="stop the server by hand if one runs, then delete the file") from None


def write_state(path: Path, info: SandboxInfo) -> None:
    """Replace the state file atomically (a reader sees the old file or the new one, never half of one)."""
    atomic_write(path, json.dumps(info.to_json(), indent=2) + "\n")


def remove_state(path: Path, *, pid: int | None = None) -> None:
    """Delete the state file; with `pid`, only if it still records that process (a newer server keeps its file)."""
    if pid is not None:
        try:
            current = load_state(path)
        except InputError:
            return
        if current is None or current.pid != pid:
            return
    path.unlink(missing_ok=True)


def pid_alive(pid: int) -> bool:
    """Whether the process exists and is not a zombie (an exited child its parent has not reaped yet)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): trust kill(0)
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def is_sandbox_process(pid: int) -> bool:
    """Whether the pid is alive and (where /proc tells) runs the sandbox server, so a reused pid is never signalled."""
    if not pid_alive(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True
    return SERVER_MODULE.encode() in cmdline


def probe(endpoint: str, timeout: float = 1.0) -> bool:
    """Whether a moto server answers at the endpoint (GET /moto-api/config: small, no side effect)."""
    try:
        with urllib.request.urlopen(f"{endpoint}/moto-api/config", timeout=timeout) as resp:  # noqa: S310
            return isinstance(json.loads(resp.read(65536)), dict)
    except (OSError, ValueError):  # URLError, timeouts and refused connections are OSErrors
        return False


def reset(endpoint: str, timeout: float = 60.0) -> None:
    """Clear every resource of the sandbox (POST /moto-api/reset; slow when AWS managed policies are loaded)."""
    req = urllib.request.Request(f"{endpoint}/moto-api/reset", data=b"", method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
            resp.read()
    except OSError as err:
        raise SandboxError(f"cannot reset the sandbox: {err}", where=endpoint) from None


def is_alive(info: SandboxInfo, timeout: float = 1.0) -> bool:
    return pid_alive(info.pid) and probe(info.endpoint, timeout)
