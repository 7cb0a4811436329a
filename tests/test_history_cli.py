"""History, diff, regression gates, locking, interruption and retention, through the real
`maturity` entry point on real git repositories and a real SQLite store (and a real
PostgreSQL server where the store's own behaviour is at stake)."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from scanner.store.store import store_engine

from gitrepo import GitRepo
from samples import FILES

Cli = Callable[..., Any]
MakeRepo = Callable[..., GitRepo]


def one_line_error(result: Any, code: int, text: str) -> None:
    assert result.code == code, result.err
    assert "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert text in result.err, result.err


def improving(cli: Cli, repo: GitRepo) -> list[str]:
    """Two scans of one repository: bare, then with CI, scanners and policies."""
    ids = [json.loads(cli("scan", str(repo.root), "--format", "json").out)["scan"]["id"]]
    repo.files(FILES, "add CI, scanners and policies")
    ids.append(json.loads(cli("scan", str(repo.root), "--format", "json").out)["scan"]["id"])
    return ids


def test_history_shows_the_trend_as_chart_csv_and_json(cli: Cli, make_repo: MakeRepo) -> None:
    repo = make_repo({"README.md": "hi\n"})
    first, second = improving(cli, repo)
    table = cli("history")
    assert table.code == 0, table.err
    rows = {line.split()[0]: line.split()[1:] for line in table.out.splitlines() if line}
    assert rows["plan_develop"][0] == "BA"  # beginner, then advanced
    assert rows["plan_develop"][1:] == ["beginner", "->", "advanced"]
    assert first in table.out and second in table.out

    data = json.loads(cli("history", "--format", "json").out)
    assert [s["id"] for s in data["scans"]] == [first, second]
    latest = data["scans"][1]
    assert latest["targets"] == [str(repo.root.resolve())]
    assert latest["status"] == "complete" and latest["errors"] == []
    assert latest["duration_seconds"] is not None
    assert latest["model"]["version"] and latest["tool_version"]
    assert any(p.startswith("builtin:build_test.yaml@") for p in latest["rule_packs"])
    assert latest["stages"]["plan_develop"]["stage"] == "advanced"

    rows_csv = list(csv.DictReader(io.StringIO(
        cli("history", "--competency", "build_test", "--format", "csv").out)))
    items = {row["item"] for row in rows_csv}
    assert items == {"build_test", "build_test.test_automation", "build_test.code_scanning",
                     "build_test.build_validation", "build_test.quality_assurance"}
    assert {row["scan_id"] for row in rows_csv} == {first, second}

    entity = json.loads(cli("history", "--entity", f"repo:{repo.root.resolve()}",
                            "--format", "json").out)
    assert [s["stages"]["plan_develop"]["stage"] for s in entity["scans"]] == ["beginner",
                                                                               "advanced"]
    one_line_error(cli("history", "--competency", "build"), 2, "no competency 'build'")
    one_line_error(cli("history", "--entity", "repo:/nowhere"), 2, "no repository")


def test_diff_shows_changed_cells_with_their_evidence(cli: Cli, make_repo: MakeRepo) -> None:
    repo = make_repo({"README.md": "hi\n"})
    first, second = improving(cli, repo)
    result = cli("diff", "--format", "json")
    assert result.code == 0, result.err
    diff = json.loads(result.out)
    assert (diff["before"]["id"], diff["after"]["id"]) == (first, second)
    changes = {c["item"]: c for c in diff["changes"]}
    dependabot = changes["operate.patching"]
    assert (dependabot["before"], dependabot["direction"]) == ("beginner", "up")
    appeared = {(e["signal"], json.dumps(e["value"]))
                for e in dependabot["evidence"]["appeared"]}
    assert ("repo.dependency_updates.tools", '["dependabot"]') in appeared, appeared
    assert diff["regression"] is None and diff["entities"] == {"added": [], "removed": []}
    same = cli("diff", first, second, "--format", "json")
    assert json.loads(same.out) == diff
    assert "operate.patching" in cli("diff", second).out  # against the scan before it

    other = make_repo({"README.md": "other\n"}, name="other")
    third = json.loads(cli("scan", str(other.root), "--format", "json").out)["scan"]["id"]
    one_line_error(cli("diff", first, third), 2, "different configs")
    one_line_error(cli("diff"), 2, "has 1 stored scan(s); diff needs two")


def test_fail_on_regression_names_what_went_down(cli: Cli, make_repo: MakeRepo) -> None:
    repo = make_repo(FILES)
    assert cli("scan", str(repo.root), "--fail-on-regression").code == 0  # no baseline yet
    assert cli("scan", str(repo.root), "--fail-on-regression").code == 0  # nothing changed
    repo.git("rm", "-q", ".github/dependabot.yml")
    repo.commit("drop dependabot")
    result = cli("scan", str(repo.root), "--fail-on-regression", "--format", "json")
    assert result.code == 1, result.err
    failed = [line for line in result.err.splitlines() if "gate failed" in line]
    assert len(failed) == 1 and "operate.patching intermediate -> beginner" in failed[0]
    gates = json.loads(result.out)["gates"]
    assert gates == [{"gate": "--fail-on-regression", "passed": False,
                      "reason": failed[0].split("gate failed: ")[1]}]
    report = cli("report")  # the stored report says it too
    assert "FAILED: --fail-on-regression: regression since scan" in report.out
    diff = json.loads(cli("diff", "--format", "json").out)
    assert diff["regression"] == gates[0]["reason"]


def test_a_gate_on_an_unknown_competency_stops_before_scanning(cli: Cli,
                                                               make_repo: MakeRepo) -> None:
    repo = make_repo(FILES)
    result = cli("scan", str(repo.root), "--fail-under", "build=advanced")
    one_line_error(result, 2, "no competency 'build'; known: people_culture")
    assert cli("report", "--list").out == "no scans stored yet\n"


class _Hanging(BaseHTTPRequestHandler):
    """A Git host that receives requests and never answers: a scan stuck mid-way."""

    asked = threading.Event()
    release = threading.Event()

    def do_GET(self) -> None:
        type(self).asked.set()
        type(self).release.wait(60)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hanging_host() -> Iterator[str]:
    _Hanging.asked.clear()
    _Hanging.release.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hanging)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    _Hanging.release.set()
    server.shutdown()
    server.server_close()


def start_scan(tmp_path: Path, config: Path, database: Path | str, *args: str
               ) -> subprocess.Popen[str]:
    executable = Path(sys.executable).with_name("maturity")
    env = {**os.environ, "MATURITY_DB": str(database), "GITHUB_TOKEN": "ghp_secret-value-42"}
    env.pop("MATURITY_DEBUG", None)
    return subprocess.Popen([str(executable), "scan", "--config", str(config), *args],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def github_config(tmp_path: Path, url: str) -> Path:
    config = tmp_path / "github.yaml"
    config.write_text(f"targets:\n  github:\n    - org: acme\n      base_url: {url}\n")
    return config


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_an_interrupted_scan_stores_nothing_and_a_second_run_waits_its_turn(
        cli: Cli, tmp_path: Path, hanging_host: str, sig: signal.Signals,
        store_url: str) -> None:
    """On SQLite the lock is a file; on PostgreSQL a lock in the database, which a run on
    another machine sees as well."""
    config = github_config(tmp_path, hanging_host)
    first = start_scan(tmp_path, config, store_url, "--log-format", "json")
    try:
        assert _Hanging.asked.wait(60), "the scan never reached the host"
        second = cli("scan", "--config", str(config), env={"MATURITY_DB": store_url})
        one_line_error(second, 2, "another scan of this config")
        assert f"pid {first.pid}" in second.err
        first.send_signal(sig)
        _, err = first.communicate(timeout=60)
    finally:
        first.kill()
    assert first.returncode == (128 + sig if sig == signal.SIGTERM else -sig)
    if sig == signal.SIGTERM:
        line = json.loads(err.strip().splitlines()[-1])
        assert line["event"] == "terminated" and "nothing was stored" in line["message"]
    with store_engine(store_url).connect() as conn:
        for table in ("scans", "scan_entities", "evidence_sets", "stages", "scan_documents"):
            assert conn.execute(sa.text(f"select count(*) from {table}")).scalar() == 0
    # The lock went with the process: the next scheduled run starts (and fails on its own).
    _Hanging.release.set()
    again = cli("scan", "--config", str(config),
                env={"GITHUB_TOKEN": "x" * 8, "MATURITY_DB": store_url})
    assert "another scan" not in again.err


def test_json_logs_are_json_lines_without_credentials(cli: Cli, make_repo: MakeRepo,
                                                      tmp_path: Path) -> None:
    config = github_config(tmp_path, "http://user:db-pass-77@127.0.0.1:9")  # nothing listens
    repo = make_repo(FILES)
    token = "ghp_secret-value-42"
    result = cli("scan", str(repo.root), "--config", str(config), "--log-format", "json",
                 "--fail-under", "expert", env={"GITHUB_TOKEN": token})
    assert result.code == 1, result.err
    lines = [json.loads(line) for line in result.err.splitlines()]
    assert {line["event"] for line in lines} >= {"stored", "gate_failed"}
    assert all(line["level"] in ("info", "error") and line["time"] for line in lines)
    assert token not in result.err and "db-pass-77" not in result.err
    failing = cli("scan", "--config", str(config), "--log-format", "json",
                  env={"GITHUB_TOKEN": token, "MATURITY_LOG_FORMAT": "json"})
    assert failing.code != 0 and token not in failing.err and "db-pass-77" not in failing.err
    assert all(json.loads(line)["level"] for line in failing.err.splitlines())


def test_prune_keeps_the_newest_scans_of_each_config(cli: Cli, make_repo: MakeRepo,
                                                     tmp_path: Path) -> None:
    repo = make_repo(FILES)
    other = make_repo(FILES, name="other")
    ids = [json.loads(cli("scan", str(repo.root), "--format", "json").out)["scan"]["id"]
           for _ in range(3)]
    kept_other = json.loads(cli("scan", str(other.root), "--format", "json").out)["scan"]["id"]
    assert "would remove 1 scan(s)" in cli("prune", "--keep", "2", "--dry-run").err
    result = cli("prune", "--keep", "2", "--vacuum")
    assert result.code == 0 and "removed 1 scan(s)" in result.err and "vacuumed" in result.err
    listed = cli("report", "--list").out
    assert ids[0] not in listed and all(i in listed for i in (*ids[1:], kept_other))
    assert "removed 0 scan(s)" in cli("prune", "--keep", "90d").err  # all are recent
    with sqlite3.connect(tmp_path / "store" / "maturity.db") as conn:
        for table in ("scan_entities", "stages", "rule_results", "entity_stages",
                      "scan_documents"):
            orphans = conn.execute(f"select count(*) from {table} where scan_id not in "
                                   "(select id from scans)").fetchone()
            assert orphans == (0,), table
    one_line_error(cli("prune", "--keep", "0"), 2, "--keep 0: give an age in days")
