"""CircleCI: orbs, executors, reusable commands, workflows, filters, approvals, lines."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scanner.collectors.ci import circleci
from scanner.collectors.ci.model import (
    COMMAND,
    DEFAULT_BRANCH,
    IMAGE,
    MANUAL,
    ORB,
    OTHER,
    PUSH,
    SCHEDULE,
    TAG,
    TEST_REPORT,
    Job,
)
from scanner.collectors.ci.tools import load_catalogue
from scanner.collectors.local.worktree import WorkTree

Tree = Callable[[dict[str, str]], WorkTree]

CONFIG = """\
version: 2.1

orbs:
  snyk: snyk/snyk@2.2.0
  aws-ecr: circleci/aws-ecr@9.3.1
  aws-ecs: circleci/aws-ecs@4.1.0
  codecov: codecov/codecov@4.1.0

parameters:
  run-load-tests:
    type: boolean
    default: false

executors:
  python:
    docker:
      - image: cimg/python:3.12
      - image: cimg/postgres:16.2
        environment:
          POSTGRES_USER: app

commands:
  install:
    parameters:
      extras:
        type: string
        default: dev
    steps:
      - restore_cache:
          keys:
            - deps-v1-{{ checksum "poetry.lock" }}
      - run: pip install -e ".[<< parameters.extras >>]"

jobs:
  test:
    executor: python
    environment:
      DATABASE_URL: postgres://app@localhost/app
    steps:
      - checkout
      - install:
          extras: test
      - run:
          name: Unit tests
          command: |
            pytest --cov=app \\
              --junitxml=reports/junit.xml
            coverage xml
      - when:
          condition: << pipeline.git.tag >>
          steps:
            - run: python -m build
      - codecov/upload
      - store_test_results:
          path: reports
  dependency-scan:
    docker:
      - image: cimg/node:20.11
    steps:
      - checkout
      - snyk/scan:
          severity-threshold: high
          monitor-on-build: false
  load-test:
    docker: [{image: grafana/k6:0.49.0}]
    steps:
      - checkout
      - run: k6 run load/smoke.js

workflows:
  build-and-deploy:
    jobs:
      - test
      - dependency-scan:
          context: snyk
          filters:
            branches:
              ignore: main
      - hold:
          type: approval
          requires: [test]
          filters:
            branches:
              only: main
      - aws-ecr/build_and_push_image:
          name: push-image
          repo: api
          tag: ${CIRCLE_SHA1}
          requires: [hold]
      - aws-ecs/deploy_service_update:
          requires:
            - push-image
          family: api
          cluster: production
  release:
    jobs:
      - test:
          name: release-test
          filters:
            branches:
              ignore: /.*/
            tags:
              only: /^v\\d+\\.\\d+\\.\\d+$/
  nightly:
    triggers:
      - schedule:
          cron: "0 2 * * *"
          filters:
            branches:
              only: main
    jobs:
      - load-test
  on-demand:
    when: << pipeline.parameters.run-load-tests >>
    jobs:
      - load-test
