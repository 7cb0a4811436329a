"""What the parts of the delivery detector share: which files are the repository's own
configuration, and the tools found there with the first place each was seen."""

from __future__ import annotations

import re

from scanner.collectors.base import Emitter
from scanner.collectors.files.index import FileIndex
from scanner.lazy_patterns import lazy_compile

VENDORED = lazy_compile(r"(^|/)(node_modules|vendor|bower_components|third_party|\.venv|venv|"
                        r"site-packages)/")
# JSON and YAML files that are package manifests, never deployment configuration.
LOCKFILES = frozenset({"package-lock.json", "npm-shrinkwrap.json", "composer.lock",
                       "Pipfile.lock", "package.json", "tsconfig.json", "composer.json"})


class Found:
    """Tools seen, with the first place each was seen."""

    def __init__(self) -> None:
        self.where: dict[str, str] = {}

    def add(self, tool: str, locator: str) -> None:
        self.where.setdefault(tool, locator)

    def emit(self, out: Emitter, signal: str, negative: str) -> None:
        tools = sorted(self.where)
        out.emit(signal, tools, [self.where[t] for t in tools], None if tools else negative)


def first_line(files: FileIndex, path: str, pattern: re.Pattern[str]) -> str | None:
    """`path:line` of the first line the pattern finds, None when it finds none."""
    for number, line in enumerate((files.text(path) or "").splitlines(), 1):
        if pattern.search(line):
            return f"{path}:{number}"
    return None
