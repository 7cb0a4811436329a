"""The history before the window, walked once and kept under its starting commits: what it
says for any edge is what git's own `--until` says, walked afresh."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from scanner.collectors.local.earlier import Earlier, author_key, earlier
from scanner.collectors.local.git import GitRepo as Clone
from scanner.collectors.local.git import run_git

from gitrepo import GitRepo

MakeRepo = Callable[..., GitRepo]
# (author, commit date): the fourth commit's clock was a week behind its parent's.
COMMITS = [("ana@example.com", "2026-01-05T10:00:00+00:00"),
           ("ben@example.com", "2026-02-05T10:00:00+00:00"),
           ("ana@example.com", "2026-03-05T10:00:00+00:00"),
           ("cy@example.com", "2026-02-26T10:00:00+00:00"),
           ("Dee@Example.com", "2026-04-05T10:00:00+00:00")]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "maturity-scanner" / "history-walks"


def history(make_repo: MakeRepo) -> GitRepo:
    repo = make_repo()
    for number, (email, date) in enumerate(COMMITS):
        repo.write("file.txt", f"{number}\n")
        repo.git("add", "-A")
        repo.git("commit", "-q", "-m", f"change {number}", f"--author=Someone <{email}>",
                 date=date)
    return repo


def said_by_git(root: Path, until: int) -> Earlier:
    """What git's own `--until` lists: the first commit, and its authors."""
    lines = run_git(root, "log", "--format=%H %ae", f"--until={until}", "HEAD"
                    ).decode().splitlines()
    return Earlier(lines[0].split(" ")[0] if lines else "",
                   frozenset(author_key(line.split(" ", 1)[1]) for line in lines))


EDGES = [int(datetime.fromisoformat(moment).timestamp()) for moment in (
    "2025-12-01T00:00:00+00:00", "2026-01-05T10:00:00+00:00", "2026-02-27T00:00:00+00:00",
    "2026-03-01T00:00:00+00:00", "2026-03-06T00:00:00+00:00", "2026-12-01T00:00:00+00:00")]


@pytest.mark.parametrize("kept_at", EDGES)
def test_what_a_kept_walk_says_at_any_edge_is_what_git_says(
        make_repo: MakeRepo, cache: Path, kept_at: int) -> None:
    """Kept at one edge, asked at every other: at an earlier edge than it was kept at, the
    commits kept may not reach far enough (the walk is then asked again)."""
    repo = history(make_repo)
    clone = Clone(repo.root)
    head = clone.head() or ""
    assert earlier(clone, {head}, kept_at) == said_by_git(repo.root, kept_at)
    assert len(list(cache.glob("*.json"))) == 1
    for until in EDGES:
        assert earlier(clone, {head}, until) == said_by_git(repo.root, until), until


def test_the_kept_walk_holds_no_email_and_few_commits(make_repo: MakeRepo,
                                                      cache: Path) -> None:
    """Authors as digests; of the commits, only those listed up to the first at or before
    the edge (here HEAD itself), not the whole history."""
    repo = history(make_repo)
    clone = Clone(repo.root)
    earlier(clone, {clone.head() or ""}, EDGES[-1])
    [entry] = cache.glob("*.json")
    assert "example.com" not in entry.read_text().lower()
    assert [sha for sha, _ in json.loads(entry.read_text())["leading"]] == [clone.head()]


def test_a_repository_with_replaced_history_keeps_no_walk(make_repo: MakeRepo,
                                                         cache: Path) -> None:
    """`git replace` makes git walk other commits than the ones named: what a walk from
    the same commits lists may change without them changing."""
    repo = history(make_repo)
    first, second = repo.git("rev-list", "--max-count=2", "HEAD").split()
    repo.git("replace", first, second)
    clone = Clone(repo.root)
    assert earlier(clone, {clone.head() or ""}, EDGES[-1]) == \
        said_by_git(repo.root, EDGES[-1])
    assert not list(cache.glob("*.json"))


@pytest.mark.parametrize("spoil", [
    lambda data: {**data, "leading": [["x", "not a number"]]},
    lambda data: {**data, "first_commits": []},
    lambda data: {**data, "key": "another walk"},
])
def test_a_kept_walk_that_cannot_be_read_is_walked_again(
        make_repo: MakeRepo, cache: Path,
        spoil: Callable[[dict[str, object]], dict[str, object]]) -> None:
    repo = history(make_repo)
    clone = Clone(repo.root)
    head = clone.head() or ""
    earlier(clone, {head}, EDGES[3])
    [entry] = cache.glob("*.json")
    entry.write_text(json.dumps(spoil(json.loads(entry.read_text()))))
    assert earlier(clone, {head}, EDGES[3]) == said_by_git(repo.root, EDGES[3])
    assert json.loads(entry.read_text())["first_commits"]  # walked, and kept anew
