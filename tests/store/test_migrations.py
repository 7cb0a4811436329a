"""The Alembic migrations, on SQLite and a real PostgreSQL server: they build exactly
the tables the scanner writes, and carry an older store's scans forward intact."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from scanner.store.schema import HEAD, MIGRATIONS
from scanner.store.store import Store, store_engine
from scanner.store.tables import metadata


def migrate(url: str, revision: str) -> sa.Engine:
    """The store's database taken to `revision` by the migrations alone."""
    engine = store_engine(url)  # the store's own engine: Store() itself would upgrade
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    return engine


def test_the_newest_migration_is_the_schema_the_scanner_writes() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    scripts = ScriptDirectory.from_config(config)
    assert scripts.get_heads() == [HEAD]
    chain = [r.revision for r in scripts.walk_revisions("base", "heads")]
    assert chain == [f"{n:04d}" for n in range(int(HEAD), 0, -1)]  # one line, no branches


def test_migrating_an_empty_database_gives_exactly_the_tables(store_url: str) -> None:
    engine = migrate(store_url, "head")
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []
    # And the store opens it as current, without migrating again.
    store = Store(store_url)
    store.save(_document("s1"), [], [])
    assert [s.id for s in store.scans()] == ["s1"]


def _document(scan_id: str) -> dict[str, Any]:
    started = "2026-10-01T02:00:00+00:00"
    evidence = {"entity": "repo:/srv/api", "signal": "ci.sast.tools", "value": ["codeql"],
                "locator": "ci.yml:3", "source": "local", "observed_at": started}
    return {"schema_version": "1", "model": {"name": "M", "version": "1"},
            "scan": {"id": scan_id, "started_at": started, "finished_at": started,
                     "status": "complete", "targets": ["/srv"], "config_fingerprint": "cfg",
                     "errors": [], "warnings": []},
            "repositories": [],
            "overall": {"stage": "beginner", "score": 1.0, "confidence": 0.5},
            "competencies": [{"id": "operate", "stage": "beginner", "score": 1.0,
                              "confidence": 0.5, "subcompetencies": [
                                  {"id": "patching", "stage": "beginner", "confidence": 1.0,
                                   "cells": [{"rules": [{"id": "r", "signals": ["ci.sast.tools"],
                                                         "evidence": [evidence]}]}]}]}]}


def test_a_schema_3_store_is_carried_to_the_newest_schema(store_url: str) -> None:
    engine = migrate(store_url, "0003")
    scans = sa.table("scans", *(sa.column(c) for c in (
        "id", "started_at", "finished_at", "status", "config_fingerprint", "model_name",
        "model_version", "targets", "overall_stage", "overall_score", "overall_confidence",
        "document")))
    evidence = sa.table("evidence", *(sa.column(c) for c in (
        "scan_id", "entity", "signal", "value", "locators", "source", "note", "observed_at")))
    details = sa.table("scan_details", *(sa.column(c) for c in (
        "scan_id", "stored_at", "rule_packs", "error_count", "errors", "outline")))
    with engine.begin() as conn:
        for scan_id in ("old1", "old2"):
            doc = _document(scan_id)
            conn.execute(scans.insert().values(
                id=scan_id, started_at=doc["scan"]["started_at"],
                finished_at=doc["scan"]["finished_at"], status="complete",
                config_fingerprint="cfg", model_name="M", model_version="1",
                targets='["/srv"]', overall_stage="beginner", overall_score=1.0,
                overall_confidence=0.5, document=json.dumps(doc)))
            conn.execute(details.insert().values(
                scan_id=scan_id, stored_at=doc["scan"]["started_at"], rule_packs="[]",
                error_count=0, errors="[]", outline="{}"))
            conn.execute(evidence.insert().values(
                scan_id=scan_id, entity="repo:/srv/api", signal="ci.sast.tools",
                value='["codeql"]', locators='["ci.yml:3"]', source="local", note=None,
                observed_at="2026-10-01T02:00:00+00:00"))
    store = Store(store_url)
    assert store.document("old2") == _document("old2")
    assert [e.value for e in store.evidence("old1")] == [["codeql"]]
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from evidence_sets")).scalar() == 1
        assert conn.execute(sa.text("select version_num from alembic_version")).scalar() == HEAD
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []
