"""The history before the window: who committed there (so that the window's other authors
are newcomers), and the newest commit there (the window's start).

Git walks it from where the window's commits lead out of it: their parents before it, or
HEAD when HEAD itself is before it. The walk lists every commit those starting commits
reach, and what it lists depends on nothing else: commits never change. Git's `--until`
drops commits from the listing without changing the walk or its order, so the walk is
asked without it and the window's edge applied here. What the walk says for any later
edge is kept in the user's cache under its starting commits: when each author first
committed, and the commits listed up to the first at or before the edge (the window's
start is the first the listing has by then). A later scan from the same commits (the same
HEAD, no commit crossing the window's edge) takes it back instead of walking again: on a
repository of 38,000 commits, 0.6 s of git. Authors are kept as digests of their emails,
never the emails.

Nothing is kept for a repository where git may see history otherwise than its commits
say (replace refs, grafts, or a ref store this does not read), nor for a shallow clone,
which is not walked at all, nor without reuse (`collect.reuse_days: 0`, `--fresh`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from scanner.collectors.local.git import GitRepo, run_git
from scanner.memory import UNREADABLE
from scanner.parsed_yaml import prune_unused, read_entry, repository_entry, write_entry

#: Changes whenever an entry's shape or the walk asked changes.
FORMAT = "1"
WALK_FORMAT = "--format=%H %ct %ae"
#: packed-refs files larger than this are not searched for replace refs: nothing is kept.
MAX_PACKED_REFS_BYTES = 50_000_000


@dataclass(frozen=True)
class Earlier:
    """`start`: the newest commit before the window ('' when there is none); `authors`:
    `author_key` of the email of everyone who committed before it."""

    start: str
    authors: frozenset[str]


NOTHING_EARLIER = Earlier("", frozenset())


def author_key(email: str) -> str:
    """What an author is known by outside memory: a digest of the email, lowercased."""
    return hashlib.sha256(email.strip().lower().encode("utf-8", "surrogateescape")
                          ).hexdigest()[:24]


def earlier(repo: GitRepo, starts: set[str], until: int, *, reuse: bool = True) -> Earlier:
    """What the commits `starts` reach, committed at or before `until` (seconds since the
    epoch, as git's `--until` compares), say; `reuse`: from and into the user's cache."""
    if not starts:
        return NOTHING_EARLIER
    ordered = sorted(starts)
    key = hashlib.sha256("\n".join([FORMAT, WALK_FORMAT, *ordered]).encode()).hexdigest()
    entry = repository_entry("history-walks", repo.root)
    kept_here = reuse and not _history_replaced(repo.common_dir)
    walk = _recalled(entry, key) if kept_here else None
    said = walk.at(until) if walk is not None else None
    if said is not None:
        return said
    walk = _walked(repo, ordered, until)
    if kept_here and write_entry(entry, json.dumps(
            {"format": FORMAT, "key": key, "edge": walk.edge, "leading": walk.leading,
             "first_commits": walk.first_commits}, separators=(",", ":"))):
        prune_unused(entry.parent)
    return walk.at(until) or NOTHING_EARLIER


@dataclass(frozen=True)
class _Walk:
    """What a walk says for an edge at or after `edge` (and for some before it): its
    commits (id, commit time) in git's order as far as the first committed at or before
    `edge`, and when each author first committed."""

    edge: int
    leading: list[tuple[str, int]]
    first_commits: dict[str, int]

    def at(self, until: int) -> Earlier | None:
        """None when the commits kept do not reach one committed by `until`, though the
        walk has more."""
        start = next((sha for sha, committed in self.leading if committed <= until), None)
        if start is None and any(first <= until for first in self.first_commits.values()):
            return None
        return Earlier(start or "", frozenset(author for author, first
                                              in self.first_commits.items()
                                              if first <= until and author))


def _walked(repo: GitRepo, starts: list[str], edge: int) -> _Walk:
    listing = run_git(repo.root, "log", WALK_FORMAT, "--stdin",
                      stdin="".join(f"{start}\n" for start in starts).encode())
    leading: list[tuple[str, int]] = []
    by_email: dict[str, int] = {}  # each email's first commit: few emails, many commits
    reached = False
    for line in listing.decode("utf-8", "replace").splitlines():
        sha, _, rest = line.partition(" ")
        committed_text, _, email = rest.partition(" ")
        if not sha or not committed_text.isdigit():
            continue
        committed = int(committed_text)
        if not reached:
            leading.append((sha, committed))
            reached = committed <= edge
        if committed < by_email.get(email, committed + 1):
            by_email[email] = committed
    first_commits: dict[str, int] = {}
    for email, first in by_email.items():
        author = author_key(email) if email.strip() else ""
        first_commits[author] = min(first, first_commits.get(author, first))
    return _Walk(edge, leading, first_commits)


def _recalled(entry: Path, key: str) -> _Walk | None:
    text = read_entry(entry)
    if text is None:
        return None
    try:
        data = json.loads(text)
        if data["format"] != FORMAT or data["key"] != key:
            return None
        return _Walk(int(data["edge"]),
                     [(str(sha), int(committed)) for sha, committed in data["leading"]],
                     {str(author): int(first) for author, first
                      in data["first_commits"].items()})
    except (*UNREADABLE, AttributeError, IndexError, RecursionError):
        return None


def _history_replaced(common: Path) -> bool:
    """Whether git may see history otherwise than its commits say: replace refs (loose or
    packed) or grafts, or a ref store this does not read (reftable)."""
    if (common / "info" / "grafts").exists() or (common / "reftable").exists():
        return True
    try:
        if any((common / "refs" / "replace").iterdir()):
            return True
    except FileNotFoundError:
        pass
    except OSError:
        return True
    try:
        with open(common / "packed-refs", "rb") as packed:
            text = packed.read(MAX_PACKED_REFS_BYTES + 1)
    except FileNotFoundError:
        return False
    except OSError:
        return True
    return len(text) > MAX_PACKED_REFS_BYTES or b" refs/replace/" in text
