"""`maturity scan --config` over a GitHub organisation or a GitLab group, end to end: a
refused token and a failed clone, which each host reports alike."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from git_hosts import ScannedHost, scanned_github, scanned_gitlab
from gitrepo import GitRepo
from samples import FILES

Cli = Callable[..., Any]
# The host's organisation or group, a token it accepts and one it has revoked, in its form.
HOSTS = {"github": ("acme", "ghp_end_to_end_secret_ABCDEF0123456789", "ghp_revoked_1"),
         "gitlab": ("platform", "glpat-end-to-end-secret-ABCDEF0123456789", "glpat-revoked")}


@pytest.fixture(params=sorted(HOSTS))
def host(request: pytest.FixtureRequest) -> Iterator[ScannedHost]:
    scanned = scanned_github if request.param == "github" else scanned_gitlab
    with scanned(HOSTS[request.param][1]) as found:
        yield found


def owner(host: ScannedHost) -> str:
    return HOSTS[host.kind][0]


def test_a_refused_token_is_one_line_and_the_rest_is_scanned(
        cli: Cli, host: ScannedHost, tmp_path: Path) -> None:
    local = GitRepo(tmp_path / "local")
    local.files(FILES)
    path = host.config(tmp_path, f"  local:\n    - {local.root}\n")
    variable, revoked = host.entry["token_env"], HOSTS[host.kind][2]
    result = cli("scan", "--config", str(path), env={variable: revoked})
    assert result.code == 3, result.err
    lines = [line for line in result.err.splitlines() if "token was refused" in line]
    assert len(lines) == 1 and f"127.0.0.1/{owner(host)}" in lines[0]
    assert "Traceback" not in result.err and revoked not in result.err + result.out
    assert "stored in" in result.err
    unset = cli("scan", "--config", str(path))
    assert unset.code == 3 and f"environment variable {variable} is not set" in unset.err


def test_clone_reads_history_through_an_authenticated_shallow_clone(
        cli: Cli, host: ScannedHost, tmp_path: Path) -> None:
    source = GitRepo(tmp_path / "source")
    source.files(FILES)
    source.write("CHANGELOG.md", "1.0\n")
    source.commit("fix: a bug", date="2026-11-20T10:00:00+00:00")
    host.add("history", {"README.md": "x"}, git_dir=str(source.root))
    path = host.config(tmp_path, "      include: [history]\n")
    result = cli("scan", "--config", str(path), "--clone", "--format", "json", "--no-store",
                 env=host.env)
    assert result.code == 0, result.err
    assert host.token not in result.err + result.out
    document = json.loads(result.out)
    entity = f"repo:127.0.0.1/{owner(host)}/history"
    assert [r["entity"] for r in document["repositories"]] == [entity]
    assert entity in json.dumps(document["entities"])
    downloads = [r for r in host.fake.requests if "tarball" in r.path or "archive" in r.path]
    assert not downloads
    assert [r for r in host.fake.requests if r.path.endswith("git-upload-pack")]


def test_a_clone_with_a_wrong_token_fails_for_that_repository_only(
        cli: Cli, host: ScannedHost, tmp_path: Path) -> None:
    source = GitRepo(tmp_path / "source")
    source.files(FILES)
    host.add("history", {"README.md": "x"}, git_dir=str(source.root))
    host.add("second", {"README.md": "x"}, git_dir=str(source.root))
    host.fake.fail_next(f"/{owner(host)}/history.git", 401,
                        headers={"WWW-Authenticate": 'Basic realm="x"'}, times=5)
    path = host.config(tmp_path, "      include: [history, second]\n")
    result = cli("scan", "--config", str(path), "--clone", "--no-store", env=host.env)
    assert result.code == 3, result.err
    errors = [line for line in result.err.splitlines() if line.startswith("maturity: error")]
    assert len(errors) == 1 and f"{owner(host)}/history: not read: clone failed" in errors[0]
    assert host.token not in result.err + result.out
