"""The baseline: runs and their findings.

Revision ID: clearance_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "clearance_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("target", sa.String(512), nullable=False),
        sa.Column("view", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tool_version", sa.String(64), nullable=False),
        sa.Column("catalog_version", sa.String(128), nullable=False),
    )
    op.create_index("ix_runs_target_started", "runs", ["target", "started_at"])
    op.create_table(
        "findings",
        sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("control_id", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("asset_kind", sa.String(128), nullable=False),
        sa.Column("asset_id", sa.Text, nullable=False),
        sa.Column("asset_name", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_index("ix_findings_run_fingerprint", "findings", ["run_id", "fingerprint"])


def downgrade() -> None:
    op.drop_table("findings")
    op.drop_table("runs")
