"""Store schema 4: evidence stored once per distinct entity set, reports packed.

Each scan's evidence rows become one set per entity, named by its digest and
shared by every scan that saw the same; each report is stored compressed, its
evidence items replaced by references into those sets (scanner/store/packing.py).
A year of daily scans of a large estate then grows with what changed, not with
the number of scans.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from alembic import op

from scanner.evidence import Evidence
from scanner.store.packing import evidence_sets, pack_document

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    documents = op.create_table(
        "scan_documents",
        sa.Column("scan_id", sa.String(64), sa.ForeignKey("scans.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("body", sa.LargeBinary, nullable=False),
    )
    sets = op.create_table(
        "evidence_sets",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("entity", sa.Text, nullable=False),
        sa.Column("items", sa.Integer, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
    )
    scan_entities = op.create_table(
        "scan_entities",
        sa.Column("scan_id", sa.String(64), sa.ForeignKey("scans.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("entity", sa.Text, nullable=False),
        sa.Column("set_digest", sa.String(64), sa.ForeignKey("evidence_sets.digest"),
                  nullable=False, index=True),
    )
    assert documents is not None and sets is not None and scan_entities is not None
    scans = sa.table("scans", sa.column("id", sa.String), sa.column("document", sa.Text))
    evidence = sa.table("evidence", *(sa.column(name) for name in (
        "id", "scan_id", "entity", "signal", "value", "locators", "source", "note",
        "observed_at")))
    conn = op.get_bind()
    known: set[str] = set()
    for scan_id in conn.execute(sa.select(scans.c.id)).scalars().all():
        rows = conn.execute(sa.select(evidence).where(evidence.c.scan_id == scan_id)
                            .order_by(evidence.c.id)).all()
        found = evidence_sets(
            Evidence(row.entity, row.signal, json.loads(row.value), row.source,
                     tuple(json.loads(row.locators)), row.note,
                     datetime.fromisoformat(row.observed_at)) for row in rows)
        fresh = [s for s in found if s.digest not in known]
        if fresh:
            conn.execute(sets.insert(), [{"digest": s.digest, "entity": s.entity,
                                          "items": len(s.items), "body": s.body()}
                                         for s in fresh])
            known.update(s.digest for s in fresh)
        if found:
            conn.execute(scan_entities.insert(), [
                {"scan_id": scan_id, "position": position, "entity": s.entity,
                 "set_digest": s.digest} for position, s in enumerate(found)])
        document = json.loads(conn.execute(sa.select(scans.c.document)
                                           .where(scans.c.id == scan_id)).scalar_one())
        conn.execute(documents.insert().values(scan_id=scan_id,
                                               body=pack_document(document, found)))
    op.drop_table("evidence")
    with op.batch_alter_table("scans") as batch:
        batch.drop_column("document")
