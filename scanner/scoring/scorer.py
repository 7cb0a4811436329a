"""From rule outcomes to stages: cells, sub-competencies, competencies, overall.

* A cell is met when every applicable rule passes, not met when one fails,
  undetermined when none fails but one lacks evidence, not applicable when
  none of its rules applies.  Missing data never counts as a failure.
* A sub-competency's stage is the highest stage whose cell and every lower
  cell are met (no leapfrogging).  Beginner is established when evidence
  shows the Intermediate cell is not met; when Intermediate cannot be judged
  the stage is `unknown` (missing data never pulls a score down).  A stage
  reached below an undecidable cell is a lower bound.
* A sub-competency none of whose cells applies to anything scanned (a library
  has no deployments), or whose Intermediate cell does not, is `not_applicable`,
  with the reason in plain words; it is left out of scores and of confidence.
  Inside a cell, a rule that applies to nothing is ignored, so the rules of a
  cell must together cover every kind of entity the cell speaks of: not
  applicable never meets a cell alone.
* Competency and overall scores are the mean of known stage indices (1-4);
  confidence is the share of applicable sub-competencies with a known stage.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from scanner.engine.evaluate import FAIL, NO_EVIDENCE, NOT_APPLICABLE, PASS, RuleResult
from scanner.evidence import Evidence, EvidenceIndex, Observed
from scanner.model import NOT_APPLICABLE as STAGE_NOT_APPLICABLE
from scanner.model import (
    STAGE_NAMES,
    STAGES,
    UNKNOWN,
    Model,
    SubCompetency,
    stage_index,
)
from scanner.scoring.options import ScoringOptions
from scanner.signals import SignalCatalogue, SourceInfo

MET = "met"
NOT_MET = "not_met"
UNDETERMINED = "undetermined"
CELL_NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class CellVerdict:
    stage: str
    status: str
    results: tuple[RuleResult, ...] = ()
    floor_evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Unsettled:
    """A signal a requirement waits for. `looked` says a source that reports it was
    scanned and could not measure it (too little history, a CI file not read), rather than
    that no such source was scanned."""

    signal: str
    description: str
    sources: tuple[SourceInfo, ...]
    looked: bool


@dataclass(frozen=True)
class OpenRequirement:
    """One requirement of the next cell that is not met (`not_met`) or not known
    (`unknown`): the rules that could still meet it, and what would settle them."""

    status: str
    results: tuple[RuleResult, ...]
    unsettled: tuple[Unsettled, ...] = ()


@dataclass(frozen=True)
class NextStep:
    stage: str
    missing: tuple[str, ...]
    requirements: tuple[OpenRequirement, ...] = ()


@dataclass(frozen=True)
class SubScore:
    """A sub-competency's stage.

    `lower_bound` means the climb stopped at a cell that evidence could not
    decide: the stage is at least this, perhaps higher.
    """

    sub: SubCompetency
    stage: str
    confidence: float
    cells: tuple[CellVerdict, ...]
    next: NextStep | None
    reason: str = ""
    lower_bound: bool = False


@dataclass(frozen=True)
class CompetencyScore:
    id: str
    name: str
    stage: str
    score: float | None
    confidence: float
    subs: tuple[SubScore, ...]


@dataclass(frozen=True)
class Assessment:
    model: Model
    stage: str
    score: float | None
    confidence: float
    competencies: tuple[CompetencyScore, ...]
    entities: tuple[str, ...] = field(default=())
    # what each signal in the evidence means, in words, so reports can say it without ids
    glossary: dict[str, str] = field(default_factory=dict)


def stage_for_score(score: float | None, how: str) -> str:
    if score is None:
        return UNKNOWN
    index = math.floor(score + 1e-9) if how == "floor" else int(score + 0.5)
    return STAGES[max(1, min(4, index)) - 1]


class Scorer:
    def __init__(self, model: Model, catalogue: SignalCatalogue,
                 options: ScoringOptions | None = None) -> None:
        self.model = model
        self.catalogue = catalogue
        self.options = options or ScoringOptions()
        self._reported: set[str] = set()  # sources that reported anything in this scan

    def assess(self, results: Sequence[RuleResult], evidence: Observed | EvidenceIndex
               ) -> Assessment:
        observed = evidence if isinstance(evidence, Observed) else Observed.of(evidence)
        self._reported = set(observed.sources)
        by_sub: dict[str, list[RuleResult]] = {}
        for result in results:
            by_sub.setdefault(result.rule.subcompetency, []).append(result)
        competencies: list[CompetencyScore] = []
        for competency in self.model.competencies:
            subs = tuple(self._score_sub(sub, by_sub.get(sub.full_id, []))
                         for sub in competency.subcompetencies)
            score, confidence = self._mean([s.stage for s in subs])
            stage = STAGE_NOT_APPLICABLE if all(s.stage == STAGE_NOT_APPLICABLE for s in subs) \
                else stage_for_score(score, self.options.stage_from_score)
            competencies.append(CompetencyScore(competency.id, competency.name, stage,
                                                score, confidence, subs))
        if self.options.overall_from == "subcompetencies":
            stages = [s.stage for c in competencies for s in c.subs]
            score, confidence = self._mean(stages)
        else:
            known = [c.score for c in competencies if c.score is not None]
            score = round(sum(known) / len(known), 2) if known else None
            applicable = [s for c in competencies for s in c.subs
                          if s.stage != STAGE_NOT_APPLICABLE]
            confidence = round(sum(1 for s in applicable if s.stage != UNKNOWN)
                               / max(1, len(applicable)), 2)
        glossary = {signal: spec.description for signal in sorted(observed.signals)
                    if (spec := self.catalogue.get(signal)) is not None}
        return Assessment(self.model, stage_for_score(score, self.options.stage_from_score),
                          score, confidence, tuple(competencies), observed.entities,
                          glossary)

    @staticmethod
    def _mean(stages: Sequence[str]) -> tuple[float | None, float]:
        applicable = [s for s in stages if s != STAGE_NOT_APPLICABLE]
        known = [stage_index(s) for s in applicable if s != UNKNOWN]
        confidence = round(len(known) / len(applicable), 2) if applicable else 1.0
        if not known:
            return None, confidence
        return round(sum(known) / len(known), 2), confidence

    def _score_sub(self, sub: SubCompetency, results: list[RuleResult]) -> SubScore:
        upper = [CellVerdict(stage, _cell_status(in_cell), in_cell)
                 for stage in STAGES[1:]
                 for in_cell in [tuple(r for r in results if r.rule.stage == stage)]]
        cells = (_floor(upper[0]), *upper)
        if not results:
            return SubScore(sub, UNKNOWN, 0.0, cells, None,
                            "no rule judges this sub-competency yet")
        if _applies_to_nothing(results):
            return SubScore(sub, STAGE_NOT_APPLICABLE, 1.0, cells, None,
                            _not_applicable_reason([r for r in results
                                                    if r.rule.stage == STAGES[1]]))
        stage = UNKNOWN
        stopped: CellVerdict | None = None
        for cell in upper:
            if cell.status != MET:
                stopped = cell
                break
            stage = cell.stage
        if stage == UNKNOWN and stopped is not None and stopped.status == NOT_MET:
            stage = "beginner"  # Intermediate is shown not to hold: Beginner is established
        next_step = self._next_step(stopped) if stopped else None
        if stage == UNKNOWN:
            assert stopped is not None and next_step is not None
            if stopped.status == CELL_NOT_APPLICABLE:
                # The first cell speaks of nothing that was scanned: the climb cannot start,
                # and that is an answer (not applicable), not a gap in the evidence.
                return SubScore(sub, STAGE_NOT_APPLICABLE, 1.0, cells, None,
                                _not_applicable_reason(stopped.results))
            return SubScore(sub, UNKNOWN, 0.0, cells, next_step,
                            f"{STAGE_NAMES[stopped.stage]} could not be judged: "
                            + "; ".join(next_step.missing))
        # Confidence counts requirements, not rules: an alternative nobody needed to look at
        # (another source met the requirement) does not make the verdict less certain.
        groups = [group for stage_ in STAGES[1:]
                  for group in requirements([r for r in results if r.rule.stage == stage_])]
        decided = [g for g in groups if requirement_outcome(g) != NO_EVIDENCE]
        return SubScore(sub, stage, round(len(decided) / len(groups), 2), cells, next_step,
                        lower_bound=stopped is not None and stopped.status != NOT_MET)

    def _next_step(self, cell: CellVerdict) -> NextStep:
        if not cell.results:
            return NextStep(cell.stage, ("no rule decides this cell yet",))
        lines: list[str] = []
        open_: list[OpenRequirement] = []
        for group in requirements(cell.results):
            outcome = requirement_outcome(group)
            if outcome in (PASS, NOT_APPLICABLE):
                continue
            still = tuple(r for r in group if r.outcome not in (PASS, NOT_APPLICABLE))
            texts = [f"{r.rule.summary}: {r.message}" for r in still]
            lines.append(texts[0] if len(texts) == 1 else "one of: " + " | ".join(texts))
            # An alternative whose source was not scanned could still meet a failed one.
            unsettled = self._unsettled(still)
            open_.append(OpenRequirement(NOT_MET if outcome == FAIL else UNKNOWN, still,
                                         unsettled))
        return NextStep(cell.stage, tuple(lines), tuple(open_))

    def _unsettled(self, results: Sequence[RuleResult]) -> tuple[Unsettled, ...]:
        found: dict[str, Unsettled] = {}
        for result in results:
            if result.outcome != NO_EVIDENCE:
                continue
            for signal in list(result.missing_signals) or result.rule.signals():
                spec = self.catalogue.get(signal)
                sources = tuple(self.catalogue.sources(signal))
                found.setdefault(signal, Unsettled(
                    signal, spec.description if spec else signal, sources,
                    any(source.id in self._reported for source in sources)))
        return tuple(found.values())


def _floor(intermediate: CellVerdict) -> CellVerdict:
    """Beginner holds once evidence shows Intermediate does not, or once it is passed.

    Its evidence is what showed Intermediate missing: the failing entities'
    observations for the rules that failed.
    """
    if intermediate.status == MET:
        return CellVerdict("beginner", MET)
    if intermediate.status != NOT_MET:
        return CellVerdict("beginner", UNDETERMINED)
    shown: list[Evidence] = []
    failed = [r for group in requirements(intermediate.results)
              if requirement_outcome(group) == FAIL for r in group if r.outcome == FAIL]
    for result in failed:
        # An aggregate fails for the fleet as a whole: all its evidence shows why.
        failing = set(result.entities_with(result.rule.aggregate is not None))
        criterion = set(result.rule.criterion_signals())
        shown += [e for e in result.evidence if e.entity in failing and e.signal in criterion]
    return CellVerdict("beginner", MET, (), tuple(shown))


def requirements(results: Sequence[RuleResult]) -> list[list[RuleResult]]:
    """A cell's rules grouped by requirement; a rule without one stands alone."""
    groups: dict[str, list[RuleResult]] = {}
    for result in results:
        groups.setdefault(result.rule.requirement or result.rule.id, []).append(result)
    return list(groups.values())


