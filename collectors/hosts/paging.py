"""A repository's records read over the whole window, page by page, within a request budget.

Git hosts list records newest first, a page at a time: GraphQL connections with
cursors (`pageInfo { hasNextPage endCursor }`), REST lists with `Link` headers.
Each kind of record is read back to the window's start; one repository spends
at most its budget of requests on them. When the budget runs out first, a kind
is complete only back to the oldest record read (its *cut*), and whatever is
computed from it counts over that span, never over the whole window.

GraphQL queries page every connection the same way on both hosts: the whole
query runs once, then the same document again with `$whole: false`, each
connection still unfinished switched on by a variable named as its key in the
answer (`$pullRequests: true`) and continued from `$<key>After`, so that one
request carries the next page of every connection at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scanner.collectors.api import ApiError, parse_time
from scanner.collectors.bounds import Budget

DEFAULT_REQUEST_BUDGET = 10


@dataclass(frozen=True)
class Connection:
    """A paged GraphQL connection: its key in the answer, and the time that orders its
    nodes newest first (None: an unordered list, read to its end)."""

    key: str
    moment: Callable[[Mapping[str, Any]], datetime | None] | None = None


def at(name: str) -> Callable[[Mapping[str, Any]], datetime | None]:
    """The moment in a node's field `name`."""
    return lambda node: parse_time(node.get(name))


@dataclass
class Paged:
    """The nodes of one connection read so far; None when the connection was not readable
    (null in a partial answer). `complete` turns False when the budget (or a failed
    request) stopped the reading before the window's start or the list's end; `cut` is
    then the oldest moment read, back to which the nodes are complete (None: none read)."""

    nodes: list[dict[str, Any]] | None
    cursor: str | None = None  # where the next page starts, while one is wanted
    complete: bool = True
    cut: datetime | None = None
    started: bool = True  # False until its first page is asked for

    @property
    def wanted(self) -> bool:
        return not self.started or self.cursor is not None


@dataclass
class ConnectionReader:
    """Reads the connections of one container (a repository, a project) to the window's
    start. `follow` runs the query again with paging variables and gives the container
    of its answer (None when that request failed)."""

    follow: Callable[[dict[str, Any]], Mapping[str, Any] | None]
    since: datetime
    now: datetime
    budget: Budget
    paged: dict[str, Paged] = field(default_factory=dict)
    connections: dict[str, Connection] = field(default_factory=dict)

    def first(self, container: Mapping[str, Any], connections: Sequence[Connection]) -> None:
        """Take the first pages, which came with the whole query."""
        for connection in connections:
            self.connections[connection.key] = connection
            self.paged[connection.key] = Paged([])
            self._take(connection, container.get(connection.key))

    def start(self, connection: Connection) -> None:
        """Ask for a connection left out of the whole query from its first page on."""
        self.connections[connection.key] = connection
        self.paged[connection.key] = Paged([], started=False)

    def stop(self, key: str) -> None:
        """Ask no further page of this connection."""
        self.paged[key].cursor = None

    def read(self, before_each: Callable[[], None] | None = None) -> None:
        """Page on until every connection is read or the budget is spent; `before_each`
        may start or stop connections before each request."""
        while True:
            if before_each is not None:
                before_each()
            if not self.step():
                return

    def answer(self, container: Mapping[str, Any], kinds: Mapping[str, str]
               ) -> tuple[dict[str, Any], dict[str, datetime]]:
        """`container` with each connection holding every node read, and the kinds of
        record (`kinds`: connection key -> kind) read short of the window with the moment
        they reach back to (now when none of them was read)."""
        merged = dict(container)
        cuts: dict[str, datetime] = {}
        for key, paged in self.paged.items():
            merged[key] = None if paged.nodes is None else {"nodes": paged.nodes}
            if key in kinds and not paged.complete:
                cuts[kinds[key]] = paged.cut or self.now
        return merged, cuts

    def pending(self) -> list[str]:
        return [key for key, paged in self.paged.items() if paged.wanted]

    def step(self) -> bool:
        """One more request for every connection still wanted; False when none is, or
        when the budget or the request gives out (those wanted are then cut)."""
        pending = self.pending()
        if not pending:
            return False
        container = self.follow(self._variables(pending)) if self.budget.take() else None
        if container is None:
            for key in pending:
                paged = self.paged[key]
                paged.complete, paged.cut = False, oldest(paged.nodes or [],
                                                           self.connections[key])
                paged.cursor, paged.started = None, True
            return False
        for key in pending:
            self.paged[key].started = True
            self._take(self.connections[key], container.get(key))
        return True

    def _variables(self, pending: Sequence[str]) -> dict[str, Any]:
        values: dict[str, Any] = {"whole": False}
        for key, paged in self.paged.items():
            values[key] = key in pending
            values[f"{key}After"] = paged.cursor if key in pending else None
        return values

    def _take(self, connection: Connection, answer: Any) -> None:
        paged = self.paged[connection.key]
        if not isinstance(answer, dict) or paged.nodes is None:
            paged.nodes, paged.cursor = None, None
            return
        found = [n for n in answer.get("nodes") or [] if isinstance(n, dict)]
        paged.nodes += found
        info = answer.get("pageInfo") or {}
        more = bool(info.get("hasNextPage")) and isinstance(info.get("endCursor"), str)
        earliest = oldest(found, connection)
        reached = earliest is not None and earliest < self.since
        paged.cursor = str(info["endCursor"]) if more and not reached else None


def oldest(nodes: Sequence[Mapping[str, Any]], connection: Connection) -> datetime | None:
    """The oldest moment among the nodes of an ordered connection (None: none, unordered)."""
    if connection.moment is None:
        return None
    moments = [m for node in nodes if (m := connection.moment(node)) is not None]
    return min(moments) if moments else None


def further_page(ask: Callable[[], tuple[Any, list[dict[str, Any]]]], key: str,
                 notes: list[str]) -> dict[str, Any] | None:
    """The container (`key` in the answer's data: the repository, the project) of a query run
    again for further pages; None, with a note, when that request failed."""
    try:
        data, errors = ask()
    except ApiError as exc:
        notes.append(f"further pages not read: {exc}")
        return None
    found = (data or {}).get(key) if isinstance(data, dict) else None
    if isinstance(found, dict):
        return found
    notes.append("further pages not read: " + (
        "; ".join(str(e.get("message")) for e in errors) or "no answer"))
    return None
