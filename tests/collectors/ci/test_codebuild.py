"""AWS CodeBuild: phases, reports, artifacts, batch buildspecs, signals."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scanner.collectors.ci import codebuild
from scanner.collectors.ci.model import COMMAND, NAMED_STEP, OTHER, Job
from scanner.collectors.ci.shapes import EMPTY
from scanner.collectors.ci.tools import load_catalogue
from scanner.collectors.local.worktree import WorkTree

from gitrepo import GitRepo
from local_scan import evidence_by_signal

Tree = Callable[[dict[str, str]], WorkTree]
MakeRepo = Callable[..., GitRepo]

BUILDSPEC = """\
version: 0.2

env:
  variables:
    AWS_DEFAULT_REGION: eu-west-1
    REPOSITORY: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments
  parameter-store:
    SONAR_TOKEN: /ci/sonar-token

phases:
  install:
    runtime-versions:
      java: corretto21
    commands:
      - ./mvnw -q dependency:go-offline
  pre_build:
    commands:
      - aws ecr get-login-password | docker login --username AWS --password-stdin $REPOSITORY
      - ./mvnw -B verify sonar:sonar -Dsonar.token=$SONAR_TOKEN
  build:
    commands:
      - docker build -t $REPOSITORY:$CODEBUILD_RESOLVED_SOURCE_VERSION .
    finally:
      - docker image ls
  post_build:
    commands:
      - docker push $REPOSITORY:$CODEBUILD_RESOLVED_SOURCE_VERSION
      - >-
        printf '[{"name":"payments","imageUri":"%s"}]'
        $REPOSITORY:$CODEBUILD_RESOLVED_SOURCE_VERSION > imagedefinitions.json

reports:
  surefire:
    files: ["**/*.xml"]
    base-directory: target/surefire-reports
  jacoco:
    files: [target/site/jacoco/jacoco.xml]
    file-format: JACOCOXML

artifacts:
  files:
    - imagedefinitions.json
"""
BATCH = """\
version: 0.2
batch:
  fast-fail: true
  build-list:
    - identifier: lint
      buildspec: ci/lint.yml
    - identifier: external
      buildspec: arn:aws:s3:::specs/buildspec.yml
"""
LINT = """\
version: 0.2
phases:
  build:
    commands:
      - npx eslint .
