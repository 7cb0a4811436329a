"""Several respondents: the median answer and the spread around it."""

from __future__ import annotations

from scanner.model import load_model
from scanner.survey.answers import Answers
from scanner.survey.combine import combine

MODEL = load_model()
TESTS = "build_test.test_automation"


def test_spread_is_kept_not_averaged_away() -> None:
    teams = [Answers("a", {TESTS: "beginner"}, "a.yaml"),
             Answers("b", {TESTS: "expert"}, "b.yaml"),
             Answers("c", {TESTS: "expert"}, "c.yaml"),
             Answers("d", {}, "d.yaml")]
    combined = combine(teams, MODEL)
    item = combined.item(TESTS)
    assert item is not None
    assert item.stage == "expert"  # median of beginner, expert, expert
    assert (item.low, item.high, item.spread) == ("beginner", "expert", 3)
    assert item.counts["expert"] == 2 and item.dont_know == 1 and item.answered == 3
    assert combined.respondents == ("a", "b", "c", "d")


def test_an_even_split_takes_the_lower_middle_answer() -> None:
    combined = combine([Answers("a", {TESTS: "intermediate"}, "a.yaml"),
                        Answers("b", {TESTS: "expert"}, "b.yaml")], MODEL)
    item = combined.item(TESTS)
    assert item is not None and item.stage == "intermediate"


def test_nobody_knows_means_no_stage_and_no_competency_score() -> None:
    combined = combine([Answers("a", {}, "a.yaml")], MODEL)
    assert all(item.stage is None and item.spread == 0 for item in combined.items)
    assert len(combined.items) == 30
    assert combined.competency_score("build_test") is None


def test_competency_score_is_the_mean_of_known_medians() -> None:
    combined = combine([Answers("a", {TESTS: "expert", "build_test.code_scanning": "advanced"},
                                "a.yaml")], MODEL)
    assert combined.competency_score("build_test") == 3.5
