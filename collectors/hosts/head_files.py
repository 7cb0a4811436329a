"""A repository's files at its head, read from an archive of the head (what they gave is
recalled while the head has not moved since the last scan) or from a shallow clone, and
single files of other repositories that its CI calls, read through the host's API."""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from scanner.collectors.analysis import RepositoryAnalysis
from scanner.collectors.api import Answer
from scanner.collectors.base import ERROR, Collected, CollectSettings, Emitter, Problem
from scanner.collectors.ci.model import ExternalFiles
from scanner.collectors.hosts.archive import ArchiveTooLarge, ArchiveTree
from scanner.collectors.hosts.reuse import RepositoryResult
from scanner.collectors.local.clone import read_clone
from scanner.collectors.local.git import GitError, GitRepo, clone
from scanner.collectors.local.history import read_history
from scanner.collectors.tree import SkippedFile, file_text
from scanner.evidence import now_utc
from scanner.memory import UNREADABLE, Memory, Remembered, packed, unpacked

FILES_KEY = "tree {name}@{sha}"
# The largest file of another repository read for a CI configuration that calls it.
MAX_CALLED_FILE_BYTES = 512_000


@dataclass(frozen=True)
class HeadFiles:
    """Where a repository's files at its head come from."""

    name: str  # host/path, as entities name it
    source: str  # the collector's id
    head_sha: str
    archive: Callable[[], Iterator[bytes]]  # the head's tarball, chunk by chunk
    clone_url: str
    clone_auth_header: str  # sent by git through its environment, never on a command line
    clean: Callable[[Exception], str]  # an error's text with the token taken out
    # Other repositories' CI configuration that this one calls, read through the host.
    external: ExternalFiles | None = None


class CloneFailed(Exception):
    """The clone failed; the message is one line and holds no token."""


def read_head_files(files: HeadFiles, settings: CollectSettings, memory: Memory,
                    now: datetime, *, as_clone: bool, result: RepositoryResult) -> None:
    """The files at the head through the same analysis as a local clone.

    From the archive, what they gave is remembered under the head's sha and reused
    while the head stays put; a clone (history included) is not, since history signals
    move with the window (the whole repository's reuse is bounded in time).
    """
    if as_clone:
        since = now - timedelta(days=settings.history_days)
        result.collected.absorb(_cloned(files, settings, since))
        return
    key = FILES_KEY.format(name=files.name, sha=files.head_sha)
    before = memory.get(key)
    recalled = _recalled(before, now) if before is not None else None
    if before is not None and recalled is not None:
        result.collected.absorb(recalled)
        result.remembered[key] = before
        return
    found = Collected()
    entity = f"repo:{files.name}"
    try:
        with ArchiveTree(files.archive(), settings.max_file_bytes) as tree:
            analysis = RepositoryAnalysis(files.name, tree, files.source, settings, found,
                                          external=files.external)
            analysis.run(Emitter(analysis.entity, files.source))  # no history to join
    except ArchiveTooLarge as exc:
        found.entities.append(entity)
        found.problems.append(Problem(entity, f"files not read: the archive is {exc}", ERROR))
    result.collected.absorb(found)
    result.remembered[key] = Remembered(files.head_sha, packed(found.to_dict()))


def called_file_text(answer: Answer) -> str | None:
    """The text of a file as the hosts' file APIs give it (base64 `content`), or None when
    the answer holds no such file, it is too large, or it is not text."""
    data = answer.data if answer.ok else None
    if not isinstance(data, dict) or data.get("encoding") != "base64" or \
            not isinstance(data.get("content"), str) or \
            len(data["content"]) > MAX_CALLED_FILE_BYTES * 2:
        return None
    try:
        return file_text(base64.b64decode(data["content"]))
    except (ValueError, SkippedFile):
        return None


def _cloned(files: HeadFiles, settings: CollectSettings, since: datetime) -> Collected:
    found = Collected()
    with tempfile.TemporaryDirectory(prefix="maturity-clone-") as folder:
        path = Path(folder) / "repo"
        try:
            clone(files.clone_url, path, since=since.date(),
                  auth_header=files.clone_auth_header)
            repo = GitRepo(path)
            history = read_history(repo, settings.history_days, now_utc(),
                                   Emitter(f"repo:{files.name}", files.source), beside=False,
                                   reuse=False)  # a clone in a temporary folder
            read_clone(repo, repo.tracked_files(), found, name=files.name,
                       source=files.source, settings=settings, history=history,
                       external=files.external)
        except GitError as exc:
            raise CloneFailed(f"clone failed: {files.clean(exc)}") from None
    return found


def _recalled(before: Remembered, now: datetime) -> Collected | None:
    """What the files gave at this same commit last time: still true, observed again;
    None when what was kept cannot be read back (the files are read again)."""
    try:
        found = Collected.from_dict(unpacked(before.body))
    except UNREADABLE:
        return None
    found.evidence = [replace(item, observed_at=now) for item in found.evidence]
    return found
