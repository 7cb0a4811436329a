"""What evaluating a rule gives: each entity's check, and the rule's result over the estate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from scanner.engine.rule import Rule
from scanner.evidence import Evidence

PASS = "pass"
FAIL = "fail"
NOT_APPLICABLE = "not_applicable"
NO_EVIDENCE = "no_evidence"
OUTCOMES = (PASS, FAIL, NOT_APPLICABLE, NO_EVIDENCE)

Truth = bool | None

# How reports name an entity's answer to a rule.
ANSWER_NAMES: dict[Truth, str] = {True: "pass", False: "fail", None: "unknown"}
CHECKED = "checked"
EXCLUDED = "excluded"  # out of the rule's scope (`applies_to`)
WAIVED = "waived"


@dataclass(frozen=True)
class EntityCheck:
    """One entity's answer to a rule: the evidence it was judged on, and apart from it the
    evidence that only put it in scope (`applies_to`)."""

    entity: str
    result: Truth
    evidence: tuple[Evidence, ...]
    missing: tuple[str, ...] = ()
    scope: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class CheckRecord:
    """An EntityCheck as remembered from an earlier scan of an unchanged entity: the signals
    it read instead of the evidence, looked up again only for the checks a report cites."""

    entity: str
    result: Truth
    evidence: tuple[str, ...]
    missing: tuple[str, ...] = ()
    scope: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleResult:
    """A rule's outcome over the estate.

    `checks` are the entity checks the report cites: every one in a small scan, and in a
    large estate a sample (the first SAMPLE entities by name that passed, failed and are
    not known). `entity_ids` then names every entity by its answer ("pass", "fail",
    "unknown"), and the totals count what the sample leaves out.
    """

    rule: Rule
    outcome: str
    message: str
    checks: tuple[EntityCheck, ...] = ()
    excluded: tuple[str, ...] = ()
    waived: tuple[str, ...] = ()
    aggregate_value: float | None = None
    missing_signals: tuple[str, ...] = field(default=())
    entity_ids: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: {name: () for name in ANSWER_NAMES.values()})
    evidence_total: int = 0
    applicability_total: int = 0
    # Some counted entity reported a signal the rule judges by.
    observed: bool = False

    def entities_with(self, result: Truth) -> list[str]:
        return list(self.entity_ids[ANSWER_NAMES[result]])

    @property
    def sampled(self) -> bool:
        """The checks leave out some entities (a large estate)."""
        return len(self.checks) < sum(len(ids) for ids in self.entity_ids.values())

    @property
    def nothing_scanned(self) -> bool:
        """No entity of the rule's kind was scanned at all (no AWS account, no Datadog
        organisation): the rule neither applies nor fails."""
        return self.outcome == NO_EVIDENCE and not (self.checks or self.excluded
                                                    or self.waived)

    @property
    def unobserved(self) -> bool:
        """No evidence because nobody looked: no counted entity reported any signal the
        rule judges by (its source was not scanned)."""
        return self.outcome == NO_EVIDENCE and not self.observed

    @property
    def evidence(self) -> list[Evidence]:
        """What the criterion was judged on (for the checks kept)."""
        seen: dict[tuple[str, str], Evidence] = {}
        for check in self.checks:
            for item in check.evidence:
                seen.setdefault((item.entity, item.signal), item)
        return list(seen.values())

    @property
    def applicability(self) -> list[Evidence]:
        """What only decided which entities the rule counts, kept apart from the criterion's
        evidence (a reviewer checks the two differently)."""
        judged = {(item.entity, item.signal) for item in self.evidence}
        seen: dict[tuple[str, str], Evidence] = {}
        for check in self.checks:
            for item in check.scope:
                if (item.entity, item.signal) not in judged:
                    seen.setdefault((item.entity, item.signal), item)
        return list(seen.values())


@dataclass(frozen=True)
class Answer:
    """One entity's standing on one rule: waived, excluded, or checked; an aggregate's
    check carries the entity's number (a ratio's numerator and denominator)."""

    entity: str
    status: str
    check: EntityCheck | CheckRecord | None = None
    number: float | None = None
    denominator: float | None = None
