"""Answers files: one respondent's stage per sub-competency, read and written as YAML.

```yaml
respondent: payments-team
answers:
  build_test.test_automation: advanced
  people_culture.communication: dont_know
```

A sub-competency left out, left empty or answered `dont_know` counts as "don't know", so a
half-filled file is valid. Empty means "not asked yet" and `dont_know` means "asked, nobody
knew": the terminal survey resumes at the first empty one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from scanner import validate as v
from scanner.errors import FileProblem
from scanner.model import STAGES, Model
from scanner.survey.questions import DONT_KNOW, Question, questions

# What people type for "don't know" besides the canonical spelling.
_DONT_KNOW_SPELLINGS = {DONT_KNOW, "don't know", "dont know", "unknown", "?", ""}


@dataclass(frozen=True)
class Answers:
    respondent: str
    stages: Mapping[str, str]  # sub-competency id -> stage; "don't know" is absent
    source: str  # the file it came from, for messages
    dont_know: frozenset[str] = frozenset()  # asked, and answered "don't know"

    def stage(self, sub_id: str) -> str | None:
        return self.stages.get(sub_id)

    def asked(self, sub_id: str) -> bool:
        return sub_id in self.stages or sub_id in self.dont_know


def load_answers(path: Path, model: Model) -> Answers:
    data = v.read_yaml_file(path)
    where = v.Where(str(path))
    top = v.mapping(data if data is not None else {}, where,
                    "a mapping with `respondent` and `answers`")
    v.keys(top, where, optional=("respondent", "model", "answers"))
    raw = v.mapping(top.get("answers") or {}, where.at("answers"),
                    "a mapping of sub-competency id to stage")
    known = {q.id for q in questions(model)}
    stages: dict[str, str] = {}
    dont_know: set[str] = set()
    for key, value in raw.items():
        sub_id = str(key)
        line = v.line_of(raw, key)
        if sub_id not in known:
            raise where.at("answers").problem(
                f"unknown sub-competency '{sub_id}'{v.suggest(sub_id, known)}; ids are "
                "COMPETENCY.SUB_COMPETENCY as `maturity model` lists them", line)
        answer = "" if value is None else str(value).strip().lower()
        if answer in _DONT_KNOW_SPELLINGS:
            if answer:
                dont_know.add(sub_id)
            continue
        if answer not in STAGES:
            raise where.at(f"answers.{sub_id}").problem(
                f"'{value}' is not a stage; use one of {', '.join(STAGES)} or {DONT_KNOW}"
                f"{v.suggest(answer, STAGES)}", line)
        stages[sub_id] = answer
    respondent = str(top.get("respondent") or path.stem)
    return Answers(respondent, stages, str(path), frozenset(dont_know))


def answers_yaml(answers: Answers, model: Model) -> str:
    """The file as a person would fill it in: every question, its options as comments."""
    lines = [f"# Self-assessment for {model.name} {model.version}: one answer per",
             f"# sub-competency, one of {', '.join(STAGES)} or {DONT_KNOW} (empty: not asked",
             "# yet; both count as don't know).",
             f"respondent: {_scalar(answers.respondent)}", "answers:"]
    for question in questions(model):
        lines += _question_comment(question)
        given = answers.stage(question.id) or (DONT_KNOW if question.id in answers.dont_know
                                               else "")
        lines.append(f"  {question.id}: {given}".rstrip())
    return "\n".join(lines) + "\n"


def write_answers(path: Path, answers: Answers, model: Model) -> None:
    """Replace the file in one step: an interrupted survey never leaves half a file."""
    text = answers_yaml(answers, model)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except OSError as exc:
        raise FileProblem(str(path), f"cannot be written ({exc.strerror})") from None


def _question_comment(question: Question) -> list[str]:
    lines = [f"  # {question.competency} / {question.name}: {question.text}"]
    lines += [f"  #   {stage}: {text}" for stage, text in question.options]
    return lines


def _scalar(text: str) -> str:
    return yaml.safe_dump(text, default_style=None).removesuffix("\n...\n").strip()
