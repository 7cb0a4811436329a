"""What every configuration reader shares: files read once, notes, places and chains."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from scanner.collectors.ci.model import COMMAND, Reference, scalar_text
from scanner.collectors.ci.resolve.words import pieces, strip_launchers, words
from scanner.collectors.tree import RepoTree, SkippedFile
from scanner.yaml_source import YamlError, load_yaml

MAX_CONFIG_CHARS = 1_000_000


@dataclass
class Context:
    """One repository's configuration files, each read and parsed at most once."""

    tree: RepoTree
    notes: list[tuple[str, str]] = field(default_factory=list)
    _parsed: dict[tuple[str, str], Any] = field(default_factory=dict)

    def text(self, path: str) -> str | None:
        """A configuration file's text, or None (with a note) when it must not be read."""
        try:
            text = self.tree.read_text(path)
        except SkippedFile as skipped:
            self.note(path, f"not read: {skipped}")
            return None
        if len(text) > MAX_CONFIG_CHARS:
            self.note(path, f"not read: larger than {MAX_CONFIG_CHARS:,} characters")
            return None
        return text

    def parsed(self, path: str, kind: str, parse: Callable[[str], Any]) -> Any:
        """`parse(text)` of a file, cached; None (with a note) when it cannot be parsed.
        `parse` raises ValueError for text it does not accept."""
        key = (path, kind)
        if key not in self._parsed:
            text = self.text(path) if self.tree.has(path) else None
            value = None
            if text is not None:
                try:
                    value = parse(text)
                except (ValueError, RecursionError) as exc:
                    self.note(path, f"not read as {kind}: {exc}")
            self._parsed[key] = value
        return self._parsed[key]

    def yaml(self, path: str) -> Any:
        return self.parsed(path, "YAML", _load_yaml)

    def note(self, locator: str, what: str) -> None:
        if (locator, what) not in self.notes:
            self.notes.append((locator, what))


def _load_yaml(text: str) -> Any:
    try:
        return load_yaml(text)
    except YamlError as exc:
        raise ValueError(str(exc)) from None



def place(locator: str) -> tuple[str, int]:
    """`path:line` -> (path, line); a locator without a line gives line 0."""
    path, _, line = locator.rpartition(":")
    if path and line.isdigit():
        return path, int(line)
    return locator, 0


def chained(reference: Reference) -> tuple[str, ...]:
    """The chain a configuration line is reached through: CI's chain to the tool, then
    the tool's own line."""
    return (*reference.via, reference.locator)


def in_directory(directory: str, path: str) -> str | None:
    """A repository path for `path` as seen from `directory`; None when it leaves the
    repository or is absolute."""
    if not path or path.startswith(("/", "~", "$")):
        return None
    joined = posixpath.normpath(posixpath.join(directory or ".", path))
    if joined == ".":
        return ""
    return None if joined.startswith("..") else joined


def commands(reference: Reference) -> Iterator[tuple[str, list[str]]]:
    """(folder, words) of each simple command a command line runs, launchers removed,
    following its `cd DIR`; nothing after a `cd` that leaves the repository."""
    if reference.kind != COMMAND:
        return
    directory: str | None = reference.directory
    for piece in pieces(reference.value):
        command = words(strip_launchers(piece))
        if command[:1] == ["cd"] and len(command) == 2 and directory is not None:
            directory = in_directory(directory, command[1])
        elif command and directory is not None:
            yield directory, command


def upward(directory: str) -> list[str]:
    """`a/b` -> [`a/b`, `a`, ``]: a folder and every folder above it."""
    folders = [directory.strip("/")] if directory.strip("/.") else []
    while folders and "/" in folders[-1]:
        folders.append(folders[-1].rsplit("/", 1)[0])
    return [*folders, ""]


def step_env(context: Context, reference: Reference) -> dict[str, tuple[str, str]]:
    """The environment a GitHub Actions step sets for the action it uses (workflow, job
    and step `env:`, the nearer winning): name -> (value, locator)."""
    path, line = place(reference.locator)
    data = context.yaml(path) if line else None
    if not isinstance(data, dict):
        return {}
    env = _env(data, path)
    holders: list[Any] = [data.get("runs")] if "runs" in data else \
        list((data.get("jobs") or {}).values()) if isinstance(data.get("jobs"), dict) else []
    for holder in holders:
        if not isinstance(holder, dict) or not isinstance(holder.get("steps"), list):
            continue
        for step in holder["steps"]:
            if isinstance(step, dict) and "uses" in step and \
                    getattr(step, "line_of", lambda _: 0)("uses") == line:
                return {**env, **_env(holder, path), **_env(step, path)}
    return env


def _env(holder: Any, path: str) -> dict[str, tuple[str, str]]:
    env = holder.get("env") if isinstance(holder, dict) else None
    if not isinstance(env, dict):
        return {}
    line_of = getattr(env, "line_of", lambda _: 0)
    return {str(name): (scalar_text(value), f"{path}:{line_of(name)}")
            for name, value in env.items() if not isinstance(value, dict | list)}
