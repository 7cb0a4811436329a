"""The local collector on real git repositories: evidence, locators, and bad input."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scanner.collectors.base import ERROR, WARNING, Collected
from scanner.collectors.local.git import run_git

from gitrepo import GitRepo
from local_scan import collect
from samples import FILES

MakeRepo = Callable[..., GitRepo]


def signals(collected: Collected) -> dict[str, Any]:
    """The repository's own evidence (its services carry copies), by signal."""
    return {e.signal: e for e in collected.evidence if e.entity.startswith("repo:")}


def test_a_well_equipped_repository(make_repo: MakeRepo) -> None:
    repo = make_repo(FILES)
    collected = collect(repo.root)
    assert collected.entities == [f"repo:{repo.root.resolve()}",
                                  f"service:{repo.root.resolve()}"]
    found = signals(collected)
    value = {name: item.value for name, item in found.items()}
    assert value["repo.has_commits"] is True
    assert value["ci.systems"] == ["github_actions"]
    assert value["ci.sast.tools"] == ["bandit", "codeql"]
    assert value["ci.sast.before_merge"] is True
    assert value["ci.tests.tools"] == ["pytest"] and value["ci.tests.before_merge"] is True
    assert value["ci.coverage.tools"] == ["python-coverage"]
    assert value["ci.dast.tools"] == []
    assert value["ci.deploy.production_automatic"] is True
    assert value["ci.deploy.environments"] == ["production"]
    assert value["deployable"] is True
    assert value["service.artifacts"] == ["container", "helm"]
    assert value["iac.tools"] == ["helm"]
    assert value["repo.dependency_updates.tools"] == ["dependabot"]
    assert value["repo.precommit.security_tools"] == ["bandit"]
    assert value["repo.security_policy.contact"] is True
    assert value["repo.security_policy.fix_timeline"] is True
    assert value["repo.codeowners.security"] is True
    assert value["tests.files"] == 1 and value["source.files"] == 2  # app.py, Dockerfile
    assert not [p for p in collected.problems if p.severity == ERROR]


def test_locators_point_at_the_line_that_shows_it(make_repo: MakeRepo) -> None:
    repo = make_repo(FILES)
    found = signals(collect(repo.root))
    expectations = {
        "ci.sast.tools": ["bandit", "codeql-action/analyze"],
        "ci.tests.tools": ["pytest"],
        "ci.deploy.production_automatic": ["deploy:"],
        "repo.security_policy.fix_timeline": ["within 7 days"],
        "repo.codeowners.security": ["@acme/security"],
    }
    for signal, needles in expectations.items():
        lines = []
        for locator in found[signal].locators:
            path, _, line = locator.rpartition(":")
            lines.append((repo.root / path).read_text().splitlines()[int(line) - 1])
        for needle in needles:  # each tool's place is cited
            assert any(needle in text for text in lines), (signal, needle, lines)


