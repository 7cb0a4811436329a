"""`maturity survey`, `compare` and `plan` through the real entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from gitrepo import GitRepo
from samples import FILES

Cli = Callable[..., Any]
MakeRepo = Callable[..., GitRepo]


def answers_file(path: Path, respondent: str, answers: dict[str, str]) -> Path:
    path.write_text(yaml.safe_dump({"respondent": respondent, "answers": answers}))
    return path


def test_survey_in_the_terminal_resumes_from_its_file(tmp_path: Path) -> None:
    executable = Path(sys.executable).with_name("maturity")
    target = tmp_path / "answers" / "me.yaml"

    def answer(typed: str) -> str:
        done = subprocess.run([str(executable), "survey", "--answers", str(target),
                               "--respondent", "Platform"], input=typed, text=True,
                              capture_output=True, timeout=60, check=False,
                              env={**os.environ, "MATURITY_DEBUG": ""})
        assert done.returncode == 0, done.stderr
        return done.stdout

    answer("2\n3\n")
    out = answer("4\nq\n")  # the second run starts at question 3
    assert "[3/30]" in out and "[1/30]" not in out
    saved = yaml.safe_load(target.read_text())
    assert saved["respondent"] == "Platform"
    assert list(saved["answers"].values())[:3] == ["intermediate", "advanced", "expert"]


def test_survey_template_then_combined_with_spread(cli: Cli, tmp_path: Path) -> None:
    template = tmp_path / "blank.yaml"
    assert cli("survey", "--template", str(template)).code == 0
    assert "build_test.test_automation:" in template.read_text()
    again = cli("survey", "--template", str(template))
    assert again.code == 2 and "exists already" in again.err
    one = answers_file(tmp_path / "a.yaml", "Payments", {"build_test.test_automation": "expert"})
    two = answers_file(tmp_path / "b.yaml", "Search", {"build_test.test_automation": "beginner",
                                                       "operate.scaling": "advanced"})
    result = cli("survey", str(one), str(two), str(template), "--format", "json")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert document["respondents"] == ["Payments", "Search", "blank"]
    tests = next(s for s in document["subcompetencies"]
                 if s["id"] == "build_test.test_automation")
    assert (tests["low"], tests["high"], tests["spread"], tests["dont_know"]) == (
        "beginner", "expert", 3, 1)
    table = cli("survey", str(one), str(two))
    assert "Beginner-Expert" in table.out and "<- split" in table.out
    markdown = cli("survey", str(one), "--format", "markdown")
    assert "| Build & Test | Test automation | Expert |" in markdown.out


def test_survey_bad_input_is_one_line(cli: Cli, tmp_path: Path) -> None:
    wrong_id = answers_file(tmp_path / "id.yaml", "x", {"build_test.tests": "expert"})
    wrong_stage = answers_file(tmp_path / "stage.yaml", "x",
                               {"build_test.test_automation": "guru"})
    for args, message in [((str(wrong_id),), "unknown sub-competency 'build_test.tests'"),
                          ((str(wrong_stage),), "'guru' is not a stage"),
                          ((str(tmp_path / "none.yaml"),), "no such file"),
                          ((), "survey takes one of")]:
        result = cli("survey", *args)
        assert result.code == 2, result.err
        assert message in result.err and len(result.err.strip().splitlines()) == 1


def test_compare_formats_and_fail_over_gate(cli: Cli, make_repo: MakeRepo,
                                            tmp_path: Path) -> None:
    repo = make_repo(FILES)
    assert cli("scan", str(repo.root)).code == 0
    claims = answers_file(tmp_path / "team.yaml", "Team", {
        "plan_develop.code_validation": "expert",  # observed Expert: agrees
        "observe_respond.slos": "expert",  # observed Beginner: over-rated by 3
        "operate.patching": "expert"})  # observed Intermediate: over-rated by 2
    result = cli("compare", "--self", str(claims), "--format", "json")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert [c["id"] for c in document["cells"][:3]] == [
        "observe_respond.slos", "operate.patching", "plan_develop.code_validation"]
    assert document["summary"]["over-rated"] == 2 and document["summary"]["agree"] == 1
    slos = document["cells"][0]
    assert slos["explanation"] == "you answered Expert for service level objectives; " \
                                  "the scan observed Beginner"
    assert any("is not met" in e["text"] for e in slos["evidence"])
    table = cli("compare", "--self", str(claims))
    assert "over-rated" in table.out and "you answered Expert for patching" in table.out
    markdown = cli("compare", "--self", str(claims), "--format", "markdown")
    assert "| Service level objectives | Expert | Beginner | +3 | over-rated |" in markdown.out
    assert cli("compare", "--self", str(claims), "--fail-over", "2").code == 0
    gated = cli("compare", "--self", str(claims), "--fail-over", "1")
    assert gated.code == 1 and "2 sub-competencies are over-rated" in gated.err


def test_compare_on_an_empty_store_is_one_line(cli: Cli, tmp_path: Path) -> None:
    claims = answers_file(tmp_path / "team.yaml", "Team", {})
    result = cli("compare", "--self", str(claims))
    assert result.code == 2 and "yet; run `maturity scan` first" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_plan_lists_next_cells_and_says_when_a_target_is_low(cli: Cli, make_repo: MakeRepo,
                                                             tmp_path: Path) -> None:
    repo = make_repo(FILES)
    assert cli("scan", str(repo.root)).code == 0
    targets = tmp_path / "targets.yaml"
    targets.write_text("targets:\n"
                       "  observe_respond: {stage: intermediate, owner: Ana, due: 2027-Q3}\n"
                       "  plan_develop: {stage: beginner, owner: Bo}\n")
    result = cli("plan", "--targets", str(targets), "--format", "json")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    by_competency = {t["competency"]: t for t in document["targets"]}
    assert by_competency["plan_develop"]["below_observed"]
    assert "the target Beginner is below the observed Advanced" in result.err
    slos = next(s for s in document["steps"] if s["id"] == "observe_respond.slos")
    assert (slos["from"], slos["stage"], slos["owner"], slos["due"]) == (
        "beginner", "intermediate", "Ana", "2027-Q3")
    assert slos["rules"] and all(r["outcome"] in ("fail", "no_evidence") for r in slos["rules"])
    table = cli("plan", "--targets", str(targets))
    assert "Service level objectives: Beginner -> Intermediate  (Ana, 2027-Q3)" in table.out
    markdown = cli("plan", "--targets", str(targets), "--format", "markdown")
    assert "| Plan & Develop | Advanced | Beginner | Bo | - | below observed |" in markdown.out


def test_plan_bad_targets_are_one_line(cli: Cli, make_repo: MakeRepo, tmp_path: Path) -> None:
    targets = tmp_path / "targets.yaml"
    empty = cli("plan", "--targets", str(targets))
    assert empty.code == 2 and "no such file" in empty.err
    for content, message in [
        ("targets:\n  build_tests: {stage: advanced}\n",
         "unknown competency 'build_tests' (did you mean 'build_test'?)"),
        ("targets:\n  build_test: {stage: guru}\n", "'guru' is not one of"),
        ("targets:\n  build_test: {stage: expert, due: next year}\n", "is not a quarter"),
    ]:
        targets.write_text(content)
        result = cli("plan", "--targets", str(targets))
        assert result.code == 2 and message in result.err, result.err
        assert len(result.err.strip().splitlines()) == 1
    targets.write_text("targets:\n  build_test: {stage: expert}\n")
    no_scans = cli("plan", "--targets", str(targets))
    assert no_scans.code == 2 and "run `maturity scan` first" in no_scans.err
