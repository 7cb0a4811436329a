"""The terminal survey, fed through its input stream as a person would type."""

from __future__ import annotations

import io

from scanner.model import load_model
from scanner.survey.answers import Answers
from scanner.survey.questions import questions
from scanner.survey.terminal import run_survey

ASKED = questions(load_model())


def _run(typed: str, start: Answers | None = None) -> tuple[Answers, list[Answers], str]:
    saved: list[Answers] = []
    out = io.StringIO()
    result = run_survey(ASKED, start or Answers("me", {}, "me.yaml"), saved.append,
                        io.StringIO(typed), out)
    return result, saved, out.getvalue()


def test_numbers_back_skip_and_dont_know() -> None:
    # 4 for Q1, 3 for Q2, back to Q2 and change it to 2, don't know for Q3, skip Q4, quit.
    answers, saved, out = _run("4\n3\nb\n2\n0\ns\nq\n")
    assert answers.stage(ASKED[0].id) == "expert"
    assert answers.stage(ASKED[1].id) == "intermediate"
    assert ASKED[2].id in answers.dont_know and answers.stage(ASKED[2].id) is None
    assert not answers.asked(ASKED[3].id)
    assert len(saved) == 4  # written after every answer, not only at the end
    assert "(now: Advanced)" in out  # going back shows the answer given
    assert "3 of 30 asked; run again to answer the other 27" in out


def test_resumes_at_the_first_question_not_asked() -> None:
    first, _, _ = _run("1\n1\n")
    _, _, out = _run("q\n", first)
    assert f"[3/30] {ASKED[2].competency} / {ASKED[2].name}" in out
    assert "[1/30]" not in out


def test_unknown_input_is_explained_and_asked_again() -> None:
    answers, saved, out = _run("7\n2\n")
    assert "'7' is not an answer" in out
    assert answers.stage(ASKED[0].id) == "intermediate" and len(saved) == 1


def test_end_of_input_keeps_what_was_answered() -> None:
    answers, _, out = _run("")
    assert not answers.stages and "0 of 30 asked" in out
