"""A clone's files and history read into evidence: what the local collector, and a Git
host's collector with `clone: true`, make of a clone on disk.

This module brings in every file detector and CI parser (a fifth of a second to import),
so the local collector imports it only once git is at work on the history.
"""

from __future__ import annotations

from scanner.collectors.analysis import SIGNALS as ANALYSIS_SIGNALS
from scanner.collectors.analysis import RepositoryAnalysis
from scanner.collectors.base import Collected, CollectSettings, Emitter
from scanner.collectors.cadence import FilesRead, History
from scanner.collectors.ci.model import ExternalFiles
from scanner.collectors.local.git import GitRepo
from scanner.collectors.local.history import SIGNALS as HISTORY_SIGNALS
from scanner.collectors.local.worktree import WorkTree
from scanner.signals import SignalSpec

#: Every signal a clone can give.
SIGNALS: tuple[SignalSpec, ...] = (
    SignalSpec("repo.has_commits", "bool", "The repository has at least one commit"),
    *HISTORY_SIGNALS,
    *ANALYSIS_SIGNALS,
)


def read_files(repo: GitRepo, tracked: list[str], *, name: str, source: str,
               settings: CollectSettings, external: ExternalFiles | None = None,
               detect_beside: bool = False) -> FilesRead:
    """A clone's files into evidence for `repo:<name>` and its services; `detect_beside`:
    see `RepositoryAnalysis.run`."""
    found = Collected()
    analysis = RepositoryAnalysis(name, WorkTree(repo.root, tracked, settings.max_file_bytes),
                                  source, settings, found, external=external)
    out = Emitter(analysis.entity, source)
    has_commits = repo.head() is not None
    out.emit("repo.has_commits", has_commits, (), None if has_commits else "no commits yet")
    if not has_commits:
        analysis.note("the repository has no commits yet; judged on its work tree only")
    places = analysis.run(out, detect_beside=detect_beside)
    return FilesRead(found, places, analysis.budget.whole)


def read_clone(repo: GitRepo, tracked: list[str], collected: Collected, *, name: str,
               source: str, settings: CollectSettings, history: History | None,
               external: ExternalFiles | None = None, detect_beside: bool = False) -> None:
    """A clone's files, and its `history` (begun by `read_history`), into `collected`."""
    files = read_files(repo, tracked, name=name, source=source, settings=settings,
                       external=external, detect_beside=detect_beside)
    collected.absorb(files.found)
    files.places.join(history, collected)
