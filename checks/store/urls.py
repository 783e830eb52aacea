"""Store URLs: a path, an SQLite URL or any SQLAlchemy URL, and the same URL with its password masked."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_USERINFO = re.compile(r"^(?P<scheme>[^:/]+://[^:/@]*):[^@]*@")
MASK = "***"


def store_url(value: str | None, default: Path) -> str:
    """The SQLAlchemy URL of a store given as a path (relative to the working folder), an SQLite URL or any
    SQLAlchemy URL (`postgresql+psycopg://user@host/db`); None gives the SQLite file `default`."""
    if value is None or not value.strip():
        return f"sqlite:///{Path(default).expanduser().absolute()}"
    value = value.strip()
    if _SCHEME.match(value):
        return value
    return f"sqlite:///{Path(value).expanduser().absolute()}"


def safe_url(url: str) -> str:
    """`url` with any password masked, for printing (also when the URL does not parse)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return _USERINFO.sub(lambda m: f"{m.group('scheme')}:{MASK}@", url)


def scrub(text: str, url: str) -> str:
    """A driver's message cut to its first line, with the URL's password (if any) masked."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), text.strip())
    try:
        password = make_url(url).password
    except (ArgumentError, ValueError):
        password = None
    if password:
        line = line.replace(str(password), MASK)
    return line