"""


def by_key(jobs: list[Job]) -> dict[tuple[str | None, str], Job]:
    return {(job.stage, job.name): job for job in jobs}


def refs(job: Job) -> list[tuple[str, str, str]]:
    return [(r.kind, r.value, r.locator) for r in job.references]


@pytest.fixture
def parsed(tree: Tree) -> circleci.ParseResult:
    return circleci.parse(tree({".circleci/config.yml": CONFIG}))


def test_jobs_steps_commands_and_images_with_lines(parsed: circleci.ParseResult) -> None:
    assert parsed.files == [".circleci/config.yml"]
    assert parsed.unreadable == [] and parsed.notes == [] and parsed.external == []
    test = by_key(parsed.jobs)[("build-and-deploy", "test")]
    assert test.locator == ".circleci/config.yml:35"
    assert test.variable("DATABASE_URL") == "postgres://app@localhost/app"
    assert refs(test) == [
        (IMAGE, "cimg/python:3.12", ".circleci/config.yml:17"),
        (IMAGE, "cimg/postgres:16.2", ".circleci/config.yml:18"),
        (COMMAND, 'pip install -e ".[test]"', ".circleci/config.yml:32"),
        (COMMAND, "pytest --cov=app --junitxml=reports/junit.xml", ".circleci/config.yml:46"),
        (COMMAND, "coverage xml", ".circleci/config.yml:48"),
        (COMMAND, "python -m build", ".circleci/config.yml:52"),
        (ORB, "codecov/codecov/upload", ".circleci/config.yml:53"),
        (TEST_REPORT, "junit", ".circleci/config.yml:54"),
    ]
    assert test.references[3].label == "Unit tests"
    assert test.references[-2].version == "4.1.0"


def test_orb_commands_and_orb_jobs_resolve_through_orbs(parsed: circleci.ParseResult) -> None:
    jobs = by_key(parsed.jobs)
    scan = jobs[("build-and-deploy", "dependency-scan")]
    orb = scan.references[-1]
    assert (orb.kind, orb.value, orb.version, orb.locator) == (
        ORB, "snyk/snyk/scan", "2.2.0", ".circleci/config.yml:61")
    assert orb.inputs == (("severity-threshold", "high"), ("monitor-on-build", "false"))
    push = jobs[("build-and-deploy", "push-image")]
    assert push.locator == ".circleci/config.yml:85"
    assert refs(push) == [(ORB, "circleci/aws-ecr/build_and_push_image",
                           ".circleci/config.yml:85")]
    assert push.references[0].inputs == (("repo", "api"), ("tag", "${CIRCLE_SHA1}"))
    deploy = jobs[("build-and-deploy", "aws-ecs/deploy_service_update")]
    assert deploy.references[0].value == "circleci/aws-ecs/deploy_service_update"
    assert deploy.needs == ("push-image",)


def test_filters_approvals_and_schedules(parsed: circleci.ParseResult) -> None:
    jobs = by_key(parsed.jobs)
    assert jobs[("build-and-deploy", "test")].triggers == {PUSH, DEFAULT_BRANCH}
    assert jobs[("build-and-deploy", "dependency-scan")].triggers == {PUSH}
    assert jobs[("build-and-deploy", "hold")].triggers == {MANUAL}
    assert jobs[("build-and-deploy", "hold")].needs == ("test",)
    assert jobs[("build-and-deploy", "push-image")].triggers == {MANUAL}
    assert jobs[("build-and-deploy", "aws-ecs/deploy_service_update")].triggers == {MANUAL}
    assert jobs[("release", "release-test")].triggers == {TAG}
    assert jobs[("nightly", "load-test")].triggers == {SCHEDULE}
    assert jobs[("on-demand", "load-test")].triggers == {OTHER}  # a parameter off by default


def test_catalogue_recognises_orbs(parsed: circleci.ParseResult) -> None:
    catalogue = load_catalogue()
    found = {(hit.job.name if hit.job else "", hit.tool, hit.category)
             for job in parsed.jobs for hit in catalogue.match_job(job)}
    assert {
        ("dependency-scan", "snyk-ci-integrations", "sca"),
        ("test", "codecov-orb", "coverage"),
        ("test", "pytest", "tests"),
        ("push-image", "circleci-publish-orbs", "packaging"),
        ("aws-ecs/deploy_service_update", "circleci-deploy-orbs", "deploy"),
        ("load-test", "k6", "load_test"),
    } <= found


@pytest.mark.parametrize(("parameters", "category"), [
    ("", "sca"),
    ("\n          docker-image-name: acme/api:latest", "container_scan"),
    ("\n          command: code test", "sast"),
    ("\n          command: iac test", "iac_scan"),
])
def test_snyk_orb_parameters_choose_the_category(tree: Tree, parameters: str,
                                                 category: str) -> None:
    step = f"      - snyk/scan:{parameters}" if parameters else "      - snyk/scan"
    config = ("version: 2.1\norbs:\n  snyk: snyk/snyk@2\njobs:\n  scan:\n"
              "    docker: [{image: cimg/base:current}]\n    steps:\n" + step +
              "\nworkflows:\n  main:\n    jobs: [scan]\n")
    jobs = circleci.parse(tree({".circleci/config.yml": config})).jobs
    categories = {hit.category for job in jobs for hit in load_catalogue().match_job(job)}
    assert categories == {category}


@pytest.mark.parametrize(("filters", "expected"), [
    ("{branches: {only: main}}", {DEFAULT_BRANCH}),
    ("{branches: {only: [main, /release\\/.*/]}}", {DEFAULT_BRANCH}),
    ("{branches: {only: /feature\\/.*/}}", {PUSH}),
    ("{branches: {ignore: [main, master]}}", {PUSH}),
    ("{tags: {only: /.*/}}", {PUSH, DEFAULT_BRANCH, TAG}),
    ("{branches: {ignore: /.*/}, tags: {only: /^v.*/}}", {TAG}),
    ("'pipeline.git.branch == \"main\"'", {DEFAULT_BRANCH}),
])
def test_filters(tree: Tree, filters: str, expected: set[str]) -> None:
    config = ("version: 2.1\njobs:\n  build:\n    docker: [{image: cimg/base:current}]\n"
              "    steps: [checkout, {run: make}]\nworkflows:\n  main:\n    jobs:\n"
              f"      - build:\n          filters: {filters}\n")
    jobs = circleci.parse(tree({".circleci/config.yml": config})).jobs
    assert [set(job.triggers) for job in jobs] == [expected]


@pytest.mark.parametrize(("when", "expected"), [
    ("{equal: [scheduled_pipeline, << pipeline.trigger_source >>]}", {SCHEDULE}),
    ("{not: {equal: [scheduled_pipeline, << pipeline.trigger_source >>]}}",
     {PUSH, DEFAULT_BRANCH}),
    ("{equal: [main, << pipeline.git.branch >>]}", {DEFAULT_BRANCH}),
    ("{and: [{equal: [main, << pipeline.git.branch >>]}, << pipeline.parameters.go >>]}",
     {DEFAULT_BRANCH}),
])
def test_workflow_conditions(tree: Tree, when: str, expected: set[str]) -> None:
    config = ("version: 2.1\nparameters:\n  go: {type: boolean, default: true}\njobs:\n"
              "  build:\n    docker: [{image: cimg/base:current}]\n    steps: [{run: make}]\n"
              f"workflows:\n  main:\n    when: {when}\n    jobs: [build]\n")
    jobs = circleci.parse(tree({".circleci/config.yml": config})).jobs
    assert [set(job.triggers) for job in jobs] == [expected]


def test_setup_config_continues_into_a_file_in_the_repository(tree: Tree) -> None:
    setup = """\
