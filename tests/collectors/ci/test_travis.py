"""Travis CI: the root matrix and jobs.include, stages and conditions, deploy providers, signals."""

from __future__ import annotations

import pytest

from scanner.collectors.ci import travis
from scanner.collectors.ci.model import (
    COMMAND,
    DEFAULT_BRANCH,
    NAMED_STEP,
    OTHER,
    PULL_REQUEST,
    PUSH,
    SCHEDULE,
    TAG,
)

from ci_parsing import MakeRepo, Tree, by_name, refs
from local_scan import evidence_by_signal

CONFIG = """\
language: node_js
node_js:
  - "18"
  - "20"
services: [postgresql]
branches:
  only:
    - main
    - /^v\\d+\\.\\d+\\.\\d+$/
env:
  global:
    - DATABASE_URL=postgres://localhost/app_test
install: npm ci
before_script: psql -c 'create database app_test;' -U postgres
script:
  - npm run lint
  - npm test -- --coverage
after_success: npx codecov

stages:
  - test
  - name: smoke
    if: type = cron
  - name: deploy
    if: type = push AND (branch = main OR tag IS present)

jobs:
  include:
    - stage: test
      name: audit
      node_js: "20"
      install: skip
      script: npm audit --audit-level=high
    - stage: smoke
      script: ./scripts/smoke.sh https://staging.example.com
    - stage: deploy
      name: ship
      node_js: "20"
      script: skip
      before_deploy: npm run build
      deploy:
        - provider: heroku
          app: shop-production
          api_key:
            secure: c2VjcmV0
          on:
            branch: main
        - provider: npm
          email: ci@example.com
          api_token: abc
          on:
            tags: true
"""


@pytest.fixture
def parsed(tree: Tree) -> travis.ParseResult:
    return travis.parse(tree({".travis.yml": CONFIG}))


def test_root_matrix_and_included_jobs_with_inherited_phases(parsed: travis.ParseResult) -> None:
    assert parsed.files == [".travis.yml"]
    assert parsed.unreadable == [] and parsed.notes == [] and parsed.external == []
    assert [(job.name, job.stage, job.locator) for job in parsed.jobs] == [
        ("build", "test", ".travis.yml:1"),
        ("audit", "test", ".travis.yml:29"),
        ("job 2 (smoke)", "smoke", ".travis.yml:34"),
        ("ship", "deploy", ".travis.yml:36"),
        ("ship deploy (heroku)", "deploy", ".travis.yml:42"),
        ("ship deploy (npm)", "deploy", ".travis.yml:48"),
    ]
    jobs = by_name(parsed.jobs)
    assert refs(jobs["build"]) == [
        (COMMAND, "npm ci", ".travis.yml:13"),
        (COMMAND, "psql -c 'create database app_test;' -U postgres", ".travis.yml:14"),
        (COMMAND, "npm run lint", ".travis.yml:16"),
        (COMMAND, "npm test -- --coverage", ".travis.yml:17"),
        (COMMAND, "npx codecov", ".travis.yml:18"),
    ]
    assert [r.label for r in jobs["build"].references][:2] == ["install", "before_script"]
    assert jobs["build"].variable("DATABASE_URL") == "postgres://localhost/app_test"
    # an entry keeps the root phases it does not set; `skip` runs nothing
    assert [r.value for r in jobs["audit"].references] == [
        "psql -c 'create database app_test;' -U postgres", "npm audit --audit-level=high",
        "npx codecov"]
    assert [r.value for r in jobs["ship"].references] == [
        "npm ci", "psql -c 'create database app_test;' -U postgres", "npx codecov"]


def test_branch_filter_stage_and_job_conditions(parsed: travis.ParseResult) -> None:
    jobs = by_name(parsed.jobs)
    # `branches: only` keeps the main line (its pushes and pull requests) and version tags
    assert jobs["build"].triggers == {DEFAULT_BRANCH, PULL_REQUEST, TAG}
    assert jobs["audit"].triggers == {DEFAULT_BRANCH, PULL_REQUEST, TAG}
    assert jobs["job 2 (smoke)"].triggers == {SCHEDULE}  # named by the stage condition
    assert jobs["ship"].triggers == {DEFAULT_BRANCH, TAG}


