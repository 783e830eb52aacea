"""Opening a store: URLs, migrations, and the one-line refusals (corrupt, foreign, newer, unreachable, bad URL)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from checks.errors import ExitCode, InputError
from checks.model import Status
from checks.store import open_store, safe_url, store_url
from checks.store.migrate import alembic_config, known_revisions
from tests.store.conftest import free_port
from tests.store.helpers import counts, finding, run

HEAD = "clearance_0003"
NOT_OURS = "(give an empty database, or another file)"


def refusal(url: str) -> str:
    with pytest.raises(InputError) as err:
        open_store(url)
    assert err.value.exit_code == ExitCode.USAGE
    text_ = str(err.value)
    assert "\n" not in text_
    return text_


def revision(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one())
    finally:
        engine.dispose()


def test_store_url_takes_a_path_a_sqlite_url_or_any_sqlalchemy_url(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert store_url(None, Path("clearance-out/history.db")) == f"sqlite:///{tmp_path}/clearance-out/history.db"
    assert store_url("hist.db", Path("x")) == f"sqlite:///{tmp_path}/hist.db"
    assert store_url("/var/h.db", Path("x")) == "sqlite:////var/h.db"
    assert store_url("sqlite:///rel.db", Path("x")) == "sqlite:///rel.db"
    pg = "postgresql+psycopg://u:pw@db.example:5432/clearance"
    assert store_url(pg, Path("x")) == pg


def test_safe_url_masks_the_password() -> None:
    assert safe_url("postgresql+psycopg://alice:s3cr%40t@db:5432/c") == "postgresql+psycopg://alice:***@db:5432/c"
    assert safe_url("sqlite:////tmp/h.db") == "sqlite:////tmp/h.db"
    assert safe_url("post gres://alice:s3cret@db/c") == "post gres://alice:***@db/c"


def test_a_new_store_is_created_at_head_with_its_indexes(url: str) -> None:
    open_store(url).close()
    assert revision(url) == HEAD == max(known_revisions())
    engine = create_engine(url)
    try:
        insp = inspect(engine)
        assert {i["name"]: i["column_names"] for i in insp.get_indexes("runs")} == {
            "ix_runs_target_started": ["target", "started_at"]}
        assert {i["name"]: i["column_names"] for i in insp.get_indexes("findings")} == {
            "ix_findings_run_fingerprint": ["run_id", "fingerprint"]}
    finally:
        engine.dispose()
    open_store(url).close()        # opening again changes nothing
    assert revision(url) == HEAD


def test_the_default_sqlite_store_creates_its_folder(tmp_path: Path) -> None:
    url = store_url(None, tmp_path / "clearance-out" / "history.db")
    open_store(url).close()
    assert (tmp_path / "clearance-out" / "history.db").is_file()


def test_a_store_at_revision_1_upgrades_on_open_and_keeps_its_runs(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "clearance_0001")
        conn.execute(text("INSERT INTO runs (id, target, view, started_at, recorded_at, tool_version, "
                          "catalog_version) VALUES ('old1', :t, 'live', :at, :at, '0.9', 'sha256:old')"),
                     {"t": "account 123456789012 (eu-west-1)", "at": "2025-02-28 06:00:00"})
        conn.execute(text("INSERT INTO findings VALUES ('old1', 0, 'fp-S3-01-a', 'S3-01', 'high', 'fail', "
                          "'s3.bucket', 'arn:aws:s3:::a', 'a', 'Bucket a is fail')"))
    assert "configuration_json" not in {c["name"] for c in inspect(engine).get_columns("runs")}
    engine.dispose()
    with open_store(url) as store:
        assert revision(url) == HEAD
        recorded = store.record(run(0, [finding("a", Status.FAIL)], configuration={"missing": 1}))
        assert [p.run_id for p in store.trend("account 123456789012 (eu-west-1)")] == ["old1", recorded.run_id]
    assert recorded.compliance.previous_run == "old1"
    assert [i.transition.value for i in recorded.compliance.items] == ["recurring"]
    assert counts(url) == (2, 2)


def test_a_corrupt_file_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    path.write_bytes(b"this is not a database, just some text that someone left here\n" * 200)
    url = f"sqlite:///{path}"
    assert refusal(url) == (f"{url}: not a clearance history store: the file is not a SQLite database (corrupt or "
                            "another kind of file) (give another store, or move the file away)")
    assert path.read_bytes().startswith(b"this is not a database")


def test_another_apps_sqlite_database_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        db.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY)")
    db.close()
    url = f"sqlite:///{path}"
    assert refusal(url) == (f"{url}: not a clearance history store: it holds tables of another application "
                            f"(orders, users) {NOT_OURS}")
    with sqlite3.connect(path) as db:      # left as it was
        assert sorted(r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")) == [
            "orders", "users"]
    db.close()


def test_another_alembic_apps_database_is_refused(new_url: Callable[[], str]) -> None:
    url = new_url()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('3f2a9c1b7d4e')"))
    engine.dispose()
    assert refusal(url) == (f"{safe_url(url)}: not a clearance history store: unknown schema revision "
                            f"'3f2a9c1b7d4e' {NOT_OURS}")


def test_a_store_written_by_a_newer_clearance_is_refused(new_url: Callable[[], str]) -> None:
    url = new_url()
    open_store(url).close()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'clearance_0099'"))
    engine.dispose()
    message = refusal(url)
    assert message.startswith(f"{safe_url(url)}: written by a newer clearance; upgrade clearance (its schema "
                              "revision clearance_0099 is unknown to clearance ")
    assert revision(url) == "clearance_0099"       # nothing downgraded or touched


def test_an_unreachable_server_is_refused_without_the_password() -> None:
    port = free_port()   # nothing listens there
    url = f"postgresql+psycopg://clearance:hunter22@127.0.0.1:{port}/history?connect_timeout=5"
    message = refusal(url)
    assert message.startswith(f"postgresql+psycopg://clearance:***@127.0.0.1:{port}/history?connect_timeout=5: "
                              f"cannot connect to the store: connection failed: connection to server at "
                              f"\"127.0.0.1\", port {port} failed: Connection refused")
    assert message.endswith("(check that the server runs and the URL's host, port, user and database)")
    assert "hunter22" not in message


@pytest.mark.parametrize(("url", "expected"), [
    ("postgresql+psycopg://u:pw@host:notaport/db",
     "postgresql+psycopg://u:***@host:notaport/db: not a valid store URL (give a file path or an SQLAlchemy URL "
     "such as postgresql+psycopg://user@host:5432/clearance)"),
    ("nosuchdb://u:pw@host/db",
     "nosuchdb://u:***@host/db: unsupported store URL (Can't load plugin: sqlalchemy.dialects:nosuchdb) "
     "(use a path, sqlite:///FILE or postgresql+psycopg://...)"),
])
def test_a_bad_url_is_refused_in_one_line(url: str, expected: str) -> None:
    assert refusal(url) == expected


def test_a_sqlite_file_that_cannot_be_opened_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dir.db").mkdir()
    url = f"sqlite:///{tmp_path / 'dir.db'}"
    assert refusal(url) == f"{url}: cannot open the store: unable to open database file (give a path to a file " \
                           "you can write)"
