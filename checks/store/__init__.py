"""The history store (issue 9): every `check`, `scan` and `drift` run with its findings, in SQLite by default
(`clearance-out/history.db`) or any SQLAlchemy database (`postgresql+psycopg://...`), its schema kept by the Alembic
migrations shipped in `migrations/`."""

from checks.store.records import Recorded, RunRecord, catalog_version
from checks.store.store import Store, open_store
from checks.store.urls import safe_url, store_url

__all__ = ["Recorded", "RunRecord", "Store", "catalog_version", "open_store", "safe_url", "store_url"]
