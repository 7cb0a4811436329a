"""The survey in a terminal: numbered answers, back, skip, resumable.

It reads plain lines rather than raw key presses, so it works the same in a terminal, over
a pipe and in tests, and a screen reader reads it like any other output. After every answer
the whole answers file is rewritten, so closing the terminal loses nothing and the next run
resumes at the first question not yet asked.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import replace
from typing import TextIO

from scanner.model import STAGES
from scanner.survey.answers import Answers
from scanner.survey.questions import Question, answer_name

HELP = ("1-4 answer, 0 don't know, Enter or s skip (an answer given before stays), b back, "
        "q quit (answers so far are kept)")
PROMPT = "1-4, 0, Enter skips, b, q > "


def run_survey(asked: tuple[Question, ...], answers: Answers, save: Callable[[Answers], None],
               reader: TextIO, writer: TextIO) -> Answers:
    """Ask every question not yet asked, starting at the first; return the answers."""
    position = next((i for i, q in enumerate(asked) if not answers.asked(q.id)), len(asked))
    if position == len(asked):
        writer.write("Every question is answered already; edit the file to change one.\n")
        _summary(asked, answers, set(), writer)
        return answers
    skipped: set[str] = set()
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
            skipped.add(question.id)
            position += 1
            continue
        if command == "0":
            answers = _set(answers, question.id, None)
        elif command in ("1", "2", "3", "4"):
            answers = _set(answers, question.id, STAGES[int(command) - 1])
        else:
            writer.write(f"'{line.strip()}' is not an answer: {HELP}\n")
            continue
        skipped.discard(question.id)
        save(answers)
        position += 1
    _summary(asked, answers, skipped, writer)
    return answers


def _summary(asked: tuple[Question, ...], answers: Answers, skipped: set[str],
             writer: TextIO) -> None:
    """What was answered, per competency, and the command to run next."""
    left = sum(1 for q in asked if not answers.asked(q.id))
    dont_know = sum(1 for q in asked if q.id in answers.dont_know)
    passed = len(skipped - {q.id for q in asked if answers.asked(q.id)})
    skips = f", {passed} of them skipped this time" if passed else ""
    writer.write(f"\nSaved to {answers.source}: {len(asked) - left} of {len(asked)} asked "
                 f"({len(asked) - left - dont_know} answered, {dont_know} don't know); "
                 f"{left} open{skips}.\n\n")
    counts: dict[str, list[int]] = {}
    for question in asked:
        row = counts.setdefault(question.competency, [0, 0, 0])
        row[0 if answers.stage(question.id) else 1 if answers.asked(question.id) else 2] += 1
    name = max(len("Competency"), *(len(c) for c in counts))
    writer.write(f"{'Competency':<{name}}  Answered  Don't know  Open\n")
    for competency, (given, unknown, open_) in counts.items():
        writer.write(f"{competency:<{name}}  {given:>8}  {unknown:>10}  {open_:>4}\n")
    where = shlex.quote(answers.source)
    if left:
        writer.write(f"\nNext: `maturity survey --answers {where}` to answer the {left} "
                     "open,\nthen ")
    else:
        writer.write("\nNext: ")
    writer.write(f"`maturity compare --self {where}` to set the answers against a scan.\n")


def _show(question: Question, position: int, total: int, answers: Answers,
          writer: TextIO) -> None:
    current = ""
    if answers.asked(question.id):
        current = f" (now: {answer_name(answers.stage(question.id))})"
    writer.write(f"\n[{position + 1}/{total}] {question.competency} / {question.name}"
                 f"{current}\n{question.text}\n")
    for number, (_, text) in enumerate(question.options, start=1):
        writer.write(f"  {number}  {text}\n")
    writer.write(f"  0  Don't know\n{PROMPT}")
    writer.flush()


def _set(answers: Answers, sub_id: str, stage: str | None) -> Answers:
    stages = {k: s for k, s in answers.stages.items() if k != sub_id}
    dont_know = answers.dont_know - {sub_id}
    if stage is None:
        dont_know |= {sub_id}
    else:
        stages[sub_id] = stage
    return replace(answers, stages=stages, dont_know=frozenset(dont_know))
