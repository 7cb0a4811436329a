"""Evaluate rules over evidence, with three-valued logic.

A condition is True, False or None (a signal it reads was never collected).
Quantifiers turn per-entity answers into an outcome:

* pass / fail when the evidence decides it either way;
* not_applicable when entities of the rule's kind exist but none counts
  (`applies_to` excludes them all, or every one is waived);
* no_evidence when nobody looked: no entity of the kind was scanned, or the
  unknown answers could still swing the result.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.engine.describe import describe_condition
from scanner.engine.operators import OPERATORS
from scanner.engine.rule import (
    Aggregate,
    AllOf,
    AnyOf,
    Comparison,
    Condition,
    Not,
    Quantifier,
    Rule,
    ThresholdRef,
)
from scanner.evidence import Evidence, EvidenceIndex, count, kind_plural, kind_singular
from scanner.units import amount

PASS = "pass"
FAIL = "fail"
NOT_APPLICABLE = "not_applicable"
NO_EVIDENCE = "no_evidence"
OUTCOMES = (PASS, FAIL, NOT_APPLICABLE, NO_EVIDENCE)

Truth = bool | None


@dataclass(frozen=True)
class EntityCheck:
    """One entity's answer to a rule: the evidence it was judged on, and apart from it the
    evidence that only put it in scope (`applies_to`)."""

    entity: str
    result: Truth
    evidence: tuple[Evidence, ...]
    missing: tuple[str, ...] = ()
    scope: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class RuleResult:
    rule: Rule
    outcome: str
    message: str
    checks: tuple[EntityCheck, ...] = ()
    excluded: tuple[str, ...] = ()
    waived: tuple[str, ...] = ()
    aggregate_value: float | None = None
    missing_signals: tuple[str, ...] = field(default=())

    def entities_with(self, result: Truth) -> list[str]:
        return [check.entity for check in self.checks if check.result is result]

    @property
    def nothing_scanned(self) -> bool:
        """No entity of the rule's kind was scanned at all (no AWS account, no Datadog
        organisation): the rule neither applies nor fails."""
        return self.outcome == NO_EVIDENCE and not (self.checks or self.excluded
                                                    or self.waived)

    @property
    def unobserved(self) -> bool:
        """No evidence because nobody looked: no counted entity reported any signal the
        rule judges by (its source was not scanned)."""
        if self.outcome != NO_EVIDENCE:
            return False
        judged = set(self.rule.criterion_signals())
        return not any(item.signal in judged for check in self.checks
                       for item in check.evidence)

    @property
    def evidence(self) -> list[Evidence]:
        """What the criterion was judged on."""
        seen: dict[tuple[str, str], Evidence] = {}
        for check in self.checks:
            for item in check.evidence:
                seen.setdefault((item.entity, item.signal), item)
        return list(seen.values())

    @property
    def applicability(self) -> list[Evidence]:
        """What only decided which entities the rule counts, kept apart from the criterion's
        evidence (a reviewer checks the two differently)."""
        judged = {(item.entity, item.signal) for item in self.evidence}
        seen: dict[tuple[str, str], Evidence] = {}
        for check in self.checks:
            for item in check.scope:
                if (item.entity, item.signal) not in judged:
                    seen.setdefault((item.entity, item.signal), item)
        return list(seen.values())


class Evaluator:
    def __init__(self, index: EvidenceIndex, thresholds: Mapping[str, float],
                 waivers: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.index = index
        self.thresholds = thresholds
        # entity -> {rule id or sub-competency id: reason}
        self.waivers = waivers or {}

    def evaluate(self, rule: Rule) -> RuleResult:
        entities = self.index.entities(rule.over)
        if not entities:
            return RuleResult(rule, NO_EVIDENCE,
                              f"no {kind_plural(rule.over)} were scanned",
                              missing_signals=tuple(rule.signals()))
        waived = tuple(e for e in entities if self._waived(e, rule))
        checks: list[EntityCheck] = []
        excluded: list[str] = []
        for entity in entities:
            if entity in waived:
                continue
            scoping = _Reader(self.index, entity, self.thresholds)
            applies = scoping.test(rule.applies_to) if rule.applies_to else True
            if applies is False:
                excluded.append(entity)
                continue
            reader = _Reader(self.index, entity, self.thresholds)
            if rule.needs is not None and scoping.test(rule.needs) is not True:
                applies = None  # in scope, but too little to judge it by: not known
            if rule.aggregate:
                result: Truth = True if applies else None
            else:
                assert rule.each is not None
                result = reader.test(rule.each) if applies else None
            checks.append(EntityCheck(entity, result, tuple(reader.seen),
                                      tuple(scoping.missing + reader.missing),
                                      tuple(scoping.seen)))
        if not checks:
            if waived and not excluded:
                reason = "every one is waived"
            elif rule.scope:
                reason = f"none is among the {rule.scope}"
            else:
                scope = describe_condition(rule.applies_to, self.thresholds) \
                    if rule.applies_to else "in scope"
                reason = f"none has {scope}"
            return RuleResult(rule, NOT_APPLICABLE,
                              f"{count(len(entities), rule.over)} scanned; {reason}",
                              excluded=tuple(excluded), waived=waived)
        if rule.aggregate:
            return self._aggregate(rule, rule.aggregate, checks, excluded, waived)
        assert rule.quantifier is not None
        return self._quantify(rule, rule.quantifier, checks, excluded, waived)

    def _waived(self, entity: str, rule: Rule) -> bool:
        entry = self.waivers.get(entity, {})
        return rule.id in entry or rule.subcompetency in entry

    def _ratio(self, ratio: float | ThresholdRef | None) -> float:
        if isinstance(ratio, ThresholdRef):
            return float(self.thresholds[ratio.name])
        return float(ratio or 0.0)

    def _quantify(self, rule: Rule, quantifier: Quantifier, checks: list[EntityCheck],
                  excluded: list[str], waived: tuple[str, ...]) -> RuleResult:
        total = len(checks)
        passed = sum(1 for c in checks if c.result is True)
        failed = sum(1 for c in checks if c.result is False)
        unknown = total - passed - failed
        kind = quantifier.kind
        if kind == "some":
            outcome = PASS if passed else (FAIL if not unknown else NO_EVIDENCE)
            needed = "at least one"
        elif kind == "none":
            outcome = FAIL if passed else (PASS if not unknown else NO_EVIDENCE)
            needed = "none"
        elif kind == "all":
            outcome = FAIL if failed else (PASS if not unknown else NO_EVIDENCE)
            needed = "all"
        else:
            ratio = self._ratio(quantifier.ratio)
            if passed / total >= ratio:
                outcome = PASS
            elif (passed + unknown) / total < ratio:
                outcome = FAIL
            else:
                outcome = NO_EVIDENCE
            needed = f"{quantifier.label} ({ratio:.0%})" if quantifier.label == "most" \
                else f"at least {ratio:.0%}"
        message = f"met by {passed} of {count(total, rule.over)}; needs {needed}"
        if unknown:
            message += f"; {unknown} not known"
        missing = sorted({signal for c in checks for signal in c.missing})
        return RuleResult(rule, outcome, message, tuple(checks), tuple(excluded), waived,
                          missing_signals=tuple(missing))

    def _aggregate(self, rule: Rule, aggregate: Aggregate, checks: list[EntityCheck],
                   excluded: list[str], waived: tuple[str, ...]) -> RuleResult:
        numbers: list[float] = []
        enriched: list[EntityCheck] = []
        numerators = denominators = 0.0
        for check in checks:
            reader = _Reader(self.index, check.entity, self.thresholds)
            if check.result is None and rule.needs is not None:
                enriched.append(check)  # too little data to count it
                continue
            if aggregate.fn == "ratio":
                assert aggregate.numerator and aggregate.denominator
                num = reader.number(aggregate.numerator)
                den = reader.number(aggregate.denominator)
                if num is not None and den is not None:
                    numerators += num
                    denominators += den
                    numbers.append(num)
            else:
                assert aggregate.signal
                value = reader.number(aggregate.signal)
                if value is not None:
                    numbers.append(value)
            has_value = not reader.missing
            enriched.append(EntityCheck(check.entity, True if has_value else None,
                                        check.evidence + tuple(reader.seen),
                                        check.missing + tuple(reader.missing), check.scope))
        missing = tuple(sorted({s for c in enriched for s in c.missing}))
        if not numbers or (aggregate.fn == "ratio" and denominators == 0):
            return RuleResult(rule, NO_EVIDENCE,
                              f"not measured in any {kind_singular(rule.over)}",
                              tuple(enriched), tuple(excluded), waived, missing_signals=missing)
        value = _reduce(aggregate.fn, numbers, numerators, denominators)
        expected = _resolve(aggregate.value, self.thresholds)
        holds = OPERATORS[aggregate.op].compare(value, expected)
        reporting = sum(1 for c in enriched if c.result)
        measured = aggregate.numerator if aggregate.fn == "ratio" else aggregate.signal
        assert measured is not None
        shown = "share" if aggregate.fn == "ratio" else measured
        found = amount(shown, value)
        bound = BOUND_WORDS.get(aggregate.op, OPERATORS[aggregate.op].describe)
        message = (f"{found} ({count(reporting, rule.over)})" if reporting == 1 else
                   f"{AGGREGATE_WORDS[aggregate.fn]} over {count(reporting, rule.over)} is "
                   f"{found}") + f"; needs {bound} {amount(shown, expected)}"
        if reporting < len(enriched):
            message += f" ({len(enriched) - reporting} of {len(enriched)} do not report it)"
        # The aggregate describes the fleet when enough of it reports the signal; with
        # fewer, those missing could move it either way.
        coverage = reporting / len(enriched)
        outcome = (PASS if holds else FAIL) \
            if coverage >= self.thresholds.get("aggregate_coverage", 1.0) else NO_EVIDENCE
        return RuleResult(rule, outcome, message, tuple(enriched), tuple(excluded), waived,
                          aggregate_value=value, missing_signals=missing)


AGGREGATE_WORDS = {"median": "median", "p90": "90th percentile", "mean": "mean", "sum": "total",
                   "min": "lowest", "max": "highest", "ratio": "share"}
BOUND_WORDS = {"lte": "at most", "lt": "less than", "gte": "at least", "gt": "more than",
               "eq": "exactly", "ne": "other than"}


def _reduce(fn: str, numbers: list[float], numerators: float, denominators: float) -> float:
    if fn == "ratio":
        return numerators / denominators
    if fn == "median":
        return float(statistics.median(numbers))
    if fn == "p90":
        ordered = sorted(numbers)  # nearest-rank percentile
        return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]
    if fn == "mean":
        return statistics.fmean(numbers)
    if fn == "sum":
        return float(sum(numbers))
    if fn == "min":
        return min(numbers)
    return max(numbers)


def _resolve(value: Any, thresholds: Mapping[str, float]) -> Any:
    if isinstance(value, ThresholdRef):
        return thresholds[value.name]
    return value


class _Reader:
    """Reads one entity's signals for a rule and remembers what it read."""

    def __init__(self, index: EvidenceIndex, entity: str,
                 thresholds: Mapping[str, float]) -> None:
        self.index = index
        self.entity = entity
        self.thresholds = thresholds
        self.seen: list[Evidence] = []
        self.missing: list[str] = []

    def read(self, signal: str) -> Evidence | None:
        item = self.index.get(self.entity, signal)
        if item is None or item.value is None:
            if signal not in self.missing:
                self.missing.append(signal)
            return None
        if item not in self.seen:
            self.seen.append(item)
        return item

    def number(self, signal: str) -> float | None:
        item = self.read(signal)
        if item is None or isinstance(item.value, bool) or \
                not isinstance(item.value, int | float):
            return None
        return float(item.value)

    def test(self, condition: Condition) -> Truth:
        if isinstance(condition, Comparison):
            item = self.read(condition.signal)
            if item is None:
                return None
            expected = _resolve(condition.value, self.thresholds)
            try:
                return bool(OPERATORS[condition.op].compare(item.value, expected))
            except TypeError:
                return None
        if isinstance(condition, Not):
            inner = self.test(condition.condition)
            return None if inner is None else not inner
        results = [self.test(part) for part in condition.conditions]
        if isinstance(condition, AllOf):
            if any(r is False for r in results):
                return False
            return True if all(r is True for r in results) else None
        assert isinstance(condition, AnyOf)
        if any(r is True for r in results):
            return True
        return False if all(r is False for r in results) else None
