"""Store schema 2: what collectors keep between scans of a target.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "collector_memory",
        sa.Column("collector", sa.String(64), primary_key=True),
        sa.Column("target", sa.String(512), primary_key=True),
        sa.Column("key", sa.String(1024), primary_key=True),
        sa.Column("etag", sa.String(255), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
