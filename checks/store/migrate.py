"""Open a store's engine and bring its schema to our head revision, refusing what is not ours.

Every refusal is one `InputError` naming the store (its URL without the password): a bad URL, an unreachable
server or unopenable file, a corrupt file, a foreign database, a store written by a newer clearance.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError, OperationalError

from checks import tool_version
from checks.errors import InputError
from checks.store.schema import OUR_TABLES
from checks.store.urls import safe_url, scrub

REVISION_PREFIX = "clearance_"
NOT_OURS = "give an empty database, or another file"


def alembic_config(connection: Connection | None = None) -> Config:
    """A Config whose scripts are the ones shipped in this package (`checks/store/migrations`)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(str(files("checks.store") / "migrations"))))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def known_revisions() -> frozenset[str]:
    return frozenset(s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions())


def make_engine(url: str) -> Engine:
    shown = safe_url(url)
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise InputError("not a valid store URL", where=shown,
                         hint="give a file path or an SQLAlchemy URL such as "
                              "postgresql+psycopg://user@host:5432/clearance") from None
    if parsed.get_backend_name() == "sqlite":
        _sqlite_folder(parsed, shown)
    try:
        engine = create_engine(parsed, pool_pre_ping=False)
    except (NoSuchModuleError, ArgumentError, ImportError) as err:
        raise InputError(f"unsupported store URL ({scrub(str(err), url)})", where=shown,
                         hint="use a path, sqlite:///FILE or postgresql+psycopg://...") from None
    if engine.dialect.name == "sqlite":
        _sqlite_transactions(engine)
    return engine


def _sqlite_folder(parsed: URL, shown: str) -> None:
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    try:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"cannot create the store's folder: {err.strerror or err}", where=shown,
                         hint="give a path in a folder you can write") from None


def _sqlite_transactions(engine: Engine) -> None:
    """SQLite: real transactions around everything (DDL included), taken for writing at once, so a run is
    recorded whole or not at all and two writers queue (for up to 30 s) instead of failing."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver's own implicit BEGIN is off: ours below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def upgrade(engine: Engine, url: str) -> None:
    """Check the database is ours (or empty) and upgrade it to head, in one transaction."""
    shown = safe_url(url)
    try:
        with engine.begin() as conn:
            _refuse_foreign(conn, shown)
            command.upgrade(alembic_config(conn), "head")
    except OperationalError as err:
        reason = scrub(str(err.orig or err), url)
        if engine.dialect.name == "sqlite":
            if "not a database" in reason:
                raise _corrupt(shown) from None
            raise InputError(f"cannot open the store: {reason}", where=shown,
                             hint="give a path to a file you can write") from None
        raise InputError(f"cannot connect to the store: {reason}", where=shown,
                         hint="check that the server runs and the URL's host, port, user and database") from None
    except DatabaseError as err:
        if engine.dialect.name == "sqlite":
            raise _corrupt(shown) from None
        raise InputError(f"cannot use the store: {scrub(str(err.orig or err), url)}", where=shown,
                         hint=NOT_OURS) from None


def _corrupt(shown: str) -> InputError:
    return InputError("not a clearance history store: the file is not a SQLite database (corrupt or another "
                      "kind of file)", where=shown, hint="give another store, or move the file away")


def _refuse_foreign(conn: Connection, shown: str) -> None:
    tables = set(inspect(conn).get_table_names())
    if "alembic_version" in tables:
        revisions = [row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))]
        unknown = sorted(r for r in revisions if r not in known_revisions())
        if unknown:
            rev = unknown[0]
            if rev.startswith(REVISION_PREFIX):
                raise InputError("written by a newer clearance; upgrade clearance", where=shown,
                                 hint=f"its schema revision {rev} is unknown to clearance {tool_version()}")
            raise InputError(f"not a clearance history store: unknown schema revision {rev!r}", where=shown,
                             hint=NOT_OURS)
    foreign = sorted(tables - OUR_TABLES)
    if foreign or (tables and "alembic_version" not in tables):
        names = ", ".join(foreign or sorted(tables))
        raise InputError(f"not a clearance history store: it holds tables of another application ({names})",
                         where=shown, hint=NOT_OURS)
