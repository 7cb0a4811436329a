"""Schema upgrade of an older store, and history read from the store's tables."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from scanner.errors import UserError
from scanner.store.history import latest_fingerprint, load_history
from scanner.store.store import Store, database_url
from scanner.store.tables import SCHEMA_VERSION

# The tables as maturity-scanner wrote them at store schema 2 (before history).
SCHEMA_2 = """
CREATE TABLE meta ("key" VARCHAR(64) NOT NULL, value VARCHAR(255) NOT NULL, PRIMARY KEY ("key"));
CREATE TABLE scans (id VARCHAR(64) NOT NULL, started_at VARCHAR(40) NOT NULL,
  finished_at VARCHAR(40) NOT NULL, status VARCHAR(16) NOT NULL,
  config_fingerprint VARCHAR(64) NOT NULL, model_name VARCHAR(255) NOT NULL,
  model_version VARCHAR(64) NOT NULL, targets TEXT NOT NULL, overall_stage VARCHAR(16) NOT NULL,
  overall_score FLOAT, overall_confidence FLOAT, document TEXT NOT NULL, PRIMARY KEY (id));
CREATE INDEX ix_scans_started_at ON scans (started_at);
CREATE INDEX ix_scans_config_fingerprint ON scans (config_fingerprint);
CREATE TABLE collector_memory (collector VARCHAR(64) NOT NULL, target VARCHAR(512) NOT NULL,
  "key" VARCHAR(1024) NOT NULL, etag VARCHAR(255) NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY (collector, target, "key"));
CREATE TABLE evidence (id INTEGER NOT NULL, scan_id VARCHAR(64) NOT NULL, entity TEXT NOT NULL,
  signal VARCHAR(255) NOT NULL, value TEXT NOT NULL, locators TEXT NOT NULL,
  source VARCHAR(64) NOT NULL, note TEXT, observed_at VARCHAR(40) NOT NULL, PRIMARY KEY (id),
  FOREIGN KEY(scan_id) REFERENCES scans (id) ON DELETE CASCADE);
CREATE TABLE rule_results (id INTEGER NOT NULL, scan_id VARCHAR(64) NOT NULL,
  rule_id VARCHAR(255) NOT NULL, subcompetency VARCHAR(128) NOT NULL, stage VARCHAR(16) NOT NULL,
  outcome VARCHAR(16) NOT NULL, message TEXT NOT NULL, PRIMARY KEY (id),
  FOREIGN KEY(scan_id) REFERENCES scans (id) ON DELETE CASCADE);
CREATE TABLE stages (id INTEGER NOT NULL, scan_id VARCHAR(64) NOT NULL, scope VARCHAR(16) NOT NULL,
  item VARCHAR(128) NOT NULL, stage VARCHAR(16) NOT NULL, score FLOAT, confidence FLOAT,
  PRIMARY KEY (id), FOREIGN KEY(scan_id) REFERENCES scans (id) ON DELETE CASCADE);
