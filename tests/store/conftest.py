"""Store fixtures: a fresh store URL per test, on SQLite and on a real PostgreSQL server.

The server is started once per session on 127.0.0.1 (initdb in a temp folder owned by `postgres`, trust auth, a
free port, its socket in that folder), each test gets a fresh database, and the server is stopped at teardown.
Without the binaries (or without the `postgres` user) the PostgreSQL tests skip with the reason, unless
CLEARANCE_REQUIRE_SYSTEM_TESTS=1 (CI), where they fail.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

PG_BIN = Path("/usr/lib/postgresql/15/bin")
START_TIMEOUT = 30


@dataclass(frozen=True)
class PgServer:
    port: int
    counter: Iterator[int]

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def fresh_database(self) -> str:
        import psycopg

        name = f"store_{next(self.counter)}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True, connect_timeout=10) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("CLEARANCE_REQUIRE_SYSTEM_TESTS") == "1":
        pytest.fail(f"PostgreSQL is required (CLEARANCE_REQUIRE_SYSTEM_TESTS=1): {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["runuser", "-u", "postgres", "--", *args], capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    missing = [str(PG_BIN / b) for b in ("initdb", "pg_ctl") if not (PG_BIN / b).is_file()]
    if missing:
        unavailable(f"PostgreSQL 15 binaries not found: {', '.join(missing)}")
    if shutil.which("runuser") is None:
        unavailable("runuser not found (PostgreSQL refuses to run as root)")
    try:
        import pwd

        user = pwd.getpwnam("postgres")
    except KeyError:
        unavailable("no `postgres` user to run the server as")
    folder = Path(tempfile.mkdtemp(prefix="clearance-pg-"))
    os.chown(folder, user.pw_uid, user.pw_gid)
    data, log = folder / "data", folder / "server.log"
    started = False
    try:
        init = _as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                            "--no-sync", "-E", "UTF8", timeout=60)
        if init.returncode != 0:
            pytest.fail(f"initdb failed: {init.stderr.strip()[-500:]}")
        port = free_port()
        start = _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-w",
                             "-t", str(START_TIMEOUT), "-o", f"-k {folder} -h 127.0.0.1 -p {port} -F", "start",
                             timeout=START_TIMEOUT + 5)
        started = True
        if start.returncode != 0:
            tail = log.read_text(errors="replace")[-500:] if log.exists() else ""
            pytest.fail(f"PostgreSQL did not start within {START_TIMEOUT} s: {start.stderr.strip()} {tail}")
        yield PgServer(port=port, counter=itertools.count())
    finally:
        if started:
            _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "-t", "30", "stop",
                         timeout=35)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def new_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Callable[[], str]:
    """Make a fresh, empty store URL of the test's backend (call it again for another one)."""
    counter = itertools.count()
    if backend == "sqlite":
        return lambda: f"sqlite:///{tmp_path / f'history-{next(counter)}.db'}"
    server: PgServer = request.getfixturevalue("pg_server")
    return server.fresh_database


@pytest.fixture
def url(new_url: Callable[[], str]) -> str:
    return new_url()
