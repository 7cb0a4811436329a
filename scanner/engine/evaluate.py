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

from collections.abc import Mapping

from scanner.engine.operators import OPERATORS
from scanner.engine.results import (
    ANSWER_NAMES,
    CHECKED,
    EXCLUDED,
    FAIL,
    NO_EVIDENCE,
    NOT_APPLICABLE,
    OUTCOMES,
    PASS,
    WAIVED,
    Answer,
    EntityCheck,
    RuleResult,
    Truth,
)
from scanner.engine.rule import (
    Aggregate,
    AllOf,
    AnyOf,
    Comparison,
    Condition,
    Not,
    Rule,
    resolve,
)
from scanner.engine.tally import RuleTally
from scanner.evidence import Evidence, EvidenceIndex

# What evaluating gives is defined in results.py; most readers import it from here.
__all__ = [
    "ANSWER_NAMES",
    "CHECKED",
    "EXCLUDED",
    "FAIL",
    "NOT_APPLICABLE",
    "NO_EVIDENCE",
    "OUTCOMES",
    "PASS",
    "WAIVED",
    "Answer",
    "EntityCheck",
    "Evaluator",
    "RuleResult",
    "Truth",
    "resolve",
]

class Evaluator:
    """Answers a rule for one entity at a time; `evaluate` answers it over a whole index.

    An entity's answer reads only its own evidence, so a large estate is judged a few
    entities at a time, each rule's answers gathered in a RuleTally (scanner/engine/tally.py).
    """

    def __init__(self, index: EvidenceIndex, thresholds: Mapping[str, float],
                 waivers: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.index = index
        self.thresholds = thresholds
        # entity -> {rule id or sub-competency id: reason}
        self.waivers = waivers or {}

    def evaluate(self, rule: Rule) -> RuleResult:
        tally = RuleTally(rule, self.thresholds)
        for entity in self.index.entities(rule.over):
            tally.add(self.answer(rule, entity))
        return tally.result()

    def answer(self, rule: Rule, entity: str) -> Answer:
        """How `entity` (of the rule's kind) stands: waived, out of scope, or checked."""
        if self._waived(entity, rule):
            return Answer(entity, WAIVED)
        scoping = _Reader(self.index, entity, self.thresholds)
        applies = scoping.test(rule.applies_to) if rule.applies_to else True
        if applies is False:
            return Answer(entity, EXCLUDED)
        reader = _Reader(self.index, entity, self.thresholds)
        if rule.needs is not None and scoping.test(rule.needs) is not True:
            applies = None  # in scope, but too little to judge it by: not known
        if rule.aggregate:
            result: Truth = True if applies else None
        else:
            assert rule.each is not None
            result = reader.test(rule.each) if applies else None
        check = EntityCheck(entity, result, tuple(reader.seen),
                            tuple(scoping.missing + reader.missing), tuple(scoping.seen))
        if rule.aggregate:
            return self._measured(rule, rule.aggregate, check)
        return Answer(entity, CHECKED, check)

    def _measured(self, rule: Rule, aggregate: Aggregate, check: EntityCheck) -> Answer:
        """An aggregate's check: the entity's number (a ratio's numerator and denominator),
        and whether it reports one."""
        if check.result is None and rule.needs is not None:
            return Answer(check.entity, CHECKED, check)  # too little data to count it
        reader = _Reader(self.index, check.entity, self.thresholds)
        number = denominator = None
        if aggregate.fn == "ratio":
            assert aggregate.numerator and aggregate.denominator
            number = reader.number(aggregate.numerator)
            denominator = reader.number(aggregate.denominator)
            if number is None or denominator is None:
                number = denominator = None
        else:
            assert aggregate.signal
            number = reader.number(aggregate.signal)
        enriched = EntityCheck(check.entity, True if not reader.missing else None,
                               check.evidence + tuple(reader.seen),
                               check.missing + tuple(reader.missing), check.scope)
        return Answer(check.entity, CHECKED, enriched, number, denominator)

    def _waived(self, entity: str, rule: Rule) -> bool:
        entry = self.waivers.get(entity, {})
        return rule.id in entry or rule.subcompetency in entry


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
            expected = resolve(condition.value, self.thresholds)
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