def test_deploy_providers_are_jobs_of_their_own(parsed: travis.ParseResult) -> None:
    jobs = by_name(parsed.jobs)
    heroku, npm = jobs["ship deploy (heroku)"], jobs["ship deploy (npm)"]
    assert refs(heroku) == [(COMMAND, "npm run build", ".travis.yml:40"),
                            (NAMED_STEP, "travis-deploy/heroku", ".travis.yml:42")]
    # settings are inputs; secrets are not kept
    assert heroku.references[1].inputs == (("provider", "heroku"), ("app", "shop-production"))
    assert npm.references[1].inputs == (("provider", "npm"), ("email", "ci@example.com"))
    assert (heroku.triggers, heroku.environment, heroku.needs) == (
        {DEFAULT_BRANCH}, "production", ("ship",))
    assert (npm.triggers, npm.environment) == ({TAG}, None)


def test_signals_through_the_real_reading(make_repo: MakeRepo) -> None:
    found = evidence_by_signal(make_repo({".travis.yml": CONFIG}).root)
    assert found["ci.systems"].value == ["travis"]
    assert found["ci.tests.tools"].value == ["unidentified"]  # `npm test`: script not found
    assert found["ci.tests.tools"].locators == (".travis.yml:17", ".travis.yml:14")
    assert found["ci.tests.before_merge"].value is True
    assert found["ci.sca.tools"].value == ["npm-audit"]
    assert found["ci.coverage.tools"].value == ["codecov", "js-coverage"]
    assert found["ci.e2e.automatic"].value is True
    assert found["ci.deploy.tools"].value == ["travis-deploy-providers"]
    assert found["ci.deploy.environments"].value == ["production"]
    assert found["ci.deploy.production_automatic"].value is True
    assert found["ci.deploy.production_automatic"].locators == (".travis.yml:42",)
    assert found["ci.deploy.gated"].value is False
    assert found["ci.release.automatic"].value is True
    assert found["ci.packaging.tools"].locators == (".travis.yml:48",)
    # the whole configuration was read, so what is missing is said to be missing
    assert found["ci.sast.tools"].value == []
    assert found["ci.sast.tools"].locators == (".travis.yml",)
    assert found["ci.dast.tools"].value == []


@pytest.mark.parametrize(("condition", "expected"), [
    ("branch = main", {DEFAULT_BRANCH, PULL_REQUEST}),
    ("branch != main", {PUSH, PULL_REQUEST, TAG}),
    ("type IN (push, api)", {PUSH, DEFAULT_BRANCH, TAG, OTHER}),
    ("NOT type IN (cron, api)", {PUSH, DEFAULT_BRANCH, PULL_REQUEST, TAG}),
    ("type = pull_request OR tag IS present", {PULL_REQUEST, TAG}),
    ("tag IS blank AND type = push", {PUSH, DEFAULT_BRANCH}),
    ("(NOT (TRAVIS_EVENT_TYPE = cron)) AND branch =~ ^release/", {DEFAULT_BRANCH, PULL_REQUEST}),
    ("TRAVIS_PULL_REQUEST != false", {PULL_REQUEST}),
    ("tag IS NOT present", {PUSH, DEFAULT_BRANCH, PULL_REQUEST}),
    ("branch =~ /^(master|feature\\/.*)$/", {PUSH, DEFAULT_BRANCH, PULL_REQUEST}),
    ("fork = false", {PUSH, DEFAULT_BRANCH, PULL_REQUEST, TAG}),
    ("branch = main AND (type = push", {PUSH, DEFAULT_BRANCH, PULL_REQUEST, TAG}),
    ("x" * 5000, {PUSH, DEFAULT_BRANCH, PULL_REQUEST, TAG}),
])
def test_conditions(condition: str, expected: set[str]) -> None:
    assert travis.narrowed(condition, travis.USUAL) == expected


