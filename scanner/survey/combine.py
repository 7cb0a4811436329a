"""Several respondents' answers as one self-assessment that keeps their disagreement.

Each sub-competency gets the median answer (the lower middle one when the count is even,
so a split team does not claim the higher stage) together with the lowest and highest
answer and the count per stage: a leader should see that one team says Beginner and
another Expert, not a mean of Intermediate that nobody said.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scanner.model import STAGES, Model, stage_index
from scanner.survey.answers import Answers


@dataclass(frozen=True)
class Combined:
    sub_id: str
    competency: str
    name: str
    counts: Mapping[str, int]  # stage -> respondents who chose it
    dont_know: int
    stage: str | None  # the median answer; None when nobody knew

    @property
    def answered(self) -> int:
        return sum(self.counts.values())

    @property
    def low(self) -> str | None:
        return next((s for s in STAGES if self.counts.get(s)), None)

    @property
    def high(self) -> str | None:
        return next((s for s in reversed(STAGES) if self.counts.get(s)), None)

    @property
    def spread(self) -> int:
        """Stages between the lowest and the highest answer: 0 when all agree."""
        if self.low is None or self.high is None:
            return 0
        return stage_index(self.high) - stage_index(self.low)


@dataclass(frozen=True)
class SelfAssessment:
    respondents: tuple[str, ...]
    items: tuple[Combined, ...]  # in model order

    def item(self, sub_id: str) -> Combined | None:
        return next((i for i in self.items if i.sub_id == sub_id), None)

    def competency_score(self, competency: str) -> float | None:
        """Mean stage index (1-4) of the known median answers, as the scorer averages."""
        known = [stage_index(i.stage) for i in self.items
                 if i.competency == competency and i.stage]
        return sum(known) / len(known) if known else None


def combine(answers: Sequence[Answers], model: Model) -> SelfAssessment:
    items: list[Combined] = []
    for competency in model.competencies:
        for sub in competency.subcompetencies:
            given = sorted((a.stages[sub.full_id] for a in answers if sub.full_id in a.stages),
                           key=stage_index)
            counts = {stage: given.count(stage) for stage in STAGES}
            median = given[(len(given) - 1) // 2] if given else None
            items.append(Combined(sub.full_id, competency.id, sub.name, counts,
                                  len(answers) - len(given), median))
    return SelfAssessment(tuple(a.respondent for a in answers), tuple(items))
