"""The SQLite store: a scan is written whole or not at all, and read back exactly."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from scanner.errors import UserError
from scanner.evidence import Evidence
from scanner.memory import Remembered
from scanner.store.store import Store, database_url
from scanner.store.tables import meta_table


def document(scan_id: str, started: str = "2026-11-01T10:00:00+00:00") -> dict[str, Any]:
    return {
        "schema_version": "1",
        "model": {"name": "M", "version": "1"},
        "scan": {"id": scan_id, "started_at": started, "finished_at": started,
                 "status": "complete", "targets": ["/srv/api"], "config_fingerprint": "abc",
                 "errors": [], "warnings": []},
        "overall": {"stage": "beginner", "score": 1.0, "confidence": 0.5},
        "competencies": [{"id": "operate", "stage": "beginner", "score": 1.0,
                          "confidence": 0.5, "subcompetencies": [
                              {"id": "patching", "stage": "beginner", "confidence": 1.0}]}],
    }


EVIDENCE = [Evidence("repo:/srv/api", "ci.sast.tools", ["codeql"], "local",
                     (".github/workflows/codeql.yml:20",), None,
                     datetime(2026, 11, 1, tzinfo=UTC))]


def test_round_trip(tmp_path: Path) -> None:
    store = Store(database_url(str(tmp_path / "s.db")))
    store.save(document("20261101T100000Z-aaaaaa"), EVIDENCE, [])
    store.save(document("20261102T100000Z-bbbbbb", "2026-11-02T10:00:00+00:00"), [], [])
    assert [s.id for s in store.scans()] == ["20261102T100000Z-bbbbbb", "20261101T100000Z-aaaaaa"]
    assert store.resolve_id(None) == "20261102T100000Z-bbbbbb"
    assert store.resolve_id("20261101") == "20261101T100000Z-aaaaaa"
    assert store.document("20261101T100000Z-aaaaaa") == document("20261101T100000Z-aaaaaa")
    assert store.evidence("20261101T100000Z-aaaaaa") == EVIDENCE
    with store.engine.connect() as conn:
        stages = conn.execute(sa.text("select scope, item, stage from stages where scan_id = "
                                      "'20261101T100000Z-aaaaaa' order by id")).all()
    assert [tuple(row) for row in stages] == [("overall", "overall", "beginner"),
                                              ("competency", "operate", "beginner"),
                                              ("subcompetency", "operate.patching", "beginner")]


def test_collector_memory_is_replaced_per_target_with_each_scan(tmp_path: Path) -> None:
    store = Store(database_url(str(tmp_path / "s.db")))
    first = {("github", "acme"): {"GET /orgs/acme/repos": Remembered('"e1"', "[1]"),
                                  "GET /repos/acme/api": Remembered('"e2"', "{}")},
             ("github", "beta"): {"GET /orgs/beta/repos": Remembered('"e3"', "[]")}}
    store.save(document("20261101T100000Z-aaaaaa"), [], [], first)
    assert store.memory("github", "acme") == first[("github", "acme")]
    second = {("github", "acme"): {"GET /orgs/acme/repos": Remembered('"e4"', "[2]")}}
    store.save(document("20261102T100000Z-bbbbbb"), [], [], second)
    assert store.memory("github", "acme") == second[("github", "acme")]  # the old key is gone
    assert store.memory("github", "beta") == first[("github", "beta")]  # not scanned: kept
    assert store.memory("gitlab", "acme") == {}


def test_unknown_or_ambiguous_ids(tmp_path: Path) -> None:
    store = Store(database_url(str(tmp_path / "s.db")))
    with pytest.raises(UserError, match=r"no scans in .* yet"):
        store.resolve_id(None)
    store.save(document("20261101T100000Z-aaaaaa"), [], [])
    store.save(document("20261101T100000Z-aaaaab"), [], [])
    with pytest.raises(UserError, match="matches several scans"):
        store.resolve_id("20261101")
    with pytest.raises(UserError, match="no scan 'zzz'"):
        store.resolve_id("zzz")


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    store = Store(database_url(str(tmp_path / "s.db")))
    bad = [*EVIDENCE, Evidence("repo:/srv/api", "x", object(), "local")]  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        store.save(document("20261101T100000Z-aaaaaa"), bad, [])
    assert store.scans() == []
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from evidence")).scalar() == 0


def test_a_store_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    url = database_url(str(tmp_path / "s.db"))
    store = Store(url)
    with store.engine.begin() as conn:
        conn.execute(meta_table.update().values(value="99"))
    with pytest.raises(UserError, match=r"newer maturity-scanner .*store schema 99"):
        Store(url)


def test_database_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATURITY_DB", str(tmp_path / "env.db"))
    assert database_url(None) == f"sqlite:///{tmp_path / 'env.db'}"
    assert database_url("postgresql://u:p@h/db") == "postgresql://u:p@h/db"
    monkeypatch.delenv("MATURITY_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    expected = tmp_path / "xdg" / "maturity-scanner" / "maturity.db"
    assert database_url(None) == f"sqlite:///{expected}"


def test_an_unwritable_location_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(UserError, match="cannot create the store folder"):
        Store(database_url(str(blocker / "sub" / "s.db")))
