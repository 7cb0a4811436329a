"""`maturity scan --config` over a GitHub organisation, end to end, as a platform team runs it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fakes.github_api import FakeGitHub
from gitrepo import GitRepo
from samples import FILES

TOKEN = "ghp_end_to_end_secret_ABCDEF0123456789"
Cli = Callable[..., Any]


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub(TOKEN) as server:
        server.add_repo("acme", "api", FILES, pulls=[], secret_scanning=[], code_scanning=[])
        server.add_repo("acme", "web", {"index.js": "x\n"})
        yield server


def stages(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [(s["id"], s["stage"]) for c in document["competencies"] for s in c["subcompetencies"]]


def config(tmp_path: Path, fake: FakeGitHub, *extra: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text("targets:\n  github:\n"
                    f"    - org: acme\n      base_url: {fake.base_url}\n"
                    "      token_env: ACME_GITHUB_TOKEN\n" + "".join(extra))
    return path


def observations(document: Any) -> set[tuple[str, str, str]]:
    """(entity, signal, observed_at) of every evidence item the report cites."""
    if isinstance(document, list):
        return {found for item in document for found in observations(item)}
    if not isinstance(document, dict):
        return set()
    if "observed_at" in document and "signal" in document:
        return {(document["entity"], document["signal"], document["observed_at"])}
    return {found for value in document.values() for found in observations(value)}


def test_an_organisation_scan_is_stored_a_rescan_reuses_it_and_fresh_reads_it_again(
        cli: Cli, fake: FakeGitHub, tmp_path: Path) -> None:
    env = {"ACME_GITHUB_TOKEN": TOKEN}
    path = str(config(tmp_path, fake))
    first = cli("scan", "--config", path, "--format", "json", "--progress", env=env)
    assert first.code == 0, first.err
    assert "acme (2/2)" in first.err  # repositories of the organisation, as they are read
    document = json.loads(first.out)
    assert [r["entity"] for r in document["repositories"]] == [
        "repo:127.0.0.1/acme/api", "repo:127.0.0.1/acme/web"]
    seen = observations(document)
    time.sleep(1)  # evidence observed again would show a later time
    fake.clear_log()
    second = cli("scan", "--config", path, "--format", "json", env=env)
    assert second.code == 0, second.err
    assert [r.path for r in fake.requests] == ["/orgs/acme/repos"]  # answered 304, free
    assert stages(json.loads(second.out)) == stages(document)
    assert observations(json.loads(second.out)) == seen
    fake.clear_log()
    fresh = cli("scan", "--config", path, "--format", "json", "--fresh", env=env)
    assert fresh.code == 0, fresh.err
    assert fake.count_for("acme/api") >= 1 and fake.count_for("acme/web") >= 1
    again = observations(json.loads(fresh.out))
    assert {(e, s) for e, s, _ in again} == {(e, s) for e, s, _ in seen}
    assert min(at for _, _, at in again) > max(at for _, _, at in seen)
    store = tmp_path / "store" / "maturity.db"
    for text in (first.out, first.err, second.out, second.err, fresh.out, fresh.err,
                 store.read_bytes().decode("latin-1")):
        assert TOKEN not in text


def test_a_refused_token_is_one_line_and_the_rest_is_scanned(
        cli: Cli, fake: FakeGitHub, tmp_path: Path) -> None:
    local = GitRepo(tmp_path / "local")
    local.files(FILES)
    path = config(tmp_path, fake, f"  local:\n    - {local.root}\n")
    result = cli("scan", "--config", str(path), env={"ACME_GITHUB_TOKEN": "ghp_revoked_1"})
    assert result.code == 3, result.err
    lines = [line for line in result.err.splitlines() if "token was refused" in line]
    assert len(lines) == 1 and "127.0.0.1/acme" in lines[0]
    assert "Traceback" not in result.err and "ghp_revoked_1" not in result.err + result.out
    assert "stored in" in result.err
    unset = cli("scan", "--config", str(path))
    assert unset.code == 3 and "environment variable ACME_GITHUB_TOKEN is not set" in unset.err


def test_clone_reads_history_through_an_authenticated_shallow_clone(
        cli: Cli, fake: FakeGitHub, tmp_path: Path) -> None:
    source = GitRepo(tmp_path / "source")
    source.files(FILES)
    source.write("CHANGELOG.md", "1.0\n")
    source.commit("fix: a bug", date="2026-11-20T10:00:00+00:00")
    fake.add_repo("acme", "history", {"README.md": "x"}, git_dir=str(source.root))
    path = config(tmp_path, fake, "      include: [history]\n")
    result = cli("scan", "--config", str(path), "--clone", "--format", "json", "--no-store",
                 env={"ACME_GITHUB_TOKEN": TOKEN})
    assert result.code == 0, result.err
    assert TOKEN not in result.err + result.out
    assert "repo:127.0.0.1/acme/history" in json.dumps(json.loads(result.out)["entities"])
    assert not [r for r in fake.requests if "tarball" in r.path]
    assert [r for r in fake.requests if r.path.endswith("git-upload-pack")]


def test_a_clone_with_a_wrong_token_fails_for_that_repository_only(
        cli: Cli, fake: FakeGitHub, tmp_path: Path) -> None:
    source = GitRepo(tmp_path / "source")
    source.files(FILES)
    fake.add_repo("acme", "history", {"README.md": "x"}, git_dir=str(source.root))
    fake.add_repo("acme", "second", {"README.md": "x"}, git_dir=str(source.root))
    fake.fail_next("/acme/history.git", 401, headers={"WWW-Authenticate": 'Basic realm="x"'},
                   times=5)
    path = config(tmp_path, fake, "      include: [history, second]\n")
    result = cli("scan", "--config", str(path), "--clone", "--no-store",
                 env={"ACME_GITHUB_TOKEN": TOKEN})
    assert result.code == 3, result.err
    errors = [line for line in result.err.splitlines() if line.startswith("maturity: error")]
    assert len(errors) == 1 and "acme/history: not read: clone failed" in errors[0]
    assert TOKEN not in result.err + result.out
