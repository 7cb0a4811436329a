"""Golden fixtures: every built-in rule passes and fails where it must (Checkov-style)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from scanner.collectors import registry
from scanner.engine.evaluate import OUTCOMES, Evaluator
from scanner.engine.loader import builtin_rule_files, load_rules
from scanner.evidence import Evidence, EvidenceIndex
from scanner.model import load_model

GOLDEN = Path(__file__).parents[2] / "rules" / "golden"
CATALOGUE = registry.catalogue()
RULES = load_rules(builtin_rule_files(), load_model(), CATALOGUE)
THRESHOLDS = RULES.threshold_values()
TYPES = {"bool": (bool,), "int": (int,), "float": (int, float), "str": (str,), "list": (list,)}


def _fixtures() -> dict[str, dict[str, list[dict[str, Any]]]]:
    found: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for path in sorted(GOLDEN.glob("*.yaml")):
        for rule_id, cases in yaml.safe_load(path.read_text()).items():
            assert rule_id not in found, f"{rule_id} has fixtures in two files"
            found[rule_id] = cases
    return found


FIXTURES = _fixtures()
CASES = [(rule_id, outcome, index, case)
         for rule_id, by_outcome in FIXTURES.items()
         for outcome, cases in by_outcome.items()
         for index, case in enumerate(cases)]


def _index(evidence: dict[str, dict[str, Any]]) -> EvidenceIndex:
    items = []
    for entity, signals in evidence.items():
        for signal, value in signals.items():
            spec = CATALOGUE.get(signal)
            assert spec is not None, f"fixture uses unknown signal {signal}"
            assert isinstance(value, TYPES[spec.type]) and not (
                spec.type != "bool" and isinstance(value, bool)), \
                f"fixture value {value!r} is not a {spec.type} for {signal}"
            items.append(Evidence(entity, signal, value, "golden"))
    return EvidenceIndex(items)


def test_every_rule_has_pass_and_fail_fixtures() -> None:
    lacking = [rule_id for rule_id in RULES.rules
               if not FIXTURES.get(rule_id, {}).get("pass")
               or not FIXTURES.get(rule_id, {}).get("fail")]
    assert not lacking, f"rules without golden pass and fail fixtures: {lacking}"


def test_fixtures_name_existing_rules_and_outcomes() -> None:
    assert set(FIXTURES) <= set(RULES.rules), set(FIXTURES) - set(RULES.rules)
    for rule_id, by_outcome in FIXTURES.items():
        assert set(by_outcome) <= set(OUTCOMES), (rule_id, set(by_outcome))


@pytest.mark.parametrize(("rule_id", "expected", "index", "case"), CASES,
                         ids=[f"{r}-{o}-{i}" for r, o, i, _ in CASES])
def test_golden(rule_id: str, expected: str, index: int, case: dict[str, Any]) -> None:
    result = Evaluator(_index(case["evidence"]), THRESHOLDS).evaluate(RULES.rules[rule_id])
    assert result.outcome == expected, f"{case.get('name', index)}: {result.message}"
