"""Findings keyed by account and region (`findings.account`, `findings.region`; NULL on older rows), and the
shards of run groups (`shards`: what each shard of a sharded organization scan read).

Revision ID: clearance_0003
Revises: clearance_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "clearance_0003"
down_revision = "clearance_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("findings", sa.Column("account", sa.String(12), nullable=True))
    op.add_column("findings", sa.Column("region", sa.String(32), nullable=True))
    op.create_table(
        "shards",
        sa.Column("run_group", sa.String(128), primary_key=True),
        sa.Column("shard_index", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("shard_count", sa.Integer, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("target", sa.String(512), nullable=False),
        sa.Column("tool_version", sa.String(64), nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("shards")
    with op.batch_alter_table("findings") as batch:
        batch.drop_column("region")
        batch.drop_column("account")
