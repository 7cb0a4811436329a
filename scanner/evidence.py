"""The evidence contract: one observation about one entity.

A collector that looked and found nothing emits an explicit empty value
(`False`, `0`, `[]`); a signal nobody collected is simply absent.  The
scorer depends on that difference: absent means "no evidence", never "fail".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SignalValue = bool | int | float | str | list[Any] | None
# Joins the places of a chain in a locator, outermost first: how CI reaches a tool through
# wrappers (`.github/workflows/ci.yml:38 → Makefile:8 → pytest`).
TRAIL = " → "


def entity_kind(entity: str) -> str:
    """`repo:/srv/api` -> `repo`."""
    kind, _, _ = entity.partition(":")
    return kind


_KIND_PLURALS = {
    "repo": "repositories",
    "service": "services",
    "aws": "AWS accounts",
    "datadog": "Datadog organisations",
    "pagerduty": "PagerDuty accounts",
    "prometheus": "Prometheus servers",
}


_KIND_SINGULARS = {
    "repo": "repository",
    "service": "service",
    "aws": "AWS account",
    "datadog": "Datadog organisation",
    "pagerduty": "PagerDuty account",
    "prometheus": "Prometheus server",
}


def kind_plural(kind: str) -> str:
    """How reports name a group of entities of one kind."""
    return _KIND_PLURALS.get(kind, f"{kind} entities")


def kind_singular(kind: str) -> str:
    return _KIND_SINGULARS.get(kind, f"{kind} entity")


def count(number: int, kind: str) -> str:
    """`1 repository`, `3 repositories`."""
    return f"{number} {kind_singular(kind) if number == 1 else kind_plural(kind)}"


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Evidence:
    """One observation.

    `locators` are places a person can open to check it (`path:line`, URL,
    ARN, or a chain of them joined by TRAIL), the most telling first; for a
    negative value they are the places that were looked at.  `occurrences` is
    the number of places in all when more were seen than are kept.  `note` says
    in words what was seen.
    """

    entity: str
    signal: str
    value: SignalValue
    source: str
    locators: tuple[str, ...] = ()
    note: str | None = None
    observed_at: datetime = field(default_factory=now_utc)
    occurrences: int | None = None

    @property
    def locator(self) -> str | None:
        return self.locators[0] if self.locators else None

    @property
    def kind(self) -> str:
        return entity_kind(self.entity)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "entity": self.entity,
            "signal": self.signal,
            "value": self.value,
            "locator": self.locator,
            "source": self.source,
            "observed_at": self.observed_at.isoformat(),
        }
        if len(self.locators) > 1:
            data["locators"] = list(self.locators)
        if self.occurrences:
            data["occurrences"] = self.occurrences
        if self.note:
            data["note"] = self.note
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        locators = data.get("locators") or ([data["locator"]] if data.get("locator") else [])
        return cls(
            entity=data["entity"],
            signal=data["signal"],
            value=data["value"],
            source=data["source"],
            locators=tuple(locators),
            note=data.get("note"),
            observed_at=datetime.fromisoformat(data["observed_at"]),
            occurrences=data.get("occurrences"),
        )


class EvidenceIndex:
    """Evidence looked up by entity and signal; the rules engine reads only this."""

    def __init__(self, items: Iterable[Evidence] = ()) -> None:
        self._by_entity: dict[str, dict[str, Evidence]] = {}
        for item in items:
            self.add(item)

    def add(self, item: Evidence) -> None:
        self._by_entity.setdefault(item.entity, {})[item.signal] = item

    def __iter__(self) -> Iterator[Evidence]:
        for signals in self._by_entity.values():
            yield from signals.values()

    def __len__(self) -> int:
        return sum(len(signals) for signals in self._by_entity.values())

    def entities(self, kind: str | None = None) -> list[str]:
        names = sorted(self._by_entity)
        if kind is None:
            return names
        return [name for name in names if entity_kind(name) == kind]

    def get(self, entity: str, signal: str) -> Evidence | None:
        return self._by_entity.get(entity, {}).get(signal)

    def has_signal(self, signal: str) -> bool:
        return any(signal in signals for signals in self._by_entity.values())

    def restricted_to(self, entities: Iterable[str]) -> EvidenceIndex:
        """The same evidence, for a slice of the estate (one repository, a team)."""
        wanted = set(entities)
        return EvidenceIndex(item for item in self if item.entity in wanted)


@dataclass(frozen=True)
class Observed:
    """What a scan's evidence covers, without the evidence: the sources that reported,
    the signals reported, and the entities (sorted)."""

    sources: frozenset[str]
    signals: frozenset[str]
    entities: tuple[str, ...]

    @classmethod
    def of(cls, index: EvidenceIndex) -> Observed:
        return cls(frozenset(item.source for item in index),
                   frozenset(item.signal for item in index), tuple(index.entities()))