version: 2.1
setup: true
orbs:
  path-filtering: circleci/path-filtering@1.0.0
workflows:
  generate-config:
    jobs:
      - path-filtering/filter:
          base-revision: main
          config-path: .circleci/workflows.yml
          mapping: |
            api/.* run-api true
"""
    continued = """\
version: 2.1
orbs:
  sonarcloud: sonarsource/sonarcloud@2.0.0
jobs:
  analyse:
    docker: [{image: cimg/openjdk:21.0}]
    steps:
      - checkout
      - run: ./gradlew test jacocoTestReport
      - sonarcloud/scan
workflows:
  api:
    jobs: [analyse]
"""
    parsed = circleci.parse(tree({".circleci/config.yml": setup,
                                  ".circleci/workflows.yml": continued}))
    assert parsed.files == [".circleci/config.yml", ".circleci/workflows.yml"]
    names = [(job.file, job.name) for job in parsed.jobs]
    assert names == [(".circleci/config.yml", "path-filtering/filter"),
                     (".circleci/workflows.yml", "analyse")]
    analyse = parsed.jobs[1]
    assert refs(analyse)[-1] == (ORB, "sonarsource/sonarcloud/scan",
                                 ".circleci/workflows.yml:10")
    hits = {(h.tool, h.category) for h in load_catalogue().match_job(analyse)}
    assert ("sonarqube-ci-integrations", "sast") in hits
    missing = circleci.parse(tree({".circleci/config.yml": setup}))
    assert missing.external == [(".circleci/config.yml:2", (
        "continuation configuration .circleci/workflows.yml is generated at run time or not "
        "in the repository; not read"))]


def test_inline_orbs_and_version_2_without_workflows(tree: Tree) -> None:
    inline = """\
