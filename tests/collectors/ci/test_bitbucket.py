"""Bitbucket Pipelines: pipelines and their triggers, anchors, parallel and stage groups, pipes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scanner.collectors.ci import bitbucket
from scanner.collectors.ci.model import (
    ACTION,
    COMMAND,
    DEFAULT_BRANCH,
    IMAGE,
    MANUAL,
    PULL_REQUEST,
    PUSH,
    TAG,
    Job,
)
from scanner.collectors.ci.tools import load_catalogue
from scanner.collectors.local.worktree import WorkTree

Tree = Callable[[dict[str, str]], WorkTree]

CONFIG = """\
image: node:20

definitions:
  caches:
    sonar: ~/.sonar/cache
  services:
    postgres:
      image: postgres:16
      variables:
        POSTGRES_PASSWORD: test
    docker:
      memory: 2048
  steps:
    - step: &test
        name: Test
        caches: [node]
        services: [postgres]
        script:
          - npm ci
          - npm test -- --coverage
    - step: &scan
        name: Security scan
        script:
          - pipe: snyk/snyk-scan:1.0.1
            variables:
              SNYK_TOKEN: $SNYK_TOKEN
              LANGUAGE: npm
              EXTRA_ARGS: ['--all-projects', '--detection-depth=4']
          - pipe: atlassian/git-secrets-scan:3.1.0

pipelines:
  default:
    - parallel:
        - step: *test
        - step: *scan
  branches:
    main:
      - step: *test
      - step:
          <<: *scan
          name: Scan main
      - stage:
          name: Deploy to production
          deployment: production
          trigger: manual
          steps:
            - step:
                name: Push image
                services: [docker]
                script:
                  - docker build -t contoso/web:$BITBUCKET_COMMIT .
                  - pipe: atlassian/aws-ecr-push-image:2.4.2
                    variables:
                      IMAGE_NAME: contoso/web
                      TAGS: $BITBUCKET_COMMIT
            - step:
                name: Deploy service
                script:
                  - pipe: atlassian/aws-ecs-deploy:1.12.1
                    variables:
                      CLUSTER_NAME: production
                      SERVICE_NAME: web
                      TASK_DEFINITION: task-definition.json
    'feature/*':
      - step: *test
  pull-requests:
    '**':
      - step:
          name: PR checks
          image: python:3.12
          script:
            - |
              pip install -r requirements.txt
              pytest -q
          after-script:
            - pipe: sonarsource/sonarcloud-scan:4.0.0
  tags:
    'v*':
      - step:
          name: Publish
          deployment: npm
          script:
            - npm publish
      - step:
          name: Announce
          trigger: manual
          script:
            - ./scripts/announce.sh
      - step:
          name: Close milestone
          script:
            - ./scripts/close-milestone.sh
  custom:
    rollback:
      - variables:
          - name: VERSION
      - step:
          name: Rollback
          script:
            - pipe: docker://contoso/rollback-pipe:1.2
              variables:
                VERSION: $VERSION
