"""Where scans are kept: a SQLite file by default, or a shared PostgreSQL database.

A scan is written in one transaction: the scan row, its evidence sets, rule
results, stages and packed report, or nothing at all.  The report lets
`maturity report` re-render a scan exactly; the other tables make scans, stages
and verdicts queryable.  Evidence is stored once per distinct entity set
(scanner/store/packing.py), so unchanged repositories cost nothing per scan.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from scanner import credentials
from scanner.engine.evaluate import RuleResult
from scanner.errors import UserError
from scanner.evidence import Evidence
from scanner.iterables import batched
from scanner.memory import SpooledMemory
from scanner.spool import EvidenceSpool, Keeping
from scanner.store.packing import (
    SetPlaces,
    evidence_set,
    pack_document,
    set_items,
    unpack_document,
)
from scanner.store.rows import entity_stage_rows, scan_details
from scanner.store.schema import bring_up_to_date, check_tables, is_current
from scanner.store.tables import (
    NEWEST_FIRST,
    SCANS_WITH_DETAILS,
    documents_table,
    entity_stages_table,
    evidence_sets_table,
    judged_units_table,
    memory_table,
    rule_results_table,
    scan_details_table,
    scan_entities_table,
    scan_units_table,
    scans_table,
    stages_table,
)

ENV_DB = "MATURITY_DB"


def default_database() -> Path:
    from platformdirs import user_data_path

    return user_data_path("maturity-scanner", appauthor=False) / "maturity.db"


def database_url(given: str | None) -> str:
    """`--db` (a path or URL), else $MATURITY_DB, else the user data folder. A URL's
    password is masked in everything the scanner says from then on."""
    value = given or os.environ.get(ENV_DB)
    if value and "://" in value:
        credentials.remember_url(value)
        return value
    path = Path(value).expanduser() if value else default_database()
    return f"sqlite:///{path.resolve()}"


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite store's URL; None for any other database."""
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def describe_url(url: str) -> str:
    """The store as messages name it: a SQLite file's path, else the URL without password
    (in its userinfo or its query: `?password=`)."""
    if (file := sqlite_file(url)) is not None:
        return credentials.redact(str(file))
    try:
        shown = sa.engine.make_url(url).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError):  # ValueError: a port that is no number
        shown = url.rsplit("@", maxsplit=1)[-1]
    return credentials.redact(shown)


def holder_name() -> str:
    """Who holds a connection or a lock, as other scanners are told (PostgreSQL's
    application_name: at most 63 bytes)."""
    return f"maturity-scanner on {socket.gethostname()} pid {os.getpid()}"[:63]


@dataclass(frozen=True)
class StoredScan:
    id: str
    started_at: str
    finished_at: str
    status: str
    targets: list[str]
    overall_stage: str
    overall_score: float | None
    config_fingerprint: str


