"""`maturity scan --config` over a GitLab group, end to end, as a platform team runs it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fakes.gitlab_api import FakeGitLab
from gitrepo import GitRepo
from samples import FILES

TOKEN = "glpat-end-to-end-secret-ABCDEF0123456789"
Cli = Callable[..., Any]


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    with FakeGitLab(TOKEN, prefix="/gitlab") as server:
        idle = datetime.now(UTC) - timedelta(days=1)  # GitLab's activity time is hourly
        server.add_project("platform/api", FILES, tier="ultimate",
                           scanners=["SAST", "DEPENDENCY_SCANNING"], last_activity_at=idle)
        server.add_project("platform/tools/cli", {"main.go": "package main\n"}, tier="ultimate",
                           last_activity_at=idle)
        yield server
        assert server.server_errors == []


def stages(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [(s["id"], s["stage"]) for c in document["competencies"] for s in c["subcompetencies"]]


def config(tmp_path: Path, fake: FakeGitLab, *extra: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text("targets:\n  gitlab:\n"
                    f"    - group: platform\n      url: {fake.base_url}\n"
                    "      token_env: PLATFORM_GITLAB_TOKEN\n" + "".join(extra))
    return path


def test_a_group_scan_is_stored_and_a_rescan_reuses_it(
        cli: Cli, fake: FakeGitLab, tmp_path: Path) -> None:
    env = {"PLATFORM_GITLAB_TOKEN": TOKEN}
    first = cli("scan", "--config", str(config(tmp_path, fake)), "--format", "json",
                "--progress", env=env)
    assert first.code == 0, first.err
    assert "platform (2/2)" in first.err  # projects of the group, subgroups included
    document = json.loads(first.out)
    assert [r["entity"] for r in document["repositories"]] == [
        "repo:127.0.0.1/platform/api", "repo:127.0.0.1/platform/tools/cli"]
    cold = fake.count()
    fake.clear_log()
    second = cli("scan", "--config", str(config(tmp_path, fake)), "--format", "json", env=env)
    assert second.code == 0, second.err
    assert fake.count() == 0 < cold  # unchanged projects reused; the listing a 304
    assert stages(json.loads(second.out)) == stages(document)
    store = tmp_path / "store" / "maturity.db"
    for text in (first.out, first.err, second.out, second.err,
                 store.read_bytes().decode("latin-1")):
        assert TOKEN not in text


def test_a_refused_token_is_one_line_and_the_rest_is_scanned(
        cli: Cli, fake: FakeGitLab, tmp_path: Path) -> None:
    local = GitRepo(tmp_path / "local")
    local.files(FILES)
    path = config(tmp_path, fake, f"  local:\n    - {local.root}\n")
    result = cli("scan", "--config", str(path), env={"PLATFORM_GITLAB_TOKEN": "glpat-revoked"})
    assert result.code == 3, result.err
    lines = [line for line in result.err.splitlines() if "token was refused" in line]
    assert len(lines) == 1 and "127.0.0.1/platform" in lines[0]
    assert "Traceback" not in result.err and "glpat-revoked" not in result.err + result.out
    assert "stored in" in result.err
    unset = cli("scan", "--config", str(path))
    assert unset.code == 3 and "environment variable PLATFORM_GITLAB_TOKEN is not set" in unset.err


def test_an_unknown_group_is_one_line_and_the_others_are_scanned(
        cli: Cli, fake: FakeGitLab, tmp_path: Path) -> None:
    path = config(tmp_path, fake, f"    - group: nowhere\n      url: {fake.base_url}\n"
                                  "      token_env: PLATFORM_GITLAB_TOKEN\n")
    result = cli("scan", "--config", str(path), "--no-store", "--format", "json",
                 env={"PLATFORM_GITLAB_TOKEN": TOKEN})
    assert result.code == 3, result.err
    errors = [line for line in result.err.splitlines() if line.startswith("maturity: error")]
    assert len(errors) == 1 and "group 'nowhere' cannot be listed" in errors[0]
    assert len(json.loads(result.out)["repositories"]) == 2
    alone = tmp_path / "alone.yaml"
    alone.write_text(f"targets:\n  gitlab:\n    - group: nowhere\n      url: {fake.base_url}\n")
    nothing = cli("scan", "--config", str(alone), "--no-store", env={"GITLAB_TOKEN": TOKEN})
    assert nothing.code == 2 and nothing.err.count("\n") == 1  # nothing at all to judge


def test_clone_reads_history_through_an_authenticated_shallow_clone(
        cli: Cli, fake: FakeGitLab, tmp_path: Path) -> None:
    source = GitRepo(tmp_path / "source")
    source.files(FILES)
    source.write("CHANGELOG.md", "1.0\n")
    source.commit("fix: a bug", date="2026-11-20T10:00:00+00:00")
    fake.add_project("platform/history", {"README.md": "x"}, git_dir=str(source.root))
    path = config(tmp_path, fake, "      include: [history]\n")
    result = cli("scan", "--config", str(path), "--clone", "--format", "json", "--no-store",
                 env={"PLATFORM_GITLAB_TOKEN": TOKEN})
    assert result.code == 0, result.err
    assert TOKEN not in result.err + result.out
    document = json.loads(result.out)
    assert [r["entity"] for r in document["repositories"]] == ["repo:127.0.0.1/platform/history"]
    assert not [r for r in fake.requests if "archive" in r.path]
    assert [r for r in fake.requests if r.path.endswith("git-upload-pack")]


def test_a_clone_with_a_wrong_token_fails_for_that_project_only(
        cli: Cli, fake: FakeGitLab, tmp_path: Path) -> None:
    source = GitRepo(tmp_path / "source")
    source.files(FILES)
    fake.add_project("platform/history", {"README.md": "x"}, git_dir=str(source.root))
    fake.add_project("platform/second", {"README.md": "x"}, git_dir=str(source.root))
    fake.fail_next("/platform/history.git", 401,
                   headers={"WWW-Authenticate": 'Basic realm="GitLab"'}, times=5)
    path = config(tmp_path, fake, "      include: [history, second]\n")
    result = cli("scan", "--config", str(path), "--clone", "--no-store",
                 env={"PLATFORM_GITLAB_TOKEN": TOKEN})
    assert result.code == 3, result.err
    errors = [line for line in result.err.splitlines() if line.startswith("maturity: error")]
    assert len(errors) == 1 and "platform/history: not read: clone failed" in errors[0]
    assert TOKEN not in result.err + result.out
