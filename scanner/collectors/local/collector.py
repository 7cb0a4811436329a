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
from scanner.collectors.ci.delegated import read_ci
from scanner.collectors.ci.signals import SIGNALS as CI_SIGNALS
from scanner.collectors.ci.signals import emit_ci_signals
from scanner.collectors.ci.tools import load_catalogue
from scanner.collectors.local.git import GitError, GitRepo
from scanner.collectors.local.history import SIGNALS as HISTORY_SIGNALS
from scanner.collectors.local.history import collect_history
from scanner.collectors.local.worktree import WorkTree
from scanner.collectors.repo_files import SIGNALS as FILE_SIGNALS
from scanner.collectors.repo_files import RepoFiles, deployable, iac_applied
from scanner.evidence import now_utc
from scanner.signals import SignalSpec


class LocalRepoCollector:
    id: ClassVar[str] = "local"
    title: ClassVar[str] = "local git repository"
    signals: ClassVar[tuple[SignalSpec, ...]] = (
        SignalSpec("repo.has_commits", "bool", "The repository has at least one commit"),
        *HISTORY_SIGNALS,
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
            has_commits = repo.head() is not None
        except GitError as exc:
            collected.problems.append(Problem(target.label, str(exc), ERROR))
            return collected
        entity = f"repo:{repo.root}"
        collected.entities.append(entity)
        out = Emitter(entity, self.id)
        out.emit("repo.has_commits", has_commits, (), None if has_commits else "no commits yet")
        if has_commits:
            for note in collect_history(repo, settings.history_days, out, now_utc()):
                collected.problems.append(Problem(entity, note))
        else:
            collected.problems.append(Problem(
                entity, "the repository has no commits yet; judged on its work tree only"))
        tree = WorkTree(repo.root, tracked, settings.max_file_bytes)
        catalogue = load_catalogue()
        findings = RepoFiles(tree, catalogue, out).collect()
        reading = read_ci(tree, catalogue, findings.precommit_references,
                          findings.precommit_in_ci_service)
        summary = emit_ci_signals(reading, catalogue,
                                  re.compile(settings.production_pattern), out)
        deployable(findings.service_artifacts, summary.deploys, out)
        iac_applied(findings.iac, summary.iac_applied, out)
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