@pytest.mark.parametrize(("on", "expected"), [
    (None, {DEFAULT_BRANCH}),
    ({"all_branches": True}, {PUSH, DEFAULT_BRANCH}),
    ({"branch": ["develop", "feature/x"]}, {PUSH, DEFAULT_BRANCH}),
    ({"tags": True, "branch": "main"}, {TAG}),
    ({"all_branches": True, "condition": "$TRAVIS_BRANCH =~ ^main$"}, {DEFAULT_BRANCH}),
    ({"all_branches": True, "condition": '"$TRAVIS_TAG" =~ ^v'}, {TAG}),
    ("production", {DEFAULT_BRANCH}),
])
def test_deploy_conditions(on: object, expected: set[str]) -> None:
    assert travis.deploy_triggers(on) == expected


def test_a_language_default_script_is_what_runs(tree: Tree) -> None:
    parsed = travis.parse(tree({".travis.yml": "language: java\njdk: openjdk17\n",
                                "gradlew": "#!/bin/sh\n", "build.gradle": ""}))
    assert [(r.value, r.locator, r.label) for r in parsed.jobs[0].references] == [
        ("./gradlew check", ".travis.yml:1", "default script for java")]
    python = travis.parse(tree({".travis.yml": "language: python\npython: '3.12'\n"}))
    assert python.jobs[0].references == ()


def test_bad_input_never_raises(tree: Tree) -> None:
    cases = {
        "language: [unclosed\n": "not valid YAML (line 2",
        "\x00\x01binary\x00": "binary content",
        "- just\n- a list\n": "not a Travis CI configuration",
    }
    for text, reason in cases.items():
        parsed = travis.parse(tree({".travis.yml": text}))
        assert parsed.jobs == [] and reason in parsed.unreadable[0][1]
    wrong_types = """\
language: 7
script: {not: a list}
stages: [1, {name: [x]}]
branches: only
if: 42
deploy: [3, {provider: [x], on: 5}]
jobs:
  include:
    - 12
    - stage: [a, b]
      script: [[nested, 1], 2]
import: [shared/travis.yml, {source: acme/ci:base.yml@main}]
"""
    parsed = travis.parse(tree({".travis.yml": wrong_types}))
    # no matrix dimension at the root: only the included jobs run, with the root's deploy
    assert [job.name for job in parsed.jobs] == ["job 2 (test)", "job 2 (test) deploy (script)"]
    assert parsed.notes == [(".travis.yml:9", "matrix entry is not a mapping; skipped")]
    assert [what for _, what in parsed.external] == [
        "imported configuration shared/travis.yml", "imported configuration acme/ci:base.yml@main"]


def test_a_huge_matrix_is_cut_and_said(tree: Tree) -> None:
    entries = "".join(f"    - script: make test-{n}\n" for n in range(travis.MAX_JOBS + 5))
    parsed = travis.parse(tree({".travis.yml": f"jobs:\n  include:\n{entries}"}))
    assert len(parsed.jobs) == travis.MAX_JOBS
    assert parsed.unreadable == [(f".travis.yml:{3 + travis.MAX_JOBS}", (
        f"{travis.MAX_JOBS + 5} jobs in jobs.include; only the first {travis.MAX_JOBS} "
        "were read"))]


def test_anchors_repeating_long_scripts_stop_at_the_budget(tree: Tree) -> None:
    lines = ", ".join(f"make step-{n}" for n in range(100))
    jobs = "\n".join("    - *job" for _ in range(40))  # 120,000 commands once expanded
    text = (f"x: &lines [{lines}]\ny: &many [{', '.join(['*lines'] * 10)}]\n"
            "jobs:\n  include:\n    - &job {install: *many, script: *many, after_script: *many}\n"
            f"{jobs}\n")
    parsed = travis.parse(tree({".travis.yml": text}))
    assert sum(len(job.references) for job in parsed.jobs) == 20_000
    assert parsed.unreadable == [(".travis.yml", "more than 20000 commands and other "
                                  "references; the rest were not read")]


def test_an_empty_file_runs_the_default_ruby_build(tree: Tree) -> None:
    parsed = travis.parse(tree({".travis.yml": "# nothing configured yet\n"}))
    assert parsed.unreadable == [] and parsed.files == [".travis.yml"]
    assert [(job.name, refs(job)) for job in parsed.jobs] == [
        ("build", [(COMMAND, "bundle exec rake", ".travis.yml:1")])]
