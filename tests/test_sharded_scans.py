"""A scan collected by four shards at once, through the real `maturity` entry point, into a
real PostgreSQL store, from a GitHub organisation served by its stand-in and a local
clone; then finalized. The same assessment as one unsharded scan; a shard killed half-way
leaves a partial scan that names it; a shard run twice changes nothing."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scanner.collectors.base import Shard

import pgserver
from documents import assessment
from fakes.github_api import FakeGitHub
from gitrepo import GitRepo
from samples import FILES

Cli = Callable[..., Any]
Start = Callable[..., "subprocess.Popen[str]"]
SHARDS = 4
TOKENS = {"ACME_TOKEN_A": "ghp_shard_token_A_0123456789abcdef", "ACME_TOKEN_B":
          "ghp_shard_token_B_0123456789abcdef"}


@dataclass(frozen=True)
class Estate:
    """An organisation of twelve repositories (with two tokens that read it) and a local
    clone, in one config; a PostgreSQL database for the shards to share."""

    fake: FakeGitHub
    config: Path
    env: dict[str, str]
    database: str
    repositories: list[str]  # full names, in the organisation's listing order

    def entity(self, full_name: str) -> str:
        return f"repo:127.0.0.1/{full_name}"

    def shard_of(self, full_name: str) -> int:
        return next(index for index in range(SHARDS)
                    if Shard(index, SHARDS).owns(self.entity(full_name)))


@pytest.fixture
def estate(tmp_path: Path, postgres: pgserver.Server) -> Iterator[Estate]:
    local = GitRepo(tmp_path / "local")
    local.files(FILES)
    now = datetime.now(UTC)
    with FakeGitHub(TOKENS["ACME_TOKEN_A"]) as fake:
        fake.accept_token(TOKENS["ACME_TOKEN_B"])
        names = []
        for index in range(12):
            rich = index % 3 == 0
            fake.add_repo("acme", f"svc-{index:02d}", FILES if rich else {
                "index.js": f"console.log({index})\n", "README.md": "# a service\n"},
                pulls=[{"number": n, "merged_at": now - timedelta(days=n), "author": "ana",
                        "approvers": ["bo"] if index % 2 else []} for n in range(1, 4)],
                deployments=[{"environment": "production", "state": "SUCCESS",
                              "created_at": now - timedelta(days=d)} for d in (1, 4)]
                if rich else [], secret_scanning=[] if index % 4 else None)
            names.append(f"acme/svc-{index:02d}")
        config = tmp_path / "estate.yaml"
        config.write_text(
            "targets:\n  github:\n    - org: acme\n"
            f"      base_url: {fake.base_url}\n"
            "      token_env: [ACME_TOKEN_A, ACME_TOKEN_B]\n"
            f"  local:\n    - {local.root}\n")
        database = postgres.new_database()
        env = {**TOKENS, "PGPASSWORD": postgres.password,
               "MATURITY_DB": postgres.url(database, with_password=False)}
        yield Estate(fake, config, env, database, names)
        assert fake.server_errors == []


def run_shards(start: Start, estate: Estate, scan_id: str,
               indexes: range = range(SHARDS)) -> dict[int, subprocess.Popen[str]]:
    """The shards, all started before any is waited for."""
    return {index: start("scan", "--config", str(estate.config), "--shard",
                         f"{index}/{SHARDS}", "--scan-id", scan_id, env=estate.env)
            for index in indexes}


def finished(processes: dict[int, subprocess.Popen[str]]) -> dict[int, tuple[int, str]]:
    return {index: (process.wait(timeout=300), process.communicate()[1])
            for index, process in processes.items()}


def test_four_shards_at_once_then_finalize_give_the_unsharded_assessment(
        cli: Cli, cli_started: Start, estate: Estate, postgres: pgserver.Server) -> None:
    results = finished(run_shards(cli_started, estate, "nightly-1"))
    for index, (code, err) in results.items():
        assert code == 0, err
        assert f"shard {index}/{SHARDS} of scan nightly-1" in err
    # The local clone is one entity: one shard collects it, and no other.
    assert sum("from 2 of 2 targets" in err for _, err in results.values()) == 1
    # Every shard lists the organisation; each repository is read by its own shard only,
    # with that shard's token (shard I takes token I mod 2).
    requests = estate.fake.requests
    assert sum(r.path == "/orgs/acme/repos" for r in requests) == SHARDS
    for name in estate.repositories:
        queries = [r for r in requests if r.repo == name and r.path == "/graphql"]
        assert [r.token for r in queries] == [estate.shard_of(name) % 2], name
    final = cli("finalize", "nightly-1", "--config", str(estate.config), "--format", "json",
                env=estate.env)
    assert final.code == 0, final.err
    sharded = json.loads(final.out)
    assert sharded["scan"]["id"] == "nightly-1" and sharded["scan"]["status"] == "complete"
    assert cli("report", "nightly-1", "--format", "json", env=estate.env).out == final.out

    alone = {**estate.env, "MATURITY_DB": postgres.url(postgres.new_database(),
                                                       with_password=False)}
    single = cli("scan", "--config", str(estate.config), "--format", "json", env=alone)
    assert single.code == 0, single.err
    assert assessment(sharded) == assessment(json.loads(single.out))
    said = final.out + final.err + "".join(err for _, err in results.values())
    assert not any(token in said for token in TOKENS.values())


def test_a_killed_shard_leaves_a_partial_scan_that_names_it(
        cli: Cli, cli_started: Start, estate: Estate) -> None:
    estate.fake.latency = 0.3  # so that a shard is caught half-way
    victim = 2
    theirs = [name for name in estate.repositories if estate.shard_of(name) == victim]
    assert theirs, "the estate gives every shard a repository"
    shards = run_shards(cli_started, estate, "nightly-2")
    deadline = time.monotonic() + 60
    while not any(r.repo in theirs for r in estate.fake.requests):
        assert time.monotonic() < deadline, "shard 2 never asked for its repositories"
        time.sleep(0.05)
    shards[victim].send_signal(signal.SIGSTOP)  # mid-way, its lock held
    others = finished({i: p for i, p in shards.items() if i != victim})
    assert all(code == 0 for code, _ in others.values()), others
    running = cli("finalize", "nightly-2", "--config", str(estate.config), env=estate.env)
    assert running.code == 3, running.err
    assert f"shard {victim}/{SHARDS}: has not reported yet: it is running (pid " \
           f"{shards[victim].pid} on host" in running.err
    shards[victim].kill()
    shards[victim].wait(timeout=30)

    final = cli("finalize", "nightly-2", "--config", str(estate.config), "--format", "json",
                env=estate.env)
    assert final.code == 3, final.err
    errors = [line for line in final.err.splitlines() if line.startswith("maturity: error")]
    assert len(errors) == 1 and f"shard {victim}/{SHARDS}: did not report" in errors[0]
    assert "Traceback" not in final.err
    document = json.loads(final.out)
    assert document["scan"]["status"] == "partial"
    assert [e["target"] for e in document["scan"]["errors"]] == [f"shard {victim}/{SHARDS}"]
    judged = {r["entity"] for r in document["repositories"]}
    assert judged.isdisjoint(estate.entity(name) for name in theirs)
    assert {estate.entity(n) for n in estate.repositories} - judged == \
        {estate.entity(name) for name in theirs}

    again = finished(run_shards(cli_started, estate, "nightly-2", range(victim, victim + 1)))
    assert again[victim][0] == 0, again[victim][1]
    complete = cli("finalize", "nightly-2", "--config", str(estate.config), "--format", "json",
                   env=estate.env)
    assert complete.code == 0, complete.err
    assert {estate.entity(n) for n in estate.repositories} <= {
        r["entity"] for r in json.loads(complete.out)["repositories"]}
    listed = cli("report", "--list", env=estate.env).out
    assert listed.count("nightly-2") == 1  # finalized again: replaced, not added


def test_running_a_shard_twice_changes_nothing(cli: Cli, cli_started: Start, estate: Estate,
                                               postgres: pgserver.Server) -> None:
    assert all(code == 0 for code, _ in finished(
        run_shards(cli_started, estate, "nightly-3")).values())
    first = cli("finalize", "nightly-3", "--config", str(estate.config), "--format", "json",
                env=estate.env)
    rows = postgres.psql("select shard, count(*) from shard_entities group by shard "
                         "order by shard", estate.database)
    estate.fake.clear_log()
    again = finished(run_shards(cli_started, estate, "nightly-3", range(1, 2)))
    assert again[1][0] == 0, again[1][1]
    # Its repositories are unchanged since its first run: it reuses what that run read.
    assert estate.fake.count() == 0
    assert postgres.psql("select shard, count(*) from shard_entities group by shard "
                         "order by shard", estate.database) == rows
    second = cli("finalize", "nightly-3", "--config", str(estate.config), "--format", "json",
                 env=estate.env)
    assert second.code == first.code == 0, second.err
    assert assessment(json.loads(second.out)) == assessment(json.loads(first.out))


def test_a_sharded_scan_never_finalized_is_pruned_once_old(
        cli: Cli, cli_started: Start, estate: Estate, postgres: pgserver.Server) -> None:
    """Its shards' evidence goes with it; a recent one, perhaps still running, stays."""
    for scan_id in ("abandoned", "recent"):
        code, err = finished(run_shards(cli_started, estate, scan_id, range(1)))[0]
        assert code == 0, err

    def rows(sql: str) -> list[str]:
        return postgres.psql(sql, estate.database).split()

    postgres.psql("update sharded_scans set created_at = '2020-01-01T00:00:00+00:00' "
                  "where id = 'abandoned'", estate.database)
    sets_before = int(rows("select count(*) from evidence_sets")[0])
    pruned = cli("prune", "--keep", "90d", env=estate.env)
    assert pruned.code == 0, pruned.err
    assert "removed 0 scan(s) and 1 sharded scan(s) never finalized" in pruned.err
    assert rows("select id from sharded_scans") == ["recent"]
    assert rows("select distinct scan_id from shard_entities") == ["recent"]
    assert rows("select distinct scan_id from shard_parts") == ["recent"]
    # The sets only the abandoned scan referred to went; the recent one's stay.
    assert rows("select count(*) from evidence_sets e where not exists (select 1 from "
                "shard_entities s where s.set_digest = e.digest)") == ["0"]
    assert rows("select count(*) from shard_entities s where not exists (select 1 from "
                "evidence_sets e where e.digest = s.set_digest)") == ["0"]
    assert 0 < int(rows("select count(*) from evidence_sets")[0]) <= sets_before
    gone = cli("finalize", "abandoned", "--config", str(estate.config), env=estate.env)
    assert gone.code != 0 and "abandoned" in gone.err and "Traceback" not in gone.err
    assert cli("prune", "--keep", "1", env=estate.env).code == 0
    assert rows("select id from sharded_scans") == ["recent"]  # the newest always stays


def test_every_entity_goes_to_one_shard_and_the_shards_are_even() -> None:
    entities = [f"repo:github.com/acme/service-{n}" for n in range(4000)]
    owners = [[i for i in range(SHARDS) if Shard(i, SHARDS).owns(e)] for e in entities]
    assert all(len(found) == 1 for found in owners)
    counts = [sum(found == [i] for found in owners) for i in range(SHARDS)]
    assert min(counts) > 0.9 * len(entities) / SHARDS, counts
