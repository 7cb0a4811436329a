"""One REST endpoint as a monitoring collector uses it: its path, the query parameters it
is sent and the keys read from its answer. Every `Endpoint` made is kept in `CATALOGUE`
by tool, which the contract tests hold against the vendors' published descriptions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from scanner.collectors.api import Answer
from scanner.collectors.declared import EACH, Undeclared, prefixes, view
from scanner.collectors.monitoring.http import JsonApi

CATALOGUE: dict[tuple[str, str], Endpoint] = {}


@dataclass(frozen=True)
class Endpoint:
    tool: str  # "datadog"
    path: str  # "/api/v2/incidents/{incident_id}/relationships/todos"
    reads: tuple[str, ...] = ()  # "data[].attributes.created"; "[].id" in a bare list
    params: tuple[str, ...] = ()
    items: str | None = None  # the list a listing is made of ("" for a bare list)
    allowed: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        listed = (f"{self.items}{EACH}",) if self.items is not None else ()
        object.__setattr__(self, "allowed", prefixes((*listed, *self.reads)))
        if CATALOGUE.setdefault((self.tool, self.path), self) != self:
            raise ValueError(f"{self.tool} {self.path} is declared twice")

    def get(self, api: JsonApi, params: Mapping[str, Any] | None = None,
            **where: str) -> Answer:
        """GET the endpoint (`where` fills the path's {names}); the answer's data as the
        code may read it."""
        extra = sorted(set(params or {}) - set(self.params))
        if extra:
            raise Undeclared(f"{self.tool} {self.path} is sent {', '.join(extra)}, which it "
                             "does not declare")
        answer = api.get(self.path.format(**where), params)
        return replace(answer, data=view(answer.data, self.allowed, f"{self.tool} {self.path}"))

    def items_of(self, data: Any) -> list[Any]:
        """The listed items of an answer's data (a bare list, or the list under `items`)."""
        if self.items is None:
            raise Undeclared(f"{self.tool} {self.path} is listed, but declares no items")
        found = data.get(self.items) if self.items and isinstance(data, Mapping) else data
        return [item for item in found if isinstance(item, Mapping)] \
            if isinstance(found, list) else []
