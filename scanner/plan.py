"""The next cells to work on, from a stored scan and the targets, one stage at a time.

The white paper's advice is followed literally: lowest areas first, because a weak area
holds the others back, and no leapfrogging, because each cell builds on the one before it.
So every step moves one sub-competency up one stage, all steps to Intermediate come before
any step to Advanced, and within a stage the competency furthest behind goes first. Each
step carries what the scan says is missing, entity by entity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scanner.model import NOT_APPLICABLE, STAGES, stage_index
from scanner.targets import Target

# Only these outcomes leave a cell unmet: "fail", or "no_evidence" (nobody looked).
_BLOCKING = ("fail", "no_evidence")


@dataclass(frozen=True)
class RuleGap:
    """A rule that has to pass for the step's cell to be met."""

    rule: str
    summary: str
    outcome: str  # fail, or no_evidence
    message: str
    lacking: tuple[str, ...]  # entities that fail it
    unknown: tuple[str, ...]  # entities nobody could judge
    missing_signals: tuple[str, ...]
    remedy: str = ""  # what would meet it, in words (reports from schema 3 on)


@dataclass(frozen=True)
class Step:
    sub_id: str
    competency: str
    name: str
    observed: str
    stage: str  # the cell to reach; "unknown" observed means: gather evidence first
    criterion: str
    owner: str | None
    due: str | None
    gaps: tuple[RuleGap, ...]
    reason: str = ""  # why the stage is unknown, when it is

    @property
    def start(self) -> str:
        """The stage this step starts from: the observed one, or the step before."""
        if self.observed not in STAGES:
            return self.observed
        return STAGES[stage_index(self.stage) - 2]


MET = "met"
NOT_MET = "not met"
BELOW_OBSERVED = "below observed"
NOT_APPLICABLE_STATUS = "not applicable"
# What each status of a target means, said once in every format of the plan.
MEANING = {
    MET: "every sub-competency that applies to what was scanned is at the target stage or "
         "above; those that do not apply do not count, and a Beginner target is always met",
    NOT_MET: "a sub-competency that applies is below the target stage, or could not be "
             "judged",
    BELOW_OBSERVED: "met, with the target under the competency's observed stage: nothing "
                    "to do there",
    NOT_APPLICABLE_STATUS: "no sub-competency of the competency applies to what was scanned",
}


@dataclass(frozen=True)
class Standing:
    """A competency against its target."""

    competency: str
    name: str
    observed: str
    score: float | None
    target: str
    owner: str | None
    due: str | None
    met: bool
    below_observed: bool  # the target asks for less than the scan saw
    applicable: int = 0  # sub-competencies that apply to what was scanned
    at_target: int = 0  # of those, the ones at the target stage or above
    unknown: int = 0  # of those, the ones whose stage could not be judged

    @property
    def status(self) -> str:
        if not self.applicable:
            return NOT_APPLICABLE_STATUS
        if not self.met:
            return NOT_MET
        return BELOW_OBSERVED if self.below_observed else MET


@dataclass(frozen=True)
class Plan:
    scan_id: str
    standings: tuple[Standing, ...]
    steps: tuple[Step, ...]
    untargeted: tuple[tuple[str, str], ...] = ()  # (id, name) of competencies with no target


def make_plan(document: dict[str, Any], targets: tuple[Target, ...]) -> Plan:
    wanted = {t.competency: t for t in targets}
    standings: list[Standing] = []
    steps: list[tuple[tuple[int, float, int], Step]] = []
    untargeted: list[tuple[str, str]] = []
    order = 0
    for competency in document["competencies"]:
        target = wanted.get(competency["id"])
        if target is None:
            untargeted.append((competency["id"], competency["name"]))
            continue
        own: list[Step] = []
        applicable = at_target = unknown = 0
        for sub in competency["subcompetencies"]:
            needed = _steps(competency["id"], sub, target)
            own += needed
            if sub["stage"] != NOT_APPLICABLE:
                applicable += 1
                at_target += not needed
                unknown += sub["stage"] not in STAGES
        for step in own:
            order += 1
            # Unknown first (nothing can be planned on no evidence), then by the cell to
            # reach, then the competency furthest behind.
            rank = 0 if step.observed not in STAGES else stage_index(step.stage)
            steps.append(((rank, competency["score"] or 0.0, order), step))
        standings.append(Standing(
            competency["id"], competency["name"], competency["stage"], competency["score"],
            target.stage, target.owner, target.due, met=not own,
            below_observed=stage_index(target.stage) < stage_index(competency["stage"]),
            applicable=applicable, at_target=at_target, unknown=unknown))
    steps.sort(key=lambda pair: pair[0])
    return Plan(document["scan"]["id"], tuple(standings), tuple(step for _, step in steps),
                tuple(untargeted))


def _steps(competency: str, sub: dict[str, Any], target: Target) -> list[Step]:
    sub_id = f"{competency}.{sub['id']}"
    cells = {cell["stage"]: cell for cell in sub["cells"]}
    observed = sub["stage"]
    if observed == NOT_APPLICABLE:
        return []  # nothing scanned is of the kind this sub-competency speaks of
    if observed not in STAGES:
        if target.stage == STAGES[0]:  # every team starts at Beginner: nothing to reach
            return []
        first = next(s for s in STAGES[1:] if s in cells)
        return [Step(sub_id, competency, sub["name"], observed, first,
                     cells[first]["criterion"], target.owner, target.due,
                     _gaps(cells[first]), sub.get("reason", ""))]
    return [Step(sub_id, competency, sub["name"], observed, stage, cells[stage]["criterion"],
                 target.owner, target.due, _gaps(cells[stage]))
            for stage in STAGES[stage_index(observed):stage_index(target.stage)]]


def _gaps(cell: dict[str, Any]) -> tuple[RuleGap, ...]:
    return tuple(RuleGap(rule["id"], rule["summary"], rule["outcome"], rule["message"],
                         tuple(rule["entities"]["fail"]), tuple(rule["entities"]["unknown"]),
                         tuple(rule["missing_signals"]), rule.get("remedy") or "")
                 for rule in cell["rules"] if rule["outcome"] in _BLOCKING)
