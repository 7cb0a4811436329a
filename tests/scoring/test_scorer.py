"""Cells, stages without leapfrogging, unknown vs not applicable, roll-ups, what is missing."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.collectors import registry
from scanner.engine.evaluate import Evaluator
from scanner.engine.loader import builtin_rule_files, load_rules
from scanner.evidence import Evidence, EvidenceIndex
from scanner.model import load_model
from scanner.scoring.scorer import (
    CELL_NOT_APPLICABLE,
    MET,
    NOT_MET,
    UNDETERMINED,
    Assessment,
    Scorer,
    ScoringOptions,
    SubScore,
    stage_for_score,
)

MODEL = load_model()
CATALOGUE = registry.catalogue()
RULES = load_rules(builtin_rule_files(), MODEL, CATALOGUE)


def assess(entities: dict[str, dict[str, Any]],
           options: ScoringOptions | None = None) -> Assessment:
    """Evidence per entity; a name without a kind (`api`) is a repository."""
    index = EvidenceIndex(Evidence(name if ":" in name else f"repo:{name}", signal, value,
                                   "local", (f"{name}:1",))
                          for name, signals in entities.items()
                          for signal, value in signals.items())
    evaluator = Evaluator(index, RULES.threshold_values())
    results = [evaluator.evaluate(rule) for rule in RULES.rules.values()]
    return Scorer(MODEL, CATALOGUE, options).assess(results, index)


def sub(assessment: Assessment, full_id: str) -> SubScore:
    competency_id, _, sub_id = full_id.partition(".")
    competency = next(c for c in assessment.competencies if c.id == competency_id)
    return next(s for s in competency.subs if s.sub.id == sub_id)


PATCHING_NONE = {"repo.dependency_updates.tools": [], "ci.sca.tools": [],
                 "repo.security_policy.fix_timeline": False}


def test_every_subcompetency_appears_unknown_when_nothing_was_collected() -> None:
    assessment = assess({"a": {"repo.has_commits": True}})
    subs = [s for c in assessment.competencies for s in c.subs]
    assert len(subs) == 30
    assert {s.stage for s in subs} == {"unknown"}
    patching = sub(assessment, "operate.patching")
    assert patching.reason.startswith("Intermediate could not be judged: ")
    assert "repo.dependency_updates.tools" not in patching.reason  # words, not ids
    assert patching.next is not None
    waiting = {item.signal: item for requirement in patching.next.requirements
               for item in requirement.unsettled}
    updates = waiting["repo.dependency_updates.tools"]
    assert {source.id for source in updates.sources} == {"github", "gitlab", "local"}
    # the local collector spoke (of commits) but did not report it: it could not tell
    assert updates.looked
    assert assessment.stage == "unknown" and assessment.score is None
    assert assessment.confidence == 0.0


def test_floor_is_beginner_and_next_names_the_entities() -> None:
    assessment = assess({"api": PATCHING_NONE, "web": PATCHING_NONE})
    patching = sub(assessment, "operate.patching")
    assert patching.stage == "beginner"
    assert patching.cells[0].status == MET and patching.cells[0].floor_evidence
    assert patching.cells[1].status == NOT_MET
    assert patching.next is not None and patching.next.stage == "intermediate"
    (requirement,) = patching.next.requirements
    assert requirement.status == NOT_MET
    assert requirement.results[0].entities_with(False) == ["repo:api", "repo:web"]
    assert "repo:" not in patching.next.missing[0]  # the report names entities its own way


def test_no_leapfrogging_a_failed_cell() -> None:
    # Intermediate met, advanced fails (one of two has updates), expert's timeline passes.
    assessment = assess({
        "api": {**PATCHING_NONE, "repo.dependency_updates.tools": ["renovate"],
                "ci.sca.tools": ["trivy"], "repo.security_policy.fix_timeline": True},
        "web": PATCHING_NONE,
    })
    patching = sub(assessment, "operate.patching")
    statuses = [cell.status for cell in patching.cells]
    assert statuses == [MET, MET, NOT_MET, NOT_MET]
    assert patching.stage == "intermediate"
    assert patching.next is not None and patching.next.stage == "advanced"


def test_expert_when_every_cell_is_met() -> None:
    full = {"repo.dependency_updates.tools": ["dependabot"], "ci.sca.tools": ["osv-scanner"],
            "repo.security_policy.fix_timeline": True}
    patching = sub(assess({"api": full}), "operate.patching")
    assert patching.stage == "expert" and patching.next is None
    assert patching.confidence == 1.0


def test_undetermined_cell_stops_the_climb_and_lowers_confidence() -> None:
    # Updates everywhere, but CI (dependency scanning) was not readable: advanced undetermined.
    evidence = {"repo.dependency_updates.tools": ["dependabot"],
                "repo.security_policy.fix_timeline": False}
    patching = sub(assess({"api": evidence}), "operate.patching")
    assert patching.stage == "intermediate" and patching.lower_bound
    assert patching.cells[2].status == UNDETERMINED
    assert 0 < patching.confidence < 1
    assert patching.next is not None
    waiting = {item.signal: item for requirement in patching.next.requirements
               if requirement.status == "unknown" for item in requirement.unsettled}
    assert {source.id for source in waiting["ci.sca.tools"].sources} >= {"github", "local"}


def test_an_undecidable_intermediate_cell_is_unknown_not_beginner() -> None:
    # Pinning (an Expert criterion) was observed, but nothing Intermediate needs.
    build = sub(assess({"api": {"ci.references.third_party": 5,
                                "ci.references.pinned_share": 0.0}}),
                "build_test.build_validation")
    assert build.stage == "unknown"
    assert build.cells[0].status == UNDETERMINED
    assert build.reason.startswith("Intermediate could not be judged: ")
    assert build.next is not None and build.next.stage == "intermediate"


def test_beginner_cites_what_showed_intermediate_missing() -> None:
    patching = sub(assess({"api": PATCHING_NONE}), "operate.patching")
    assert [(e.signal, e.value) for e in patching.cells[0].floor_evidence] == [
        ("repo.dependency_updates.tools", [])]
    assert not patching.lower_bound


def test_all_cells_not_applicable_is_not_applicable_with_a_plain_reason() -> None:
    library = {"application": False, "deployable": False, "ci.packaging.tools": [],
               "e2e.suites": [], "ci.e2e.tools": [], "ci.e2e.automatic": False,
               "ci.deploy.present": False}
    assessment = assess({"service:lib": library})
    qa = sub(assessment, "build_test.quality_assurance")
    assert qa.stage == "not_applicable"
    assert [c.status for c in qa.cells[1:]] == [CELL_NOT_APPLICABLE] * 3
    assert qa.reason == "no applications among what was scanned"
    assert qa.confidence == 1.0
    build_test = next(c for c in assessment.competencies if c.id == "build_test")
    # left out of the score and of confidence, not counted as unknown
    assert build_test.confidence == round(
        sum(1 for s in build_test.subs if s.stage not in ("unknown", "not_applicable"))
        / sum(1 for s in build_test.subs if s.stage != "not_applicable"), 2)


def test_a_library_never_meets_dynamic_scanning_through_not_applicable() -> None:
    """DAST does not apply to a library; the cell is still about dynamic scanning, so
    static scanning alone stays Intermediate."""
    library = {"application": False, "deployable": False, "runs_as_service": False,
               "source.files": 40, "ci.sast.tools": ["codeql"], "ci.sast.before_merge": True,
               "ci.sca.tools": ["dependency-review"], "ci.sca.before_merge": True,
               "ci.secrets.tools": [], "ci.container_scan.tools": [], "ci.iac_scan.tools": [],
               "ci.dast.tools": [], "ci.fuzz.tools": []}
    scanning = sub(assess({"repo:lib": library, "service:lib": library}),
                   "build_test.code_scanning")
    assert scanning.stage == "intermediate"


def test_competency_and_overall_scores_are_means_of_known_stages() -> None:
    expert_patching = {"repo.dependency_updates.tools": ["dependabot"],
                       "ci.sca.tools": ["osv-scanner"], "repo.security_policy.fix_timeline": True,
                       "iac.tools": [], "runs_as_service": True}
    assessment = assess({"api": expert_patching})
    operate = next(c for c in assessment.competencies if c.id == "operate")
    # patching expert (4), platform management beginner (1: it deploys, with no
    # infrastructure code); five others unknown.
    assert operate.score == 2.5
    assert operate.stage == "intermediate"
    assert operate.confidence == round(2 / 7, 2)
    rounded = assess({"api": expert_patching}, ScoringOptions(stage_from_score="round"))
    assert next(c for c in rounded.competencies if c.id == "operate").stage == "advanced"


@pytest.mark.parametrize(("score", "how", "stage"), [
    (None, "floor", "unknown"), (1.0, "floor", "beginner"), (2.99, "floor", "intermediate"),
    (3.0, "floor", "advanced"), (4.0, "floor", "expert"), (2.5, "round", "advanced"),
    (2.49, "round", "intermediate"),
])
def test_stage_for_score(score: float | None, how: str, stage: str) -> None:
    assert stage_for_score(score, how) == stage


def test_requirements_are_met_by_any_of_their_alternatives() -> None:
    from scanner.engine.rule import Comparison, Quantifier, Rule

    def rule(rule_id: str, over: str, signal: str) -> Rule:
        return Rule(f"operate.reliability.{rule_id}", "operate.reliability", "intermediate",
                    rule_id, over, None, Comparison(signal, "eq", True), Quantifier("some"),
                    None, "", "test.yaml", requirement="multi-az")

    from_files = rule("files", "repo", "iac.multi_az")
    from_cloud = rule("cloud", "aws", "aws.multi_region")
    index = EvidenceIndex([Evidence("repo:a", "iac.multi_az", True, "local")])
    evaluator = Evaluator(index, RULES.threshold_values())
    results = [evaluator.evaluate(from_files), evaluator.evaluate(from_cloud)]
    assert [r.outcome for r in results] == ["pass", "no_evidence"]
    reliability = sub(Scorer(MODEL, CATALOGUE).assess(results, index), "operate.reliability")
    assert reliability.cells[1].status == MET  # the cloud account was not needed
    failing = EvidenceIndex([Evidence("repo:a", "iac.multi_az", False, "local")])
    evaluator = Evaluator(failing, RULES.threshold_values())
    results = [evaluator.evaluate(from_files), evaluator.evaluate(from_cloud)]
    reliability = sub(Scorer(MODEL, CATALOGUE).assess(results, failing), "operate.reliability")
    # The files show no multi-AZ; the cloud was not scanned, so it does not hold up the
    # verdict, but the report names it as a way to settle the requirement.
    assert reliability.cells[1].status == NOT_MET
    assert reliability.next is not None
    assert reliability.next.missing[0].startswith("one of: files: ")
    (requirement,) = reliability.next.requirements
    (cloud,) = requirement.unsettled
    assert cloud.signal == "aws.multi_region" and not cloud.looked
    assert [source.title for source in cloud.sources] == ["AWS accounts (boto3, read-only)"]
