"""Git history analytics on real repositories with chosen dates, authors and messages."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest

from scanner.collectors.base import Emitter
from scanner.collectors.local.git import GitRepo as Clone
from scanner.collectors.local.history import HistoryBeside, HistoryReads, _history_evidence
from scanner.workers import Beside

from gitrepo import GitRepo
from local_scan import collect

MakeRepo = Callable[..., GitRepo]
NOW = datetime.now(UTC).replace(microsecond=0)


def at(days_ago: float, hour: int = 11, offset: str = "+02:00") -> str:
    """An ISO date `days_ago` days back, at `hour` in the given UTC offset, on a weekday."""
    day = (NOW - timedelta(days=days_ago)).date()
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return f"{day.isoformat()}T{hour:02d}:00:00{offset}"


def commit_as(repo: GitRepo, author: str, message: str, date: str, path: str = "f.txt") -> str:
    repo.write(path, f"{message} {date}\n")
    repo.git("add", "-A")
    repo.git("-c", f"user.email={author}", "commit", "-q", f"--author=Someone <{author}>",
             "-m", message, date=date)
    return repo.git("rev-parse", "HEAD").strip()


def values(repo: GitRepo) -> dict[str, Any]:
    return {e.signal: e.value for e in collect(repo.root).evidence}


def test_cadence_reverts_fixes_and_tags(make_repo: MakeRepo) -> None:
    repo = make_repo()
    old = commit_as(repo, "old@x.org", "initial import", at(500))
    assert old
    broken = commit_as(repo, "ann@x.org", "feat: add export", at(60, 9))
    repo.git("revert", "--no-edit", broken, date=at(60, 21))
    commit_as(repo, "ann@x.org", "fix: export handles empty rows", at(40))
    commit_as(repo, "ann@x.org", "feat: add import", at(30))
    repo.git("tag", "v1.0.0", date=at(30))
    commit_as(repo, "ann@x.org", "fix(import): encoding", at(20))
    repo.git("tag", "-a", "v1.1.0", "-m", "release", date=at(20))
    repo.git("tag", "deploy-prod-42", date=at(20))
    found = values(repo)
    assert found["git.commits"] == 5
    assert found["git.revert_share"] == round(1 / 5, 3)
    assert 11 <= found["git.revert_median_hours"] <= 13
    assert found["git.forward_fix_share"] == round(2 / 3, 2)
    assert found["git.fix_share"] == 0.5
    assert found["git.release_tags"] == 2 and found["git.deploy_tags"] == 1
    gap = datetime.fromisoformat(at(20)) - datetime.fromisoformat(at(30))
    assert found["git.release_median_gap_days"] == round(gap.total_seconds() / 86400, 1)
    assert found["git.signed_commit_share"] == 0.0
    assert found["git.history_truncated"] is False


def test_working_hours_are_aggregate_and_in_the_authors_own_time_zone(
        make_repo: MakeRepo) -> None:
    repo = make_repo()
    # 10:00 in Tokyo is 01:00 UTC: inside working hours for its author.
    commit_as(repo, "kenji@x.org", "work", at(200, 10, "+09:00"))
    commit_as(repo, "kenji@x.org", "work", at(190, 10, "+09:00"))
    commit_as(repo, "ann@x.org", "late", at(100, 23, "-05:00"))
    commit_as(repo, "ann@x.org", "late", at(90, 22, "-05:00"))
    found = values(repo)
    assert found["git.off_hours_share"] == 0.5
    assert found["git.off_hours_trend"] == 1.0  # all late work in the second half
    rendered = repr(collect(repo.root).evidence)
    assert "kenji" not in rendered and "ann@" not in rendered  # never per person


def test_newcomers_ramp_up_and_bus_factor(make_repo: MakeRepo) -> None:
    repo = make_repo()
    commit_as(repo, "veteran@x.org", "old work", at(700))
    for day in (300, 250, 200):
        commit_as(repo, "veteran@x.org", "more", at(day))
    for day in (100, 96, 92, 88, 80, 70):
        commit_as(repo, "newbie@x.org", "learning", at(day))
    commit_as(repo, "dependabot[bot]@users.noreply.github.com", "Bump x", at(5))
    found = values(repo)
    assert found["git.new_authors"] == 1
    # first to fifth commit: 100 to 80 days ago, as `at` moves weekend days to Friday
    first, fifth = (datetime.fromisoformat(at(days)) for days in (100, 80))
    assert found["git.days_to_fifth_commit"] == (fifth - first).days
    assert found["git.bus_factor"] == 1


def test_signed_commits_are_seen_without_running_gpg(make_repo: MakeRepo) -> None:
    repo = make_repo()
    commit_as(repo, "ann@x.org", "unsigned", at(10))
    tree = repo.git("rev-parse", "HEAD^{tree}").strip()
    parent = repo.git("rev-parse", "HEAD").strip()
    stamp = int((NOW - timedelta(days=5)).timestamp())
    body = (f"tree {tree}\nparent {parent}\nauthor Ann <ann@x.org> {stamp} +0000\n"
            f"committer Ann <ann@x.org> {stamp} +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n"
            " \n iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----\n\nsigned change\n")
    sha = subprocess.run(["git", "-C", str(repo.root), "hash-object", "-t", "commit", "-w",
                          "--stdin"], input=body.encode(), capture_output=True,
                         check=True).stdout.decode().strip()
    repo.git("update-ref", "HEAD", sha)
    assert values(repo)["git.signed_commit_share"] == 0.5


def test_shallow_clones_say_so(make_repo: MakeRepo, tmp_path: Any) -> None:
    repo = make_repo()
    for day in (300, 200, 100, 50):
        commit_as(repo, "ann@x.org", "change", at(day))
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{repo.root}", str(shallow)],
                   check=True)
    collected = collect(shallow)
    found = {e.signal: e.value for e in collected.evidence}
    assert found["git.history_truncated"] is True
    assert found["git.commits"] == 2
    assert "git.new_authors" not in found  # a cut history cannot tell newcomers apart
    assert any("shallow clone" in p.message for p in collected.problems)


def test_detached_head_odd_dates_and_no_tags(make_repo: MakeRepo) -> None:
    repo = make_repo()
    first = commit_as(repo, "ann@x.org", "far future", at(-400, 3, "+14:00"))
    commit_as(repo, "ann@x.org", "epoch", "1970-01-02T00:00:00+00:00")
    commit_as(repo, "ann@x.org", "today", at(1))
    repo.git("checkout", "-q", "--detach", "HEAD")
    found = values(repo)
    assert first and found["git.commits"] >= 1
    assert found["git.release_tags"] == 0
    assert "git.release_median_gap_days" not in found


def test_debt_markers_trend_compares_the_window_start_with_head(make_repo: MakeRepo) -> None:
    repo = make_repo()
    code = "".join(f"x{i} = {i}\n" for i in range(98))
    commit_as(repo, "ann@x.org", "start", at(500), "app.py")
    repo.write("app.py", code + "# TODO: tidy\ny = 1\n")
    commit_as(repo, "ann@x.org", "debt", at(400), "notes.txt")
    repo.write("app.py", code + "# TODO: tidy\n# FIXME: leaks\n# HACK around bug\ny = 1\n")
    repo.write("vendor/lib.py", "# TODO " * 50 + "\n")
    commit_as(repo, "ann@x.org", "more debt", at(10), "notes.txt")
    found = values(repo)
    assert found["git.debt_markers_per_kloc_start"] == 10.0
    assert found["git.debt_markers_per_kloc_end"] == round(3 * 1000 / 102, 2)
    assert found["git.debt_markers_trend"] == round(3 * 1000 / 102 - 10.0, 2)


def test_history_read_beside_gives_what_it_gives_read_here(make_repo: MakeRepo) -> None:
    repo = make_repo()
    commit_as(repo, "old@x.org", "initial import", at(500))
    commit_as(repo, "ann@x.org", "feat: add export  # TODO later", at(60), "app.py")
    commit_as(repo, "bob@x.org", "fix: export", at(10), "app.py")
    clone = Clone(repo.root)
    here, beside = Emitter("repo:x", "local"), Emitter("repo:x", "local")
    notes_here = HistoryReads(clone, 365, NOW).finish(here)
    notes_beside = HistoryBeside(Beside(partial(
        _history_evidence, clone, 365, NOW, beside.entity, beside.source))).finish(beside)
    # Everything but the second each was observed at, which two reads can straddle.
    assert [replace(e, observed_at=NOW) for e in beside.evidence] == \
        [replace(e, observed_at=NOW) for e in here.evidence]
    assert notes_beside == notes_here
    assert {e.signal for e in here.evidence} >= {"git.commits", "git.new_authors"}


def test_history_is_read_in_this_process_when_no_copy_can_be_made(
        make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    """A process limit reached (fork fails with EAGAIN) costs the parallelism only."""
    repo = make_repo()
    commit_as(repo, "ann@x.org", "feat: one", at(30))
    commit_as(repo, "bob@x.org", "fix: two", at(20))

    def refused() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refused)
    assert values(repo)["git.commits"] == 2
