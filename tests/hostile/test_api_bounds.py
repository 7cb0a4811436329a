"""Hostile APIs: listings of hundreds of thousands of malformed items, answers larger than
the scan reads, an answer that never ends. Each case runs `maturity scan` against real
HTTP servers on 127.0.0.1 and counts the requests they were sent: the scan must end,
send a small bounded number of requests, say once what it left out, and still report
what was well formed."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import cycle, islice
from pathlib import Path
from typing import Any

import pytest
import requests

from fakes.github_api import FakeGitHub
from fakes.pagerduty_api import FakePagerDuty, iso

TOKEN = "ghp_hostile_listing_token_0123456789"
PD_TOKEN = "u+pd_hostile_token_ABCDEF"
Hostile = Callable[..., Any]
# What a broken or hostile listing holds instead of repositories.
JUNK: list[Any] = [7, "acme/api", None, [1], {"name": "ghost"}, {"full_name": 42},
                   {"full_name": "../../etc/passwd"}, {"full_name": "acme/.."},
                   {"full_name": "acme/evil?x=1"}, {"full_name": "acme/api", "topics": [[1]]},
                   {"full_name": "no-owner"}, {"full_name": "a/b/c"}]


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(TOKEN) as server:
        yield server


def listing(server: FakeGitHub, org: str) -> list[dict[str, Any]]:
    """The organisation's repositories as the fake lists them."""
    answer = requests.get(f"{server.base_url}/orgs/{org}/repos",
                          headers={"Authorization": f"token {TOKEN}"}, timeout=10)
    server.clear_log()
    found: list[dict[str, Any]] = answer.json()
    return found


def github_config(tmp_path: Path, server: FakeGitHub, *orgs: str, extra: str = "") -> Path:
    path = tmp_path / "config.yaml"
    path.write_text("targets:\n  github:\n" + "".join(
        f"    - org: {org}\n      base_url: {server.base_url}\n      token_env: GH\n{extra}"
        for org in orgs))
    return path


def document(run: Any) -> dict[str, Any]:
    assert "Traceback" not in run.err, run.err
    found: dict[str, Any] = json.loads(run.out)
    return found


def notes(found: dict[str, Any]) -> list[str]:
    return [p["message"] for p in found["scan"]["errors"] + found["scan"]["warnings"]]


def repositories(found: dict[str, Any]) -> list[str]:
    return [r["entity"] for r in found["repositories"]]


def test_a_listing_of_300000_malformed_items_costs_a_few_requests_and_one_warning(
        hostile: Hostile, github: FakeGitHub, tmp_path: Path) -> None:
    github.add_repo("acme", "api", {"README.md": "# api\n"})
    github.add_repo("acme", "web", {"README.md": "# web\n"})
    api, web = listing(github, "acme")
    items = list(islice(cycle(JUNK), 300_000))
    items[0], items[3_000] = api, web
    github.fail_next("/orgs/acme/repos", 200, body=items)
    run = hostile("scan", "--config", str(github_config(tmp_path, github, "acme")),
                  "--format", "json", env={"GH": TOKEN}, bound=180)
    found = document(run)
    assert run.code == 0, run.err
    assert repositories(found) == ["repo:127.0.0.1/acme/api", "repo:127.0.0.1/acme/web"]
    malformed = [n for n in notes(found) if "malformed items" in n]
    assert len(malformed) == 1, notes(found)
    assert "none of them was requested" in malformed[0]
    assert any("read only in part" in n for n in notes(found))
    asked = github.requests
    assert len(asked) <= 30, [r.path for r in asked]
    assert {r.repo for r in asked if r.repo} <= {"acme/api", "acme/web"}


def test_a_listing_past_max_repositories_is_read_up_to_it_with_one_warning(
        hostile: Hostile, github: FakeGitHub, tmp_path: Path) -> None:
    for name in ("a1", "a2", "a3", "a4", "a5"):
        github.add_repo("acme", name, {"README.md": f"# {name}\n"})
    config = github_config(tmp_path, github, "acme", extra="      max_repositories: 2\n")
    run = hostile("scan", "--config", str(config), "--format", "json", env={"GH": TOKEN})
    found = document(run)
    assert run.code == 0, run.err
    assert len(repositories(found)) == 2
    ceiling = [n for n in notes(found) if "max_repositories" in n]
    assert len(ceiling) == 1 and "holds 5 repositories; only the first 2" in ceiling[0]
    assert len({r.repo for r in github.requests if r.repo}) == 2


