"""A sharded scan in the store: the record its shards join, each shard's part, and the
parts read back for `maturity finalize` (scanner/shards.py says what a part holds).

A shard's part is written in one transaction and replaces the part an earlier run of
the same shard wrote, so running a shard again is harmless. Its evidence goes into the
evidence sets every scan shares (an unchanged repository adds nothing), each with the
target it came from and its place there.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from scanner.credentials import redact
from scanner.errors import UserError
from scanner.iterables import batched
from scanner.spool import EvidenceSpool, Keeping
from scanner.store.packing import set_items
from scanner.store.store import (
    BATCH,
    SET_BATCH,
    Store,
    describe_url,
    first_line,
    holder_name,
)
from scanner.store.tables import (
    evidence_sets_table,
    scans_table,
    shard_entities_table,
    shard_parts_table,
    sharded_scans_table,
)


@dataclass(frozen=True)
class ShardedScan:
    """What every shard of one scan id must share."""

    id: str
    config_fingerprint: str
    tool_version: str
    shard_count: int


@dataclass(frozen=True)
class PlacedSet:
    """One evidence set of a shard's part: the target it came from (its index in the
    config) and its place among that target's entities."""

    target: int
    place: int
    entity: str


@dataclass(frozen=True)
class Report:
    """One shard's part as stored, its evidence aside."""

    shard: int
    started_at: str
    finished_at: str
    reported_by: str
    body: dict[str, Any]


def join(store: Store, wanted: ShardedScan) -> ShardedScan:
    """The sharded scan `wanted.id` as the store holds it: created now by this shard, or
    as the first of its shards created it (the caller compares)."""
    row = {"id": wanted.id, "config_fingerprint": wanted.config_fingerprint,
           "tool_version": wanted.tool_version, "shard_count": wanted.shard_count,
           "created_at": datetime.now(UTC).isoformat()}
    with _said_if_failing(store, "cannot record the sharded scan in"), store.writing() as conn:
        conn.execute(store.insert_on_conflict(sharded_scans_table)
                     .on_conflict_do_nothing(), [row])
    found = sharded_scan(store, wanted.id)
    assert found is not None  # inserted above, or there already
    return found


def sharded_scan(store: Store, scan_id: str) -> ShardedScan | None:
    table = sharded_scans_table
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(table).where(table.c.id == scan_id)).first()
    if row is None:
        return None
    return ShardedScan(row.id, row.config_fingerprint, row.tool_version, row.shard_count)


def stored_already(store: Store, scan_id: str) -> bool:
    """Whether a scan of this id is stored: a sharded scan's id must not be one that
    finalize, which replaces the scan stored under its id, would overwrite."""
    with store.engine.connect() as conn:
        return conn.execute(sa.select(scans_table.c.id)
                            .where(scans_table.c.id == scan_id)).first() is not None


def save_part(store: Store, scan_id: str, shard: int, *, started: datetime,
              body: dict[str, Any], spool: EvidenceSpool, sets: Iterable[PlacedSet],
              memory: Mapping[tuple[str, str], Keeping]) -> None:
    """Write one shard's part in one transaction, replacing the part it wrote before;
    its evidence sets (from `spool`, placed by `sets`) and what its collectors keep are
    written a batch at a time."""
    entities, parts = shard_entities_table, shard_parts_table
    mine = (entities.c.scan_id == scan_id) & (entities.c.shard == shard)
    text = redact(json.dumps(body, separators=(",", ":"), ensure_ascii=False))
    with _said_if_failing(store, "cannot write the shard's part to"), store.writing() as conn:
        conn.execute(entities.delete().where(mine))
        conn.execute(parts.delete().where((parts.c.scan_id == scan_id)
                                          & (parts.c.shard == shard)))
        conn.execute(parts.insert().values(
            scan_id=scan_id, shard=shard, started_at=started.isoformat(),
            finished_at=datetime.now(UTC).isoformat(), reported_by=holder_name(),
            body=zlib.compress(text.encode(), 6)))
        position = 0
        for batch in batched(sets, SET_BATCH):
            digests = store.store_sets(conn, spool, [placed.entity for placed in batch])
            conn.execute(entities.insert(), [
                {"scan_id": scan_id, "shard": shard, "position": position + offset,
                 "target": placed.target, "place": placed.place,
                 "entity": placed.entity, "set_digest": digest}
                for offset, (placed, digest) in enumerate(zip(batch, digests, strict=True))])
            position += len(batch)
        for (collector, target), kept in memory.items():
            store.save_memory(conn, collector, target, kept)


def reported(store: Store, scan_id: str) -> list[Report]:
    """The parts the shards of `scan_id` have reported, by shard."""
    parts = shard_parts_table
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(parts).where(parts.c.scan_id == scan_id)
                            .order_by(parts.c.shard)).all()
    return [Report(row.shard, row.started_at, row.finished_at, row.reported_by,
                   json.loads(zlib.decompress(row.body))) for row in rows]


def reported_shards(store: Store, scan_id: str) -> set[int]:
    """Which shards have reported, without reading their parts."""
    parts = shard_parts_table
    with store.engine.connect() as conn:
        return set(conn.execute(sa.select(parts.c.shard)
                                .where(parts.c.scan_id == scan_id)).scalars())


def placed_sets(store: Store, scan_id: str) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """(target, evidence items) of every set the shards reported, in the order one
    unsharded scan collects them: by target, then by place in the target."""
    entities, sets = shard_entities_table, evidence_sets_table
    query = (sa.select(entities.c.target, sets.c.body)
             .join(sets, sets.c.digest == entities.c.set_digest)
             .where(entities.c.scan_id == scan_id)
             .order_by(entities.c.target, entities.c.place, entities.c.shard,
                       entities.c.position))
    with store.engine.connect() as conn:
        # A few rows at a time: a large estate's sets do not fit in memory at once.
        for row in conn.execution_options(yield_per=100).execute(query):
            yield row.target, set_items(row.body)


def delete_sharded_scans(conn: sa.Connection, scan_ids: Sequence[str]) -> None:
    """The shards' records of these scans (finalized scans being pruned)."""
    for start in range(0, len(scan_ids), BATCH):
        batch = scan_ids[start:start + BATCH]
        conn.execute(shard_entities_table.delete()
                     .where(shard_entities_table.c.scan_id.in_(batch)))
        conn.execute(shard_parts_table.delete().where(shard_parts_table.c.scan_id.in_(batch)))
        conn.execute(sharded_scans_table.delete().where(sharded_scans_table.c.id.in_(batch)))


@contextmanager
def _said_if_failing(store: Store, what: str) -> Iterator[None]:
    """A database error inside the block becomes one line naming the store."""
    try:
        yield
    except sa.exc.SQLAlchemyError as exc:
        raise UserError(f"{what} {describe_url(store.url)}: {first_line(exc)}; "
                        "nothing was stored") from None
