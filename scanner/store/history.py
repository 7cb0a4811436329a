"""The stored scans of one configuration over time, read from the store's tables.

Scans of different configurations are never mixed: a trend is only meaningful
when the same targets were scanned with the same settings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from scanner.errors import UserError
from scanner.store.store import Store, describe_url
from scanner.store.tables import (
    NEWEST_FIRST,
    SCANS_WITH_DETAILS,
    entity_stages_table,
    scan_details_table,
    scans_table,
    stages_table,
)

OVERALL = "overall"


@dataclass(frozen=True)
class ScanRecord:
    """A scan as history lists it: what was scanned, with what, how long, what failed."""

    id: str
    started_at: str
    finished_at: str
    status: str
    config_fingerprint: str
    model_name: str
    model_version: str
    tool_version: str | None
    rule_packs: tuple[str, ...]
    targets: tuple[str, ...]
    duration_seconds: float | None
    errors: tuple[str, ...]
    report_schema: str = "1"


@dataclass(frozen=True)
class Point:
    stage: str
    score: float | None
    confidence: float | None


@dataclass(frozen=True)
class History:
    config_fingerprint: str
    competency: str | None
    entity: str | None
    items: tuple[str, ...]  # "overall", then competencies (or one competency's subs)
    scans: tuple[ScanRecord, ...]  # oldest first
    points: Mapping[str, Mapping[str, Point]]  # scan id -> item -> stage

    def point(self, scan_id: str, item: str) -> Point | None:
        return self.points.get(scan_id, {}).get(item)


def latest_fingerprint(store: Store) -> str:
    query = (sa.select(scans_table.c.config_fingerprint).select_from(SCANS_WITH_DETAILS)
             .order_by(*NEWEST_FIRST).limit(1))
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        raise UserError(f"no scans in {describe_url(store.url)} yet; run `maturity scan` first")
    return str(row.config_fingerprint)


def scan_records(store: Store, fingerprint: str, limit: int | None = None
                 ) -> list[ScanRecord]:
    """The scans of one configuration, oldest first (the newest `limit` of them)."""
    columns = [c for c in scans_table.c if c.name != "document"] + \
        [c for c in scan_details_table.c if c.name not in ("scan_id", "outline")]
    query = (sa.select(*columns).select_from(SCANS_WITH_DETAILS)
             .where(scans_table.c.config_fingerprint == fingerprint)
             .order_by(*NEWEST_FIRST))
    if limit is not None:
        query = query.limit(limit)
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [_record(row) for row in reversed(rows)]


def load_history(store: Store, fingerprint: str, *, competency: str | None = None,
                 entity: str | None = None, limit: int | None = None) -> History:
    scans = scan_records(store, fingerprint, limit)
    if not scans:
        raise UserError(f"no scans of config {fingerprint} in {describe_url(store.url)}; "
                        "`maturity report --list` shows the stored scans")
    ids = [scan.id for scan in scans]
    if entity is None:
        points, known = _estate_points(store, ids, competency)
    else:
        points, known = _entity_points(store, ids, entity, competency)
    if competency is not None and competency not in known:
        raise UserError(f"--competency {competency}: no competency '{competency}' in these "
                        f"scans; known: {', '.join(sorted(known))}")
    items: list[str] = [OVERALL] if competency is None else [competency]
    for scan_points in points.values():
        items += [item for item in scan_points if item not in items]
    return History(fingerprint, competency, entity, tuple(items), tuple(scans), points)


def _estate_points(store: Store, ids: list[str], competency: str | None
                   ) -> tuple[dict[str, dict[str, Point]], set[str]]:
    points: dict[str, dict[str, Point]] = {scan_id: {} for scan_id in ids}
    known: set[str] = set()
    query = (sa.select(stages_table.c.scan_id, stages_table.c.scope, stages_table.c.item,
                       stages_table.c.stage, stages_table.c.score, stages_table.c.confidence)
             .where(stages_table.c.scan_id.in_(ids)).order_by(stages_table.c.id))
    with store.engine.connect() as conn:
        for row in conn.execute(query):
            if row.scope == "competency":
                known.add(row.item)
            if competency is None:
                wanted = row.scope != "subcompetency"
            else:
                wanted = row.item == competency or row.item.startswith(f"{competency}.")
            if wanted:
                points[row.scan_id][row.item] = Point(row.stage, row.score, row.confidence)
    return points, known


def _entity_points(store: Store, ids: list[str], entity: str, competency: str | None
                   ) -> tuple[dict[str, dict[str, Point]], set[str]]:
    """A repository's own stages (the report's drill-down: overall and competencies)."""
    points: dict[str, dict[str, Point]] = {scan_id: {} for scan_id in ids}
    known: set[str] = set()
    query = (sa.select(entity_stages_table)
             .where(entity_stages_table.c.scan_id.in_(ids)
                    & (entity_stages_table.c.entity == entity)))
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    if not rows:
        raise UserError(f"--entity {entity}: no repository '{entity}' in these scans; "
                        "`maturity report --format json` lists a scan's repositories")
    for row in rows:
        stages: dict[str, str] = json.loads(row.competencies)
        known.update(stages)
        if competency is None:
            points[row.scan_id][OVERALL] = Point(row.stage, row.score, row.confidence)
        points[row.scan_id].update({item: Point(stage, None, None)
                                    for item, stage in stages.items()
                                    if competency in (None, item)})
    return points, known


def _record(row: Any) -> ScanRecord:
    errors = json.loads(row.errors) if row.errors else []
    return ScanRecord(
        id=row.id, started_at=row.started_at, finished_at=row.finished_at, status=row.status,
        config_fingerprint=row.config_fingerprint, model_name=row.model_name,
        model_version=row.model_version, tool_version=row.tool_version,
        rule_packs=tuple(json.loads(row.rule_packs) if row.rule_packs else ()),
        targets=tuple(json.loads(row.targets)), duration_seconds=row.duration_seconds,
        errors=tuple(_error_line(e) for e in errors), report_schema=row.report_schema)


def _error_line(error: Any) -> str:
    if isinstance(error, dict):
        return f"{error.get('target', '')}: {error.get('message', '')}".strip(": ")
    return str(error)


def previous_scan(store: Store, scan_id: str) -> str:
    """The scan of the same config stored just before this one."""
    query = (sa.select(scans_table.c.config_fingerprint, scans_table.c.started_at,
                       scan_details_table.c.stored_at).select_from(SCANS_WITH_DETAILS)
             .where(scans_table.c.id == scan_id))
    with store.engine.connect() as conn:
        row = conn.execute(query).one()
        earlier = conn.execute(
            sa.select(scans_table.c.id).select_from(SCANS_WITH_DETAILS)
            .where((scans_table.c.config_fingerprint == row.config_fingerprint)
                   & (sa.tuple_(scans_table.c.started_at, scan_details_table.c.stored_at,
                                scans_table.c.id)
                      < sa.tuple_(row.started_at, row.stored_at, scan_id)))
            .order_by(*NEWEST_FIRST).limit(1)
        ).first()
    if earlier is None:
        raise UserError(f"scan {scan_id} is the first of its config; nothing to compare with")
    return str(earlier.id)
