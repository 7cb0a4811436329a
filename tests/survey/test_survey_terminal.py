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
    assert "Saved to me.yaml: 3 of 30 asked (2 answered, 1 don't know); 27 open, 1 of them " \
        "skipped this time." in out


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


def test_ends_with_a_count_per_competency_and_the_next_command() -> None:
    # Q1-Q4 are People & Culture: two answered, one don't know, one skipped with Enter.
    _, _, out = _run("2\n3\n0\n\nq\n", Answers("me", {}, "team answers.yaml"))
    assert "Enter or s skip" in out.splitlines()[0]  # the key list says what Enter does
    lines = out.splitlines()
    head = lines.index("Competency         Answered  Don't know  Open")
    assert lines[head + 1].split() == ["People", "&", "Culture", "2", "1", "1"]
    assert lines[head + 2].split()[-3:] == ["0", "0", "4"]  # Plan & Develop, not reached
    assert "1 of them skipped this time" in out
    assert "Next: `maturity survey --answers 'team answers.yaml'` to answer the 27 open" in out
    assert out.rstrip().endswith("then `maturity compare --self 'team answers.yaml'` to set "
                                 "the answers against a scan.")


def test_a_finished_survey_points_at_compare() -> None:
    done = Answers("me", {q.id: "advanced" for q in ASKED}, "me.yaml")
    _, saved, out = _run("", done)
    assert not saved and "Every question is answered already" in out
    assert "30 of 30 asked (30 answered, 0 don't know); 0 open." in out
    assert out.rstrip().endswith("Next: `maturity compare --self me.yaml` to set the answers "
                                 "against a scan.")
