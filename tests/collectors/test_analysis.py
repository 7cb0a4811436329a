"""A repository's file detectors run in a forked copy of the process while it reads the
repository files and the CI: what they find, and what goes wrong in them, is what they
find and say run in the process, in the same order."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

from scanner.collectors import analysis
from scanner.collectors.base import Collected, CollectSettings
from scanner.collectors.local.clone import read_clone
from scanner.collectors.local.git import GitRepo as Clone

from gitrepo import GitRepo
from samples import FILES

MakeRepo = Callable[..., GitRepo]
# Two services, a binary file and one over the size limit: notes of skipped files, and a
# second round of detectors for each service.
TREE = {**{path: text for path, text in FILES.items() if path != "Dockerfile"},
        "services/api/Dockerfile": FILES["Dockerfile"],
        "services/web/Dockerfile": "FROM python:3.12-slim\nCMD [\"flask\", \"run\"]\n",
        "deploy/junk.yaml": "kind: \x00\x01 binary junk",
        "deploy/huge.yaml": "apiVersion: v1\nkind: ConfigMap\n" + "# padding\n" * 6_000}


@pytest.fixture
def failing_detector(exploding_detector: Callable[[str], None]) -> None:
    exploding_detector("services/api/Dockerfile")


def read(repo: GitRepo, *, beside: bool) -> Collected:
    clone, collected = Clone(repo.root), Collected()
    read_clone(clone, clone.tracked_files(), collected, name=str(clone.root), source="local",
               settings=CollectSettings(max_file_bytes=50_000), history=None,
               detect_beside=beside)
    return collected


def described(collected: Collected) -> list[Any]:
    """Everything read but the time it was observed at."""
    return [[{**e.to_dict(), "observed_at": None} for e in collected.evidence],
            collected.problems, collected.entities]


@pytest.mark.usefixtures("only_this_tests_threads")
def test_detectors_read_beside_find_and_say_what_they_do_read_here(
        make_repo: MakeRepo, failing_detector: None, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(TREE)
    here = read(repo, beside=False)
    forked: list[int] = []
    real_fork = os.fork

    def counted() -> int:
        forked.append(os.getpid())
        return real_fork()

    monkeypatch.setattr(os, "fork", counted)
    beside = read(repo, beside=True)
    assert forked  # the detectors did run in a copy
    assert described(beside) == described(here)
    messages = [p.message for p in here.problems]
    assert any("exploding" in m for m in messages)
    assert any("skipped: binary" in m for m in messages)
    assert any("skipped:" in m and "limit" in m for m in messages)
    assert len([e for e in here.entities if e.startswith("service:")]) == 2


def test_a_copy_that_fails_leaves_the_detectors_to_the_process(
        make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(TREE)
    here = read(repo, beside=False)

    def broken(*args: Any) -> None:
        raise RuntimeError("the copy broke")

    monkeypatch.setattr(analysis, "_detected", broken)
    assert described(read(repo, beside=True)) == described(here)


def test_no_copy_to_be_had_costs_only_the_parallelism(
        make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(TREE)
    here = read(repo, beside=False)

    def refused() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refused)
    assert described(read(repo, beside=True)) == described(here)
