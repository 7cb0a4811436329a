"""Evidence keeps the first MAX_LOCATORS places (strongest first) and counts the rest."""

from __future__ import annotations

from collections.abc import Iterable

from scanner.collectors.base import MAX_LOCATORS
from scanner.evidence import Evidence


def assert_kept(item: Evidence, places: Iterable[str]) -> None:
    expected = tuple(dict.fromkeys(places))
    assert item.locators == expected[:MAX_LOCATORS]
    assert item.occurrences == (len(expected) if len(expected) > MAX_LOCATORS else None)
