"""Rules as data: one criterion of one cell of the model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class ThresholdRef:
    """A value a rule takes from the named threshold (pack default or config)."""

    name: str


def resolve(value: Any, thresholds: Mapping[str, float]) -> Any:
    """A rule's value, a threshold reference read from `thresholds`."""
    if isinstance(value, ThresholdRef):
        return thresholds[value.name]
    return value


@dataclass(frozen=True)
class Comparison:
    signal: str
    op: str
    value: Any = None  # a literal, a list of literals, or a ThresholdRef


@dataclass(frozen=True)
class AllOf:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    condition: Condition


Condition = Comparison | AllOf | AnyOf | Not


def condition_signals(condition: Condition | None) -> list[str]:
    """Every signal a condition reads, in order of first use."""
    if condition is None:
        return []
    if isinstance(condition, Comparison):
        return [condition.signal]
    if isinstance(condition, Not):
        return condition_signals(condition.condition)
    found: list[str] = []
    for part in condition.conditions:
        for signal in condition_signals(part):
            if signal not in found:
                found.append(signal)
    return found


@dataclass(frozen=True)
class Quantifier:
    """How many counted entities must satisfy `each`.

    `kind` is none / some / all, or at_least with a ratio given literally or by
    a threshold name (`most` is at_least the `most` threshold).
    """

    kind: str
    ratio: float | ThresholdRef | None = None
    label: str = ""


@dataclass(frozen=True)
class Aggregate:
    """A reduction of a numeric signal over the counted entities, then a comparison."""

    fn: str
    op: str
    value: Any
    signal: str | None = None
    numerator: str | None = None
    denominator: str | None = None

    def signals(self) -> list[str]:
        return [s for s in (self.signal, self.numerator, self.denominator) if s]


@dataclass(frozen=True)
class Rule:
    id: str
    subcompetency: str
    stage: str
    summary: str
    over: str
    applies_to: Condition | None
    each: Condition | None
    quantifier: Quantifier | None
    aggregate: Aggregate | None
    remedy: str
    source: str
    line: int | None = None
    # Rules of one cell sharing a requirement are alternatives: any one passing meets it
    # (the same criterion shown by different sources, e.g. IaC files or the cloud account).
    requirement: str | None = None
    # What `applies_to` selects, in plain words ("deployable services or applications"):
    # says why the rule applies to nothing when it does not.
    scope: str | None = None
    # Enough data to judge an entity in scope (`git.commits` at least some number): one
    # without it is not known, never out of scope.
    needs: Condition | None = None

    def signals(self) -> list[str]:
        found = condition_signals(self.applies_to) + condition_signals(self.needs) + \
            condition_signals(self.each)
        if self.aggregate:
            found += self.aggregate.signals()
        return list(dict.fromkeys(found))

    def criterion_signals(self) -> list[str]:
        """The signals that judge an entity, leaving out those that only scope it."""
        found = condition_signals(self.each)
        if self.aggregate:
            found += self.aggregate.signals()
        return list(dict.fromkeys(found))

    @cached_property
    def judged_signals(self) -> frozenset[str]:
        """`criterion_signals`, for looking up (read by every entity's answer)."""
        return frozenset(self.criterion_signals())

    @property
    def cell(self) -> tuple[str, str]:
        return (self.subcompetency, self.stage)
