"""Alembic's environment: run by `checks.store.migrate` with the open connection in `config.attributes`.

Executed by Alembic only (it loads this file when a migration command runs); nothing imports it."""

from __future__ import annotations

from alembic import context


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("the clearance store migrations run programmatically, with a connection "
                           "in config.attributes['connection'] (see checks/store/migrate.py)")
    context.configure(connection=connection, target_metadata=None, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
