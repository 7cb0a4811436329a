"""Answers files: read, written back, and every kind of bad answer as one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.errors import UserError
from scanner.model import load_model
from scanner.survey.answers import Answers, load_answers, write_answers
from scanner.survey.questions import questions

MODEL = load_model()


def test_thirty_questions_each_with_four_plain_answers() -> None:
    asked = questions(MODEL)
    assert len(asked) == 30
    assert len({q.id for q in asked}) == 30
    test_automation = next(q for q in asked if q.id == "build_test.test_automation")
    assert [stage for stage, _ in test_automation.options] == [
        "beginner", "intermediate", "advanced", "expert"]
    assert all(text for _, text in test_automation.options)


def test_round_trip_keeps_stages_and_dont_know(tmp_path: Path) -> None:
    path = tmp_path / "team.yaml"
    written = Answers("Payments", {"build_test.test_automation": "expert"}, str(path),
                      frozenset({"operate.scaling"}))
    write_answers(path, written, MODEL)
    read = load_answers(path, MODEL)
    assert read.respondent == "Payments"
    assert dict(read.stages) == {"build_test.test_automation": "expert"}
    assert read.dont_know == {"operate.scaling"}
    assert read.asked("operate.scaling") and not read.asked("operate.patching")


def test_missing_answers_count_as_dont_know(tmp_path: Path) -> None:
    path = tmp_path / "sparse.yaml"
    path.write_text("answers:\n  operate.patching: Advanced\n  operate.scaling: \"don't know\"\n")
    read = load_answers(path, MODEL)
    assert read.respondent == "sparse"  # the file name when no respondent is given
    assert dict(read.stages) == {"operate.patching": "advanced"}
    assert read.stage("people_culture.communication") is None


@pytest.mark.parametrize(("content", "message"), [
    ("answers:\n  build_test.test_automaton: expert\n",
     "unknown sub-competency 'build_test.test_automaton' (did you mean "
     "'build_test.test_automation'?)"),
    ("answers:\n  build_test.test_automation: wizard\n", "'wizard' is not a stage"),
    ("answers: [expert]\n", "expected a mapping of sub-competency id to stage"),
    ("respondent: x\nteam: y\n", "unknown key"),
    ("answers: {a: [\n", "not valid YAML"),
])
def test_bad_answers_are_one_line_naming_the_file(tmp_path: Path, content: str,
                                                  message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(UserError) as raised:
        load_answers(path, MODEL)
    text = str(raised.value)
    assert message in text and text.startswith(str(path)) and "\n" not in text
