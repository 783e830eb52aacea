"""The store's Alembic migrations, run programmatically by `checks.store.migrate` (never at import time)."""
