"""An estate judged a unit at a time: each repository with its services, each account.

A rule's answer for an entity reads only that entity's evidence, so the estate's
evidence never needs to be in one index: each unit is indexed on its own, every rule
answered for its entities, and the answers gathered per rule (scanner/engine/tally.py).
The same answers judge the unit alone for the per-repository drill-down. What is kept
between units is small: entity ids, aggregates' numbers and a sample of checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.config import Config
from scanner.engine.engine import Engine
from scanner.engine.evaluate import Evaluator, RuleResult
from scanner.engine.tally import RuleTally
from scanner.evidence import Evidence, EvidenceIndex, Observed, entity_kind
from scanner.scoring.scorer import Assessment, Scorer
from scanner.spool import EvidenceSpool

# Entities judged on their own in the drill-down besides repositories: one per account.
ACCOUNT_KINDS = frozenset({"aws", "datadog", "pagerduty", "prometheus"})
# The signal by which a service names the repository it lives in.
SERVICE_REPO = "service.repo"


@dataclass(frozen=True)
class Judged:
    assessment: Assessment
    results: list[RuleResult]
    # The assessment of each repository (with its services) and account on its own.
    repositories: list[dict[str, Any]]


class EstateJudge:
    def __init__(self, engine: Engine, config: Config,
                 waived: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.engine = engine
        self.config = config
        self.waived = waived or {}
        self._tallies = [RuleTally(rule, engine.thresholds)
                         for rule in engine.rules.rules.values()]
        self._nothing_scanned = [RuleTally(tally.rule, engine.thresholds).result()
                                 for tally in self._tallies]
        self._sources: set[str] = set()
        self._signals: set[str] = set()
        self._entities: list[str] = []
        self._repositories: list[dict[str, Any]] = []

    def add(self, evidence: Iterable[Evidence], head: str | None = None,
            members: Sequence[str] = ()) -> None:
        """One unit's evidence; with `head`, the unit is that repository (its `members`
        besides it being its services) or account, judged alone for the drill-down."""
        index = EvidenceIndex(evidence)
        evaluator = Evaluator(index, self.engine.thresholds, self.waived)
        kinds = {entity: entity_kind(entity) for entity in index.entities()}
        # A rule over a kind the unit has none of says so alike in every unit.
        alone = list(self._nothing_scanned) if head is not None else []
        for position, tally in enumerate(self._tallies):
            entities = [entity for entity, kind in kinds.items() if kind == tally.rule.over]
            if not entities:
                continue
            own = RuleTally(tally.rule, self.engine.thresholds) if alone else None
            for entity in entities:
                answer = evaluator.answer(tally.rule, entity)
                tally.add(answer)
                if own is not None:
                    own.add(answer)
            if own is not None:
                alone[position] = own.result()
        observed = Observed.of(index)
        self._sources |= observed.sources
        self._signals |= observed.signals
        self._entities += observed.entities
        if head is not None:
            assessment = self._scorer().assess(alone, observed)
            self._repositories.append({
                "entity": head,
                "services": [m for m in members if m != head],
                "overall": {"stage": assessment.stage, "score": assessment.score,
                            "confidence": assessment.confidence},
                "competencies": {c.id: c.stage for c in assessment.competencies},
            })

    def finish(self) -> Judged:
        results = [tally.result() for tally in self._tallies]
        observed = Observed(frozenset(self._sources), frozenset(self._signals),
                            tuple(sorted(self._entities)))
        return Judged(self._scorer().assess(results, observed), results,
                      sorted(self._repositories, key=lambda summary: summary["entity"]))

    def _scorer(self) -> Scorer:
        return Scorer(self.engine.model, self.engine.catalogue, self.config.scoring)


def units(entities: Sequence[str], service_repos: Iterable[tuple[str, str]]
          ) -> list[tuple[str | None, list[str]]]:
    """The estate's entities (in the order first seen) in units judged together: each
    repository with its services and each account, headed by it, then every other entity
    alone and headless. `service_repos` are (service, repository) as `service.repo` says."""
    groups = repository_groups(entities, service_repos)
    grouped = {member for members in groups.values() for member in members}
    return [*((head, members) for head, members in sorted(groups.items())),
            *((None, [entity]) for entity in entities if entity not in grouped)]


def repository_groups(entities: Sequence[str], service_repos: Iterable[tuple[str, str]]
                      ) -> dict[str, list[str]]:
    """Each repository with its services (repo entity -> [repo, service, …]), and each
    cloud or tool account on its own (aws:123… -> [aws:123…])."""
    groups: dict[str, list[str]] = {}
    for entity in entities:
        if entity_kind(entity) == "repo" or entity_kind(entity) in ACCOUNT_KINDS:
            groups.setdefault(entity, [entity])
    for service, repo in service_repos:
        groups.setdefault(repo, [repo]).append(service)
    return groups


def service_repos(evidence: Iterable[Evidence]) -> list[tuple[str, str]]:
    return [(item.entity, item.value) for item in evidence
            if item.signal == SERVICE_REPO and isinstance(item.value, str)]


def judge_estate(engine: Engine, config: Config, evidence: Sequence[Evidence] | EvidenceSpool,
                 waived: Mapping[str, Mapping[str, str]] | None = None, *,
                 drill_down: bool = True) -> Judged:
    """Judge `evidence` unit by unit; with `drill_down`, each unit with a head alone too.
    Spooled evidence is read back a unit at a time."""
    if isinstance(evidence, EvidenceSpool):
        spool = evidence
        entities = spool.entities()
        linked = [pair for entity in entities if entity_kind(entity) == "service"
                  for pair in service_repos(spool.evidence(entity))]
        read: Callable[[str], list[Evidence]] = spool.evidence
    else:
        by_entity: dict[str, list[Evidence]] = {}
        for item in evidence:
            by_entity.setdefault(item.entity, []).append(item)
        entities, linked = list(by_entity), service_repos(evidence)
        read = lambda entity: by_entity.get(entity, [])  # noqa: E731
    judge = EstateJudge(engine, config, waived)
    for head, members in units(entities, linked):
        judge.add((item for member in members for item in read(member)),
                  head if drill_down else None, members)
    return judge.finish()