"""


def by_key(jobs: list[Job]) -> dict[tuple[str | None, str], Job]:
    return {(job.stage, job.name): job for job in jobs}


def refs(job: Job) -> list[tuple[str, str, str]]:
    return [(r.kind, r.value, r.locator) for r in job.references]


@pytest.fixture
def parsed(tree: Tree) -> bitbucket.ParseResult:
    return bitbucket.parse(tree({"bitbucket-pipelines.yml": CONFIG}))


def test_every_step_of_every_pipeline_is_a_job(parsed: bitbucket.ParseResult) -> None:
    assert parsed.files == ["bitbucket-pipelines.yml"]
    assert parsed.unreadable == [] and parsed.notes == [] and parsed.external == []
    assert [(job.stage, job.name) for job in parsed.jobs] == [
        ("default", "Test"), ("default", "Security scan"),
        ("branches/main", "Test"), ("branches/main", "Scan main"),
        ("branches/main", "Push image"), ("branches/main", "Deploy service"),
        ("branches/feature/*", "Test"),
        ("pull-requests/**", "PR checks"),
        ("tags/v*", "Publish"), ("tags/v*", "Announce"), ("tags/v*", "Close milestone"),
        ("custom/rollback", "Rollback"),
    ]


def test_anchored_steps_point_at_their_definition(parsed: bitbucket.ParseResult) -> None:
    jobs = by_key(parsed.jobs)
    test = jobs[("branches/main", "Test")]
    assert test.locator == "bitbucket-pipelines.yml:38"  # where the pipeline uses it
    assert refs(test) == [
        (IMAGE, "node:20", "bitbucket-pipelines.yml:1"),
        (IMAGE, "postgres:16", "bitbucket-pipelines.yml:8"),
        (COMMAND, "npm ci", "bitbucket-pipelines.yml:19"),
        (COMMAND, "npm test -- --coverage", "bitbucket-pipelines.yml:20"),
    ]
    scan = jobs[("branches/main", "Scan main")]
    snyk = scan.references[1]
    assert (snyk.kind, snyk.value, snyk.version, snyk.locator) == (
        ACTION, "bitbucket-pipe/snyk/snyk-scan", "1.0.1", "bitbucket-pipelines.yml:24")
    assert snyk.inputs == (("SNYK_TOKEN", "$SNYK_TOKEN"), ("LANGUAGE", "npm"),
                           ("EXTRA_ARGS", "--all-projects --detection-depth=4"))
    assert jobs[("default", "Security scan")].locator == "bitbucket-pipelines.yml:35"


def test_triggers_environments_and_needs(parsed: bitbucket.ParseResult) -> None:
    jobs = by_key(parsed.jobs)
    # main has a pipeline of its own, so `default` runs on the other branches only
    assert jobs[("default", "Test")].triggers == {PUSH}
    assert jobs[("branches/main", "Test")].triggers == {DEFAULT_BRANCH}
    assert jobs[("branches/feature/*", "Test")].triggers == {PUSH}
    assert jobs[("pull-requests/**", "PR checks")].triggers == {PULL_REQUEST}
    assert jobs[("tags/v*", "Publish")].triggers == {TAG}
    assert jobs[("tags/v*", "Announce")].triggers == {MANUAL}
    assert jobs[("tags/v*", "Close milestone")].triggers == {MANUAL}  # after a manual step
    assert jobs[("custom/rollback", "Rollback")].triggers == {MANUAL}
    push = jobs[("branches/main", "Push image")]
    deploy = jobs[("branches/main", "Deploy service")]
    assert push.triggers == deploy.triggers == {MANUAL}
    assert push.environment == deploy.environment == "production"
    assert jobs[("tags/v*", "Publish")].environment == "npm"
    assert push.needs == ("Scan main",) and deploy.needs == ("Push image",)
    assert jobs[("default", "Security scan")].needs == ()


def test_scripts_pipes_and_images_with_lines(parsed: bitbucket.ParseResult) -> None:
    jobs = by_key(parsed.jobs)
    assert refs(jobs[("branches/main", "Deploy service")]) == [
        (IMAGE, "node:20", "bitbucket-pipelines.yml:1"),
        (ACTION, "bitbucket-pipe/atlassian/aws-ecs-deploy", "bitbucket-pipelines.yml:59"),
    ]
    assert refs(jobs[("pull-requests/**", "PR checks")]) == [
        (IMAGE, "python:3.12", "bitbucket-pipelines.yml:70"),
        (COMMAND, "pip install -r requirements.txt", "bitbucket-pipelines.yml:73"),
        (COMMAND, "pytest -q", "bitbucket-pipelines.yml:74"),
        (ACTION, "bitbucket-pipe/sonarsource/sonarcloud-scan", "bitbucket-pipelines.yml:76"),
    ]
    rollback = jobs[("custom/rollback", "Rollback")]
    assert refs(rollback)[1] == (IMAGE, "contoso/rollback-pipe:1.2",
                                 "bitbucket-pipelines.yml:100")


def test_catalogue_recognises_pipes(parsed: bitbucket.ParseResult) -> None:
    catalogue = load_catalogue()
    found = {(hit.job.stage if hit.job else "", hit.job.name if hit.job else "", hit.tool,
              hit.category) for job in parsed.jobs for hit in catalogue.match_job(job)}
    assert {
        ("default", "Security scan", "snyk-ci-integrations", "sca"),
        ("default", "Security scan", "git-secrets-scan-pipe", "secrets"),
        ("default", "Test", "unidentified", "tests"),
        ("branches/main", "Push image", "bitbucket-publish-pipes", "packaging"),
        ("branches/main", "Deploy service", "bitbucket-deploy-pipes", "deploy"),
        ("pull-requests/**", "PR checks", "sonarqube-ci-integrations", "sast"),
        ("pull-requests/**", "PR checks", "pytest", "tests"),
        ("tags/v*", "Publish", "npm-publish", "packaging"),
    } <= found


@pytest.mark.parametrize(("pattern", "expected"), [
    ("main", {DEFAULT_BRANCH}),
    ("master", {DEFAULT_BRANCH}),
    ("release/*", {DEFAULT_BRANCH}),
    ("'{main,develop}'", {DEFAULT_BRANCH}),
    ("'{main,feature/*}'", {PUSH, DEFAULT_BRANCH}),
    ("'feature/*'", {PUSH}),
    ("'**'", {PUSH, DEFAULT_BRANCH}),
])
def test_branch_patterns(tree: Tree, pattern: str, expected: set[str]) -> None:
    text = f"pipelines:\n  branches:\n    {pattern}:\n      - step:\n" \
           "          script: [make test]\n"
    jobs = bitbucket.parse(tree({"bitbucket-pipelines.yml": text})).jobs
    assert [set(job.triggers) for job in jobs] == [expected]


def test_default_runs_everywhere_without_a_main_branch_pipeline(tree: Tree) -> None:
    text = "pipelines:\n  default:\n    - step:\n        script: [make test]\n" \
           "  branches:\n    develop:\n      - step:\n          script: [make deploy]\n"
    jobs = bitbucket.parse(tree({"bitbucket-pipelines.yml": text})).jobs
    assert [(job.name, set(job.triggers)) for job in jobs] == [
        ("default step 1", {PUSH, DEFAULT_BRANCH}),
        ("branches/develop step 1", {DEFAULT_BRANCH})]


@pytest.mark.parametrize(("variables", "category"), [
    ("LANGUAGE: npm", "sca"),
    ("LANGUAGE: docker\n                IMAGE_NAME: contoso/web", "container_scan"),
])
def test_snyk_pipe_language_chooses_the_category(tree: Tree, variables: str,
                                                 category: str) -> None:
    text = f"""\