"""


def refs(job: Job) -> list[tuple[str, str, str, str]]:
    return [(r.kind, r.value, r.locator, r.label) for r in job.references]


@pytest.fixture
def parsed(tree: Tree) -> codebuild.ParseResult:
    return codebuild.parse(tree({"buildspec.yml": BUILDSPEC}))


def test_phases_reports_and_artifacts(parsed: codebuild.ParseResult) -> None:
    assert parsed.files == ["buildspec.yml"] and parsed.unreadable == []
    job = parsed.jobs[0]
    assert (job.name, job.locator, job.triggers) == ("buildspec.yml", "buildspec.yml:10", {OTHER})
    assert job.variable("AWS_DEFAULT_REGION") == "eu-west-1"
    assert job.variable("SONAR_TOKEN") is None  # parameter-store values are not variables
    assert refs(job) == [
        (COMMAND, "./mvnw -q dependency:go-offline", "buildspec.yml:15", "install"),
        (COMMAND, "aws ecr get-login-password | docker login --username AWS --password-stdin "
                  "$REPOSITORY", "buildspec.yml:18", "pre_build"),
        (COMMAND, "./mvnw -B verify sonar:sonar -Dsonar.token=$SONAR_TOKEN", "buildspec.yml:19",
         "pre_build"),
        (COMMAND, "docker build -t $REPOSITORY:$CODEBUILD_RESOLVED_SOURCE_VERSION .",
         "buildspec.yml:22", "build"),
        (COMMAND, "docker image ls", "buildspec.yml:24", "build finally"),
        (COMMAND, "docker push $REPOSITORY:$CODEBUILD_RESOLVED_SOURCE_VERSION",
         "buildspec.yml:27", "post_build"),
        (COMMAND, "printf '[{\"name\":\"payments\",\"imageUri\":\"%s\"}]' "
                  "$REPOSITORY:$CODEBUILD_RESOLVED_SOURCE_VERSION > imagedefinitions.json",
         "buildspec.yml:28", "post_build"),
        (NAMED_STEP, "codebuild/reports", "buildspec.yml:33", ""),
        (NAMED_STEP, "codebuild/reports", "buildspec.yml:36", ""),
        (NAMED_STEP, "codebuild/artifacts", "buildspec.yml:41", ""),
    ]
    surefire, jacoco, artifacts = job.references[-3:]
    assert surefire.input("file-format") == "JUNITXML"  # the default format
    assert jacoco.input("file-format") == "JACOCOXML"
    assert artifacts.input("files") == "imagedefinitions.json"
    assert "configured in AWS" in parsed.notes[0][1]


def test_catalogue_reads_reports_and_the_deploy_hand_off(parsed: codebuild.ParseResult) -> None:
    catalogue = load_catalogue()
    found = {(hit.tool, hit.category, hit.locator) for hit in catalogue.match_job(parsed.jobs[0])}
    assert {
        ("maven-test", "tests", "buildspec.yml:19"),
        ("sonarqube", "sast", "buildspec.yml:19"),
        ("container-push", "packaging", "buildspec.yml:27"),
        ("codebuild-reports", "tests", "buildspec.yml:33"),
        ("codebuild-reports", "coverage", "buildspec.yml:36"),
        ("codepipeline-deploy-handoff", "deploy", "buildspec.yml:41"),
    } <= found


def test_signals_through_the_real_reading(make_repo: MakeRepo) -> None:
    found = evidence_by_signal(make_repo({"buildspec.yml": BUILDSPEC}).root)
    assert found["ci.systems"].value == ["aws_codebuild"]
    assert found["ci.sast.tools"].value == ["sonarqube"]
    assert found["ci.coverage.tools"].value == ["codebuild-reports"]
    assert found["ci.deploy.present"].value is True
    assert found["ci.deploy.gated"].value is True  # Sonar runs in the build before the hand-off
    assert found["ci.dast.tools"].value == []  # read in full: absence is said
    assert "ci.tests.before_merge" not in found  # CodeBuild's triggers live in AWS


def test_batch_builds_read_the_buildspecs_they_name(tree: Tree) -> None:
    parsed = codebuild.parse(tree({"buildspec.yml": BATCH, "ci/lint.yml": LINT}))
    assert parsed.files == ["buildspec.yml", "ci/lint.yml"]
    batch, lint = parsed.jobs
    assert (batch.locator, batch.references) == ("buildspec.yml:2", ())
    assert refs(lint) == [(COMMAND, "npx eslint .", "ci/lint.yml:5", "build")]


def test_bad_input_never_raises(tree: Tree) -> None:
    cases = {
        "phases: [unclosed\n": "not valid YAML (line 2",
        "\x00\x01binary\x00": "binary content",
        "version: 0.2\n": "no 'phases' mapping",
        "phases: [install, build]\n": "no 'phases' mapping",
    }
    for text, reason in cases.items():
        parsed = codebuild.parse(tree({"ci/buildspec-release.yaml": text}))
        assert parsed.jobs == [] and reason in parsed.unreadable[0][1]
    wrong_types = """\
phases:
  install: npm ci
  build:
    commands: {not: a list}
    finally: [[nested], 3]
reports: [a, b]
artifacts: {files: {x: 1}}
batch: {build-list: 5, build-graph: [1, {buildspec: ../outside.yml}]}
env: {variables: [A=1]}
"""
    parsed = codebuild.parse(tree({"buildspec.yml": wrong_types, "old/buildspec.yml": ""}))
    assert ("old/buildspec.yml", EMPTY) in parsed.notes and len(parsed.unreadable) == 0
    assert [(r.value, r.locator) for r in parsed.jobs[0].references] == [
        ("nested", "buildspec.yml:5"), ("3", "buildspec.yml:5")]
    assert parsed.jobs[0].variables == ()
