"""Self-reported against observed: one verdict per cell, and the evidence behind it.

Reads a stored scan's document and a combined self-assessment; knows nothing about how
either was made. For an over-rating the evidence is what the cells between the observed
and the claimed stage lack; for an under-rating it is what the scan saw that the team did
not claim.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from scanner.model import NOT_APPLICABLE as STAGE_NOT_APPLICABLE
from scanner.model import STAGES, stage_index
from scanner.survey.combine import SelfAssessment

AGREE = "agree"
OVER = "over-rated"
UNDER = "under-rated"
NOT_OBSERVABLE = "not observable"
NOT_APPLICABLE = "not applicable"  # nothing scanned is of the kind the cells speak of
NOT_ANSWERED = "not answered"
VERDICTS = (OVER, UNDER, AGREE, NOT_OBSERVABLE, NOT_APPLICABLE, NOT_ANSWERED)
# Entities named per contradicting rule: enough to act on, short enough to read.
MAX_ENTITIES = 5


@dataclass(frozen=True)
class Finding:
    """One rule whose outcome contradicts the answer."""

    stage: str  # the cell's stage
    rule: str
    summary: str
    outcome: str
    message: str
    entities: tuple[str, ...]  # those that fail it (over-rating) or pass it (under-rating)
    locators: tuple[str, ...]  # "entity\tlocator", where a person can check


@dataclass(frozen=True)
class CellComparison:
    sub_id: str
    competency: str
    name: str
    claimed: str | None  # the respondents' median; None when nobody knew
    low: str | None
    high: str | None
    observed: str
    lower_bound: bool
    verdict: str
    findings: tuple[Finding, ...]

    @property
    def gap(self) -> int:
        """Claimed minus observed, in stages; 0 when either is not known."""
        if self.claimed is None or self.observed not in STAGES:
            return 0
        return stage_index(self.claimed) - stage_index(self.observed)


@dataclass(frozen=True)
class Comparison:
    scan_id: str
    respondents: tuple[str, ...]
    cells: tuple[CellComparison, ...]  # biggest gap first

    def count(self, verdict: str) -> int:
        return sum(1 for cell in self.cells if cell.verdict == verdict)


def compare(document: dict[str, Any], claimed: SelfAssessment) -> Comparison:
    cells = [_compare_cell(competency["id"], sub, claimed)
             for competency in document["competencies"] for sub in competency["subcompetencies"]]
    order = {cell.sub_id: index for index, cell in enumerate(cells)}
    cells.sort(key=lambda c: (-abs(c.gap), VERDICTS.index(c.verdict), order[c.sub_id]))
    return Comparison(document["scan"]["id"], claimed.respondents, tuple(cells))


def _compare_cell(competency: str, sub: dict[str, Any], claimed: SelfAssessment
                  ) -> CellComparison:
    sub_id = f"{competency}.{sub['id']}"
    item = claimed.item(sub_id)
    stage = item.stage if item else None
    observed = sub["stage"]
    lower_bound = bool(sub.get("lower_bound"))
    findings: tuple[Finding, ...] = ()
    if stage is None:
        verdict = NOT_ANSWERED
    elif observed == STAGE_NOT_APPLICABLE:
        verdict = NOT_APPLICABLE
    elif observed not in STAGES or (lower_bound and stage_index(stage) > stage_index(observed)):
        # A lower bound cannot refute a higher claim: the next cell could not be judged.
        verdict = NOT_OBSERVABLE
    elif stage == observed:
        verdict = AGREE
    elif stage_index(stage) > stage_index(observed):
        verdict = OVER
        findings = tuple(_unmet(sub, observed, stage))
    else:
        verdict = UNDER
        findings = tuple(_met(sub, stage, observed))
    return CellComparison(sub_id, competency, sub["name"], stage,
                          item.low if item else None, item.high if item else None,
                          observed, lower_bound, verdict, findings)


def _between(sub: dict[str, Any], low: str, high: str) -> Iterator[dict[str, Any]]:
    """The cells above `low` up to and including `high`."""
    for cell in sub["cells"]:
        if stage_index(low) < stage_index(cell["stage"]) <= stage_index(high):
            yield cell


def _unmet(sub: dict[str, Any], observed: str, claimed: str) -> Iterator[Finding]:
    for cell in _between(sub, observed, claimed):
        for rule in cell["rules"]:
            if rule["outcome"] == "fail":
                failing = rule["entities"]["fail"]
                yield _finding(cell["stage"], rule, failing, set(failing))


def _met(sub: dict[str, Any], claimed: str, observed: str) -> Iterator[Finding]:
    for cell in _between(sub, claimed, observed):
        for rule in cell["rules"]:
            if rule["outcome"] == "pass":
                passing = rule["entities"]["pass"]
                yield _finding(cell["stage"], rule, passing, set(passing), positive=True)


def _finding(stage: str, rule: dict[str, Any], entities: list[str], chosen: set[str],
             positive: bool = False) -> Finding:
    locators: list[str] = []
    for item in rule["evidence"]:
        if item["entity"] not in chosen or (positive and not item["value"]):
            continue
        for locator in item.get("locators") or [item.get("locator")]:
            if locator and f"{item['entity']}\t{locator}" not in locators:
                locators.append(f"{item['entity']}\t{locator}")
    return Finding(stage, rule["id"], rule["summary"], rule["outcome"], rule["message"],
                   tuple(entities), tuple(locators))
