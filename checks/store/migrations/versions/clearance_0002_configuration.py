"""Configuration drift counts on each run (`runs.configuration_json`).

Revision ID: clearance_0002
Revises: clearance_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "clearance_0002"
down_revision = "clearance_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("runs", sa.Column("configuration_json", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("configuration_json")
