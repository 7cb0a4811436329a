"""Store schema 6: scans collected by shards on several machines, then judged once.

`maturity scan --shard I/N --scan-id ID` writes one shard's part (its evidence sets,
with where each stands among the targets, and the targets' problems, entities, waivers
and timeline); `maturity finalize ID` reads every part back and stores the judged scan
as any other. Nothing already stored changes.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sharded_scans",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("config_fingerprint", sa.String(64), nullable=False),
        sa.Column("tool_version", sa.String(64), nullable=False),
        sa.Column("shard_count", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "shard_parts",
        sa.Column("scan_id", sa.String(64),
                  sa.ForeignKey("sharded_scans.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("shard", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("started_at", sa.String(40), nullable=False),
        sa.Column("finished_at", sa.String(40), nullable=False),
        sa.Column("reported_by", sa.String(255), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "shard_entities",
        sa.Column("scan_id", sa.String(64), primary_key=True),
        sa.Column("shard", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("target", sa.Integer, nullable=False),
        sa.Column("place", sa.Integer, nullable=False),
        sa.Column("entity", sa.Text, nullable=False),
        sa.Column("set_digest", sa.String(64), sa.ForeignKey("evidence_sets.digest"),
                  nullable=False, index=True),
        sa.ForeignKeyConstraint(["scan_id", "shard"],
                                ["shard_parts.scan_id", "shard_parts.shard"],
                                ondelete="CASCADE"),
    )
