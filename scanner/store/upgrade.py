"""Bring a store written by an older maturity-scanner up to the current schema.

`metadata.create_all` adds missing tables but never touches an existing one, so
indexes that later versions added to existing tables are created here, and the
new tables are filled in from each scan's stored document.  Every step checks
what is already there: an upgrade that was interrupted simply runs again.
"""

from __future__ import annotations

import json

import sqlalchemy as sa

from scanner.store.rows import entity_stage_rows, scan_details
from scanner.store.tables import (
    entity_stages_table,
    evidence_table,
    scan_details_table,
    scans_table,
)


def upgrade(conn: sa.Connection, from_version: int) -> None:
    if from_version < 3:
        for index in (*scans_table.indexes, *evidence_table.indexes):
            index.create(conn, checkfirst=True)
        _fill_details(conn)


def _fill_details(conn: sa.Connection) -> None:
    missing = ~sa.exists().where(scan_details_table.c.scan_id == scans_table.c.id)
    pending = conn.execute(sa.select(scans_table.c.id).where(missing)).scalars().all()
    for scan_id in pending:  # one document at a time: they can be large
        text = conn.execute(sa.select(scans_table.c.document)
                            .where(scans_table.c.id == scan_id)).scalar_one()
        document = json.loads(text)
        conn.execute(scan_details_table.insert().values(
            **scan_details(document, stored_at=document["scan"]["finished_at"])))
        conn.execute(entity_stages_table.delete()
                     .where(entity_stages_table.c.scan_id == scan_id))
        rows = entity_stage_rows(scan_id, document)
        if rows:
            conn.execute(entity_stages_table.insert(), rows)
