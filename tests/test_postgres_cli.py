"""A shared PostgreSQL store through the real `maturity` entry point: scan, report,
history, diff, gates and prune as a scheduled job runs them, the password coming from
the environment or the URL and never shown."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pgserver
from gitrepo import GitRepo
from samples import FILES

Cli = Callable[..., Any]
MakeRepo = Callable[..., GitRepo]


def test_a_year_of_scheduled_scans_works_the_same_on_postgresql(
        cli: Cli, make_repo: MakeRepo, postgres: pgserver.Server) -> None:
    database = postgres.new_database()
    env = {"MATURITY_DB": postgres.url(database, with_password=False),
           "PGPASSWORD": postgres.password}
    repo = make_repo({"README.md": "hi\n"})
    first = cli("scan", str(repo.root), "--format", "json", env=env)
    assert first.code == 0, first.err
    repo.files(FILES, "add CI, scanners and policies")
    second = cli("scan", str(repo.root), "--format", "json", "--fail-on-regression", env=env)
    assert second.code == 0, second.err
    ids = [json.loads(r.out)["scan"]["id"] for r in (first, second)]

    listed = cli("report", "--list", env=env)
    assert all(scan_id in listed.out for scan_id in ids)
    assert cli("report", ids[0], "--format", "json", env=env).out == first.out  # as printed
    history = json.loads(cli("history", "--format", "json", env=env).out)
    assert [s["id"] for s in history["scans"]] == ids
    assert [s["stages"]["plan_develop"]["stage"] for s in history["scans"]] == [
        "beginner", "advanced"]
    diff = json.loads(cli("diff", "--format", "json", env=env).out)
    assert any(change["after"] == "advanced" for change in diff["changes"])
    pruned = cli("prune", "--keep", "1", "--vacuum", env=env)
    assert pruned.code == 0 and "removed 1 scan(s)" in pruned.err and "vacuumed" in pruned.err
    assert ids[0] not in cli("report", "--list", env=env).out
    assert postgres.psql("select count(*) from scan_entities where scan_id not in "
                         "(select id from scans)", database).strip() == "0"


def test_the_password_in_a_url_is_never_shown(cli: Cli, make_repo: MakeRepo,
                                              postgres: pgserver.Server) -> None:
    url = postgres.url(postgres.new_database())
    repo = make_repo(FILES)
    result = cli("scan", str(repo.root), "--db", url, "--log-format", "json")
    assert result.code == 0, result.err
    assert postgres.password not in result.out + result.err
    assert "***@127.0.0.1" in result.err  # the store is named, its password blanked
    wrong = url.replace(postgres.password, "not-the-password")
    refused = cli("history", "--db", wrong)
    assert refused.code == 2 and len(refused.err.strip().splitlines()) == 1
    assert "password authentication failed" in refused.err
    assert "not-the-password" not in refused.err and "Traceback" not in refused.err


def test_an_unreachable_store_is_one_line_and_nothing_is_scanned(
        cli: Cli, make_repo: MakeRepo) -> None:
    repo = make_repo(FILES)
    result = cli("scan", str(repo.root), "--db", "postgresql://scanner:pw-123@127.0.0.1:9/estate")
    assert result.code == 2, result.err
    assert result.err.strip().splitlines() == [result.err.strip()]
    assert "cannot open the store postgresql://scanner:***@127.0.0.1:9/estate" in result.err
    assert "pw-123" not in result.err
