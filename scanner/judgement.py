"""An estate judged a unit at a time: each repository with its services, each account.

A rule's answer for an entity reads only that entity's evidence, so the estate's
evidence never needs to be in one index: each unit is indexed on its own, every rule
answered for its entities, and the answers gathered per rule (scanner/engine/tally.py).
The same answers judge the unit alone for the per-repository drill-down. What is kept
between units is small: entity ids, aggregates' numbers and a sample of checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from scanner.config import Config
from scanner.engine.engine import Engine
from scanner.engine.evaluate import Answer, Evaluator, RuleResult
from scanner.engine.tally import RuleTally
from scanner.evidence import Evidence, EvidenceIndex, Observed, entity_kind
from scanner.iterables import batched
from scanner.judged_units import UnitJudgement, engine_fingerprint, packed, unit_key, unpacked
from scanner.scoring.scorer import Assessment, Scorer
from scanner.spool import EvidenceSpool

# Entities judged on their own in the drill-down besides repositories: one per account.
ACCOUNT_KINDS = frozenset({"aws", "datadog", "pagerduty", "prometheus"})
# Finds a unit's kept judgement by its key: those found, by key (from the store).
Recall = Callable[[Sequence[str]], Mapping[str, bytes]]
# Units whose kept judgements are looked up at once.
RECALLED_AT_ONCE = 200


@dataclass(frozen=True)
class Judged:
    assessment: Assessment
    results: list[RuleResult]
    # The assessment of each repository (with its services) and account on its own.
    repositories: list[dict[str, Any]]
    # The key of each unit's judgement, in the order judged.
    units: list[str] = field(default_factory=list)


class EstateJudge:
    def __init__(self, engine: Engine, config: Config,
                 waived: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.engine = engine
        self.config = config
        self.waived = waived or {}
        self._tallies = [RuleTally(rule, engine.thresholds)
                         for rule in engine.rules.rules.values()]
        self._positions = {tally.rule.id: n for n, tally in enumerate(self._tallies)}
        self._nothing_scanned = [RuleTally(tally.rule, engine.thresholds).result()
                                 for tally in self._tallies]
        self._sources: set[str] = set()
        self._signals: set[str] = set()
        self._entities: list[str] = []
        self._repositories: list[dict[str, Any]] = []

    def add(self, evidence: Iterable[Evidence], head: str | None = None,
            members: Sequence[str] = ()) -> UnitJudgement:
        """One unit's evidence; with `head`, the unit is that repository (its `members`
        besides it being its services) or account, judged alone for the drill-down.
        Returns the unit's judgement, to keep for the next scan."""
        index = EvidenceIndex(evidence)
        evaluator = Evaluator(index, self.engine.thresholds, self.waived)
        kinds = {entity: entity_kind(entity) for entity in index.entities()}
        answers: list[tuple[str, Answer]] = []
        for tally in self._tallies:
            rule = tally.rule
            answers += [(rule.id, evaluator.answer(rule, entity))
                        for entity, kind in kinds.items() if kind == rule.over]
        judgement = UnitJudgement(answers, Observed.of(index), None)
        summary = self._take(judgement, head, members)
        return replace(judgement, summary=summary)

    def add_known(self, judgement: UnitJudgement, head: str | None = None,
                  members: Sequence[str] = ()) -> bool:
        """A unit's judgement kept from an earlier scan; False (nothing taken) when it
        answers for a rule this scan does not have."""
        if any(rule_id not in self._positions for rule_id, _ in judgement.answers):
            return False
        if head is not None and judgement.summary is None:
            return False
        self._take(judgement, None, members)
        if head is not None:
            assert judgement.summary is not None
            self._repositories.append(judgement.summary)
        return True

    def _take(self, judgement: UnitJudgement, head: str | None, members: Sequence[str]
              ) -> dict[str, Any] | None:
        """Adds a unit's answers to the estate's; with `head`, judges the unit alone."""
        # A rule over a kind the unit has none of says so alike in every unit.
        alone: dict[int, RuleTally] = {}
        for rule_id, answer in judgement.answers:
            position = self._positions[rule_id]
            self._tallies[position].add(answer)
            if head is not None:
                if position not in alone:
                    alone[position] = RuleTally(self._tallies[position].rule,
                                                self.engine.thresholds)
                alone[position].add(answer)
        observed = judgement.observed
        self._sources |= observed.sources
        self._signals |= observed.signals
        self._entities += observed.entities
        if head is None:
            return None
        results = list(self._nothing_scanned)
        for position, tally in alone.items():
            results[position] = tally.result()
        assessment = self._scorer().assess(results, observed)
        summary = {
            "entity": head,
            "services": [m for m in members if m != head],
            "overall": {"stage": assessment.stage, "score": assessment.score,
                        "confidence": assessment.confidence},
            "competencies": {c.id: c.stage for c in assessment.competencies},
        }
        self._repositories.append(summary)
        return summary

    def finish(self, evidence_of: Callable[[str], Mapping[str, Evidence]] | None = None
               ) -> Judged:
        """The estate's judgement; `evidence_of` gives an entity's evidence by signal, for
        the cited checks of units judged in an earlier scan."""
        results = [tally.result(evidence_of) for tally in self._tallies]
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


def judge_estate(engine: Engine, config: Config, evidence: Iterable[Evidence] | EvidenceSpool,
                 waived: Mapping[str, Mapping[str, str]] | None = None, *,
                 drill_down: bool = True, recall: Recall | None = None) -> Judged:
    """Judge `evidence` unit by unit; with `drill_down`, each unit with a head alone too.

    The evidence is spooled and read back a unit at a time. Each unit's judgement is named
    by a key (scanner/judged_units.py): with `recall` (a store), one it finds kept from an
    earlier scan is taken instead of judging the unit again, and the others are kept in
    the spool for the store.
    """
    spool = evidence if isinstance(evidence, EvidenceSpool) else EvidenceSpool(evidence)
    waived = waived or {}
    judge = EstateJudge(engine, config, waived)
    entities = spool.entities()
    linked = [(entity, repo) for entity, repo in spool.service_repositories()
              if isinstance(repo, str)]
    fingerprint = engine_fingerprint(engine, config)
    keys: list[str] = []
    for batch in batched(units(entities, linked), RECALLED_AT_ONCE):
        chosen = [(head if drill_down else None, members) for head, members in batch]
        batch_keys = [unit_key(fingerprint, head, members,
                               [spool.digest(member) for member in members], waived)
                      for head, members in chosen]
        known = recall(batch_keys) if recall is not None else {}
        for (head, members), key in zip(chosen, batch_keys, strict=True):
            keys.append(key)
            kept = unpacked(known[key]) if key in known else None
            if kept is not None and judge.add_known(kept, head, members):
                continue
            made = judge.add((item for member in members for item in spool.evidence(member)),
                             head, members)
            if recall is not None:  # new, or kept in a form that could not be read back
                spool.keep(key, packed(made.answers, made.observed, made.summary))
    resolved: dict[str, dict[str, Evidence]] = {}

    def evidence_of(entity: str) -> Mapping[str, Evidence]:
        if entity not in resolved:
            resolved[entity] = {item.signal: item for item in spool.evidence(entity)}
        return resolved[entity]

    return replace(judge.finish(evidence_of), units=keys)
