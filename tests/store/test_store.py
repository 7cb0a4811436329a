"""The store, on SQLite and on a real PostgreSQL server: a scan is written whole or not
at all, read back exactly, and evidence that did not change is stored once."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from scanner.errors import UserError
from scanner.evidence import Evidence
from scanner.memory import Remembered
from scanner.spool import Keeping
from scanner.store.prune import prune, vacuum
from scanner.store.store import Store, database_url, sqlite_file
from scanner.store.tables import SCHEMA_VERSION

import pgserver


def document(scan_id: str, started: str = "2026-11-01T10:00:00+00:00",
             evidence: list[Evidence] | None = None) -> dict[str, Any]:
    items = [item.to_dict() for item in evidence or []]
    return {
        "schema_version": "1",
        "model": {"name": "M", "version": "1"},
        "scan": {"id": scan_id, "started_at": started, "finished_at": started,
                 "status": "complete", "targets": ["/srv/api"], "config_fingerprint": "abc",
                 "errors": [], "warnings": []},
        "overall": {"stage": "beginner", "score": 1.0, "confidence": 0.5},
        "competencies": [{"id": "operate", "stage": "beginner", "score": 1.0,
                          "confidence": 0.5, "subcompetencies": [
                              {"id": "patching", "stage": "beginner", "confidence": 1.0,
                               "cells": [{"rules": [{"id": "r1", "evidence": items},
                                                    {"id": "r2", "evidence": items[:1]}]}]}]}],
    }


def observed(entity: str, signal: str, value: Any, day: int = 1) -> Evidence:
    return Evidence(entity, signal, value, "local", (f"{entity}/ci.yml:20", "x.yml:1"),
                    "seen", datetime(2026, 11, day, tzinfo=UTC))


EVIDENCE = [observed("repo:/srv/api", "ci.sast.tools", ["codeql"]),
            observed("repo:/srv/web", "ci.sast.tools", []),
            observed("repo:/srv/api", "vcs.signed_commits_share", 0.5)]


def count(store: Store, table: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.text(f"select count(*) from {table}")).scalar_one())


def test_round_trip(store_url: str) -> None:
    store = Store(store_url)
    first = document("20261101T100000Z-aaaaaa", evidence=EVIDENCE)
    store.save(first, EVIDENCE, [])
    store.save(document("20261102T100000Z-bbbbbb", "2026-11-02T10:00:00+00:00"), [], [])
    assert [s.id for s in store.scans()] == ["20261102T100000Z-bbbbbb", "20261101T100000Z-aaaaaa"]
    assert store.resolve_id(None) == "20261102T100000Z-bbbbbb"
    assert store.resolve_id("20261101") == "20261101T100000Z-aaaaaa"
    assert store.document("20261101T100000Z-aaaaaa") == first
    # Grouped by entity in the order entities were first seen.
    assert store.evidence("20261101T100000Z-aaaaaa") == [EVIDENCE[0], EVIDENCE[2], EVIDENCE[1]]
    with store.engine.connect() as conn:
        stages = conn.execute(sa.text("select scope, item, stage from stages where scan_id = "
                                      "'20261101T100000Z-aaaaaa' order by id")).all()
    assert [tuple(row) for row in stages] == [("overall", "overall", "beginner"),
                                              ("competency", "operate", "beginner"),
                                              ("subcompetency", "operate.patching", "beginner")]


def test_the_stored_report_refers_to_evidence_instead_of_repeating_it(store_url: str) -> None:
    store = Store(store_url)
    many = [observed(f"repo:/srv/r{i}", "ci.sast.tools", ["codeql", "semgrep"])
            for i in range(300)]
    report = document("s1", evidence=many)
    store.save(report, many, [])
    with store.engine.connect() as conn:
        body = conn.execute(sa.text("select body from scan_documents")).scalar_one()
    assert len(body) < 3_000  # the report repeats 300 items twice; stored, it refers to them
    assert store.document("s1") == report


def test_report_items_that_are_not_stored_evidence_are_kept_whole(store_url: str) -> None:
    store = Store(store_url)
    report = document("s1", evidence=EVIDENCE)
    derived = observed("repo:/srv/api", "dora.lead_time_hours", 30.0).to_dict()
    rules = report["competencies"][0]["subcompetencies"][0]["cells"][0]["rules"]
    rules[0]["evidence"] = [rules[0]["evidence"][1], derived, rules[0]["evidence"][0], derived]
    store.save(report, EVIDENCE, [])
    assert store.document("s1") == report


def test_unchanged_evidence_is_stored_once_however_many_scans_see_it(store_url: str) -> None:
    store = Store(store_url)
    for day in range(1, 6):
        store.save(document(f"s{day}", f"2026-11-0{day}T10:00:00+00:00", EVIDENCE),
                   EVIDENCE, [])
    assert count(store, "evidence_sets") == 2  # one per entity
    assert count(store, "scan_entities") == 10
    changed = [*EVIDENCE[:2], observed("repo:/srv/api", "vcs.signed_commits_share", 0.9, 6)]
    store.save(document("s6", "2026-11-06T10:00:00+00:00", changed), changed, [])
    assert count(store, "evidence_sets") == 3  # only the entity that changed
    assert store.evidence("s5") == [EVIDENCE[0], EVIDENCE[2], EVIDENCE[1]]
    # A diff reads only the entities whose evidence differs between the two scans.
    assert store.observations("s6", ["vcs.signed_commits_share", "ci.sast.tools"],
                              besides="s5") == [
        ("repo:/srv/api", "ci.sast.tools", ["codeql"]),
        ("repo:/srv/api", "vcs.signed_commits_share", 0.9)]
    assert len(store.observations("s6", ["ci.sast.tools"])) == 2


def test_pruning_removes_evidence_no_remaining_scan_refers_to(store_url: str) -> None:
    store = Store(store_url)
    store.save(document("s1", evidence=EVIDENCE), EVIDENCE, [])
    newer = [observed("repo:/srv/api", "ci.sast.tools", ["semgrep"], 2), EVIDENCE[1]]
    store.save(document("s2", "2026-11-02T10:00:00+00:00", newer), newer, [])
    assert count(store, "evidence_sets") == 3
    prune(store, ["s1"])
    assert count(store, "evidence_sets") == 2  # web's set is shared with s2 and stays
    assert store.evidence("s2") == newer
    assert store.document("s2") == document("s2", "2026-11-02T10:00:00+00:00", newer)
    assert count(store, "scan_documents") == 1


def test_collector_memory_is_replaced_per_target_with_each_scan(store_url: str) -> None:
    store = Store(store_url)
    first = {("github", "acme"): {"GET /orgs/acme/repos": Remembered('"e1"', "[1]"),
                                  "GET /repos/acme/api": Remembered('"e2"', "{}")},
             ("github", "beta"): {"GET /orgs/beta/repos": Remembered('"e3"', "[]")}}
    store.save(document("20261101T100000Z-aaaaaa"), [], [], keeping(first))
    assert store.memory("github", "acme") == first[("github", "acme")]
    second = {("github", "acme"): {"GET /orgs/acme/repos": Remembered('"e4"', "[2]")}}
    store.save(document("20261102T100000Z-bbbbbb"), [], [], keeping(second))
    assert store.memory("github", "acme") == second[("github", "acme")]  # the old key is gone
    assert store.memory("github", "beta") == first[("github", "beta")]  # not scanned: kept
    assert store.memory("gitlab", "acme") == {}
    # An entry the store holds as it is stays without being written again.
    third = {("github", "acme"): Keeping([("GET /repos/acme/web", Remembered('"e5"', "{}"))],
                                         unchanged=frozenset({"GET /orgs/acme/repos"}))}
    store.save(document("20261103T100000Z-cccccc"), [], [], third)
    assert store.memory("github", "acme") == {
        **second[("github", "acme")], "GET /repos/acme/web": Remembered('"e5"', "{}")}


def keeping(kept: dict[tuple[str, str], dict[str, Remembered]]
            ) -> dict[tuple[str, str], Keeping]:
    return {target: Keeping(entries.items()) for target, entries in kept.items()}


def test_unknown_or_ambiguous_ids(store_url: str) -> None:
    store = Store(store_url)
    with pytest.raises(UserError, match=r"no scans in .* yet"):
        store.resolve_id(None)
    store.save(document("20261101T100000Z-aaaaaa"), [], [])
    store.save(document("20261101T100000Z-aaaaab"), [], [])
    with pytest.raises(UserError, match="matches several scans"):
        store.resolve_id("20261101")
    with pytest.raises(UserError, match="no scan 'zzz'"):
        store.resolve_id("zzz")


def test_a_failed_write_leaves_nothing(store_url: str) -> None:
    store = Store(store_url)
    store.save(document("20261101T100000Z-aaaaaa", evidence=EVIDENCE), EVIDENCE, [])
    with pytest.raises(UserError, match="nothing was stored"):  # the same id again
        store.save(document("20261101T100000Z-aaaaaa"), [observed("repo:/new", "x", 1)], [],
                   {("github", "acme"): {"k": Remembered("e", "b")}})
    assert [s.id for s in store.scans()] == ["20261101T100000Z-aaaaaa"]
    assert count(store, "evidence_sets") == 2
    assert store.memory("github", "acme") == {}
    bad = [*EVIDENCE, Evidence("repo:/srv/api", "x", object(), "local")]  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        store.save(document("20261102T100000Z-bbbbbb"), bad, [])
    assert len(store.scans()) == 1


def test_scans_saved_at_once_from_several_machines_all_land(store_url: str) -> None:
    """Separate stores (engines, connections) opening a new database and saving together,
    as scheduled scans on several machines do; they share evidence sets and memory keys."""
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def scan(index: int) -> None:
        try:
            start.wait()
            store = Store(store_url)
            shared = [*EVIDENCE, observed(f"repo:/srv/own{index}", "ci.sast.tools", [])]
            store.save(document(f"s{index}", evidence=shared), shared, [], keeping(
                {("github", "acme"): {"GET /orgs/acme/repos": Remembered(f"e{index}", "[]")}}))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=scan, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    store = Store(store_url)
    assert sorted(s.id for s in store.scans()) == ["s0", "s1", "s2", "s3"]
    assert count(store, "evidence_sets") == 2 + 4
    assert len(store.memory("github", "acme")) == 1


def test_a_store_from_a_newer_version_is_refused(store_url: str) -> None:
    store = Store(store_url)
    with store.engine.begin() as conn:
        conn.execute(sa.text("update alembic_version set version_num = '0099'"))
    with pytest.raises(UserError, match=r"newer maturity-scanner .*store schema 99, this one "
                                        rf"reads up to {SCHEMA_VERSION}"):
        Store(store_url)
    with store.engine.connect() as conn:  # refused, not touched
        assert conn.execute(sa.text("select version_num from alembic_version")).scalar() \
            == "0099"


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


def test_an_unreachable_database_is_one_line_naming_host_and_database() -> None:
    with pytest.raises(UserError) as raised:
        Store("postgresql://scanner:s3cret-pw@127.0.0.1:9/estate")
    message = str(raised.value)
    assert message.startswith("cannot open the store postgresql://scanner:***@127.0.0.1:9/"
                              "estate: ")
    assert "s3cret-pw" not in message and "\n" not in message
    assert "check --db or MATURITY_DB" in message


def test_a_wrong_password_or_database_is_one_line(postgres: pgserver.Server) -> None:
    with pytest.raises(UserError) as raised:
        Store(postgres.url("postgres").replace(postgres.password, "wrong-secret"))
    assert "password authentication failed" in str(raised.value)
    assert "wrong-secret" not in str(raised.value)
    with pytest.raises(UserError, match='database "no_such_db" does not exist'):
        Store(postgres.url("no_such_db"))


def test_the_password_may_come_from_the_environment(postgres: pgserver.Server,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGPASSWORD", postgres.password)
    store = Store(postgres.url(postgres.new_database(), with_password=False))
    store.save(document("s1"), [], [])
    assert [s.id for s in store.scans()] == ["s1"]


def test_other_databases_are_refused_in_one_line() -> None:
    with pytest.raises(UserError, match="mysql is not supported; use a SQLite file path or a "
                                        "postgresql:// URL"):
        Store("mysql://u@h/db")


def test_opening_a_current_store_loads_neither_alembic_nor_a_driver_it_does_not_need(
        tmp_path: Path) -> None:
    """`maturity scan .` starts fast: migrations machinery only when a store needs it."""
    script = ("import sys\n"
              "from scanner.store.store import Store\n"
              f"Store({database_url(str(tmp_path / 's.db'))!r})\n"
              "print(sorted(m for m in ('alembic', 'psycopg') if m in sys.modules))\n")
    Store(database_url(str(tmp_path / "s.db")))  # created (and stamped) here
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                               check=True, timeout=60)
    assert completed.stdout.strip() == "[]"


def test_vacuum_after_pruning_gives_the_space_back(store_url: str) -> None:
    store = Store(store_url)
    for day in range(1, 9):
        many = [observed(f"repo:/srv/r{i}", "ci.sast.tools", [f"tool{day}-{i}"] * 20, day)
                for i in range(200)]
        store.save(document(f"s{day}", f"2026-11-0{day}T10:00:00+00:00", many), many, [])
    prune(store, [f"s{day}" for day in range(1, 8)])
    if store.dialect == "sqlite":
        path = sqlite_file(store.url)
        assert path is not None
        before = path.stat().st_size
        vacuum(store)
        assert path.stat().st_size < before / 2
    else:
        vacuum(store)  # VACUUM (ANALYZE): no file to measure, but it must run outside a
    assert [s.id for s in store.scans()] == ["s8"]  # transaction and leave the store whole
    assert len(store.evidence("s8")) == 200


def test_a_malformed_url_is_one_line_without_its_password() -> None:
    with pytest.raises(UserError, match="is not a database URL") as raised:
        Store("postgresql://scanner:pw-77@db.internal:fivefour/estate")
    assert "pw-77" not in str(raised.value)
