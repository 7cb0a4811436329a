"""The YAML files one CI system's parse reads, each read once.

Parsers that follow includes (Azure Pipelines templates, GitHub reusable
workflows and local actions) reach the same file many times; it is read and
listed among the result's files the first time only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.collectors.ci.model import ParseResult, read_yaml
from scanner.collectors.tree import RepoTree


def _as_read(data: Any, path: str) -> Any:
    return data


class YamlFiles:
    """`load(path)`: the file's YAML, passed through `prepare(data, path)` once (to stamp
    the file on its nodes, say); None when the file cannot be read, its reason recorded."""

    def __init__(self, tree: RepoTree, result: ParseResult,
                 prepare: Callable[[Any, str], Any] = _as_read) -> None:
        self.tree = tree
        self.result = result
        self.prepare = prepare
        self.loaded: dict[str, Any] = {}

    def load(self, path: str) -> Any:
        if path not in self.loaded:
            self.loaded[path] = self._read(path)
        return self.loaded[path]

    def _read(self, path: str) -> Any:
        read, data = read_yaml(self.tree, path, self.result)
        if not read:
            return None
        if path not in self.result.files:
            self.result.files.append(path)
        return self.prepare(data, path)
