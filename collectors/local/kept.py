"""What a clone's files gave, kept in the user's cache folder while they stay as they were.

Reading a clone's files (the CI, the detectors) is most of a local scan's work, and it
gives the same evidence while the files, the settings and the scanner's code stay the same:
none of it reads the clock. So the reading is kept, one entry per clone, under a digest of
its state, and a later scan in the same state takes the evidence back and reads only the
history, which moves with the clock. The state is:

* every tracked file's path and status (type, size, modification and change times, inode
  and device: any write, `touch`, checkout or replacement changes one), with the text and
  the target's status of a symlink, and the text of every folder on the way that is one;
* HEAD, the settings that shape the reading, and Python's version;
* every file of the scanner's own package and the stamps of the parsers it reads with,
  so an upgraded or edited scanner reads again.

Nothing is kept where a detector from outside the scanner was registered (its code is
not in the digest), when a reading was cut short by its time budget (a
faster run would have read more), or when a file's times are within `RACY_SECONDS` of now
or ahead of it: a change within the same tick of the file system's clock could leave its
status as it was (git calls such an entry "racy"). `collect.reuse_days` bounds an entry's
age; 0, and `maturity scan --fresh`, neither take one back nor keep one. Entries are
compressed JSON, readable by this user only, and read only when this user owns them and
nobody else may write them; one that cannot be read costs a reading, never the scan.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import stat
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import scanner
from scanner.collectors.base import Collected, CollectSettings
from scanner.collectors.cadence import FilesRead, HistoryPlaces
from scanner.collectors.local.git import GitRepo
from scanner.memory import UNREADABLE, packed, unpacked
from scanner.parsed_yaml import (
    MAX_ENTRY_BYTES,
    prune_unused,
    read_entry,
    repository_entry,
    stamp,
    stamps_under,
    write_entry,
)

#: Changes whenever an entry's shape changes, so entries of another shape are never read.
FORMAT = "2"
#: A file changed this recently may change again without its status showing it.
RACY_SECONDS = 3
#: The parsers whose version shapes what a file reads as.
PARSERS = ("yaml", "re2")
_NS = 1_000_000_000


@dataclass(frozen=True)
class CloneState:
    """Where a clone's reading is kept, and the digest of the state it was read in."""

    entry: Path
    digest: str


def clone_state(repo: GitRepo, tracked: Sequence[str], settings: CollectSettings
                ) -> CloneState | None:
    """The clone's state now; None when readings are not kept (`reuse_days: 0`) or a file
    changed too recently to tell a later change from it."""
    if settings.reuse_days <= 0 or _foreign_detectors():
        return None
    try:
        files = _files_digest(str(repo.root), tracked, time.time_ns() - RACY_SECONDS * _NS)
        code = _code_digest()
    except OSError:  # the scanner's own folder cannot be listed: read, not kept
        return None
    if files is None:
        return None
    shaping = replace(settings, reuse_days=0, history_days=0)  # they do not shape it
    parts = [FORMAT.encode(), code, repr(shaping).encode(),
             os.fsencode(str(repo.root)), (repo.head() or "").encode(), files]
    digest = hashlib.sha256(b"\0".join(hashlib.sha256(part).digest() for part in parts))
    return CloneState(repository_entry("clone-readings", repo.root), digest.hexdigest())


def recalled(state: CloneState, settings: CollectSettings, now: datetime) -> FilesRead | None:
    """The reading kept for this state, observed again `now`; None when there is none
    fresh enough, or it cannot be read back."""
    text = read_entry(state.entry)
    if text is None:
        return None
    try:
        data = json.loads(text)
        if data["format"] != FORMAT or data["state"] != state.digest:
            return None
        read_at = datetime.fromisoformat(data["read_at"])
        if not now - timedelta(days=settings.reuse_days) <= read_at <= now:
            return None
        body = unpacked(data["body"])
        found = Collected.from_dict(body["found"])
        places = HistoryPlaces.from_dict(body["places"])
    except (*UNREADABLE, AttributeError, IndexError, RecursionError):
        return None
    found.evidence = [replace(item, observed_at=now) for item in found.evidence]
    return FilesRead(found, places, whole=True)


def keep(state: CloneState, files: FilesRead, now: datetime) -> None:
    """`files` kept for the next scan in the same state, if every part was read whole."""
    if not files.whole:
        return
    try:
        text = json.dumps({"format": FORMAT, "state": state.digest,
                           "read_at": now.isoformat(),
                           "body": packed({"found": files.found.to_dict(),
                                           "places": files.places.to_dict()})})
    except (TypeError, ValueError):  # a value JSON cannot hold: read each time
        return
    if len(text) <= MAX_ENTRY_BYTES and write_entry(state.entry, text):
        prune_unused(state.entry.parent)


def _foreign_detectors() -> bool:
    """Whether a detector from outside the scanner's package was registered (a plug-in or
    a test may register one): its code is not in the digest. One can have been registered
    only where the detectors were imported, so a process that has not imported them is not
    made to."""
    files = sys.modules.get("scanner.collectors.files")
    return files is not None and any(
        not str(getattr(detector.detect, "__module__", "")).startswith("scanner.")
        for detector in files.detectors())


def _files_digest(root: str, tracked: Sequence[str], horizon: int) -> bytes | None:
    """The status of every tracked file and of every symlinked folder on their way, as
    bytes; None when a file's times reach past `horizon` (nanoseconds since the epoch)."""
    lines: list[str] = []
    folders: set[str] = set()
    for path in tracked:
        folder = path.rpartition("/")[0]
        while folder and folder not in folders:
            folders.add(folder)
            folder = folder.rpartition("/")[0]
        line = _status_line(os.path.join(root, path), horizon)
        if line is None:
            return None
        lines.append(f"{path}\0{line}")
    for folder in sorted(folders):
        full = os.path.join(root, folder)
        if os.path.islink(full):
            try:
                lines.append(f"{folder}/\0{os.readlink(full)}")
            except OSError as exc:
                lines.append(f"{folder}/\0{exc.errno}")
    return "\n".join(lines).encode("utf-8", "surrogateescape")


def _status_line(full: str, horizon: int) -> str | None:
    try:
        status = os.lstat(full)
    except OSError as exc:
        return f"missing {exc.errno}"
    line = _status_text(status, horizon)
    if line is None or not stat.S_ISLNK(status.st_mode):
        return line
    try:
        target = os.readlink(full)
        followed = _status_text(os.stat(full), horizon)
    except OSError as exc:
        return f"{line}\0broken {exc.errno}"
    return None if followed is None else f"{line}\0{target}\0{followed}"


def _status_text(status: os.stat_result, horizon: int) -> str | None:
    if max(status.st_mtime_ns, status.st_ctime_ns) >= horizon:
        return None
    return (f"{status.st_mode}\0{status.st_size}\0{status.st_mtime_ns}\0{status.st_ctime_ns}"
            f"\0{status.st_ino}\0{status.st_dev}")


@cache
def _code_digest() -> bytes:
    """Python's version, and the path, size and modification time of every module and
    data file of the scanner's package (following its links to the collectors and rules)
    and of each parser's, as Python names a module's bytecode."""
    stamps = [sys.version, *stamps_under(os.path.dirname(os.path.abspath(scanner.__file__)),
                                         (".py", ".yaml", ".json"))]
    for parser in PARSERS:
        spec = importlib.util.find_spec(parser)
        stamps.append(stamp(spec.origin) if spec and spec.origin else f"{parser}\0none")
    return "\n".join(sorted(stamps)).encode("utf-8", "surrogateescape")
