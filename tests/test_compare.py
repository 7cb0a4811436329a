"""Verdicts per cell from a real scan's document and answers, and the evidence given."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from scanner.compare import AGREE, NOT_ANSWERED, NOT_OBSERVABLE, OVER, UNDER, compare
from scanner.model import load_model
from scanner.survey.answers import Answers
from scanner.survey.combine import combine

from gitrepo import GitRepo
from samples import FILES

MODEL = load_model()


@pytest.fixture
def fleet(cli: Callable[..., Any], make_repo: Callable[..., GitRepo]) -> dict[str, Any]:
    """One repository with CI, scanning and ownership; one bare one."""
    good = make_repo(FILES, name="good")
    bare = make_repo({"README.md": "hi\n"}, name="bare")
    document: dict[str, Any] = json.loads(
        cli("scan", str(good.root), str(bare.root), "--format", "json", "--no-store").out)
    return document


def _claims(stages: dict[str, str]) -> Any:
    return combine([Answers("team", stages, "team.yaml")], MODEL)


def test_verdicts_sorted_by_gap_with_contradicting_evidence(fleet: dict[str, Any]) -> None:
    observed = {f"{c['id']}.{s['id']}": s["stage"] for c in fleet["competencies"]
                for s in c["subcompetencies"]}
    assert observed["plan_develop.code_validation"] == "intermediate"
    assert observed["plan_develop.technical_debt"] == "unknown"
    comparison = compare(fleet, _claims({
        "plan_develop.code_validation": "expert",
        "plan_develop.technical_debt": "advanced",
        observed_key(observed, "beginner"): "beginner",
    }))
    first = comparison.cells[0]
    assert (first.sub_id, first.verdict, first.gap) == ("plan_develop.code_validation", OVER, 2)
    # The bare repository is what refutes "Expert": it fails the Advanced and Expert rules.
    failing = {e for f in first.findings for e in f.entities}
    assert any(e.endswith("/bare") for e in failing)
    assert {f.stage for f in first.findings} <= {"advanced", "expert"}
    assert first.findings
    verdicts = {c.sub_id: c.verdict for c in comparison.cells}
    assert verdicts["plan_develop.technical_debt"] == NOT_OBSERVABLE
    assert verdicts[observed_key(observed, "beginner")] == AGREE
    assert comparison.count(NOT_ANSWERED) == 27
    assert len(comparison.cells) == 30


def test_under_rating_shows_what_the_scan_saw(fleet: dict[str, Any]) -> None:
    comparison = compare(fleet, _claims({"plan_develop.code_validation": "beginner"}))
    cell = comparison.cells[0]
    assert (cell.verdict, cell.gap) == (UNDER, -1)
    assert all(f.outcome == "pass" and f.stage == "intermediate" for f in cell.findings)
    assert any(loc.endswith(".github/workflows/ci.yml:12") or "ci.yml" in loc
               for f in cell.findings for loc in f.locators)


def observed_key(observed: dict[str, str], stage: str) -> str:
    return next(k for k, v in observed.items() if v == stage)
