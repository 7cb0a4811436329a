"""Where a repository's history joins what its files gave.

How often changes reach users (`delivery.days_per_week`) is the history's cadence read the
way CI delivers, and a repository that is one service lends that service its history's
signals. The files' part depends on the files alone and the history's on the clock, so a
caller may keep the one (`scanner.collectors.local.kept`) and read the other each time.
This module stays light: a scan that takes the files' part back imports no detector.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from scanner.collectors.base import Collected, Emitter, Problem
from scanner.evidence import Evidence

CADENCE_SIGNALS = ("git.mainline_days_per_week", "git.release_days_per_week")


class History(Protocol):
    """History reads started before the files are read, finished when needed."""

    def finish(self, out: Emitter) -> list[str]: ...


class Delivering(Protocol):
    """How CI delivers, as far as the delivery frequency asks (a `CiSummary` says)."""

    @property
    def delivers_on_merge(self) -> bool: ...

    @property
    def delivers_on_tag(self) -> bool: ...


@dataclass(frozen=True)
class Delivery:
    """How one entity's CI delivers."""

    entity: str
    delivers_on_merge: bool
    delivers_on_tag: bool


def delivery_frequency(cadence: Mapping[str, Any], ci: Delivering, out: Emitter) -> None:
    """How often changes reach users: history (`git.*_days_per_week`) read the way CI
    delivers them."""
    mainline = cadence.get("git.mainline_days_per_week")
    releases = cadence.get("git.release_days_per_week")
    if ci.delivers_on_merge and mainline is not None:
        out.emit("delivery.days_per_week", mainline, (),
                 "CI delivers on every merge to the main line: main-line change days")
    elif releases is not None:
        basis = "CI delivers on tags: release days" if ci.delivers_on_tag \
            else "no automatic delivery found: release-tag days as a proxy"
        out.emit("delivery.days_per_week", releases, (), basis)


def as_service(evidence: list[Evidence], entity: str,
               service_signals: frozenset[str]) -> list[Evidence]:
    """A repository's evidence a service can have (`service_signals`), as that service's."""
    return [replace(item, entity=entity) for item in evidence if item.signal in service_signals]


@dataclass(frozen=True)
class HistoryPlaces:
    """Where the history joins: the repository, each entity's way of delivering, and the
    service that stands for the whole repository, if one does, with the signals a service
    can have."""

    repository: str
    source: str
    deliveries: tuple[Delivery, ...]
    whole_service: str | None
    service_signals: frozenset[str]

    def join(self, history: History | None, collected: Collected) -> None:
        """The history's evidence and notes, and what is made of them, into `collected`."""
        out = Emitter(self.repository, self.source)
        notes = history.finish(out) if history is not None else []
        cadence = {item.signal: item.value for item in out.evidence
                   if item.signal in CADENCE_SIGNALS}
        for delivery in self.deliveries:
            if delivery.entity == self.repository:
                delivery_frequency(cadence, delivery, out)
            else:
                service_out = Emitter(delivery.entity, self.source)
                delivery_frequency(cadence, delivery, service_out)
                collected.evidence += service_out.evidence
        collected.evidence += out.evidence
        if self.whole_service is not None:
            collected.evidence += as_service(out.evidence, self.whole_service,
                                             self.service_signals)
        collected.problems += [Problem(self.repository, message) for message in notes]

    def to_dict(self) -> dict[str, Any]:
        return {"repository": self.repository, "source": self.source,
                "deliveries": [[d.entity, d.delivers_on_merge, d.delivers_on_tag]
                               for d in self.deliveries],
                "whole_service": self.whole_service,
                "service_signals": sorted(self.service_signals)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HistoryPlaces:
        """Raises one of `scanner.memory.UNREADABLE` on data not as `to_dict` made it."""
        whole = data["whole_service"]
        return cls(str(data["repository"]), str(data["source"]),
                   tuple(Delivery(str(entity), bool(on_merge), bool(on_tag))
                         for entity, on_merge, on_tag in data["deliveries"]),
                   None if whole is None else str(whole),
                   frozenset(str(name) for name in data["service_signals"]))


@dataclass(frozen=True)
class FilesRead:
    """What a repository's files gave, and where its history joins it; `whole` when every
    part ran to its end (so the same files give the same again)."""

    found: Collected
    places: HistoryPlaces
    whole: bool
