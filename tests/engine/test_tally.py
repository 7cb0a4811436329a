"""A rule's answers gathered entity by entity: the same outcome as one pass over the whole
estate, whatever order the entities come in, with a bounded sample of checks."""

from __future__ import annotations

import random

from engine.test_evaluate import HAS_DAST, THRESHOLDS, index, rule

from scanner.engine.evaluate import FAIL, NO_EVIDENCE, PASS, Evaluator
from scanner.engine.rule import Aggregate, Comparison, Quantifier
from scanner.engine.tally import SAMPLE, RuleTally
from scanner.evidence import Evidence, EvidenceIndex


def estate(size: int) -> EvidenceIndex:
    """`size` repositories: two thirds run DAST, the rest do not; every fifth has no CI read
    at all; each reports its lead time."""
    entities = {}
    for n in range(size):
        signals: dict[str, object] = {"delivery.lead_time_hours": float(n % 17) + 0.25}
        if n % 5:
            signals["ci.dast.tools"] = ["zap"] if n % 3 else []
        entities[f"r{n:05d}"] = signals
    return index(**entities)


def tallied(whole: EvidenceIndex, rule_: object, order: list[str]) -> object:
    """The rule judged one entity at a time, each in an index of its own."""
    assert hasattr(rule_, "over")
    tally = RuleTally(rule_, THRESHOLDS)  # type: ignore[arg-type]
    for entity in order:
        alone = EvidenceIndex(item for item in whole if item.entity == entity)
        tally.add(Evaluator(alone, THRESHOLDS).answer(rule_, entity))  # type: ignore[arg-type]
    return tally.result()


def test_entity_by_entity_in_any_order_gives_the_whole_estates_result() -> None:
    whole = estate(60)
    shuffled = whole.entities()
    random.Random(7).shuffle(shuffled)
    rules = [rule(HAS_DAST, Quantifier("at_least", 0.5)),
             rule(HAS_DAST, Quantifier("all")),
             rule(aggregate=Aggregate("median", "lte", 8, signal="delivery.lead_time_hours")),
             rule(aggregate=Aggregate("mean", "lte", 8, signal="delivery.lead_time_hours"))]
    for rule_ in rules:
        at_once = Evaluator(whole, THRESHOLDS).evaluate(rule_)
        piecemeal = tallied(whole, rule_, shuffled)
        assert piecemeal == at_once


def test_a_large_estate_keeps_a_sample_of_checks_and_every_id() -> None:
    whole = estate(400)
    result = Evaluator(whole, THRESHOLDS).evaluate(rule(HAS_DAST, Quantifier("some")))
    assert result.outcome == PASS
    passing, failing, unknown = (result.entities_with(answer) for answer in (True, False, None))
    assert (len(passing), len(failing), len(unknown)) == (213, 107, 80)
    assert passing == sorted(passing)
    assert result.sampled
    assert len(result.checks) == 3 * SAMPLE
    # The sample is the first entities of each answer by name.
    assert [c.entity for c in result.checks if c.result is False] == failing[:SAMPLE]
    assert result.evidence_total == 320  # one judged signal for each entity that has CI
    assert {item.entity for item in result.evidence} <= {c.entity for c in result.checks}


def test_a_small_estate_keeps_every_check() -> None:
    result = Evaluator(estate(12), THRESHOLDS).evaluate(rule(HAS_DAST, Quantifier("some")))
    assert not result.sampled
    assert len(result.checks) == 12


def test_an_estate_where_nobody_reported_the_judged_signal_is_unobserved() -> None:
    whole = EvidenceIndex(Evidence(f"repo:r{n}", "repo.has_commits", True, "test")
                          for n in range(3 * SAMPLE))
    result = Evaluator(whole, THRESHOLDS).evaluate(rule(HAS_DAST, Quantifier("all")))
    assert result.outcome == NO_EVIDENCE
    assert result.unobserved
    reported = Evaluator(estate(3 * SAMPLE), THRESHOLDS).evaluate(
        rule(Comparison("ci.dast.tools", "non_empty"), Quantifier("all")))
    assert reported.outcome == FAIL and not reported.unobserved
