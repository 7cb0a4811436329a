"""Store schema 1: scans with their report, evidence, rule results and stages.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _owned_by_scan(name: str, *columns: sa.Column[object]) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("scan_id", sa.String(64), sa.ForeignKey("scans.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        *columns,
    )


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(255), nullable=False),
    )
    op.create_table(
        "scans",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("started_at", sa.String(40), nullable=False, index=True),
        sa.Column("finished_at", sa.String(40), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("config_fingerprint", sa.String(64), nullable=False, index=True),
        sa.Column("model_name", sa.String(255), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("targets", sa.Text, nullable=False),
        sa.Column("overall_stage", sa.String(16), nullable=False),
        sa.Column("overall_score", sa.Float),
        sa.Column("overall_confidence", sa.Float),
        sa.Column("document", sa.Text, nullable=False),
    )
    _owned_by_scan(
        "evidence",
        sa.Column("entity", sa.Text, nullable=False),
        sa.Column("signal", sa.String(255), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("locators", sa.Text, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("observed_at", sa.String(40), nullable=False),
    )
    _owned_by_scan(
        "rule_results",
        sa.Column("rule_id", sa.String(255), nullable=False),
        sa.Column("subcompetency", sa.String(128), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
    )
    _owned_by_scan(
        "stages",
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("item", sa.String(128), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("score", sa.Float),
        sa.Column("confidence", sa.Float),
    )
