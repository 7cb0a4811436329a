"""One question per sub-competency, its four answers in plain words, from the model.

The wording lives in the model file (each sub-competency's `question` and `answers`), so a
user who ships their own model ships their own survey with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.model import STAGE_NAMES, STAGES, Model

DONT_KNOW = "dont_know"


@dataclass(frozen=True)
class Question:
    id: str  # "build_test.test_automation": the same ids as reports and answers files
    competency: str
    name: str
    text: str
    options: tuple[tuple[str, str], ...]  # (stage, answer in plain words), lowest first


def questions(model: Model) -> tuple[Question, ...]:
    asked: list[Question] = []
    for competency in model.competencies:
        for sub in competency.subcompetencies:
            # A model without survey wording still gets a survey: the cell texts.
            options = tuple((stage, sub.answers.get(stage) or sub.cells[stage])
                            for stage in STAGES)
            text = sub.question or f"Which describes {sub.name.lower()} best?"
            asked.append(Question(sub.full_id, competency.name, sub.name, text, options))
    return tuple(asked)


def answer_name(answer: str | None) -> str:
    """`Expert`, or `don't know` for no answer."""
    return STAGE_NAMES[answer] if answer in STAGES else "don't know"
