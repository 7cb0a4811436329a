"""The files of one repository, however they are reached.

Parsers read repository files only through `RepoTree`, so the same parser
serves a local work tree and (later) a Git host's API.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from typing import Any, Protocol


class SkippedFile(Exception):
    """A file that was not read: binary, too large, a symlink out of the tree, unreadable."""


class RepoTree(Protocol):
    def paths(self) -> Sequence[str]:
        """Repository-relative POSIX paths of the tracked files."""
        ...

    def has(self, path: str) -> bool:
        """Whether the tree tracks this exact path."""
        ...

    def read_text(self, path: str) -> str:
        """The file's text; raises SkippedFile with a reason when it must not be read."""
        ...


class SubTree:
    """One folder of a tree, seen as a tree of its own (a service inside a monorepo).

    Paths are relative to the folder, so detectors written for a repository root
    work unchanged; `prefix` turns their locators back into repository paths.
    """

    def __init__(self, tree: RepoTree, prefix: str) -> None:
        self.tree = tree
        self.prefix = prefix.rstrip("/") + "/" if prefix.strip("/.") else ""
        self._paths = [p[len(self.prefix):] for p in tree.paths() if p.startswith(self.prefix)]

    def paths(self) -> Sequence[str]:
        return self._paths

    def has(self, path: str) -> bool:
        return self.tree.has(self.prefix + path)

    def read_text(self, path: str) -> str:
        return self.tree.read_text(self.prefix + path)


class ReadRecorder:
    """A tree that remembers the last file read through it: the file a failing parser was
    on, for the warning that names it.  `external` reads other repositories' files where
    the scan has a Git host's access (see `ci.model.ExternalFiles`)."""

    def __init__(self, tree: RepoTree, external: Any = None) -> None:
        self.tree = tree
        self.external = external
        self.last_read: str | None = None

    def paths(self) -> Sequence[str]:
        return self.tree.paths()

    def has(self, path: str) -> bool:
        return self.tree.has(path)

    def read_text(self, path: str) -> str:
        self.last_read = path
        return self.tree.read_text(path)


def matching(tree: RepoTree, *patterns: str) -> list[str]:
    """Paths matching any glob (fnmatch; `*` crosses folders), in tree order."""
    return [p for p in tree.paths() if any(fnmatch.fnmatchcase(p, pat) for pat in patterns)]


def in_folder(tree: RepoTree, folder: str, *suffixes: str) -> list[str]:
    """Files directly inside `folder` (not in sub-folders) with one of the suffixes."""
    prefix = folder.rstrip("/") + "/"
    return [p for p in tree.paths()
            if p.startswith(prefix) and "/" not in p[len(prefix):] and p.endswith(suffixes)]


def looks_binary(data: bytes) -> bool:
    return b"\x00" in data[:8192]


def file_text(data: bytes) -> str:
    """A file's bytes as text, or SkippedFile saying why they are not (binary, not UTF-8)."""
    if looks_binary(data):
        raise SkippedFile("binary content")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SkippedFile("not UTF-8 text") from None
