"""Collects evidence from a git clone on disk, offline and read-only.

It reads only files git tracks, never follows a symlink out of the tree,
never runs anything from the repository, and says what it skipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from scanner import validate as v
from scanner.collectors.analysis import SIGNALS as ANALYSIS_SIGNALS
from scanner.collectors.analysis import RepositoryAnalysis
from scanner.collectors.base import (
    ERROR,
    Collected,
    CollectSettings,
    Emitter,
    Problem,
    Target,
)
from scanner.collectors.ci.model import ExternalFiles
from scanner.collectors.local.git import GitError, GitRepo
from scanner.collectors.local.history import SIGNALS as HISTORY_SIGNALS
from scanner.collectors.local.history import read_history
from scanner.collectors.local.worktree import WorkTree
from scanner.evidence import now_utc
from scanner.memory import NO_MEMORY, Memory
from scanner.printable import legible
from scanner.signals import SignalSpec


class LocalRepoCollector:
    id: ClassVar[str] = "local"
    title: ClassVar[str] = "local git repository"
    signals: ClassVar[tuple[SignalSpec, ...]] = (
        SignalSpec("repo.has_commits", "bool", "The repository has at least one commit"),
        *HISTORY_SIGNALS,
        *ANALYSIS_SIGNALS,
    )
    forgetful: ClassVar[bool] = True

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
        """The path opens the clone; the label names it in the store and reports, so a
        folder name that is not UTF-8 is escaped there."""
        return Target("local", legible(path), {"path": path})

    def collect(self, target: Target, settings: CollectSettings,
                memory: Memory = NO_MEMORY) -> Collected:
        collected = Collected()
        path = Path(str(target.options.get("path", target.label))).expanduser()
        try:
            repo = GitRepo(path)
            tracked = repo.tracked_files()
        except GitError as exc:
            collected.problems.append(Problem(target.label, str(exc), ERROR))
            return collected
        read_clone(repo, tracked, collected, name=str(repo.root), source=self.id,
                   settings=settings, history_beside=True)
        return collected


def read_clone(repo: GitRepo, tracked: list[str], collected: Collected, *, name: str,
               source: str, settings: CollectSettings,
               external: ExternalFiles | None = None, history_beside: bool = False) -> None:
    """A clone's files and history into evidence for `repo:<name>` and its services.

    `history_beside`: the history read in a forked copy of this process (`read_history`),
    for a caller that reads one clone at a time; a Git host's clones are read by many
    threads at once, which already keep the cores busy and make a fork unsafe."""
    analysis = RepositoryAnalysis(name, WorkTree(repo.root, tracked, settings.max_file_bytes),
                                  source, settings, collected, external=external)
    out = Emitter(analysis.entity, source)
    has_commits = repo.head() is not None
    out.emit("repo.has_commits", has_commits, (), None if has_commits else "no commits yet")
    if not has_commits:
        analysis.note("the repository has no commits yet; judged on its work tree only")
    analysis.run(out, read_history(repo, settings.history_days, now_utc(), out,
                                   beside=history_beside) if has_commits else None)


