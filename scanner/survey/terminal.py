"""The survey in a terminal: numbered answers, back, skip, resumable.

It reads plain lines rather than raw key presses, so it works the same in a terminal, over
a pipe and in tests, and a screen reader reads it like any other output. After every answer
the whole answers file is rewritten, so closing the terminal loses nothing and the next run
resumes at the first question not yet asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TextIO

from scanner.model import STAGES
from scanner.survey.answers import Answers
from scanner.survey.questions import Question, answer_name

HELP = "1-4 answer, 0 don't know, b back, s skip, q quit (answers so far are kept)"


def run_survey(asked: tuple[Question, ...], answers: Answers, save: Callable[[Answers], None],
               reader: TextIO, writer: TextIO) -> Answers:
    """Ask every question not yet asked, starting at the first; return the answers."""
    position = next((i for i, q in enumerate(asked) if not answers.asked(q.id)), len(asked))
    if position == len(asked):
        writer.write("Every question is answered already; edit the file to change one.\n")
        return answers
    writer.write(f"{len(asked)} questions, one per sub-competency. {HELP}.\n")
    while position < len(asked):
        question = asked[position]
        _show(question, position, len(asked), answers, writer)
        line = reader.readline()
        if not line:  # end of input: leave as if the user quit
            writer.write("\n")
            break
        command = line.strip().lower()
        if command == "q":
            break
        if command == "b":
            position = max(0, position - 1)
            continue
        if command in ("s", ""):
            position += 1
            continue
        if command == "0":
            answers = _set(answers, question.id, None)
        elif command in ("1", "2", "3", "4"):
            answers = _set(answers, question.id, STAGES[int(command) - 1])
        else:
            writer.write(f"'{line.strip()}' is not an answer: {HELP}\n")
            continue
        save(answers)
        position += 1
    left = sum(1 for q in asked if not answers.asked(q.id))
    writer.write(f"Saved. {len(asked) - left} of {len(asked)} asked"
                 + (f"; run again to answer the other {left}.\n" if left else ".\n"))
    return answers


def _show(question: Question, position: int, total: int, answers: Answers,
          writer: TextIO) -> None:
    current = ""
    if answers.asked(question.id):
        current = f" (now: {answer_name(answers.stage(question.id))})"
    writer.write(f"\n[{position + 1}/{total}] {question.competency} / {question.name}"
                 f"{current}\n{question.text}\n")
    for number, (_, text) in enumerate(question.options, start=1):
        writer.write(f"  {number}  {text}\n")
    writer.write("  0  Don't know\n> ")
    writer.flush()


def _set(answers: Answers, sub_id: str, stage: str | None) -> Answers:
    stages = {k: s for k, s in answers.stages.items() if k != sub_id}
    dont_know = answers.dont_know - {sub_id}
    if stage is None:
        dont_know |= {sub_id}
    else:
        stages[sub_id] = stage
    return replace(answers, stages=stages, dont_know=frozenset(dont_know))
