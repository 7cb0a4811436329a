"""How far a collector lets an API lead it: answers read up to a size, listed items followed
up to a ceiling, malformed items never followed, and requests counted against a budget.

An API answer is not trusted to be small or well made: a listing of 300,000 items,
most of them numbers or objects without a name, must cost a bounded number of requests
and say once what was left out, not turn each item into a request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import urlsplit

from scanner.collectors.api import ApiError
from scanner.lazy_patterns import lazy_compile

if TYPE_CHECKING:
    import requests

DEFAULT_MAX_RESPONSE_BYTES = 8_000_000
# What an API's own identifiers look like (hex, UUIDs, PagerDuty's P1A2B3C): safe in a path.
API_ID = lazy_compile(r"[A-Za-z0-9_-]{1,128}")
CHUNK_BYTES = 1 << 16

Item = TypeVar("Item")


class BodyTooLarge(ApiError):
    """An answer longer than the scan reads; nothing of it is used."""


class RequestBudgetSpent(ApiError):
    """The target has spent every request it may send."""


@dataclass
class Budget:
    """The requests a reader may still spend: one repository reading its records page by
    page, or a whole target (then shared by the threads reading it)."""

    limit: int
    spent: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def take(self) -> bool:
        """Spend one request, if one is left."""
        with self._lock:
            if self.spent >= self.limit:
                return False
            self.spent += 1
            return True

    def spend(self) -> None:
        """Spend one request of a target's budget, or fail the request."""
        if not self.take():
            raise RequestBudgetSpent(f"the target's budget of {self.limit:,} requests is "
                                     "spent (max_requests on the target raises it)")

    @property
    def exhausted(self) -> bool:
        with self._lock:
            return self.spent >= self.limit


def cap_bodies(session: requests.Session, max_bytes: int) -> None:
    """Every answer `session` reads whole is read at most `max_bytes` long (decompressed);
    a longer one raises BodyTooLarge before it is held in memory. Streamed downloads
    (archives) are left to their own bound."""
    session.hooks["response"].append(partial(_read_capped, max_bytes=max_bytes))


def _read_capped(response: requests.Response, *args: Any, max_bytes: int,
                 stream: bool = False, **kwargs: Any) -> requests.Response:
    if stream:
        return response
    declared = (response.headers.get("content-length") or "").strip()
    body = bytearray()
    if declared.isdigit() and int(declared) > max_bytes:
        response.close()
        raise _too_large(response, max_bytes)
    for chunk in response.iter_content(CHUNK_BYTES):
        body += chunk
        if len(body) > max_bytes:
            response.close()
            raise _too_large(response, max_bytes)
    # requests keeps a body read in full here; `.content` and `.text` then give it.
    response._content = bytes(body)
    return response


def _too_large(response: requests.Response, max_bytes: int) -> BodyTooLarge:
    path = urlsplit(response.url).path or "/"
    return BodyTooLarge(f"the answer to GET {path} is larger than {_size(max_bytes)} and was "
                        "not read (collect.max_response_bytes raises the limit)")


def _size(count: int) -> str:
    return f"{count / 1_000_000:g} MB" if count >= 1_000_000 else f"{count:,} bytes"


@dataclass(frozen=True)
class Followed(Generic[Item]):
    """The items of a listing that will be followed with requests of their own, and what
    was left out: items not well formed, and well-formed ones past the ceiling."""

    items: list[Item]
    malformed: int = 0
    beyond: int = 0

    def notes(self, listing: str, what: str, *, named_by: str, ceiling_key: str) -> list[str]:
        """One line for each kind of item left out of `listing` (say "the listing"), none
        when nothing was."""
        found: list[str] = []
        if self.malformed:
            found.append(f"skipped {self.malformed:,} malformed items in {listing} (not "
                         f"{what} with a valid {named_by}); none of them was requested")
        if self.beyond:
            found.append(f"{listing} holds {len(self.items) + self.beyond:,} {what}; only "
                         f"the first {len(self.items):,} were read ({ceiling_key} on the "
                         "target raises the limit)")
        return found


def follow(listed: Iterable[Any], well_formed: Callable[[Any], bool], *, ceiling: int,
           wanted: Callable[[Any], bool] = lambda _: True) -> Followed[Any]:
    """The well-formed, wanted items of `listed`, in order, at most `ceiling` of them."""
    items: list[Any] = []
    malformed = beyond = 0
    for item in listed:
        if not well_formed(item):
            malformed += 1
        elif not wanted(item):
            continue
        elif len(items) < ceiling:
            items.append(item)
        else:
            beyond += 1
    return Followed(items, malformed, beyond)