def test_an_answer_larger_than_the_cap_fails_its_target_and_not_the_others(
        hostile: Hostile, github: FakeGitHub, tmp_path: Path) -> None:
    github.add_repo("acme", "api", {"README.md": "# api\n"})
    github.add_repo("beta", "web", {"README.md": "# web\n"})
    padding = "x" * 1_000
    github.fail_next("/orgs/acme/repos", 200, body=[
        {"full_name": f"acme/r{n}", "description": padding} for n in range(9_000)])  # 9 MB
    config = github_config(tmp_path, github, "acme", "beta")
    run = hostile("scan", "--config", str(config), "--format", "json", env={"GH": TOKEN})
    found = document(run)
    assert run.code == 3, run.err
    assert repositories(found) == ["repo:127.0.0.1/beta/web"]
    [error] = [p for p in found["scan"]["errors"]]
    assert error["target"] == "127.0.0.1/acme"
    assert "larger than 8 MB" in error["message"]
    assert "collect.max_response_bytes" in error["message"]
    assert not [r for r in github.requests if r.repo and r.repo.startswith("acme/")]


def test_a_budget_of_requests_leaves_the_rest_of_the_fleet_out_with_one_error(
        hostile: Hostile, github: FakeGitHub, tmp_path: Path) -> None:
    for name in ("a1", "a2", "a3", "a4", "a5", "a6"):
        github.add_repo("acme", name, {"README.md": f"# {name}\n"})
    # The listing, then one repository's GraphQL query, tarball and two alert lists and its
    # deploy runs; the second repository is cut short.
    config = github_config(tmp_path, github, "acme",
                           extra="      max_requests: 8\n      workers: 1\n")
    run = hostile("scan", "--config", str(config), "--format", "json", env={"GH": TOKEN})
    found = document(run)
    assert run.code == 3, run.err
    assert len(repositories(found)) == 1
    assert len([r for r in github.requests if not r.path.startswith("/_codeload/")]) == 8
    [spent] = found["scan"]["errors"]
    assert spent["message"].startswith("5 of 6 repositories not read: the target's budget "
                                       "of 8 requests is spent"), spent


@pytest.fixture
def pagerduty() -> Iterator[FakePagerDuty]:
    with FakePagerDuty(PD_TOKEN) as server:
        yield server


def test_incidents_without_a_valid_id_are_never_followed_and_the_rest_up_to_a_ceiling(
        hostile: Hostile, pagerduty: FakePagerDuty, tmp_path: Path) -> None:
    start = datetime.now(UTC) - timedelta(days=3)
    for hours in range(3):
        pagerduty.add_incident(start + timedelta(hours=hours),
                               acknowledged=start + timedelta(hours=hours, minutes=5),
                               resolved=start + timedelta(hours=hours + 1), priority="P1",
                               note="post-mortem https://wiki.example.com/pm/1")
    shape = {"created_at": iso(start), "status": "resolved", "priority": {"summary": "P1"},
             "resolved_at": iso(start + timedelta(hours=1))}
    bad = [{**shape, "id": 12345}, {**shape}, {**shape, "id": "../../abilities"},
           {**shape, "id": "Q1/notes?x="}, 7, "Q0000001"]
    pagerduty.fail_next("/incidents", 200, body={
        "incidents": [*pagerduty.incidents, *islice(cycle(bad), 60_000)],
        "limit": 100, "offset": 0, "more": False, "total": None})
    path = tmp_path / "config.yaml"
    path.write_text("targets:\n  pagerduty:\n"
                    f"    - token_env: PD\n      api_url: {pagerduty.origin}\n"
                    "      account: acme\n      max_follow_ups: 2\n")
    run = hostile("scan", "--config", str(path), "--format", "json", env={"PD": PD_TOKEN})
    found = document(run)
    assert run.code == 0, run.err
    followed = [r.path for r in pagerduty.requests if r.path.endswith("/notes")]
    assert len(followed) == 2 and all(p.startswith("/incidents/Q") for p in followed)
    malformed = [n for n in notes(found) if "malformed items" in n]
    assert len(malformed) == 1 and "with a valid id" in malformed[0], notes(found)
    assert len([n for n in notes(found) if "max_follow_ups" in n]) == 1


class _Endless(BaseHTTPRequestHandler):
    """Answers every GET with a 200 whose body never ends (no length, no last chunk)."""

    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        chunk = b"[" + b"1," * 32_768
        try:
            while True:
                self.wfile.write(chunk)
        except OSError:
            return

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def endless() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endless)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_answer_that_never_ends_is_cut_at_the_cap(hostile: Hostile, endless: str,
                                                      tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(f"targets:\n  prometheus:\n    - url: {endless}\n"
                    "collect:\n  max_response_bytes: 1000000\n")
    run = hostile("scan", "--config", str(path), bound=60)
    assert run.code == 2, run.err  # the only target read nothing: one line says why
    assert "GET /api/v1/rules is larger than 1 MB" in run.one_clear_line()