INSERT INTO meta VALUES ('schema_version', '2');
"""


def document(scan_id: str, day: int, stage: str = "beginner", *, fingerprint: str = "cfg",
             errors: int = 0, repo_stage: str = "beginner") -> dict[str, Any]:
    started = f"2026-11-{day:02d}T10:00:00+00:00"
    return {
        "schema_version": "1",
        "tool": {"name": "maturity-scanner", "version": "0.1.0"},
        "model": {"name": "M", "version": "1"},
        "scan": {"id": scan_id, "started_at": started,
                 "finished_at": f"2026-11-{day:02d}T10:00:42+00:00",
                 "status": "partial" if errors else "complete", "targets": ["/srv"],
                 "config_fingerprint": fingerprint, "rule_files": ["builtin:operate.yaml"],
                 "rule_packs": ["builtin:operate.yaml@abc"],
                 "errors": [{"target": "/srv/gone", "message": "does not exist"}] * errors,
                 "warnings": []},
        "repositories": [{"entity": "repo:/srv/api", "services": [],
                          "overall": {"stage": repo_stage, "score": 1.0, "confidence": 1.0},
                          "competencies": {"operate": repo_stage}}],
        "overall": {"stage": stage, "score": 1.0, "confidence": 0.5},
        "competencies": [{"id": "operate", "stage": stage, "score": 1.0, "confidence": 0.5,
                          "subcompetencies": [{"id": "patching", "stage": stage,
                                               "confidence": 1.0}]}],
    }


OLD_EVIDENCE = ("repo:/srv/api", "ci.sast.tools", '["codeql"]', '["ci.yml:3", "x.yml:1"]',
                "local", None, "2026-11-01T10:00:00+00:00")


def old_store(path: Path, documents: list[dict[str, Any]]) -> None:
    """A schema-2 store holding these scans, written as that version wrote them."""
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA_2)
    for doc in documents:
        scan = doc["scan"]
        conn.execute("INSERT INTO scans VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", (
            scan["id"], scan["started_at"], scan["finished_at"], scan["status"],
            scan["config_fingerprint"], "M", "1", json.dumps(scan["targets"]),
            doc["overall"]["stage"], 1.0, 0.5, json.dumps(doc)))
        conn.execute("INSERT INTO stages (scan_id, scope, item, stage) VALUES "
                     "(?, 'overall', 'overall', ?)", (scan["id"], doc["overall"]["stage"]))
        conn.execute("INSERT INTO evidence (scan_id, entity, signal, value, locators, source, "
                     "note, observed_at) VALUES (?,?,?,?,?,?,?,?)", (scan["id"], *OLD_EVIDENCE))
    conn.commit()
    conn.close()


def test_a_schema_2_store_is_upgraded_and_its_scans_keep_their_history(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old_store(path, [document("a1", 1, errors=1), document("a2", 2, repo_stage="advanced")])
    store = Store(database_url(str(path)))
    with store.engine.connect() as conn:
        version = conn.execute(sa.text("select value from meta")).scalar()
        revision = conn.execute(sa.text("select version_num from alembic_version")).scalar()
        columns = {c["name"] for c in sa.inspect(conn).get_columns("scan_details")}
        indexes = {i["name"] for i in sa.inspect(conn).get_indexes("scans")}
        tables = set(sa.inspect(conn).get_table_names())
    assert version == str(SCHEMA_VERSION) and revision == f"{SCHEMA_VERSION:04d}"
    assert {"duration_seconds", "rule_packs", "errors", "tool_version", "outline"} <= columns
    assert "ix_scans_config_started" in indexes
    assert "evidence" not in tables and {"evidence_sets", "scan_documents"} <= tables
    assert store.document("a1") == document("a1", 1, errors=1)
    (evidence,) = store.evidence("a2")
    assert (evidence.entity, evidence.value, evidence.locators) == (
        "repo:/srv/api", ["codeql"], ("ci.yml:3", "x.yml:1"))
    with store.engine.connect() as conn:  # both scans saw the same: one set
        assert conn.execute(sa.text("select count(*) from evidence_sets")).scalar() == 1
    outline = store.outline("a2")
    assert outline["stages"] == {"overall": "beginner", "operate": "beginner",
                                 "operate.patching": "beginner"}
    assert outline["entities"] == [] and outline["config_fingerprint"] == "cfg"
    history = load_history(store, "cfg")
    first, second = history.scans
    assert first.duration_seconds == 42.0 and first.errors == ("/srv/gone: does not exist",)
    assert second.rule_packs == ("builtin:operate.yaml@abc",) and second.errors == ()
    by_entity = load_history(store, "cfg", entity="repo:/srv/api")
    assert [by_entity.point(s.id, "operate") for s in by_entity.scans] == [
        by_entity.points["a1"]["operate"], by_entity.points["a2"]["operate"]]
    assert by_entity.points["a2"]["operate"].stage == "advanced"
    Store(database_url(str(path)))  # opening it again changes nothing
    assert len(load_history(store, "cfg").scans) == 2


def test_history_is_per_config_oldest_first(tmp_path: Path) -> None:
    store = Store(database_url(str(tmp_path / "s.db")))
    store.save(document("b2", 2, "intermediate"), [], [])
    store.save(document("b1", 1, "beginner"), [], [])
    store.save(document("other", 3, "expert", fingerprint="other"), [], [])
    assert latest_fingerprint(store) == "other"
    history = load_history(store, "cfg")
    assert [s.id for s in history.scans] == ["b1", "b2"]
    assert history.items == ("overall", "operate")
    assert [history.points[s]["overall"].stage for s in ("b1", "b2")] == ["beginner",
                                                                          "intermediate"]
    one = load_history(store, "cfg", competency="operate")
    assert one.items == ("operate", "operate.patching")
    assert [s.id for s in load_history(store, "cfg", limit=1).scans] == ["b2"]


def test_history_names_what_does_not_exist(tmp_path: Path) -> None:
    store = Store(database_url(str(tmp_path / "s.db")))
    with pytest.raises(UserError, match=r"no scans in .* yet"):
        latest_fingerprint(store)
    store.save(document("c1", 1), [], [])
    with pytest.raises(UserError, match="no scans of config nope"):
        load_history(store, "nope")
    with pytest.raises(UserError, match="no competency 'ops' in these scans; known: operate"):
        load_history(store, "cfg", competency="ops")
    with pytest.raises(UserError, match="no repository 'repo:/x'"):
        load_history(store, "cfg", entity="repo:/x")


def test_scans_started_in_one_second_keep_the_order_they_were_stored_in(tmp_path: Path) -> None:
    store = Store(database_url(str(tmp_path / "s.db")))
    for scan_id in ("s-zz", "s-aa", "s-mm"):  # ids in no particular order, as random as real
        store.save(document(scan_id, 1), [], [])
    assert [s.id for s in load_history(store, "cfg").scans] == ["s-zz", "s-aa", "s-mm"]
    assert store.resolve_id(None) == "s-mm"
