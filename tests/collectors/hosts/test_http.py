"""Paginated lists read to the limit a target asks for, however many pages that takes."""

from __future__ import annotations

from collections.abc import Callable

from scanner.collectors.api import Answer
from scanner.collectors.hosts.http import MAX_PAGES, read_pages

Page = Callable[[str], tuple[Answer, str | None]]


def pages_of(total: int, size: int = 100) -> tuple[list[str], Page]:
    asked: list[str] = []

    def page(url: str) -> tuple[Answer, str | None]:
        asked.append(url)
        start = int(url.rpartition("=")[2])
        end = min(total, start + size)
        return Answer(200, list(range(start, end))), \
            f"list?from={end}" if end < total else None

    return asked, page


def test_an_organisation_of_twelve_thousand_is_read_whole_when_the_limit_allows() -> None:
    asked, page = pages_of(12_000)
    answer, whole = read_pages("list?from=0", page, limit=24_000)
    assert whole and len(answer.data) == 12_000 and len(asked) == 120


def test_the_usual_limit_still_stops_at_its_pages() -> None:
    asked, page = pages_of(12_000)
    answer, whole = read_pages("list?from=0", page, limit=100 * MAX_PAGES)
    assert not whole and len(answer.data) == 100 * MAX_PAGES and len(asked) == MAX_PAGES
