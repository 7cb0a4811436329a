"""Collects evidence from a git clone on disk, offline and read-only.

It reads only files git tracks, never follows a symlink out of the tree,
never runs anything from the repository, and says what it skipped.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

from scanner import validate as v
from scanner.collectors.base import (
    ERROR,
    Collected,
    CollectSettings,
    Emitter,
    Problem,
    Target,
)
from scanner.collectors.ci import github_actions, gitlab_ci
from scanner.collectors.ci.model import PULL_REQUEST, PUSH, Job
from scanner.collectors.ci.signals import SIGNALS as CI_SIGNALS
from scanner.collectors.ci.signals import CiReading, emit_ci_signals
from scanner.collectors.ci.tools import Catalogue, load_catalogue
from scanner.collectors.local.git import GitError, GitRepo
from scanner.collectors.local.worktree import WorkTree
from scanner.collectors.repo_files import PRECOMMIT_CONFIG, FileFindings, RepoFiles, deployable
from scanner.collectors.repo_files import SIGNALS as FILE_SIGNALS
from scanner.collectors.tree import RepoTree
from scanner.signals import SignalSpec

#: CI systems recognised by their files but not parsed yet: (system, path pattern).
UNPARSED_CI = (
    ("jenkins", re.compile(r"(^|/)Jenkinsfile(\.[\w-]+)?$")),
    ("circleci", re.compile(r"^\.circleci/config\.ya?ml$")),
    ("azure_pipelines", re.compile(r"^(\.azure-pipelines/.*\.ya?ml|azure-pipelines\.ya?ml)$")),
    ("bitbucket_pipelines", re.compile(r"^bitbucket-pipelines\.ya?ml$")),
    ("travis", re.compile(r"^\.travis\.ya?ml$")),
    ("drone", re.compile(r"^\.drone\.ya?ml$")),
    ("buildkite", re.compile(r"^\.buildkite/pipeline\.ya?ml$")),
    ("woodpecker", re.compile(r"^\.woodpecker(\.ya?ml|/[^/]+\.ya?ml)$")),
    ("aws_codebuild", re.compile(r"^buildspec\.ya?ml$")),
    ("google_cloud_build", re.compile(r"^cloudbuild\.ya?ml$")),
    ("tekton", re.compile(r"^\.tekton/[^/]+\.ya?ml$")),
    ("appveyor", re.compile(r"^\.?appveyor\.ya?ml$")),
    ("cirrus", re.compile(r"^\.cirrus\.ya?ml$")),
    ("semaphore", re.compile(r"^\.semaphore/semaphore\.ya?ml$")),
)
PRE_COMMIT_TOOL = "pre-commit"


class LocalRepoCollector:
    id: ClassVar[str] = "local"
    title: ClassVar[str] = "local git repository"
    signals: ClassVar[tuple[SignalSpec, ...]] = (
        SignalSpec("repo.commits", "int", "Commits reachable from HEAD"),
        *FILE_SIGNALS,
        *CI_SIGNALS,
    )

    @classmethod
    def configure_target(cls, raw: Any, where: v.Where, base: Path) -> Target:
        """`- path: ../api` or just `- ../api`."""
        if isinstance(raw, dict):
            v.keys(raw, where, required=("path",))
            raw = raw["path"]
        path = Path(v.text(raw, where)).expanduser()
        resolved = str(path if path.is_absolute() else (base / path).resolve())
        return cls.target(resolved)

    @staticmethod
    def target(path: str) -> Target:
        return Target("local", path, {"path": path})

    def collect(self, target: Target, settings: CollectSettings) -> Collected:
        collected = Collected()
        path = Path(str(target.options.get("path", target.label))).expanduser()
        try:
            repo = GitRepo(path)
            tracked = repo.tracked_files()
            commits = repo.commit_count()
        except GitError as exc:
            collected.problems.append(Problem(target.label, str(exc), ERROR))
            return collected
        entity = f"repo:{repo.root}"
        collected.entities.append(entity)
        out = Emitter(entity, self.id)
        out.emit("repo.commits", commits, (), None if commits else "no commits yet")
        if not commits:
            collected.problems.append(Problem(
                entity, "the repository has no commits yet; judged on its work tree only"))
        tree = WorkTree(repo.root, tracked, settings.max_file_bytes)
        catalogue = load_catalogue()
        findings = RepoFiles(tree, catalogue, out).collect()
        reading = read_ci(tree, findings, catalogue)
        summary = emit_ci_signals(reading, catalogue,
                                  re.compile(settings.production_pattern), out)
        deployable(findings.service_artifacts, summary.deploys, out)
        collected.evidence.extend(out.evidence)
        for where, why in findings.skipped:
            collected.problems.append(Problem(entity, f"skipped: {why}", locator=where))
        for result in reading.results:
            for where, why in result.unreadable:
                collected.problems.append(Problem(entity, f"CI file skipped: {why}",
                                                  locator=where))
        if summary.gaps:
            reasons = "; ".join(f"{where}: {why}" for where, why in summary.gaps[:3])
            more = f" (and {len(summary.gaps) - 3} more)" if len(summary.gaps) > 3 else ""
            collected.problems.append(Problem(
                entity, "CI evidence is incomplete, so missing CI tools are reported as "
                f"unknown rather than absent: {reasons}{more}"))
        return collected


def read_ci(tree: RepoTree, findings: FileFindings, catalogue: Catalogue) -> CiReading:
    """Parse every CI system the repository uses, and the pre-commit hooks CI runs."""
    reading = CiReading(results=[github_actions.parse(tree), gitlab_ci.parse(tree)])
    for path in tree.paths():
        for system, pattern in UNPARSED_CI:
            if pattern.search(path):
                reading.unparsed_systems.append((system, path))
    hooks = tuple(findings.precommit_references)
    if not hooks:
        return reading
    for job in reading.jobs:
        if any(hit.tool == PRE_COMMIT_TOOL for hit in catalogue.match_job(job)):
            reading.extra_jobs.append(Job(job.system, PRECOMMIT_CONFIG,
                                          f"{job.name} (pre-commit hooks)", job.locator,
                                          job.triggers, hooks))
    if findings.precommit_in_ci_service:
        reading.extra_jobs.append(Job("pre_commit_ci", PRECOMMIT_CONFIG, "pre-commit.ci",
                                      PRECOMMIT_CONFIG, frozenset({PULL_REQUEST, PUSH}), hooks))
    return reading
