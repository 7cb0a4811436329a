"""Where scans are kept: SQLite by default, any SQLAlchemy URL otherwise.

A scan is written in one transaction: the scan row, its evidence, rule
results and stages, and the rendered document, or nothing at all.  The
document lets `maturity report` re-render a scan exactly; the other tables
make scans, evidence and verdicts queryable.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from scanner.engine.evaluate import RuleResult
from scanner.errors import UserError
from scanner.evidence import Evidence
from scanner.memory import Remembered
from scanner.store.rows import entity_stage_rows, scan_details
from scanner.store.tables import (
    NEWEST_FIRST,
    SCANS_WITH_DETAILS,
    SCHEMA_VERSION,
    entity_stages_table,
    evidence_table,
    memory_table,
    meta_table,
    metadata,
    rule_results_table,
    scan_details_table,
    scans_table,
    stages_table,
)
from scanner.store.upgrade import upgrade

ENV_DB = "MATURITY_DB"


def default_database() -> Path:
    from platformdirs import user_data_path

    return user_data_path("maturity-scanner", appauthor=False) / "maturity.db"


def database_url(given: str | None) -> str:
    """`--db` (a path or URL), else $MATURITY_DB, else the user data folder."""
    value = given or os.environ.get(ENV_DB)
    if value and "://" in value:
        return value
    path = Path(value).expanduser() if value else default_database()
    return f"sqlite:///{path.resolve()}"


def describe_url(url: str) -> str:
    """The store as messages name it: a SQLite file's path, else the URL without password."""
    if url.startswith("sqlite:///"):
        return url.removeprefix("sqlite:///")
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url.rsplit("@", maxsplit=1)[-1]


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


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite:///"):
            folder = Path(url.removeprefix("sqlite:///")).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UserError(f"cannot create the store folder {folder}: {exc.strerror}; "
                                "pass --db with a writable path") from None
        try:
            self.engine = sa.create_engine(url)
            metadata.create_all(self.engine)
            self._check_version()
        except sa.exc.SQLAlchemyError as exc:
            raise UserError(f"cannot open the store {describe_url(url)}: "
                            f"{_first_line(exc)}; check --db or {ENV_DB}") from None

    def _check_version(self) -> None:
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(meta_table.c.value)
                               .where(meta_table.c.key == "schema_version")).first()
            if row is None:
                conn.execute(meta_table.insert().values(key="schema_version",
                                                        value=str(SCHEMA_VERSION)))
            elif int(row.value) > SCHEMA_VERSION:
                raise UserError(f"the store {describe_url(self.url)} was written by a newer "
                                f"maturity-scanner (store schema {row.value}, this one reads "
                                f"{SCHEMA_VERSION}); upgrade maturity-scanner")
            elif int(row.value) < SCHEMA_VERSION:
                upgrade(conn, int(row.value))
                conn.execute(meta_table.update().where(meta_table.c.key == "schema_version")
                             .values(value=str(SCHEMA_VERSION)))

    def save(self, document: dict[str, Any], evidence: Iterable[Evidence],
             results: Iterable[RuleResult],
             memory: Mapping[tuple[str, str], Mapping[str, Remembered]] | None = None) -> None:
        scan = document["scan"]
        scan_id = scan["id"]
        try:
            with self.engine.begin() as conn:
                conn.execute(scans_table.insert().values(
                    id=scan_id, started_at=scan["started_at"], finished_at=scan["finished_at"],
                    status=scan["status"], config_fingerprint=scan["config_fingerprint"],
                    model_name=document["model"]["name"],
                    model_version=document["model"]["version"],
                    targets=json.dumps(scan["targets"]),
                    overall_stage=document["overall"]["stage"],
                    overall_score=document["overall"]["score"],
                    overall_confidence=document["overall"]["confidence"],
                    document=json.dumps(document, default=str),
                ))
                conn.execute(scan_details_table.insert().values(**scan_details(
                    document, datetime.now(UTC).isoformat(timespec="microseconds"))))
                rows = [{"scan_id": scan_id, "entity": e.entity, "signal": e.signal,
                         "value": json.dumps(e.value), "locators": json.dumps(list(e.locators)),
                         "source": e.source, "note": e.note,
                         "observed_at": e.observed_at.isoformat()} for e in evidence]
                if rows:
                    conn.execute(evidence_table.insert(), rows)
                verdicts = [{"scan_id": scan_id, "rule_id": r.rule.id,
                             "subcompetency": r.rule.subcompetency, "stage": r.rule.stage,
                             "outcome": r.outcome, "message": r.message} for r in results]
                if verdicts:
                    conn.execute(rule_results_table.insert(), verdicts)
                conn.execute(stages_table.insert(), list(_stage_rows(scan_id, document)))
                repositories = entity_stage_rows(scan_id, document)
                if repositories:
                    conn.execute(entity_stages_table.insert(), repositories)
                for (collector, target), kept in (memory or {}).items():
                    conn.execute(memory_table.delete().where(
                        (memory_table.c.collector == collector)
                        & (memory_table.c.target == target)))
                    if kept:
                        conn.execute(memory_table.insert(), [
                            {"collector": collector, "target": target, "key": key,
                             "etag": item.etag, "body": item.body}
                            for key, item in kept.items()])
        except sa.exc.SQLAlchemyError as exc:
            raise UserError(f"cannot write the scan to {describe_url(self.url)}: "
                            f"{_first_line(exc)}; nothing was stored") from None

    def memory(self, collector: str, target: str) -> dict[str, Remembered]:
        """What `collector` kept from its last scan of `target`."""
        query = sa.select(memory_table).where((memory_table.c.collector == collector)
                                              & (memory_table.c.target == target))
        with self.engine.connect() as conn:
            return {row.key: Remembered(row.etag, row.body) for row in conn.execute(query)}

    def scans(self, limit: int = 50) -> list[StoredScan]:
        query = (sa.select(*[c for c in scans_table.c if c.name != "document"])
                 .select_from(SCANS_WITH_DETAILS).order_by(*NEWEST_FIRST).limit(limit))
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
            row = conn.execute(sa.select(scans_table.c.document)
                               .where(scans_table.c.id == scan_id)).first()
        if row is None:
            raise UserError(f"no scan '{scan_id}' in {describe_url(self.url)}")
        document: dict[str, Any] = json.loads(row.document)
        return document

    def outline(self, scan_id: str) -> dict[str, Any]:
        """A scan's stages, entities and judged signals (see rows.scan_outline)."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(scan_details_table.c.outline)
                               .where(scan_details_table.c.scan_id == scan_id)).first()
        if row is None:
            raise UserError(f"no scan '{scan_id}' in {describe_url(self.url)}")
        outline: dict[str, Any] = json.loads(row.outline)
        return outline

    def observations(self, scan_id: str, signals: Iterable[str]
                     ) -> list[tuple[str, str, str]]:
        """(entity, signal, value as stored JSON) of a scan's evidence of these signals."""
        query = (sa.select(evidence_table.c.entity, evidence_table.c.signal,
                           evidence_table.c.value)
                 .where((evidence_table.c.scan_id == scan_id)
                        & evidence_table.c.signal.in_(list(signals))))
        with self.engine.connect() as conn:
            return [(row.entity, row.signal, row.value) for row in conn.execute(query)]

    def evidence(self, scan_id: str) -> list[Evidence]:
        query = sa.select(evidence_table).where(evidence_table.c.scan_id == scan_id)
        with self.engine.connect() as conn:
            return [Evidence(row.entity, row.signal, json.loads(row.value), row.source,
                             tuple(json.loads(row.locators)), row.note,
                             datetime.fromisoformat(row.observed_at))
                    for row in conn.execute(query)]


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


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
