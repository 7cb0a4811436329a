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
    assert "| Plan & Develop | Advanced | Beginner | below observed | 4 of 4 | Bo | - |" \
        in markdown.out


def test_plan_says_what_met_means_and_gives_every_target_a_status(
        cli: Cli, make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo(FILES)
    assert cli("scan", str(repo.root)).code == 0
    targets = tmp_path / "targets.yaml"
    targets.write_text("targets:\n"
                       "  plan_develop: {stage: beginner}\n"  # below the observed Advanced
                       "  build_test: {stage: beginner}\n"  # the observed stage
                       "  observe_respond: {stage: expert, owner: Ana}\n")
    document = json.loads(cli("plan", "--targets", str(targets), "--format", "json").out)
    status = {t["competency"]: t for t in document["targets"]}
    assert [status[c]["status"] for c in ("plan_develop", "build_test", "observe_respond")] \
        == ["below observed", "met", "not met"]
    build = status["build_test"]
    assert build["at_target"] == build["applicable"] > 0
    observe = status["observe_respond"]
    assert observe["at_target"] < observe["applicable"]
    # met and the steps agree: a competency has steps exactly when its target is not met
    stepped = {step["competency"] for step in document["steps"]}
    assert stepped == {c for c, t in status.items() if t["status"] == "not met"}
    assert "those that do not apply do not count" in document["meaning"]["met"]
    assert {u["competency"] for u in document["untargeted"]} == {
        "people_culture", "release_deploy", "operate"}
    table = cli("plan", "--targets", str(targets), env={"COLUMNS": "100"}).out.splitlines()
    head = next(line for line in table if line.startswith("Competency"))
    column = head.index("Status")
    rows = {line.split("  ")[0]: line[column:].split("  ")[0] for line in table
            if line.startswith(("Plan & Develop", "Build & Test", "Observe & Respond"))}
    assert rows == {"Plan & Develop": "below observed", "Build & Test": "met",
                    "Observe & Respond": "not met"}
    assert any(line.startswith("Met: every sub-competency that applies") for line in table)
    assert any(line.startswith("No target, so not planned: People & Culture") for line in table)
    markdown = cli("plan", "--targets", str(targets), "--format", "markdown").out
    assert "| Competency | Observed | Target | Status | At target | Owner | Due |" in markdown
    assert "| Build & Test | Beginner | Beginner | met | 4 of 4 | - | - |" in markdown
    assert "- **Met**: every sub-competency that applies" in markdown


def _words(text: str) -> str:
    """Text with its line breaks and indents as single spaces: wrapping set aside."""
    return " ".join(text.split())


def _scanned(cli: Cli, *args: str) -> dict[str, Any]:
    done = cli("scan", *args, "--format", "json")
    assert done.code == 0, done.err
    scan: dict[str, Any] = json.loads(done.out)["scan"]
    return scan


def test_compare_and_plan_name_their_scan_and_will_not_guess_between_configs(
        cli: Cli, make_repo: MakeRepo, tmp_path: Path) -> None:
    team = make_repo(FILES, name="team")
    other = make_repo({"README.md": "hi\n"}, name="other")
    config = tmp_path / "team.yaml"
    config.write_text(yaml.safe_dump({"targets": {"local": [{"path": str(team.root)}]}}))
    first = _scanned(cli, "--config", str(config))
    claims = answers_file(tmp_path / "claims.yaml", "Team",
                          {"build_test.test_automation": "expert"})
    targets = tmp_path / "targets.yaml"
    targets.write_text("targets:\n  build_test: {stage: expert}\n")
    # One configuration in the store: its latest scan, named at the top.
    alone = cli("plan", "--targets", str(targets)).out
    assert _words(alone).startswith(f"Plan for 1 competency with a target, from: Scan "
                                    f"{first['id']} of {team.root}, finished ")
    assert f"Configuration fingerprint {first['config_fingerprint']} Competency" in _words(alone)
    second = _scanned(cli, str(other.root))
    for command in (("plan", "--targets", str(targets)), ("compare", "--self", str(claims))):
        refused = cli(*command)
        assert refused.code == 2, refused.err
        line = refused.err.strip()
        assert len(line.splitlines()) == 1
        assert f"holds scans of 2 configurations, so {command[0]} will not guess" in line
        for scan, scanned in ((first, team.root), (second, other.root)):
            assert f"{scan['config_fingerprint']} ({scanned}; latest scan {scan['id']}, " in line
        assert line.endswith("choose one with --scan ID or --config FILE")
    # --config: that configuration's latest scan, its file named.
    by_config = json.loads(cli("plan", "--targets", str(targets), "--config", str(config),
                               "--format", "json").out)["scan"]
    assert (by_config["id"], by_config["config_file"], by_config["targets"]) == (
        first["id"], str(config), [str(team.root)])
    assert by_config["text"].endswith(
        f"configuration {config} (fingerprint {first['config_fingerprint']})")
    table = cli("compare", "--self", str(claims), "--config", str(config)).out
    assert f"Configuration {config} (fingerprint {first['config_fingerprint']})" \
        in _words(table)
    # --scan: that scan; its file is not recorded, so only its fingerprint is named.
    for fmt, shown in (("markdown", f"scan `{second['id']}` of {other.root}, finished "),
                       ("table", f"Scan {second['id']} of {other.root}, finished "),
                       ("html", second["id"])):
        for command in (("plan", "--targets", str(targets)),
                        ("compare", "--self", str(claims))):
            out = _words(cli(*command, "--scan", second["id"][:20], "--format", fmt).out)
            assert shown in out, (fmt, command[0])
            if fmt != "html":
                assert f"fingerprint {second['config_fingerprint']}" in out
    compared = json.loads(cli("compare", "--self", str(claims), "--scan", second["id"],
                              "--format", "json").out)["scan"]
    assert (compared["id"], compared["config_fingerprint"], compared["config_file"]) == (
        second["id"], second["config_fingerprint"], None)
    unknown = tmp_path / "unscanned.yaml"
    unknown.write_text(yaml.safe_dump({"targets": {"local": [{"path": str(other.root)}]}}))
    never = cli("plan", "--targets", str(targets), "--config", str(unknown))
    assert never.code == 2 and f"no scan made with {unknown}" in never.err


def test_plan_and_compare_fit_the_terminal_width(cli: Cli, make_repo: MakeRepo,
                                                 tmp_path: Path) -> None:
    repo = make_repo(FILES)
    assert cli("scan", str(repo.root)).code == 0
    targets = tmp_path / "targets.yaml"
    targets.write_text(yaml.safe_dump({"targets": {c: {"stage": "expert", "owner": "Platform"}
                                                   for c in ("build_test", "operate",
                                                             "observe_respond")}}))
    claims = answers_file(tmp_path / "claims.yaml", "Team", {
        "observe_respond.vulnerability_scanning": "expert", "operate.patching": "expert",
        "plan_develop.code_validation": "beginner"})
    for width in (80, 132):
        for command in (("plan", "--targets", str(targets)), ("compare", "--self", str(claims))):
            lines = cli(*command, env={"COLUMNS": str(width)}).out.splitlines()
            assert max(len(line) for line in lines) <= width, (command[0], width)
            assert len(lines) > 20
    wide = cli("compare", "--self", str(claims), env={"COLUMNS": "132"}).out.splitlines()
    top = next(i for i, line in enumerate(wide) if line.startswith("Sub-competency"))
    rows = wide[top + 1:wide.index("", top)]
    verdicts = [line[wide[top].index("Verdict"):] for line in rows]
    assert len(verdicts) == 30
    assert all(v in ("over-rated", "under-rated", "not answered") for v in verdicts)
    narrow = cli("compare", "--self", str(claims), env={"COLUMNS": "80"}).out.splitlines()
    # a name too long for the column gets a line of its own; the values stay aligned
    long_name = narrow.index("Vulnerability & misconfiguration scanning")
    head = next(line for line in narrow if line.startswith("Sub-competency"))
    assert narrow[long_name + 1][head.index("Self"):].startswith("Expert")


def test_the_readme_targets_example_plans_as_written(cli: Cli, make_repo: MakeRepo,
                                                     tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    leaders = readme.split("## For leaders")[1].split("\n## ")[0]
    example = next(block.split("```")[0] for block in leaders.split("```yaml\n")[1:]
                   if block.startswith("# targets.yaml"))
    targets = tmp_path / "targets.yaml"
    targets.write_text(example)
    assert cli("scan", str(make_repo(FILES).root)).code == 0
    planned = cli("plan", "--targets", str(targets), "--format", "json")
    assert planned.code == 0, planned.err
    owners = {t["competency"]: (t["owner"], t["due"]) for t in json.loads(planned.out)["targets"]}
    assert owners == {"build_test": ("Dana", "2027-Q2"), "release_deploy": ("Sam", "Q1")}


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
