"""Retention: drop scans older than an age, or all but the newest N of each config.

The newest scan of every config is always kept, so the next scheduled scan still
has a previous scan to be compared with (`--fail-on-regression`, `maturity diff`).

A sharded scan that was never finalized (a shard that never reported, a finalize that
never ran) holds its shards' evidence; the same retention lets it go, counted among the
sharded scans of its config that are waiting, the newest of which is always kept (it
may still be running).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from scanner.errors import UserError
from scanner.store.shards import delete_sharded_scans
from scanner.store.store import Store, delete_scans, describe_url, first_line
from scanner.store.tables import (
    NEWEST_FIRST,
    SCANS_WITH_DETAILS,
    evidence_sets_table,
    judged_units_table,
    scan_entities_table,
    scan_units_table,
    scans_table,
    shard_entities_table,
    sharded_scans_table,
)


@dataclass(frozen=True)
class Keep:
    days: int | None = None
    scans: int | None = None


#: Longer than any store has lived; a bigger age cannot be subtracted from a date.
MAX_KEEP_DAYS = 36_500


def parse_keep(text: str) -> Keep:
    match = re.fullmatch(r"\s*(\d{1,12})\s*(d?)\s*", text)
    if not match or int(match.group(1)) < 1:
        raise UserError(f"--keep {text[:40]}: give an age in days (90d) or a number of scans "
                        "per config (30), at least 1")
    number = int(match.group(1))
    if match.group(2) and number > MAX_KEEP_DAYS:
        raise UserError(f"--keep {number}d: at most {MAX_KEEP_DAYS}d (100 years); to keep "
                        "every scan, do not prune")
    return Keep(days=number) if match.group(2) else Keep(scans=number)


def doomed(store: Store, keep: Keep, now: datetime) -> list[str]:
    """The scans `keep` lets go, oldest first."""
    query = (sa.select(scans_table.c.id, scans_table.c.config_fingerprint,
                       scans_table.c.started_at).select_from(SCANS_WITH_DETAILS)
             .order_by(*NEWEST_FIRST))
    return _let_go(store, query, keep, now)


def abandoned(store: Store, keep: Keep, now: datetime) -> list[str]:
    """The sharded scans never finalized that `keep` lets go, oldest first."""
    waiting = sharded_scans_table
    query = (sa.select(waiting.c.id, waiting.c.config_fingerprint,
                       waiting.c.created_at.label("started_at"))
             .where(~sa.exists().where(scans_table.c.id == waiting.c.id))
             .order_by(waiting.c.created_at.desc(), waiting.c.id.desc()))
    return _let_go(store, query, keep, now)


def _let_go(store: Store, query: sa.Select[Any], keep: Keep, now: datetime) -> list[str]:
    """Of the scans `query` gives (id, config_fingerprint, started_at; newest first), those
    `keep` lets go, oldest first: never the newest of a config."""
    cutoff = (now - timedelta(days=keep.days)).isoformat() if keep.days else None
    seen: dict[str, int] = {}
    drop: list[str] = []
    with store.engine.connect() as conn:
        for row in conn.execute(query):
            rank = seen[row.config_fingerprint] = seen.get(row.config_fingerprint, 0) + 1
            if rank == 1:
                continue
            if (keep.scans is not None and rank > keep.scans) or \
                    (cutoff is not None and row.started_at < cutoff):
                drop.append(row.id)
    return drop[::-1]


def prune(store: Store, scan_ids: list[str]) -> None:
    """Delete these scans with everything recorded for them, and the evidence sets and
    kept judgements no remaining scan refers to, in one transaction that no scan being
    saved overlaps."""
    try:
        with store.writing(alone=True) as conn:
            delete_scans(conn, scan_ids)
            delete_sharded_scans(conn, scan_ids)
            used = sa.exists().where(
                scan_entities_table.c.set_digest == evidence_sets_table.c.digest)
            # A sharded scan not yet finalized refers to its sets through its shards' parts.
            waiting = sa.exists().where(
                shard_entities_table.c.set_digest == evidence_sets_table.c.digest)
            conn.execute(evidence_sets_table.delete().where(~used & ~waiting))
            judged = sa.exists().where(scan_units_table.c.unit_key == judged_units_table.c.key)
            conn.execute(judged_units_table.delete().where(~judged))
    except sa.exc.SQLAlchemyError as exc:
        raise UserError(f"cannot prune {describe_url(store.url)}: "
                        f"{first_line(exc)}; nothing was removed") from None


def vacuum(store: Store) -> None:
    """Give the space freed by pruning back: SQLite rewrites its file (it otherwise only
    reuses the pages); PostgreSQL marks it reusable and refreshes its statistics (without
    VACUUM FULL, which would lock out scans)."""
    statement = "VACUUM" if store.dialect == "sqlite" else "VACUUM (ANALYZE)"
    try:
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(statement)
    except sa.exc.SQLAlchemyError as exc:
        raise UserError(f"cannot vacuum {describe_url(store.url)}: "
                        f"{first_line(exc)}; the scans were pruned") from None
