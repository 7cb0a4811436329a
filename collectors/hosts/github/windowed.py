"""One repository's records read over the whole window, page by page (see `hosts.paging`).

Merged pull requests, releases and issues are read newest first back to the window's
start. Deployments are read first for every environment, PR previews included; when
that page does not reach back to the window's start, the repository's environments
(listed in the same query) tell which are production-like, and only those are read on
(`deployments(environments: […])`). Without a readable list of environments, every
deployment is read on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from scanner.collectors.bounds import Budget
from scanner.collectors.hosts.paging import (
    Connection,
    ConnectionReader,
    at,
    oldest,
)
from scanner.patterns import Pattern

DEPLOYMENTS = Connection("deployments", at("createdAt"))
PRODUCTION = Connection("productionDeployments", at("createdAt"))
ENVIRONMENTS = Connection("environments")
# Connection key -> the kind of record it holds (as `HostRepository.read_since` names it).
KINDS = {"pullRequests": "changes", "releases": "releases", "issues": "issues"}
CONNECTIONS = (Connection("pullRequests", at("updatedAt")), Connection("releases", at("createdAt")),
               Connection("issues", at("updatedAt")), DEPLOYMENTS, ENVIRONMENTS)


class WindowedRecords:
    """Reads the paged connections of one repository's answer to the window's start."""

    def __init__(self, repository: dict[str, Any], *, since: datetime, now: datetime,
                 budget: Budget, production: Pattern,
                 follow: Callable[[dict[str, Any], list[str]], dict[str, Any] | None]) -> None:
        self.repository = repository
        self.since, self.now = since, now
        self.production = production
        self.notes: list[str] = []  # what failed while reading on
        self.cuts: dict[str, datetime] = {}  # kinds read short of the window: back to when
        self.names: list[str] = []  # the production-like environments, once known
        self.reader = ConnectionReader(
            lambda paging: follow({**paging, "production": self.names}, self.notes),
            since, now, budget)
        self.reader.first(repository, CONNECTIONS)
        self.switched = False  # the first page of deployments was not enough
        self.narrowed = False  # the production-like environments are known

    def read(self) -> dict[str, Any]:
        """The repository's answer with every paged connection read as far as it went."""
        self.reader.read(self._narrow)
        merged, self.cuts = self.reader.answer(self.repository, KINDS)
        merged["deployments"] = self._deployments()
        return merged

    def _narrow(self) -> None:
        """Once the first page of deployments falls short of the window's start and the
        environments are known, read on in the production-like ones only."""
        paged = self.reader.paged
        first, environments = paged["deployments"], paged["environments"]
        if not self.switched:
            if first.cursor is None or environments.nodes is None:
                return
            self.reader.stop("deployments")
            self.switched = True
        if self.narrowed or environments.wanted or not environments.complete:
            return
        self.narrowed = True
        self.names = sorted({name for e in environments.nodes or []
                             if self.production.search(name := str(e.get("name") or ""))})
        if self.names:
            self.reader.start(PRODUCTION)

    def _deployments(self) -> dict[str, Any] | None:
        paged = self.reader.paged
        first = paged["deployments"]
        if first.nodes is None:
            return None
        production = paged.get(PRODUCTION.key)
        environments = paged["environments"]
        if not self.switched:
            if not first.complete:
                self._cut("deployments", first.cut)
            return {"nodes": first.nodes}
        if production is None:
            if not environments.complete:  # the environments ran out of budget
                self._cut("deployments", oldest(first.nodes, DEPLOYMENTS))
            # else no environment is production-like: nothing more to read
            return {"nodes": first.nodes}
        if not production.complete and not production.nodes:
            self._cut("deployments", oldest(first.nodes, DEPLOYMENTS))
            return {"nodes": first.nodes}
        if not production.complete:
            self._cut("deployments", production.cut)
        others = [d for d in first.nodes if not self.production.search(
            str(d.get("environment") or ""))]
        return {"nodes": others + (production.nodes or [])}

    def _cut(self, kind: str, cut: datetime | None) -> None:
        self.cuts[kind] = cut or self.now