pipelines:
  default:
    - step:
        script:
          - pipe: snyk/snyk-scan:1.0.1
            variables:
                {variables}
"""
    jobs = bitbucket.parse(tree({"bitbucket-pipelines.yml": text})).jobs
    assert {h.category for job in jobs for h in load_catalogue().match_job(job)} == {category}


def test_imported_pipelines_are_external(tree: Tree) -> None:
    text = "pipelines:\n  custom:\n    release:\n      import: shared-pipelines:main:release\n"
    parsed = bitbucket.parse(tree({"bitbucket-pipelines.yml": text}))
    assert parsed.jobs == []
    assert parsed.external == [("bitbucket-pipelines.yml:3", (
        "pipeline custom/release imported from shared-pipelines:main:release"))]


def test_bad_input_never_raises(tree: Tree) -> None:
    cases = {
        "pipelines:\n  default: [unclosed\n": "not valid YAML (line 3",
        "\x00\x01\x02binary\x00": "binary content",
        "image: node:20\n": "no 'pipelines' mapping",
        "pipelines: !custom-tag {}\n": "no 'pipelines' mapping",
    }
    for text, reason in cases.items():
        parsed = bitbucket.parse(tree({"bitbucket-pipelines.yml": text}))
        assert parsed.jobs == [] and reason in parsed.unreadable[0][1]
    wrong_types = """\
image: {name: 5}
definitions: {services: [1, 2]}
pipelines:
  default: 7
  branches: [main]
  tags:
    'v*':
      - step:
          name: [list, name]
          script: 42
          services: docker
      - parallel: 3
      - 12
      - step:
          script:
            - [5, {pipe: 5}]
            - {pipe: 9}
"""
    parsed = bitbucket.parse(tree({"bitbucket-pipelines.yml": wrong_types}))
    assert [(job.name, job.references) for job in parsed.jobs] == [
        ("tags/v* step 1", ()), ("tags/v* step 2", ())]
    assert [note for _, note in parsed.notes] == [
        "pipeline default is not a list of steps",
        "'branches' is not a mapping; skipped",
        "pipeline item not understood; skipped",
    ]
