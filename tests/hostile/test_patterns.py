"""Patterns a config or a rule pack supplies cannot stall a scan, and patterns the
linear-time engine cannot run are refused when the file is read.

`^(a+)+$` over 49 `a`s and a `!` is the classic catastrophic case: a backtracking engine
tries 2**49 ways to split the run before it gives up.  The environment name comes from
a repository's CI file, so whoever writes the repository picks it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from documents import mappings
from gitrepo import GitRepo

Hostile = Callable[..., Any]  # the `hostile` fixture: a bounded `maturity` run
MakeRepo = Callable[..., GitRepo]

CATASTROPHIC = "^(a+)+$"
HOSTILE_NAME = "a" * 49 + "!"
MATCHING_NAME = "a" * 49
BOUND = 60.0


def _deploying_to(make_repo: MakeRepo, environment: str, name: str) -> GitRepo:
    """A repository whose only CI job deploys to `environment` on pull requests, so only
    the production pattern (not a main-line trigger) can make it a production deploy."""
    return make_repo({".github/workflows/deploy.yml": f"""name: deploy
on: pull_request
jobs:
  ship:
    runs-on: ubuntu-latest
    environment: '{environment}'
    steps:
      - run: ./deploy.sh
"""}, name=name)


def _rule(rule_id: str, condition: str) -> str:
    return f"""- id: release_deploy.deployment_strategy.{rule_id}
  cell: {{subcompetency: release_deploy.deployment_strategy, stage: advanced}}
  summary: a rule a user wrote
  over: repo
  each: {condition}
  quantifier: all
"""


def _rule_result(report: str, rule_id: str) -> dict[str, Any]:
    wanted = f"release_deploy.deployment_strategy.{rule_id}"
    return next(node for node in mappings(json.loads(report)) if node.get("id") == wanted)


def _scan(hostile: Hostile, tmp_path: Path, config: str, *repos: GitRepo) -> Any:
    path = tmp_path / "config.yaml"
    path.write_text(config)
    return hostile("scan", "--config", str(path), *(str(r.root) for r in repos),
                   "--format", "json", "--no-store", bound=BOUND)


def test_a_rule_pack_pattern_over_a_hostile_environment_name_finishes_with_the_right_verdict(
        hostile: Hostile, make_repo: MakeRepo, tmp_path: Path) -> None:
    bad = _deploying_to(make_repo, HOSTILE_NAME, "hostile")
    good = _deploying_to(make_repo, MATCHING_NAME, "plain")
    (tmp_path / "mine.yaml").write_text(_rule(
        "named-a", f"{{signal: ci.deploy.environments, op: matches, value: '{CATASTROPHIC}'}}"))
    run = _scan(hostile, tmp_path, "rules: {extra: [mine.yaml]}\n", bad, good)
    assert run.code == 0, run.err
    entities = _rule_result(run.out, "named-a")["entities"]
    assert entities["fail"] == [f"repo:{bad.root}"]
    assert entities["pass"] == [f"repo:{good.root}"]


def test_a_config_production_pattern_over_a_hostile_environment_name_finishes_correctly(
        hostile: Hostile, make_repo: MakeRepo, tmp_path: Path) -> None:
    bad = _deploying_to(make_repo, HOSTILE_NAME, "hostile")
    good = _deploying_to(make_repo, MATCHING_NAME, "plain")
    (tmp_path / "mine.yaml").write_text(_rule(
        "production", "{signal: ci.deploy.production, op: eq, value: true}"))
    run = _scan(hostile, tmp_path, f"collect: {{production_pattern: '{CATASTROPHIC}'}}\n"
                "rules: {extra: [mine.yaml]}\n", bad, good)
    assert run.code == 0, run.err
    entities = _rule_result(run.out, "production")["entities"]
    assert entities["fail"] == [f"repo:{bad.root}"]
    assert entities["pass"] == [f"repo:{good.root}"]


@pytest.mark.parametrize(("pattern", "feature"), [
    ("^(?!staging)", "lookahead"),
    ("(?<=env-)prod", "lookbehind"),
    (r"^(a)\1$", "backreference"),
])
def test_rules_validate_refuses_what_the_linear_engine_cannot_run(
        hostile: Hostile, tmp_path: Path, pattern: str, feature: str) -> None:
    pack = tmp_path / "mine.yaml"
    pack.write_text(_rule(
        "named", f"{{signal: ci.deploy.environments, op: matches, value: '{pattern}'}}"))
    run = hostile("rules", "validate", str(pack), bound=BOUND)
    line = run.one_clear_line()
    assert run.code == 2, run.err
    assert len(run.err.strip().splitlines()) == 1, run.err
    assert line.startswith(f"maturity: error: {pack}:1: rule "
                           "'release_deploy.deployment_strategy.named': field each.value: uses ")
    assert feature in line and "RE2" in line


def test_a_config_production_pattern_the_linear_engine_cannot_run_is_refused(
        hostile: Hostile, make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = _deploying_to(make_repo, MATCHING_NAME, "plain")
    run = _scan(hostile, tmp_path, "collect: {production_pattern: '^(?!dev).*'}\n", repo)
    assert run.code == 2, run.err
    assert len(run.err.strip().splitlines()) == 1, run.err
    assert run.one_clear_line().startswith(
        f"maturity: error: {tmp_path / 'config.yaml'}: field collect.production_pattern: "
        "uses lookahead")