version: 2.1
orbs:
  tools:
    commands:
      lint:
        steps:
          - run: ruff check .
    jobs:
      audit:
        docker: [{image: cimg/python:3.12}]
        steps:
          - run: pip-audit -r requirements.txt
jobs:
  build:
    docker: [{image: cimg/python:3.12}]
    steps:
      - tools/lint
workflows:
  main:
    jobs: [build, tools/audit]
"""
    jobs = circleci.parse(tree({".circleci/config.yml": inline})).jobs
    assert [(job.name, [r.value for r in job.references if r.kind == COMMAND])
            for job in jobs] == [("build", ["ruff check ."]),
                                 ("tools/audit", ["pip-audit -r requirements.txt"])]
    legacy = "version: 2\njobs:\n  build:\n    docker:\n      - image: circleci/node:10\n" \
             "    steps:\n      - checkout\n      - run: npm test\n"
    jobs = circleci.parse(tree({".circleci/config.yml": legacy})).jobs
    assert [(j.name, set(j.triggers), refs(j)) for j in jobs] == [(
        "build", {PUSH, DEFAULT_BRANCH},
        [(IMAGE, "circleci/node:10", ".circleci/config.yml:5"),
         (COMMAND, "npm test", ".circleci/config.yml:8")])]


def test_steps_parameters_run_what_the_workflow_hands_or_the_default(tree: Tree) -> None:
    """`- steps: << parameters.publish >>` runs the steps the workflow entry gives, or the
    parameter's default steps."""
    text = """\
version: 2.1
jobs:
  deploy:
    docker: [{image: cimg/go:1.22}]
    parameters:
      publish:
        type: steps
        default:
          - run: task release
    steps:
      - checkout
      - steps: << parameters.publish >>
      - steps: << parameters.undeclared >>
workflows:
  main:
    jobs:
      - deploy
      - deploy:
          name: dry-run
          publish:
            - run: task build
"""
    jobs = {job.name: job for job in circleci.parse(tree({".circleci/config.yml": text})).jobs}
    assert [r.value for r in jobs["deploy"].references if r.kind == COMMAND] == ["task release"]
    assert [r.value for r in jobs["dry-run"].references if r.kind == COMMAND] == ["task build"]


def test_bad_input_never_raises(tree: Tree) -> None:
    cases = {
        "version: 2.1\njobs: [unclosed\n": "not valid YAML (line 3",
        "\x00\x01\x02binary\x00": "binary content",
        "- just\n- a list\n": "no 'jobs' or 'workflows' mapping",
        "version: 2.1\nfoo: !custom-tag bar\n": "no 'jobs' or 'workflows' mapping",
    }
    for text, reason in cases.items():
        parsed = circleci.parse(tree({".circleci/config.yml": text}))
        assert parsed.jobs == []
        assert reason in parsed.unreadable[0][1]
    wrong_types = """\
version: 2.1
orbs: [not, a, mapping]
commands: 3
jobs:
  a:
    docker: true
    steps: run make
  b:
    steps:
      - run: {command: [1, 2]}
      - {run: x, extra: y}
      - undeclared/command
      - unknown-command
workflows:
  version: 2
  w:
    jobs:
      - a:
          filters: [1, 2]
          requires: {x: 1}
      - b
      - missing-job
      - [nested, list]
  x: 5
"""
    parsed = circleci.parse(tree({".circleci/config.yml": wrong_types}))
    assert [job.name for job in parsed.jobs] == ["a", "b", "missing-job"]
    assert all(job.references == () for job in parsed.jobs)
    assert [note for _, note in parsed.notes] == [
        "step not understood; skipped",
        "orb 'undeclared' is not declared in orbs:",
        "step 'unknown-command' is not a known command",
        "job 'missing-job' is not defined",
        "workflow entry not understood; skipped",
    ]
