"""What the Git-host API clients share: their answers and errors, refusals remembered
between scans, and the small pieces of HTTP both speak (queries, JSON, Link headers)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from scanner.memory import Memory, Remembered

CHUNK_BYTES = 1 << 16
MAX_PAGES = 50
REFUSED = "refused:"
# A feature the token may not read is asked again after this long, not on every scan.
REFUSAL_DAYS = 7


class HostError(Exception):
    """A request failed for good (after retries); the message is one line, token-free."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Answer:
    """A JSON answer: `status` 200 (fresh or from a 304), or a refusal (401/403/404/410…)."""

    status: int
    data: Any
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200


def read_pages(first: str, page: Callable[[str], tuple[Answer, str | None]], *, limit: int,
               until: Callable[[Any], bool] | None = None) -> Answer:
    """Every item of a paginated list from `first` on, up to `limit` (at most MAX_PAGES).

    `page` answers one page and the URL of the next; `until`: no further page is asked
    for once an item satisfies it (a list sorted newest first, read back to a date).
    A refusal of the first page is the answer; of a later one, what came before it.
    """
    items: list[Any] = []
    url: str | None = first
    for _ in range(MAX_PAGES):
        if url is None or len(items) >= limit:
            break
        answer, url = page(url)
        if not answer.ok:
            return answer if not items else Answer(200, items[:limit])
        found = answer.data if isinstance(answer.data, list) else [answer.data]
        items += found
        if until is not None and any(until(item) for item in found):
            break
    return Answer(200, items[:limit])


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
    kept[key] = before
    stored = json.loads(before.body)
    return Answer(int(stored["status"]), stored["data"], str(stored["message"]))


def remember_refusal(kept: dict[str, Remembered], key: str, answer: Answer) -> None:
    kept[key] = Remembered(f"{REFUSED}{datetime.now(UTC).isoformat()}",
                           json.dumps({"status": answer.status, "data": answer.data,
                                       "message": answer.message}))


def conditional(before: Remembered | None) -> dict[str, str]:
    """The header that turns a GET of something seen before into a possible 304."""
    if before is None or before.etag.startswith(REFUSED):
        return {}
    return {"If-None-Match": before.etag}


def with_query(path: str, params: Mapping[str, Any] | None) -> str:
    """`path` with `params` appended in a stable order (a list repeats its key), so the
    same request has the same URL, and so the same remembered ETag, scan after scan."""
    if not params:
        return path
    query = urlencode(sorted(params.items()), doseq=True)
    return f"{path}{'&' if '?' in path else '?'}{query}"


def parse_json(body: bytes | str) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def next_link(link: str | None) -> str | None:
    """The `rel="next"` URL of an RFC 8288 Link header."""
    for part in (link or "").split(","):
        target, _, rest = part.partition(";")
        if 'rel="next"' in rest.replace(" ", ""):
            return target.strip().strip("<>")
    return None


def redacted(error: Exception, token: str) -> str:
    """An error's first line, with the token taken out should a library echo it."""
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text.replace(token, "***") if token else text


def when(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def nodes(connection: Any) -> list[dict[str, Any]] | None:
    """The nodes of a GraphQL connection; None when the connection itself is null."""
    if not isinstance(connection, dict):
        return None
    return [n for n in connection.get("nodes") or [] if isinstance(n, dict)]
