"""Collects evidence from a git clone on disk, offline and read-only.

It reads only files git tracks, never follows a symlink out of the tree,
never runs anything from the repository, and says what it skipped. What the files gave is
kept until they change (`kept.py`); the history is read every time.

This module stays light: the process that only names targets imports it, and the one
that collects begins the history before it imports the file detectors (`clone.py`).
"""

from __future__ import annotations

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
from scanner.collectors.local.git import GitError, GitRepo
from scanner.collectors.local.history import read_history
from scanner.collectors.local.kept import clone_state, keep, recalled
from scanner.evidence import now_utc
from scanner.memory import NO_MEMORY, Memory
from scanner.printable import legible
from scanner.signals import SignalSpec


class _DeclaredSignals:
    """The collector's signals, read from their declarations when first asked for: every
    file detector declares some, and importing them all costs a fifth of a second that a
    process naming targets does not need (the catalogue keeps them, `registry.catalogue`)."""

    def __get__(self, instance: object, owner: type) -> tuple[SignalSpec, ...]:
        from scanner.collectors.local.clone import SIGNALS

        return SIGNALS


class LocalRepoCollector:
    id: ClassVar[str] = "local"
    title: ClassVar[str] = "local git repository"
    signals: ClassVar[tuple[SignalSpec, ...]] = _DeclaredSignals()  # type: ignore[assignment]
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
        name, now = str(repo.root), now_utc()
        # The history first, read beside this process while it imports what reads the files.
        history = read_history(repo, settings.history_days, now,
                               Emitter(f"repo:{name}", self.id), beside=True,
                               reuse=settings.reuse_days > 0)
        state = clone_state(repo, tracked, settings)
        files = recalled(state, settings, now) if state is not None else None
        if files is None:
            from scanner.collectors.local.clone import read_files

            files = read_files(repo, tracked, name=name, source=self.id, settings=settings,
                               detect_beside=True)
            if state is not None:
                keep(state, files, now)
        collected.absorb(files.found)
        files.places.join(history, collected)
        return collected
