"""Rule files are validated on load; a mistake names the file, line, rule id and field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scanner.collectors import registry
from scanner.engine.loader import builtin_rule_files, load_rules
from scanner.engine.rule import AnyOf, Comparison, ThresholdRef
from scanner.errors import FileProblem
from scanner.model import load_model

MODEL = load_model()
CATALOGUE = registry.catalogue()

GOOD = """
- id: build_test.code_scanning.custom-dast
  cell: {subcompetency: build_test.code_scanning, stage: advanced}
  summary: DAST somewhere
  over: repo
  applies_to: {signal: deployable, op: eq, value: true}
  each:
    any:
      - {signal: ci.dast.tools, op: contains, value: zap}
      - {signal: ci.dast.tools, op: contains_any, value: [nuclei, stackhawk]}
  quantifier: {at_least: 0.5}
"""


def write(tmp_path: Path, text: str, name: str = "pack.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def load(path: Path) -> None:
    load_rules([path], MODEL, CATALOGUE)


def test_builtin_packs_load() -> None:
    rules = load_rules(builtin_rule_files(), MODEL, CATALOGUE)
    assert len(rules.rules) >= 30
    assert {r.subcompetency for r in rules.rules.values()} >= {
        "plan_develop.code_validation", "build_test.test_automation", "build_test.code_scanning",
        "build_test.build_validation", "build_test.quality_assurance",
        "release_deploy.deployment_automation", "operate.patching",
        "operate.platform_management", "people_culture.communication"}
    for subcompetency in {r.subcompetency for r in rules.rules.values()}:
        stages = {r.stage for r in rules.for_subcompetency(subcompetency)}
        assert stages == {"intermediate", "advanced", "expert"}, subcompetency


def test_a_good_rule_parses_into_data(tmp_path: Path) -> None:
    rules = load_rules([write(tmp_path, GOOD)], MODEL, CATALOGUE)
    rule = rules.rules["build_test.code_scanning.custom-dast"]
    assert rule.cell == ("build_test.code_scanning", "advanced")
    assert isinstance(rule.each, AnyOf)
    assert rule.each.conditions[1] == Comparison("ci.dast.tools", "contains_any",
                                                 ("nuclei", "stackhawk"))
    assert rule.quantifier is not None and rule.quantifier.ratio == 0.5
    assert rule.signals() == ["deployable", "ci.dast.tools"]
    assert rule.criterion_signals() == ["ci.dast.tools"]
    assert rule.line == 2


@pytest.mark.parametrize(("change", "expected"), [
    (("op: contains, value: zap", "op: greater, value: zap"),
     "field each.any[0].op: 'greater' is not one of"),
    (("signal: ci.dast.tools, op: contains", "signal: ci.dast.tool, op: contains"),
     "unknown signal 'ci.dast.tool' (did you mean 'ci.dast.tools'?)"),
    (("stage: advanced", "stage: wizard"), "field cell.stage: 'wizard' is not one of"),
    (("stage: advanced", "stage: beginner"), "field cell.stage: 'beginner' is not one of"),
    (("over: repo", "over: repo\n  colour: red"), "field colour: unknown key"),
    (("{at_least: 0.5}", "{at_least: 1.5}"), "must be at most 1.0"),
    (("{at_least: 0.5}", "sometimes"), "'sometimes' is not one of: none, some, most, all"),
    (("subcompetency: build_test.code_scanning,", "subcompetency: build_test.scanning,"),
     "'build_test.scanning' is not a sub-competency"),
    (("op: eq, value: true}", "op: eq, value: maybe}"), "expected true or false"),
    (("op: contains, value: zap", "op: gt, value: 3"), "'gt' does not apply to ci.dast.tools"),
    (("  quantifier: {at_least: 0.5}\n", ""), "field quantifier: missing"),
    (("id: build_test.code_scanning.custom-dast", "id: operate.patching.custom-dast"),
     "must start with its cell's sub-competency"),
])
def test_mistakes_are_one_line_naming_file_rule_and_field(
        tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(FileProblem) as caught:
        load(path)
    message = str(caught.value)
    assert "\n" not in message
    assert re.match(rf"^{re.escape(str(path))}:\d+: rule '[a-z_]+\.", message), message
    assert expected in message


def test_regex_and_threshold_mistakes(tmp_path: Path) -> None:
    bad_regex = GOOD.replace("op: contains, value: zap", "op: matches, value: '(zap'")
    with pytest.raises(FileProblem, match="not a valid regular expression"):
        load(write(tmp_path, bad_regex))
    bad_threshold = GOOD.replace("{at_least: 0.5}", "{at_least: nearly_al}")
    with pytest.raises(FileProblem,
                       match=r"unknown threshold 'nearly_al' \(did you mean 'nearly_all'"):
        load(write(tmp_path, bad_threshold, "b.yaml"))


def test_thresholds_are_declared_in_packs_and_referenced(tmp_path: Path) -> None:
    text = ("thresholds:\n  dast_share: {default: 0.3, description: DAST share}\nrules:\n" +
            GOOD.replace("{at_least: 0.5}", "{at_least: dast_share}"))
    rules = load_rules([write(tmp_path, text)], MODEL, CATALOGUE)
    rule = rules.rules["build_test.code_scanning.custom-dast"]
    assert rule.quantifier is not None and rule.quantifier.ratio == ThresholdRef("dast_share")
    assert rules.threshold_values({"dast_share": 0.9})["dast_share"] == 0.9
    assert rules.threshold_values()["most"] == 0.75


def test_a_pack_may_use_a_threshold_a_later_pack_defines(tmp_path: Path) -> None:
    user = GOOD.replace("{at_least: 0.5}", "{at_least: dast_share}")
    definer = "thresholds:\n  dast_share: {default: 0.3, description: DAST share}\nrules: []\n"
    rules = load_rules([write(tmp_path, user, "a.yaml"), write(tmp_path, definer, "z.yaml")],
                       MODEL, CATALOGUE)
    assert rules.threshold_values()["dast_share"] == 0.3
    assert rules.thresholds["dast_share"].source.endswith("z.yaml")


def test_duplicate_ids_and_non_yaml_files(tmp_path: Path) -> None:
    with pytest.raises(FileProblem, match="duplicate rule id"):
        load_rules([write(tmp_path, GOOD), write(tmp_path, GOOD, "again.yaml")], MODEL, CATALOGUE)
    with pytest.raises(FileProblem, match="not valid YAML"):
        load(write(tmp_path, "- id: [unclosed", "broken.yaml"))
    with pytest.raises(FileProblem, match="no such file"):
        load(tmp_path / "missing.yaml")
    with pytest.raises(FileProblem, match="a rule needs each \\+ quantifier, or aggregate"):
        load(write(tmp_path, GOOD.split("  applies_to", maxsplit=1)[0], "short.yaml"))


def test_disable_names_a_known_rule() -> None:
    rules = load_rules(builtin_rule_files(), MODEL, CATALOGUE,
                       disabled=["operate.patching.updates-some"])
    assert "operate.patching.updates-some" not in rules.rules
    with pytest.raises(FileProblem, match=r"unknown rule 'operate\.patching\.nope'"):
        load_rules(builtin_rule_files(), MODEL, CATALOGUE, disabled=["operate.patching.nope"])


def test_aggregate_rules(tmp_path: Path) -> None:
    text = """
- id: operate.patching.ratio-of-updates
  cell: {subcompetency: operate.patching, stage: advanced}
  summary: test-to-code ratio
  over: repo
  aggregate: {fn: median, signal: tests.ratio, op: gte, value: 0.2}
"""
    rules = load_rules([write(tmp_path, text)], MODEL, CATALOGUE)
    aggregate = rules.rules["operate.patching.ratio-of-updates"].aggregate
    assert aggregate is not None and aggregate.fn == "median"
    with pytest.raises(FileProblem, match="aggregates need numbers"):
        load(write(tmp_path, text.replace("tests.ratio", "ci.sast.tools"), "x.yaml"))
    with pytest.raises(FileProblem, match="not one of: median"):
        load(write(tmp_path, text.replace("fn: median", "fn: mode"), "y.yaml"))
