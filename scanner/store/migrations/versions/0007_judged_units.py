"""Store schema 7: each unit's judgement kept, so an unchanged estate is not judged again.

A unit (a repository with its services, an account) whose evidence, rules and judging
code have not changed since an earlier scan takes that scan's answers
(scanner/judged_units.py). Judgements are named by their key and shared, as evidence
sets are; each scan lists the keys of its units. Nothing already stored changes.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "judged_units",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("body", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "scan_units",
        sa.Column("scan_id", sa.String(64), sa.ForeignKey("scans.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("unit_key", sa.String(64), sa.ForeignKey("judged_units.key"),
                  nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("scan_units")
    op.drop_table("judged_units")
