"""Sharded scans given bad input, through the real `maturity` entry point and a real
PostgreSQL store: each is one line saying what, where and how to fix it, exit code 2, and
nothing stored or collected."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from scanner.store.lock import lock_key, shard_lock_name
from scanner.store.store import store_engine

import pgserver
from gitrepo import GitRepo
from samples import FILES

Cli = Callable[..., Any]


def refused(result: Any, expected: str) -> None:
    assert result.code == 2, result.err
    assert result.err.startswith("maturity: error: ") and expected in result.err, result.err
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err


def test_bad_shards_and_finalizes_are_one_line(cli: Cli, tmp_path: Path,
                                               postgres: pgserver.Server) -> None:
    repo = GitRepo(tmp_path / "api")
    repo.files(FILES)
    config, other = tmp_path / "estate.yaml", tmp_path / "other.yaml"
    config.write_text(f"targets:\n  local:\n    - {repo.root}\n")
    other.write_text(f"targets:\n  local:\n    - {repo.root}\nthresholds: {{most: 0.9}}\n")
    database = postgres.new_database()
    env = {"MATURITY_DB": postgres.url(database, with_password=False),
           "PGPASSWORD": postgres.password}
    sqlite = tmp_path / "local.db"
    begun = cli("scan", "--config", str(config), "--shard", "0/4", "--scan-id", "s1", env=env)
    assert begun.code == 0, begun.err

    shard = ("scan", "--config", str(config), "--shard")
    cases: list[tuple[tuple[str, ...], str]] = [
        ((*shard, "5/4", "--scan-id", "s1"),
         "--shard 5/4: there is no shard 5 of 4; shards are numbered from 0 to 3"),
        ((*shard, "one/four", "--scan-id", "s1"), "--shard one/four: give I/N"),
        ((*shard, "1/4"), "--shard 1/4: give --scan-id ID too"),
        (("scan", "--config", str(config), "--scan-id", "s1"), "--scan-id s1: give --shard"),
        ((*shard, "1/4", "--scan-id", "s 1"), "--scan-id 's 1': use 1 to 64 letters"),
        ((*shard, "1/4", "--scan-id", "s1", "--fail-under", "advanced"),
         "--shard 1/4 with --fail-under: applies where the scan is judged"),
        ((*shard, "1/4", "--scan-id", "s1", "--db", str(sqlite)),
         f"--shard 1/4 needs a shared PostgreSQL store, and {sqlite} is a SQLite file"),
        ((*shard, "1/3", "--scan-id", "s1"), "--shard 1/3: scan s1 was begun with 4 shards"),
        (("scan", "--config", str(other), "--shard", "1/4", "--scan-id", "s1"),
         "scan s1 was begun by shards of another config (fingerprint "),
        (("finalize", "s1", "--config", str(other)), f"{other} is "),
        (("finalize", "s1"), "no --config was given"),
        (("finalize", "nightly-404", "--config", str(config)),
         "no sharded scan 'nightly-404' in postgresql://maturity@127.0.0.1"),
        (("finalize", "s1", "--config", str(config), "--db", str(sqlite)),
         "maturity finalize needs a shared PostgreSQL store"),
        (("finalize", "s1", "--config", str(config), "--wait", "soon"),
         "--wait soon: give a duration such as 90s, 30m or 2h"),
    ]
    for args, expected in cases:
        refused(cli(*args, env=env), expected)
    assert not sqlite.exists()

    # Another run of a shard that is running (its lock held, here by this test).
    engine = store_engine(postgres.url(database))
    with engine.connect() as conn:
        conn.execute(sa.select(sa.func.pg_advisory_lock(lock_key(shard_lock_name("s1", 1)))))
        refused(cli(*shard, "1/4", "--scan-id", "s1", env=env),
                "shard 1/4 of scan s1 is running already: ")
    engine.dispose()

    # The id of a scan stored already, which finalize would replace.
    stored = json.loads(cli("scan", "--config", str(config), "--format", "json",
                            env=env).out)["scan"]["id"]
    refused(cli(*shard, "0/4", "--scan-id", stored, env=env),
            f"--scan-id {stored}: a scan of that id is stored in postgresql://")

    # Shards of another scanner version: what an older one recorded for the scan.
    postgres.psql("update sharded_scans set tool_version = '0.0.9' where id = 's1'", database)
    for args in ((*shard, "1/4", "--scan-id", "s1"), ("finalize", "s1", "--config", str(config))):
        refused(cli(*args, env=env), "scan s1 was begun by maturity-scanner 0.0.9 and this is")
    assert postgres.psql("select count(*) from shard_parts", database).strip() == "1"
    assert postgres.psql("select id from scans", database).strip() == stored
