"""A bug in one detector or CI reader costs only its own signals, never the scan."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scanner.cli import main
from scanner.collectors.ci.delegated import _parsed
from scanner.collectors.ci.model import ParseResult
from scanner.collectors.ci.resolve import Resolver
from scanner.collectors.ci.tools import load_catalogue
from scanner.collectors.deadlines import TimeBudget, check
from scanner.collectors.local.git import GitRepo as LocalGit
from scanner.collectors.local.worktree import WorkTree
from scanner.collectors.tree import RepoTree

from gitrepo import GitRepo
from local_scan import collect
from samples import FILES

MakeRepo = Callable[..., GitRepo]


@pytest.fixture
def failing_detector(exploding_detector: Callable[[str], None]) -> None:
    exploding_detector("Dockerfile")


def test_a_failing_detector_costs_only_its_own_signals(make_repo: MakeRepo,
                                                        failing_detector: None) -> None:
    repo = make_repo(FILES)
    collected = collect(repo.root)
    warnings = [p for p in collected.problems if "exploding" in p.message]
    # once for the repository; its only service is the repository itself
    assert len(warnings) == 1
    assert warnings[0].severity == "warning" and warnings[0].locator == "Dockerfile"
    assert "KeyError" in warnings[0].message and "left unknown" in warnings[0].message
    repo_entity = f"repo:{repo.root.resolve()}"
    found = {e.signal: e for e in collected.evidence if e.entity == repo_entity}
    # the other detectors and CI still spoke
    assert found["k8s.workloads"].value is not None
    assert found["ci.tests.tools"].value == ["pytest"]
    assert [e for e in collected.evidence if e.signal == "ci.present"
            and e.entity == repo_entity and e.value is True and not e.locators] == []


def test_a_failing_detector_still_gives_a_full_report(make_repo: MakeRepo,
                                                      failing_detector: None,
                                                      capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    repo = make_repo(FILES)
    code = main(["scan", str(repo.root), "--format", "json", "--db",
                 str(tmp_path / "store.db")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    document = json.loads(captured.out)
    assert document["scan"]["status"] == "complete"
    assert sum(len(c["subcompetencies"]) for c in document["competencies"]) == 30
    warnings = [w for w in document["scan"]["warnings"] if "exploding" in w["message"]]
    assert len(warnings) == 1


def test_a_failing_ci_reader_costs_only_its_own_system(tree: Callable[[dict[str, str]],
                                                                       WorkTree]) -> None:
    files = tree({".travis.yml": "script: make test\n"})

    def parse(read: RepoTree) -> ParseResult:
        read.read_text(".travis.yml")
        raise IndexError("list index out of range")

    result = _parsed(parse, files, Resolver(files), load_catalogue(), budget=TimeBudget(),
                     external=None)
    assert result.jobs == []
    assert result.unreadable[0][0] == ".travis.yml"
    assert "reader failed (IndexError" in result.unreadable[0][1]


def test_a_ci_reader_out_of_time_costs_only_its_own_system(
        tree: Callable[[dict[str, str]], WorkTree]) -> None:
    files = tree({".travis.yml": "script: make test\n"})

    def parse(read: RepoTree) -> ParseResult:
        read.read_text(".travis.yml")
        while True:  # a reader working through a file too big for its time
            check()

    budget = TimeBudget(seconds=0.2)
    result = _parsed(parse, files, Resolver(files), load_catalogue(), budget=budget,
                     external=None)
    assert result.unreadable == [(".travis.yml", "not read to the end: it took longer than "
                                  "the repository's time budget (0.2 s)")]
    # time is up: the next system is not started, and the one line says so
    assert _parsed(parse, files, Resolver(files), load_catalogue(), budget=budget,
                   external=None).unreadable == []
    assert budget.skipped == ["the test_isolation reader"]
    assert "ran out before the test_isolation reader" in (budget.note() or "")


def test_a_helm_helper_file_without_defines(make_repo: MakeRepo) -> None:
    """A chart's `.tpl` with no `{{ define }}` (NOTES-like text) once lost the whole scan."""
    repo = make_repo({
        "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "chart/values.yaml": "replicaCount: 2\n",
        "chart/templates/_notes.tpl": "Thanks for installing; no helpers here.\n",
        "chart/templates/deployment.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
            "  labels:\n    {{- include \"web.labels\" . | nindent 4 }}\n"
            "spec:\n  replicas: {{ .Values.replicaCount }}\n  template:\n"
            "    spec:\n      containers:\n        - name: web\n          image: web:1\n"),
    })
    collected = collect(repo.root)
    assert not [p for p in collected.problems if "failed" in p.message]
    found = {e.signal: e.value for e in collected.evidence
             if e.entity == f"repo:{repo.root.resolve()}"}
    assert found["k8s.workloads"] == 1


def test_a_collector_bug_is_an_internal_error_not_bad_input(
        make_repo: MakeRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(FILES)

    def broken(self: object) -> list[str]:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(LocalGit, "tracked_files", broken)
    code = main(["scan", str(repo.root), "--db", str(tmp_path / "store.db")])
    err = capsys.readouterr().err
    assert code == 4
    assert "internal error" in err and "Traceback" not in err
