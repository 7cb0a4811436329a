"""The scanner's own regular expressions, compiled where first used rather than on import.

The process that reads a clone imports some three hundred of them with the file
detectors and CI readers, and a repository uses fewer than half: compiling the others
took 0.03 s of that process's start, which lies on the longest path of a local scan.
`lazy_compile` stands in for `re.compile` where a module keeps a pattern: the first
attribute asked of it compiles the pattern and keeps the compiled pattern's methods on
it, so that every later call is the compiled pattern's own, with nothing in between.
"""

from __future__ import annotations

import re
from typing import Any, cast

# What is kept of the compiled pattern once it is made: its methods and attributes.
_KEPT = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split",
         "pattern", "flags", "groups", "groupindex", "scanner")


class LazyPattern:
    """A pattern compiled when first used. It is not an `re.Pattern` for `isinstance`, and
    it equals only itself."""

    def __init__(self, source: str, flags: int) -> None:
        self._source = (source, flags)

    def __getattr__(self, name: str) -> Any:
        if name == "_source" or name.startswith("__"):  # a copy being made, asking for
            raise AttributeError(name)  # its source before it is set, or for `__deepcopy__`
        compiled = re.compile(*self._source)
        for attribute in _KEPT:
            setattr(self, attribute, getattr(compiled, attribute))
        return getattr(compiled, name)

    def __reduce__(self) -> tuple[Any, tuple[str, int]]:
        return lazy_compile, self._source

    def __repr__(self) -> str:
        return f"lazy_compile({self._source[0]!r}, {self._source[1]})"


def lazy_compile(source: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(source, flags)`, done when the pattern is first used."""
    return cast(re.Pattern[str], LazyPattern(source, flags))