# Execution option marking a connection that writes (SQLite then takes the write lock
# at BEGIN, so two writers queue instead of one failing half-way).
_WRITES = "maturity_writes"
# PostgreSQL advisory lock ("mtrywrt"): saves share it, pruning takes it alone, so no
# evidence set is removed while a scan being saved still refers to it.
_WRITE_LOCK = 0x6D747279777274
# Evidence sets written at once: a set is tens of KB of JSON, held with its compressed body
# until its batch is written.
SET_BATCH = 50
BATCH = 500  # rows per IN (…) or multi-row insert: under every backend's parameter limit


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        where = describe_url(url)
        if (file := sqlite_file(url)) is not None:
            folder = file.parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UserError(f"cannot create the store folder {folder}: {exc.strerror}; "
                                "pass --db with a writable path") from None
        self.engine = store_engine(url)
        try:
            with self.engine.connect() as conn:
                current = is_current(conn)
            if not current:
                with self.writing() as conn:
                    bring_up_to_date(conn, where)
            with self.engine.connect() as conn:
                check_tables(conn, where)
        except sa.exc.SQLAlchemyError as exc:
            raise UserError(f"cannot open the store {where}: {first_line(exc)}; "
                            f"check --db or {ENV_DB}") from None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        """Close the store's connections (it opens new ones if used again)."""
        self.engine.dispose()

    @contextmanager
    def writing(self, *, alone: bool = False) -> Iterator[sa.Connection]:
        """A write transaction; `alone` keeps every other writer of the store out."""
        with self.engine.connect() as conn:
            conn.execution_options(**{_WRITES: True})
            with conn.begin():
                if self.dialect == "postgresql":
                    lock = sa.func.pg_advisory_xact_lock if alone else \
                        sa.func.pg_advisory_xact_lock_shared
                    conn.execute(sa.select(lock(_WRITE_LOCK)))
                yield conn

    def save(self, document: dict[str, Any], evidence: Iterable[Evidence] | EvidenceSpool,
             results: Iterable[RuleResult],
             memory: Mapping[tuple[str, str], Keeping] | None = None, *,
             replacing: bool = False, units: Sequence[str] = ()) -> None:
        """Write a scan; `replacing` first removes a scan stored under the same id (a
        sharded scan finalized again). Spooled evidence is written a batch of sets at a
        time, so a large estate's is never in memory whole; so are the judgements of its
        `units` (their keys, in order) and what collectors keep for their next scan that
        the spool keeps."""
        scan = document["scan"]
        scan_id = scan["id"]
        spool = evidence if isinstance(evidence, EvidenceSpool) else EvidenceSpool(evidence)
        places = SetPlaces(document)
        try:
            with self.writing() as conn:
                if replacing:
                    delete_scans(conn, [scan_id])
                conn.execute(scans_table.insert().values(
                    id=scan_id, started_at=scan["started_at"], finished_at=scan["finished_at"],
                    status=scan["status"], config_fingerprint=scan["config_fingerprint"],
                    model_name=document["model"]["name"],
                    model_version=document["model"]["version"],
                    targets=json.dumps(scan["targets"]),
                    overall_stage=document["overall"]["stage"],
                    overall_score=document["overall"]["score"],
                    overall_confidence=document["overall"]["confidence"],
                ))
                conn.execute(scan_details_table.insert().values(**scan_details(
                    document, datetime.now(UTC).isoformat(timespec="microseconds"))))
                self._save_sets(conn, scan_id, spool, places)
                self._save_units(conn, scan_id, units, spool.kept())
                conn.execute(documents_table.insert().values(
                    scan_id=scan_id, body=pack_document(document, places)))
                verdicts = [{"scan_id": scan_id, "rule_id": r.rule.id,
                             "subcompetency": r.rule.subcompetency, "stage": r.rule.stage,
                             "outcome": r.outcome, "message": credentials.redact(r.message)}
                            for r in results]
                if verdicts:
                    conn.execute(rule_results_table.insert(), verdicts)
                conn.execute(stages_table.insert(), list(_stage_rows(scan_id, document)))
                repositories = entity_stage_rows(scan_id, document)
                if repositories:
                    conn.execute(entity_stages_table.insert(), repositories)
                for (collector, target), kept in (memory or {}).items():
                    self.save_memory(conn, collector, target, kept)
        except sa.exc.SQLAlchemyError as exc:
            raise UserError(f"cannot write the scan to {describe_url(self.url)}: "
                            f"{first_line(exc)}; nothing was stored") from None

    def _save_sets(self, conn: sa.Connection, scan_id: str, spool: EvidenceSpool,
                   places: SetPlaces) -> None:
        """The scan's evidence sets the store lacks, then which set each entity had."""
        position = 0
        for batch in batched(spool.entities(), SET_BATCH):
            digests = self.store_sets(conn, spool, batch)
            conn.execute(scan_entities_table.insert(), [
                {"scan_id": scan_id, "position": position + offset, "entity": entity,
                 "set_digest": digest}
                for offset, (entity, digest) in enumerate(zip(batch, digests, strict=True))])
            position += len(batch)
            for entity in batch:
                places.follow(entity, partial(spool.items, entity))

    def _save_units(self, conn: sa.Connection, scan_id: str, units: Sequence[str],
                    judged: Iterable[tuple[str, bytes]]) -> None:
        """The scan's new judgements, then which units the scan had. One the store holds
        already was judged again because it could not be read back: it is replaced."""
        for batch in batched(judged, SET_BATCH):
            held = self._held(conn, judged_units_table.c.key, [key for key, _ in batch])
            fresh = [{"key": key, "body": body} for key, body in batch if key not in held]
            if fresh:
                insert = self.insert_on_conflict(judged_units_table)
                conn.execute(insert.on_conflict_do_nothing(), fresh)
            for key, body in batch:
                if key in held:
                    conn.execute(judged_units_table.update()
                                 .where(judged_units_table.c.key == key).values(body=body))
        for start in range(0, len(units), BATCH):
            conn.execute(scan_units_table.insert(), [
                {"scan_id": scan_id, "position": start + offset, "unit_key": key}
                for offset, key in enumerate(units[start:start + BATCH])])

    def judged_units(self, keys: Sequence[str]) -> dict[str, bytes]:
        """The kept judgements of these units, by key (those an earlier scan kept)."""
        found: dict[str, bytes] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(keys), BATCH):
                query = sa.select(judged_units_table).where(
                    judged_units_table.c.key.in_(keys[start:start + BATCH]))
                found.update({row.key: bytes(row.body) for row in conn.execute(query)})
        return found

    def store_sets(self, conn: sa.Connection, spool: EvidenceSpool, entities: Sequence[str]
                   ) -> list[str]:
        """Writes the evidence sets of `entities` that no earlier scan stored, each named
        by the spool's digest (which the scan's units were judged by), and gives the
        digests in order. Only those sets are made: an unchanged repository's is not.
        Another scan saving the same set at the same moment is no conflict (same digest,
        same content)."""
        digests = [spool.digest(entity) or "" for entity in entities]
        held = self._held(conn, evidence_sets_table.c.digest, digests)
        fresh = {digest: entity for entity, digest in zip(entities, digests, strict=True)
                 if digest not in held}
        for batch in batched(fresh.items(), BATCH):
            insert = self.insert_on_conflict(evidence_sets_table)
            conn.execute(insert.on_conflict_do_nothing(), [
                {"digest": digest, "entity": entity, "items": len(found.items),
                 "body": found.body()}
                for digest, entity in batch
                for found in [evidence_set(entity, spool.items(entity))]])
        return digests

    @staticmethod
    def _held(conn: sa.Connection, column: sa.Column[Any], values: Sequence[str]) -> set[str]:
        """Which of `values` the column holds already (looked up a batch at a time)."""
        held: set[str] = set()
        for start in range(0, len(values), BATCH):
            held.update(conn.execute(sa.select(column).where(
                column.in_(values[start:start + BATCH]))).scalars())
        return held

    def save_memory(self, conn: sa.Connection, collector: str, target: str,
                    kept: Keeping) -> None:
        """Replaces what the collector kept for the target: the entries written a batch at
        a time (an upsert, so two configs scanning the same target at once do not collide
        on a key), those it holds as they are left, and every other entry removed."""
        held = (memory_table.c.collector == collector) & (memory_table.c.target == target)
        keys = set(kept.unchanged)
        for batch in batched(kept.entries, SET_BATCH):
            insert = self.insert_on_conflict(memory_table)
            conn.execute(insert.on_conflict_do_update(
                index_elements=["collector", "target", "key"],
                set_={"etag": insert.excluded.etag, "body": insert.excluded.body}),
                [{"collector": collector, "target": target, "key": key, "etag": item.etag,
                  "body": item.body} for key, item in batch])
            keys.update(key for key, _ in batch)
        stale = [key for (key,) in conn.execute(sa.select(memory_table.c.key).where(held))
                 if key not in keys]
        for batch in batched(stale, BATCH):
            conn.execute(memory_table.delete().where(held & memory_table.c.key.in_(batch)))

    def insert_on_conflict(self, table: sa.Table) -> Any:
        """INSERT with the backend's ON CONFLICT clause (both spell it alike)."""
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as postgresql_insert

            return postgresql_insert(table)
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)

    def memory(self, collector: str, target: str) -> SpooledMemory:
        """What `collector` kept from its last scan of `target`, read a few rows at a time
        onto disk (see SpooledMemory)."""
        query = sa.select(memory_table).where((memory_table.c.collector == collector)
                                              & (memory_table.c.target == target))
        with self.engine.connect() as conn:
            return SpooledMemory((row.key, row.etag, row.body) for row in
                                 conn.execution_options(yield_per=BATCH).execute(query))

    def scans(self, limit: int = 50) -> list[StoredScan]:
        query = (sa.select(*scans_table.c).select_from(SCANS_WITH_DETAILS)
                 .order_by(*NEWEST_FIRST).limit(limit))
        with self.engine.connect() as conn:
            return [StoredScan(row.id, row.started_at, row.finished_at, row.status,
                               json.loads(row.targets), row.overall_stage, row.overall_score,
                               row.config_fingerprint) for row in conn.execute(query)]

    def resolve_id(self, given: str | None) -> str:
        """A full scan id from an id, a unique prefix, or nothing (the latest)."""
        with self.engine.connect() as conn:
            if not given or given == "latest":
                row = conn.execute(sa.select(scans_table.c.id).select_from(SCANS_WITH_DETAILS)
                                   .order_by(*NEWEST_FIRST).limit(1)).first()
                if row is None:
                    raise UserError(f"no scans in {describe_url(self.url)} yet; run "
                                    "`maturity scan` first")
                return str(row.id)
            rows = conn.execute(sa.select(scans_table.c.id)
                                .where(scans_table.c.id.startswith(given, autoescape=True))
                                .limit(3)).all()
        if not rows:
            raise UserError(f"no scan '{given}' in {describe_url(self.url)}; "
                            "`maturity report --list` shows the stored scans")
        if len(rows) > 1:
            raise UserError(f"'{given}' matches several scans ({', '.join(r.id for r in rows)}"
                            "…); give more of the id")
        return str(rows[0].id)

    def document(self, scan_id: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            body = conn.execute(sa.select(documents_table.c.body)
                                .where(documents_table.c.scan_id == scan_id)).scalar()
        if body is None:
            raise UserError(f"no scan '{scan_id}' in {describe_url(self.url)}")
        return unpack_document(body, [items for _, items in self._sets(scan_id)])

    def outline(self, scan_id: str) -> dict[str, Any]:
        """A scan's stages, entities and judged signals (see rows.scan_outline)."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(scan_details_table.c.outline)
                               .where(scan_details_table.c.scan_id == scan_id)).first()
        if row is None:
            raise UserError(f"no scan '{scan_id}' in {describe_url(self.url)}")
        outline: dict[str, Any] = json.loads(row.outline)
        return outline

    def observations(self, scan_id: str, signals: Iterable[str], *,
                     besides: str | None = None) -> list[tuple[str, str, Any]]:
        """(entity, signal, value) of a scan's evidence of these signals.

        With `besides` (another scan), entities whose evidence set is the same in both
        scans are left out: what they observed cannot differ.
        """
        wanted = set(signals)
        return [(item["entity"], item["signal"], item["value"])
                for _, items in self._sets(scan_id, besides=besides)
                for item in items if item["signal"] in wanted]

    def evidence(self, scan_id: str, entities: Sequence[str] | None = None
                 ) -> list[Evidence]:
        """A scan's evidence; with `entities`, only theirs."""
        return [Evidence.from_dict(item) for _, items in self._sets(scan_id, only=entities)
                for item in items]

    def _sets(self, scan_id: str, *, besides: str | None = None,
              only: Sequence[str] | None = None) -> list[tuple[str, list[dict[str, Any]]]]:
        """A scan's evidence sets in the order its entities were collected; with `only`,
        those of these entities."""
        entities, sets = scan_entities_table, evidence_sets_table
        query = (sa.select(entities.c.entity, sets.c.body)
                 .join(sets, sets.c.digest == entities.c.set_digest)
                 .where(entities.c.scan_id == scan_id).order_by(entities.c.position))
        if only is not None:
            query = query.where(entities.c.entity.in_(list(only)))
        if besides is not None:
            other = scan_entities_table.alias("other")
            query = query.where(~sa.exists().where(
                (other.c.scan_id == besides) & (other.c.set_digest == entities.c.set_digest)))
        with self.engine.connect() as conn:
            return [(row.entity, set_items(row.body)) for row in conn.execute(query)]


def delete_scans(conn: sa.Connection, scan_ids: Sequence[str]) -> None:
    """These scans and everything recorded for them (their evidence sets stay: other
    scans may share them). Row by row, table by table: SQLite does not cascade."""
    children = (scan_entities_table, scan_units_table, rule_results_table, stages_table,
                entity_stages_table, scan_details_table, documents_table)
    for start in range(0, len(scan_ids), BATCH):
        batch = scan_ids[start:start + BATCH]
        for table in children:
            conn.execute(table.delete().where(table.c.scan_id.in_(batch)))
        conn.execute(scans_table.delete().where(scans_table.c.id.in_(batch)))


def store_engine(url: str) -> sa.Engine:
    """An engine for a SQLite file or a PostgreSQL URL; no other database is supported."""
    if url.startswith(("postgresql://", "postgres://")):
        # The URL as people write it; psycopg (3) is the driver the scanner ships with.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    try:
        parsed = sa.engine.make_url(url)
    except (sa.exc.ArgumentError, ValueError):  # ValueError: a port that is no number
        raise UserError(f"the store {describe_url(url)} is not a database URL; give a file "
                        "path or postgresql://user@host/database") from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        try:
            return sa.create_engine(parsed, pool_pre_ping=True, connect_args={
                "connect_timeout": 10, "application_name": holder_name()})
        except ModuleNotFoundError:
            raise UserError("the PostgreSQL store needs its driver: pip install "
                            "'psycopg[binary]'") from None
    if backend != "sqlite":
        raise UserError(f"the store {describe_url(url)}: {backend} is not supported; use a "
                        "SQLite file path or a postgresql:// URL")
    if parsed.database in (None, "", ":memory:"):
        raise UserError(f"the store {url[:60]} is a database in memory, which keeps nothing "
                        "after this run; give a file (a path, or sqlite:///PATH), or use "
                        "--no-store")
    engine = sa.create_engine(parsed, connect_args={"timeout": 60})
    sa.event.listen(engine, "connect", _sqlite_connected)
    sa.event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connected(dbapi_connection: Any, _record: Any) -> None:
    # Python's sqlite3 would start transactions itself, after schema changes and reads;
    # the store starts every one explicitly so that a migration is one transaction.
    dbapi_connection.isolation_level = None


def _sqlite_begin(conn: sa.Connection) -> None:
    options = conn.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":  # VACUUM: outside any transaction
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(_WRITES) else "BEGIN")


def _stage_rows(scan_id: str, document: dict[str, Any]) -> Iterable[dict[str, Any]]:
    overall = document["overall"]
    yield {"scan_id": scan_id, "scope": "overall", "item": "overall", "stage": overall["stage"],
           "score": overall["score"], "confidence": overall["confidence"]}
    for competency in document["competencies"]:
        yield {"scan_id": scan_id, "scope": "competency", "item": competency["id"],
               "stage": competency["stage"], "score": competency["score"],
               "confidence": competency["confidence"]}
        for sub in competency["subcompetencies"]:
            yield {"scan_id": scan_id, "scope": "subcompetency",
                   "item": f"{competency['id']}.{sub['id']}", "stage": sub["stage"],
                   "score": None, "confidence": sub["confidence"]}


def first_line(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
