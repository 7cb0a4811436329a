"""Answers read only through the keys their call declares.

Next to each API call a collector names the keys it reads from the answer, as paths:
`Canaries[].Status.State` (`[]` is each item of a list, `*` any key of a map). The
answer reaches the code as a read-only view that refuses every other key, and the
contract tests hold the same declarations against the vendors' published schemas: the
list that is checked is the list the code is allowed to use, so the two cannot drift.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

ANY_KEY = "*"
EACH = "[]"


class Undeclared(Exception):
    """The code read a key (or passed a parameter) that its call does not declare: a
    programming error, never a property of the data."""


def prefixes(paths: tuple[str, ...]) -> frozenset[str]:
    """Every path and each of its leading parts: `a[].b` gives `a`, `a[]`, `a[].b`."""
    found: set[str] = set()
    for path in paths:
        parts = path.split(".")
        for end in range(1, len(parts) + 1):
            head = ".".join(parts[:end])
            found.add(head)
            if head.endswith(EACH):
                found.add(head.removesuffix(EACH))
    return frozenset(found)


def view(data: Any, allowed: frozenset[str], owner: str, at: str = "") -> Any:
    """`data` as the code may read it, at path `at` of the answer."""
    if isinstance(data, Mapping):
        return View(data, allowed, owner, at)
    if isinstance(data, list):
        return [view(item, allowed, owner, f"{at}{EACH}") for item in data]
    return data


class View(Mapping[str, Any]):
    """A mapping of the answer that shows only the declared keys."""

    __slots__ = ("_allowed", "_at", "_data", "_owner")

    def __init__(self, data: Mapping[str, Any], allowed: frozenset[str], owner: str,
                 at: str = "") -> None:
        self._data, self._allowed, self._owner, self._at = data, allowed, owner, at

    def _path(self, key: str) -> str | None:
        prefix = f"{self._at}." if self._at else ""
        for path in (f"{prefix}{key}", f"{prefix}{ANY_KEY}"):
            if path in self._allowed:
                return path
        return None

    def __getitem__(self, key: str) -> Any:
        path = self._path(key)
        if path is None:
            where = f"{self._at}.{key}" if self._at else key
            raise Undeclared(f"{self._owner} reads {where}, which it does not declare")
        return view(self._data[key], self._allowed, self._owner, path)

    def __iter__(self) -> Iterator[str]:
        return (key for key in self._data if self._path(key) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"View({self._owner} at {self._at or 'the answer'}: {dict(self)!r})"
