"""Store schema 3: what history and diff read, without parsing each scan's report.

Adds `scan_details` (duration, errors, rule packs, the outline a diff compares) and
`entity_stages` (each repository's own stages), filled in from the reports already
stored, and the indexes history and diff query by.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from scanner.store.rows import entity_stage_rows, scan_details

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_scans_config_started", "scans", ["config_fingerprint", "started_at"])
    op.create_index("ix_evidence_scan_signal", "evidence", ["scan_id", "signal"])
    details = op.create_table(
        "scan_details",
        sa.Column("scan_id", sa.String(64), sa.ForeignKey("scans.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("stored_at", sa.String(40), nullable=False),
        sa.Column("tool_version", sa.String(64)),
        sa.Column("rule_packs", sa.Text, nullable=False),
        sa.Column("duration_seconds", sa.Float),
        sa.Column("error_count", sa.Integer, nullable=False),
        sa.Column("errors", sa.Text, nullable=False),
        sa.Column("outline", sa.Text, nullable=False),
    )
    entity_stages = op.create_table(
        "entity_stages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("scan_id", sa.String(64), sa.ForeignKey("scans.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("entity", sa.String(512), nullable=False, index=True),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("score", sa.Float),
        sa.Column("confidence", sa.Float),
        sa.Column("competencies", sa.Text, nullable=False),
    )
    assert details is not None and entity_stages is not None
    scans = sa.table("scans", sa.column("id", sa.String), sa.column("document", sa.Text))
    conn = op.get_bind()
    for scan_id in conn.execute(sa.select(scans.c.id)).scalars().all():
        # One report at a time: for a large estate each is tens of MB.
        document = json.loads(conn.execute(sa.select(scans.c.document)
                                           .where(scans.c.id == scan_id)).scalar_one())
        # The live row has the columns of later schemas too: keep those this one has.
        row = scan_details(document, stored_at=document["scan"]["finished_at"])
        conn.execute(details.insert().values(
            **{key: value for key, value in row.items() if key in details.c}))
        rows = entity_stage_rows(scan_id, document)
        if rows:
            conn.execute(entity_stages.insert(), rows)
