"""Quantifiers, three-valued conditions and aggregates over real evidence objects."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from scanner.engine.evaluate import FAIL, NO_EVIDENCE, NOT_APPLICABLE, PASS, Evaluator
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
from scanner.evidence import Evidence, EvidenceIndex

THRESHOLDS = {"most": 0.75, "share": 0.5}


def rule(each: Condition | None = None, quantifier: Quantifier | None = None,
         applies_to: Condition | None = None, aggregate: Aggregate | None = None,
         over: str = "repo") -> Rule:
    return Rule("operate.patching.test", "operate.patching", "advanced", "a test rule", over,
                applies_to, each, quantifier, aggregate, "", "test.yaml")


def index(**entities: dict[str, Any]) -> EvidenceIndex:
    return EvidenceIndex(Evidence(f"repo:{name}", signal, value, "test", (f"{name}.yml:3",))
                         for name, signals in entities.items()
                         for signal, value in signals.items())


HAS_DAST = Comparison("ci.dast.tools", "non_empty")


@pytest.mark.parametrize(("kind", "values", "expected"), [
    ("some", [["zap"], []], PASS),
    ("some", [[], []], FAIL),
    ("some", [[], None], NO_EVIDENCE),
    ("some", [["zap"], None], PASS),
    ("all", [["zap"], ["nuclei"]], PASS),
    ("all", [["zap"], []], FAIL),
    ("all", [["zap"], None], NO_EVIDENCE),
    ("all", [[], None], FAIL),
    ("none", [[], []], PASS),
    ("none", [["zap"], []], FAIL),
    ("none", [[], None], NO_EVIDENCE),
])
def test_quantifiers(kind: str, values: list[Any], expected: str) -> None:
    entities = {f"r{i}": ({"ci.dast.tools": v} if v is not None else {"repo.has_commits": True})
                for i, v in enumerate(values)}
    result = Evaluator(index(**entities), THRESHOLDS).evaluate(rule(HAS_DAST, Quantifier(kind)))
    assert result.outcome == expected, result.message


def test_most_uses_the_threshold_and_unknowns_can_swing_it() -> None:
    most = Quantifier("at_least", ThresholdRef("most"), "most")
    three_of_four = index(a={"ci.dast.tools": ["zap"]}, b={"ci.dast.tools": ["zap"]},
                          c={"ci.dast.tools": ["zap"]}, d={"ci.dast.tools": []})
    assert Evaluator(three_of_four, THRESHOLDS).evaluate(rule(HAS_DAST, most)).outcome == PASS
    assert Evaluator(three_of_four, {"most": 0.8}).evaluate(rule(HAS_DAST, most)).outcome == FAIL
    two_known_one_unknown = index(a={"ci.dast.tools": ["zap"]}, b={"ci.dast.tools": ["zap"]},
                                  c={"ci.dast.tools": []}, d={"repo.has_commits": True})
    result = Evaluator(two_known_one_unknown, THRESHOLDS).evaluate(rule(HAS_DAST, most))
    assert result.outcome == NO_EVIDENCE
    assert result.entities_with(None) == ["repo:d"]
    assert result.missing_signals == ("ci.dast.tools",)


def test_no_entities_of_the_kind_is_no_evidence_but_none_in_scope_is_not_applicable() -> None:
    evidence = index(lib={"deployable": False, "ci.dast.tools": []})
    aws_rule = rule(HAS_DAST, Quantifier("some"), over="aws")
    assert Evaluator(evidence, THRESHOLDS).evaluate(aws_rule).outcome == NO_EVIDENCE
    scoped = rule(HAS_DAST, Quantifier("some"),
                  applies_to=Comparison("deployable", "eq", True))
    result = Evaluator(evidence, THRESHOLDS).evaluate(scoped)
    assert result.outcome == NOT_APPLICABLE
    assert result.excluded == ("repo:lib",)
    assert "deployable equals True" in result.message


def test_waivers_take_entities_out_of_the_count() -> None:
    evidence = index(a={"ci.dast.tools": ["zap"]}, b={"ci.dast.tools": []})
    all_rule = rule(HAS_DAST, Quantifier("all"))
    waived = Evaluator(evidence, THRESHOLDS, {"repo:b": {"operate.patching": "no web UI"}})
    result = waived.evaluate(all_rule)
    assert result.outcome == PASS and result.waived == ("repo:b",)
    only = Evaluator(index(b={"ci.dast.tools": []}), THRESHOLDS,
                     {"repo:b": {"operate.patching.test": "x"}})
    assert only.evaluate(all_rule).outcome == NOT_APPLICABLE


def test_three_valued_logic() -> None:
    evidence = index(a={"ci.dast.tools": ["zap"]})
    unknown = Comparison("ci.sast.tools", "non_empty")
    true = HAS_DAST
    false = Not(HAS_DAST)
    cases: list[tuple[Condition, str]] = [
        (AnyOf((true, unknown)), PASS),
        (AnyOf((false, unknown)), NO_EVIDENCE),
        (AllOf((false, unknown)), FAIL),
        (AllOf((true, unknown)), NO_EVIDENCE),
        (Not(unknown), NO_EVIDENCE),
    ]
    for condition, expected in cases:
        assert Evaluator(evidence, THRESHOLDS).evaluate(
            rule(condition, Quantifier("all"))).outcome == expected, condition


@pytest.mark.parametrize(("op", "value", "actual", "expected"), [
    ("eq", True, True, True), ("ne", "a", "b", True), ("gt", 1, 2, True), ("gte", 2, 2, True),
    ("lt", 2, 2, False), ("lte", 2, 2, True), ("in", ("a", "b"), "b", True),
    ("contains", "zap", ["zap", "nuclei"], True), ("contains", "ap", "zap", True),
    ("contains_any", ("x", "nuclei"), ["zap", "nuclei"], True), ("non_empty", None, [], False),
    ("matches", r"^prod", "production", True), ("matches", r"^prod", ["stage", "prod-eu"], True),
])
def test_operators(op: str, value: Any, actual: Any, expected: bool) -> None:
    evidence = index(a={"x.signal": actual})
    result = Evaluator(evidence, THRESHOLDS).evaluate(
        rule(Comparison("x.signal", op, value), Quantifier("all")))
    assert result.outcome == (PASS if expected else FAIL)


def test_aggregates_reduce_numbers_over_entities() -> None:
    evidence = index(a={"tests.ratio": 0.1, "n": 1, "d": 10},
                     b={"tests.ratio": 0.3, "n": 3, "d": 10},
                     c={"tests.ratio": 0.8, "n": 0, "d": 0})
    expectations = {"median": 0.3, "mean": 0.4, "min": 0.1, "max": 0.8, "sum": 1.2, "p90": 0.8}
    for fn, value in expectations.items():
        result = Evaluator(evidence, THRESHOLDS).evaluate(
            rule(aggregate=Aggregate(fn, "gte", 0.3, signal="tests.ratio")))
        assert result.aggregate_value == pytest.approx(value), fn
        assert result.outcome == (PASS if value >= 0.3 else FAIL), fn
    ratio = Evaluator(evidence, THRESHOLDS).evaluate(
        rule(aggregate=Aggregate("ratio", "lt", ThresholdRef("share"), numerator="n",
                                 denominator="d")))
    assert ratio.aggregate_value == pytest.approx(0.2) and ratio.outcome == PASS


def test_aggregate_with_a_missing_entity_is_no_evidence() -> None:
    evidence = index(a={"tests.ratio": 0.9}, b={"repo.has_commits": True})
    result = Evaluator(evidence, THRESHOLDS).evaluate(
        rule(aggregate=Aggregate("min", "gte", 0.5, signal="tests.ratio")))
    assert result.outcome == NO_EVIDENCE
    assert result.missing_signals == ("tests.ratio",)


def test_rule_results_keep_the_evidence_they_read() -> None:
    evidence = index(api={"deployable": True, "ci.dast.tools": ["zap"]})
    result = Evaluator(evidence, THRESHOLDS).evaluate(
        rule(HAS_DAST, Quantifier("some"), applies_to=Comparison("deployable", "eq", True)))
    # what judged the criterion, and apart from it what only put the entity in scope
    assert {(e.signal, e.locator) for e in result.evidence} == {("ci.dast.tools", "api.yml:3")}
    assert {(e.signal, e.locator) for e in result.applicability} == {("deployable", "api.yml:3")}
    assert result.message == "met by 1 of 1 repository; needs at least one"


def test_an_entity_with_too_little_data_is_not_known_never_out_of_scope() -> None:
    evidence = index(young={"git.commits": 3, "git.off_hours_share": 0.9},
                     old={"git.commits": 400, "git.off_hours_share": 0.1})
    judged = rule(Comparison("git.off_hours_share", "lte", 0.4), Quantifier("all"))
    result = Evaluator(evidence, THRESHOLDS).evaluate(
        replace(judged, needs=Comparison("git.commits", "gte", 20)))
    assert result.outcome == NO_EVIDENCE  # the young repository could swing it
    assert result.entities_with(None) == ["repo:young"] and result.excluded == ()


def test_size_gte_counts_list_items() -> None:
    evidence = index(a={"iac.clouds": ["aws", "google"]}, b={"iac.clouds": ["aws"]})
    result = Evaluator(evidence, THRESHOLDS).evaluate(
        rule(Comparison("iac.clouds", "size_gte", 2), Quantifier("all")))
    assert result.outcome == FAIL and result.entities_with(True) == ["repo:a"]
