"""One rule's answers gathered over an estate, a few entities at a time, then its outcome.

What is kept grows slowly with the estate: each entity's id under its answer, an
aggregate's numbers, the signals found missing, and the checks of a sample (the first
SAMPLE entities by name of each answer) with the evidence they read. The outcome is the
one the whole estate's checks would give; the order entities arrive in does not matter,
so the parts of a sharded scan, or entities judged in a previous scan, give the same
result as one pass over everything.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping

from scanner.engine.describe import describe_condition
from scanner.engine.operators import OPERATORS
from scanner.engine.results import (
    ANSWER_NAMES,
    EXCLUDED,
    FAIL,
    NO_EVIDENCE,
    NOT_APPLICABLE,
    PASS,
    WAIVED,
    Answer,
    CheckRecord,
    EntityCheck,
    RuleResult,
)
from scanner.engine.rule import Aggregate, Quantifier, Rule, ThresholdRef, resolve
from scanner.evidence import Evidence, count, kind_plural, kind_singular
from scanner.units import amount

# Entities of each answer (pass, fail, not known) whose checks a fleet report cites.
SAMPLE = 25

AGGREGATE_WORDS = {"median": "median", "p90": "90th percentile", "mean": "mean", "sum": "total",
                   "min": "lowest", "max": "highest", "ratio": "share"}
BOUND_WORDS = {"lte": "at most", "lt": "less than", "gte": "at least", "gt": "more than",
               "eq": "exactly", "ne": "other than"}


class RuleTally:
    def __init__(self, rule: Rule, thresholds: Mapping[str, float]) -> None:
        self.rule = rule
        self.thresholds = thresholds
        self._ids: dict[str, list[str]] = {name: [] for name in ANSWER_NAMES.values()}
        self._excluded: list[str] = []
        self._waived: list[str] = []
        self._sample: dict[str, list[EntityCheck | CheckRecord]] = {
            name: [] for name in ANSWER_NAMES.values()}
        self._numbers: list[tuple[str, float, float | None]] = []
        self._missing: set[str] = set()
        self._judged = rule.judged_signals
        self._observed = False
        self._evidence = 0
        self._applicability = 0

    def add(self, answer: Answer) -> None:
        if answer.status == WAIVED:
            self._waived.append(answer.entity)
            return
        if answer.status == EXCLUDED:
            self._excluded.append(answer.entity)
            return
        check = answer.check
        assert check is not None
        name = ANSWER_NAMES[check.result]
        self._ids[name].append(check.entity)
        kept = self._sample[name]
        kept.append(check)
        if len(kept) > 2 * SAMPLE:
            kept.sort(key=_by_entity)
            del kept[SAMPLE:]
        self._missing.update(check.missing)
        judged = _signals(check.evidence)
        self._evidence += len(judged)
        self._applicability += len(_signals(check.scope) - judged)
        self._observed = self._observed or not judged.isdisjoint(self._judged)
        if answer.number is not None:
            self._numbers.append((check.entity, answer.number, answer.denominator))

    @property
    def _counted(self) -> int:
        return sum(len(ids) for ids in self._ids.values())

    def result(self, evidence_of: Callable[[str], Mapping[str, Evidence]] | None = None
               ) -> RuleResult:
        """The rule's result; `evidence_of` gives an entity's evidence by signal, for the
        cited checks that were remembered rather than made (CheckRecord)."""
        rule = self.rule
        entities = self._counted + len(self._excluded) + len(self._waived)
        if not entities:
            return RuleResult(rule, NO_EVIDENCE, f"no {kind_plural(rule.over)} were scanned",
                              missing_signals=tuple(rule.signals()))
        excluded, waived = tuple(sorted(self._excluded)), tuple(sorted(self._waived))
        if not self._counted:
            if waived and not excluded:
                reason = "every one is waived"
            elif rule.scope:
                reason = f"none is among the {rule.scope}"
            else:
                scope = describe_condition(rule.applies_to, self.thresholds) \
                    if rule.applies_to else "in scope"
                reason = f"none has {scope}"
            return RuleResult(rule, NOT_APPLICABLE, f"{count(entities, rule.over)} scanned; "
                              f"{reason}", excluded=excluded, waived=waived)
        ids = {name: tuple(sorted(found)) for name, found in self._ids.items()}
        checks = tuple(sorted((_made(check, evidence_of) for kept in self._sample.values()
                               for check in sorted(kept, key=_by_entity)[:SAMPLE]),
                              key=_by_entity))
        if rule.aggregate:
            outcome, message, value = self._aggregate(rule.aggregate, ids)
        else:
            assert rule.quantifier is not None
            outcome, message, value = (*self._quantify(rule.quantifier, ids), None)
        return RuleResult(rule, outcome, message, checks, excluded, waived,
                          aggregate_value=value, missing_signals=tuple(sorted(self._missing)),
                          entity_ids=ids, evidence_total=self._evidence,
                          applicability_total=self._applicability, observed=self._observed)

    def _ratio(self, ratio: float | ThresholdRef | None) -> float:
        if isinstance(ratio, ThresholdRef):
            return float(self.thresholds[ratio.name])
        return float(ratio or 0.0)

    def _quantify(self, quantifier: Quantifier, ids: Mapping[str, tuple[str, ...]]
                  ) -> tuple[str, str]:
        passed, failed, unknown = (len(ids[name]) for name in ("pass", "fail", "unknown"))
        total = passed + failed + unknown
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
        message = f"met by {passed} of {count(total, self.rule.over)}; needs {needed}"
        if unknown:
            message += f"; {unknown} not known"
        return outcome, message

    def _aggregate(self, aggregate: Aggregate, ids: Mapping[str, tuple[str, ...]]
                   ) -> tuple[str, str, float | None]:
        over = self.rule.over
        # In entity order, as one pass over the whole estate adds them up.
        measured = sorted(self._numbers, key=lambda found: found[0])
        numbers = [number for _, number, _ in measured]
        numerators = sum(numbers) if aggregate.fn == "ratio" else 0.0
        denominators = sum(den or 0.0 for _, _, den in measured)
        if not numbers or (aggregate.fn == "ratio" and denominators == 0):
            return NO_EVIDENCE, f"not measured in any {kind_singular(over)}", None
        value = _reduce(aggregate.fn, numbers, numerators, denominators)
        expected = resolve(aggregate.value, self.thresholds)
        holds = OPERATORS[aggregate.op].compare(value, expected)
        reporting = len(ids["pass"])
        counted = self._counted
        signal = aggregate.numerator if aggregate.fn == "ratio" else aggregate.signal
        assert signal is not None
        shown = "share" if aggregate.fn == "ratio" else signal
        found = amount(shown, value)
        bound = BOUND_WORDS.get(aggregate.op, OPERATORS[aggregate.op].describe)
        message = (f"{found} ({count(reporting, over)})" if reporting == 1 else
                   f"{AGGREGATE_WORDS[aggregate.fn]} over {count(reporting, over)} is "
                   f"{found}") + f"; needs {bound} {amount(shown, expected)}"
        if reporting < counted:
            message += f" ({counted - reporting} of {counted} do not report it)"
        # The aggregate describes the fleet when enough of it reports the signal; with
        # fewer, those missing could move it either way.
        coverage = reporting / counted
        outcome = (PASS if holds else FAIL) \
            if coverage >= self.thresholds.get("aggregate_coverage", 1.0) else NO_EVIDENCE
        return outcome, message, value


def _by_entity(check: EntityCheck | CheckRecord) -> str:
    return check.entity


def _signals(items: tuple[Evidence, ...] | tuple[str, ...]) -> set[str]:
    return {item if isinstance(item, str) else item.signal for item in items}


def _made(check: EntityCheck | CheckRecord,
          evidence_of: Callable[[str], Mapping[str, Evidence]] | None) -> EntityCheck:
    if isinstance(check, EntityCheck):
        return check
    found = evidence_of(check.entity) if evidence_of is not None else {}
    return EntityCheck(check.entity, check.result,
                       tuple(found[s] for s in check.evidence if s in found), check.missing,
                       tuple(found[s] for s in check.scope if s in found))


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
