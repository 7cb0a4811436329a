"""What every collector that reads a web API answers with: a final answer or a refusal,
an error for a request that failed for good, and the small pieces of HTTP they share."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from scanner.collectors.structured import load_json
from scanner.credentials import redact, remember


class ApiError(Exception):
    """A request failed for good (retries spent, a wait too long, the server unreachable).

    The message is one line and carries no secret: it often quotes the API's own words,
    untrusted text that may echo the request's credentials.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(redact(message))
        self.status = status


@dataclass(frozen=True)
class Answer:
    """A final answer: 2xx with its JSON (a 304 is given as the 200 it confirms), or a
    refusal (401/403/404/410…) with a short message, masked as it is made: the API's words
    in it may echo the request's credentials."""

    status: int
    data: Any
    message: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", redact(self.message))

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def redacted(text: object, secrets: Iterable[str]) -> str:
    """`text` (an error, a message) on one line, with `secrets` and every credential the
    process knows taken out (before the cut to one line)."""
    remember(*secrets)
    whole = redact(str(text))
    return whole.splitlines()[0] if whole else type(text).__name__


def parse_json(body: bytes | str) -> Any:
    try:
        return load_json(body) if body else None
    except ValueError:
        return None


def with_query(path: str, params: Mapping[str, Any] | None) -> str:
    """`path` with `params` appended in a stable order (a list repeats its key), so the
    same request has the same URL, and so the same remembered ETag, scan after scan."""
    if not params:
        return path
    query = urlencode(sorted(params.items()), doseq=True)
    return f"{path}{'&' if '?' in path else '?'}{query}"


def parse_time(text: Any) -> datetime | None:
    """An ISO 8601 timestamp as an aware datetime (UTC when it names no zone)."""
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