def test_not_a_repository_or_missing_path_is_an_error(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    collected = collect(plain)
    assert collected.entities == []
    assert collected.problems[0].severity == ERROR
    assert "is not a git repository" in collected.problems[0].message
    missing = collect(tmp_path / "nowhere")
    assert "does not exist" in missing.problems[0].message


def test_an_empty_repository_is_judged_on_its_work_tree(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    collected = collect(root)
    assert signals(collected)["repo.has_commits"].value is False
    assert any("no commits yet" in p.message and p.severity == WARNING
               for p in collected.problems)


def test_a_broken_workflow_keeps_negatives_unsaid_but_positives_count(
        make_repo: MakeRepo) -> None:
    repo = make_repo({
        ".github/workflows/ok.yml": "on: push\njobs: {t: {steps: [{run: semgrep ci}]}}\n",
        ".github/workflows/bad.yml": "on: push\njobs:\n  t: {steps: [unclosed\n",
    })
    collected = collect(repo.root)
    found = signals(collected)
    assert found["ci.sast.tools"].value == ["semgrep"]
    assert "ci.dast.tools" not in found and "ci.tests.tools" not in found
    messages = [(p.locator, p.message) for p in collected.problems]
    assert any(loc == ".github/workflows/bad.yml" and "not valid YAML" in msg
               for loc, msg in messages)
    assert any("CI evidence is incomplete" in msg for _, msg in messages)


def test_a_jenkinsfile_is_evidence(make_repo: MakeRepo) -> None:
    repo = make_repo({"Jenkinsfile": """\
pipeline {
  agent any
  stages {
    stage('Test') { steps { sh 'pytest --cov' } }
    // stage('Scan') { steps { sh 'semgrep ci' } }
    stage('Deploy') {
      when { branch 'main' }
      steps { sh 'helm upgrade --install api ./chart' }
    }
  }
}
"""})
    found = signals(collect(repo.root))
    assert found["ci.systems"].value == ["jenkins"]
    assert found["ci.tests.tools"].value == ["pytest"]
    assert found["ci.sast.tools"].value == []  # the scan stage is commented out
    assert found["ci.deploy.automatic"].value is True
    assert found["ci.deploy.automatic"].locators == ("Jenkinsfile:6",)


def test_binary_huge_and_escaping_files_are_skipped(make_repo: MakeRepo,
                                                    tmp_path: Path) -> None:
    outside = tmp_path / "secret.yml"
    outside.write_text("on: push\njobs: {t: {steps: [{run: zap-baseline.py -t x}]}}\n")
    repo = make_repo(name="tricky")
    repo.write(".github/workflows/junk.yml", b"\x00\xff\xfe binary junk \x00")
    (repo.root / ".github/workflows/escape.yml").symlink_to(outside)
    with open(repo.root / ".github/workflows/huge.yml", "wb") as handle:
        handle.truncate(300 * 1024 * 1024)
    repo.commit("tricky files")
    collected = collect(repo.root)
    reasons = {p.locator: p.message for p in collected.problems}
    assert "binary content" in reasons[".github/workflows/junk.yml"]
    assert "symlink pointing outside the repository" in reasons[".github/workflows/escape.yml"]
    assert "over the 2 MB limit" in reasons[".github/workflows/huge.yml"]
    assert "ci.dast.tools" not in signals(collected)  # nothing read through the symlink


def test_nothing_in_the_repository_is_executed(make_repo: MakeRepo, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    repo = make_repo({"a.txt": "x"})
    (repo.root / "evil.sh").write_text(f"#!/bin/sh\ntouch {marker}\n")
    os.chmod(repo.root / "evil.sh", 0o755)
    repo.git("config", "core.fsmonitor", str(repo.root / "evil.sh"))
    repo.git("status")  # the trap is armed: plain git runs the repository's program
    assert marker.exists()
    marker.unlink()
    collect(repo.root)
    run_git(repo.root, "status")
    assert not marker.exists()


def test_goreleaser_signing_and_sboms_count_when_ci_runs_goreleaser(make_repo: MakeRepo) -> None:
    repo = make_repo({
        ".github/workflows/release.yml": "on: {push: {tags: ['v*']}}\njobs:\n  release:\n"
                                         "    steps:\n"
                                         "      - uses: goreleaser/goreleaser-action@v6\n"
                                         "        with: {args: release --clean}\n",
        ".goreleaser.yaml": "builds: [{main: ./cmd/tool}]\nsigns:\n  - cmd: cosign\n"
                            "    args: [sign-blob, --yes, '--output-signature=${signature}',"
                            " '${artifact}']\nsboms:\n  - artifacts: archive\n",
        "main.go": "package main\n",
    })
    found = signals(collect(repo.root))
    assert found["ci.packaging.tools"].value == ["goreleaser"]
    assert found["ci.signing.tools"].value == ["cosign"]
    assert found["ci.signing.tools"].locators == (".goreleaser.yaml:3",)
    assert found["ci.sbom.tools"].value == ["syft"]
    assert found["ci.release.automatic"].value is True
