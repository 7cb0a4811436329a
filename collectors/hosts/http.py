"""What the Git-host API clients share: refusals remembered between scans, conditional
GETs, and pages (followed by their Link headers)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from scanner.collectors.api import Answer
from scanner.collectors.bounds import Budget
from scanner.memory import UNREADABLE, Memory, Remembered

CHUNK_BYTES = 1 << 16
MAX_PAGES = 50
# Ceilings of one target (configurable on it): repositories read, and requests sent in all.
DEFAULT_MAX_REPOSITORIES = 2_000
DEFAULT_MAX_REQUESTS = 30_000
REFUSED = "refused:"
# A feature the token may not read is asked again after this long, not on every scan.
REFUSAL_DAYS = 7


def read_pages(first: str, page: Callable[[str], tuple[Answer, str | None]], *, limit: int,
               until: Callable[[Any], bool] | None = None,
               budget: Budget | None = None) -> tuple[Answer, bool]:
    """Every item of a paginated list from `first` on, up to `limit` (in at most MAX_PAGES
    pages, or as many as `limit` needs at 100 a page), and whether the list was read to
    its end.

    `page` answers one page and the URL of the next; `until`: no further page is asked
    for once an item satisfies it (a list sorted newest first, read back to a date);
    `budget`: each page spends a request of it, and the reading stops when none is left.
    A refusal of the first page is the answer; of a later one, what came before it.
    """
    items: list[Any] = []
    url: str | None = first
    for _ in range(max(MAX_PAGES, limit // 100 + 1)):
        if url is None or len(items) >= limit or (budget is not None and not budget.take()):
            break
        answer, url = page(url)
        if not answer.ok:
            return (answer, False) if not items else (Answer(200, items[:limit]), False)
        found = answer.data if isinstance(answer.data, list) else [answer.data]
        items += found
        if until is not None and any(until(item) for item in found):
            url = None
    return Answer(200, items[:limit]), url is None and len(items) <= limit


def refused_before(memory: Memory, kept: dict[str, Remembered], key: str) -> Answer | None:
    """A refusal (a feature off, no permission) seen within REFUSAL_DAYS, kept for the next
    scan too; None when it should be asked again. Refusals carry no ETag, so re-asking would
    cost a full request on every scan."""
    before = memory.get(key)
    if before is None or not before.etag.startswith(REFUSED):
        return None
    seen = datetime.fromisoformat(before.etag.removeprefix(REFUSED))
    if datetime.now(UTC) - seen > timedelta(days=REFUSAL_DAYS):
        return None
    try:
        stored = json.loads(before.body)
        answer = Answer(int(stored["status"]), stored["data"], str(stored["message"]))
    except UNREADABLE:
        return None  # damaged in the store: asked again
    kept[key] = before
    return answer


def remember_refusal(kept: dict[str, Remembered], key: str, answer: Answer) -> None:
    kept[key] = Remembered(f"{REFUSED}{datetime.now(UTC).isoformat()}",
                           json.dumps({"status": answer.status, "data": answer.data,
                                       "message": answer.message}))


@dataclass(frozen=True)
class Seen:
    """A resource kept from an earlier answer, with its body read back (a page's is
    {"items": [...], "next": ...})."""

    kept: Remembered
    data: Any


def seen_before(before: Remembered | None, *, page: bool = False) -> Seen | None:
    """What was kept of a resource; None when nothing was, or what was kept cannot be
    read back (damaged in the store, or kept in another form by an older scanner): the
    resource is then asked for in full rather than conditionally."""
    if before is None or before.etag.startswith(REFUSED):
        return None
    try:
        data = json.loads(before.body)
    except ValueError:
        return None
    if page and not (isinstance(data, dict) and isinstance(data.get("items"), list)):
        return None
    return Seen(before, data)


def conditional(seen: Seen | None) -> dict[str, str]:
    """The header that turns a GET of something seen before into a possible 304."""
    return {"If-None-Match": seen.kept.etag} if seen is not None else {}


def next_link(link: str | None) -> str | None:
    """The `rel="next"` URL of an RFC 8288 Link header."""
    for part in (link or "").split(","):
        target, _, rest = part.partition(";")
        if 'rel="next"' in rest.replace(" ", ""):
            return target.strip().strip("<>")
    return None