def requirement_outcome(alternatives: Sequence[RuleResult]) -> str:
    """Any alternative passing meets a requirement; it fails only when all applicable fail.

    An alternative whose source was not scanned at all does not hold up a decision the
    scanned sources reach (reports still name it as a source that could settle more).
    """
    consulted = [r for r in alternatives if not r.unobserved]
    outcomes = [r.outcome for r in consulted or alternatives]
    if PASS in outcomes:
        return PASS
    applicable = [o for o in outcomes if o != NOT_APPLICABLE]
    if not applicable:
        return NOT_APPLICABLE
    return NO_EVIDENCE if NO_EVIDENCE in applicable else FAIL


def _cell_status(results: Sequence[RuleResult]) -> str:
    if not results:
        return UNDETERMINED
    outcomes = [requirement_outcome(group) for group in requirements(results)]
    applicable = [o for o in outcomes if o != NOT_APPLICABLE]
    if not applicable:
        return CELL_NOT_APPLICABLE
    if FAIL in applicable:
        return NOT_MET
    if NO_EVIDENCE in applicable:
        return UNDETERMINED
    return MET


def _applies_to_nothing(results: Sequence[RuleResult]) -> bool:
    """No rule of the sub-competency applies to anything scanned: each excluded every
    entity of its kind, or no entity of its kind was scanned at all."""
    return any(r.outcome == NOT_APPLICABLE for r in results) and all(
        r.outcome == NOT_APPLICABLE or r.nothing_scanned for r in results)


def _not_applicable_reason(results: Sequence[RuleResult]) -> str:
    """Why none of a sub-competency's cells applies, in the rules' own plain words: what
    its first cell speaks of, and that nothing scanned is of that kind."""
    scopes = sorted({r.rule.scope for r in results
                     if r.rule.scope and r.outcome == NOT_APPLICABLE}, key=len)
    if scopes:
        return f"no {scopes[0]} among what was scanned"
    return "; ".join(sorted({r.message for r in results if r.outcome == NOT_APPLICABLE}))
