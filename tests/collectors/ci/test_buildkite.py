"""Buildkite: command steps and plugins, groups, waits and blocks, conditions, uploads, signals."""

from __future__ import annotations

import pytest

from scanner.collectors.ci import buildkite
from scanner.collectors.ci.model import (
    ACTION,
    COMMAND,
    DEFAULT_BRANCH,
    IMAGE,
    MANUAL,
    NAMED_STEP,
    OTHER,
    PULL_REQUEST,
    PUSH,
    SCHEDULE,
    TAG,
)
from scanner.collectors.ci.shapes import EMPTY

from ci_parsing import MakeRepo, Tree, by_name, catalogue_hits, refs
from local_scan import evidence_by_signal

PIPELINE = """\
env:
  RAILS_ENV: test

steps:
  - group: ":rspec: Tests"
    key: tests
    steps:
      - label: ":rspec: RSpec"
        key: rspec
        command:
          - bundle exec rspec --format progress
        plugins:
          - docker-compose#v5.4.1:
              run: app
              config: docker-compose.ci.yml
          - junit-annotate#v2.6.0:
              artifacts: tmp/rspec-*.xml
      - label: ":snyk: Dependencies"
        plugins:
          - snyk#v0.2.0:
              scan: oss
              block: true

  - wait

  - label: ":docker: Image"
    key: image
    branches: "main release/*"
    commands: |
      docker build -t registry.example.com/shop/web:$BUILDKITE_COMMIT .
      docker push registry.example.com/shop/web:$BUILDKITE_COMMIT

  - label: ":spiral_note_pad: Nightly browser tests"
    if: build.source == "schedule"
    command: npx playwright test

  - block: ":rocket: Release to production?"
    branches: main

  - label: ":rocket: Deploy to production"
    depends_on: image
    branches: main
    concurrency_group: deploy/production
    command: ./scripts/deploy.sh production

  - label: ":package: Tag release"
    if: build.tag != null
    command: buildkite-agent pipeline upload .buildkite/release.yml

  - trigger: infra-apply
    label: Apply infrastructure
    build:
      branch: main
"""
RELEASE = """\
steps:
  - label: Publish gem
    command: gem push pkg/*.gem
    plugins:
      - https://github.com/acme/secrets-buildkite-plugin.git#9f2c1a4e7b3d8f6a5c0e1b2d3f4a5b6c7d8e9f01:
          env: [RUBYGEMS_API_KEY]
"""


@pytest.fixture
def parsed(tree: Tree) -> buildkite.ParseResult:
    return buildkite.parse(tree({".buildkite/pipeline.yml": PIPELINE,
                                 ".buildkite/release.yml": RELEASE}))


def test_steps_groups_and_plugins(parsed: buildkite.ParseResult) -> None:
    assert parsed.files == [".buildkite/pipeline.yml", ".buildkite/release.yml"]
    assert parsed.unreadable == [] and parsed.external == []
    assert [(job.name, job.stage, job.locator) for job in parsed.jobs] == [
        ("RSpec", "Tests", ".buildkite/pipeline.yml:8"),
        ("Dependencies", "Tests", ".buildkite/pipeline.yml:18"),
        ("Image", None, ".buildkite/pipeline.yml:26"),
        ("Nightly browser tests", None, ".buildkite/pipeline.yml:33"),
        ("Release to production?", None, ".buildkite/pipeline.yml:37"),
        ("Deploy to production", None, ".buildkite/pipeline.yml:40"),
        ("Tag release", None, ".buildkite/pipeline.yml:46"),
        ("Apply infrastructure", None, ".buildkite/pipeline.yml:50"),
        ("Publish gem", None, ".buildkite/release.yml:2"),
    ]
    jobs = by_name(parsed.jobs)
    rspec = jobs["RSpec"]
    assert refs(rspec) == [
        (COMMAND, "bundle exec rspec --format progress", ".buildkite/pipeline.yml:11"),
        (ACTION, "buildkite-plugin/buildkite-plugins/docker-compose", ".buildkite/pipeline.yml:13"),
        (ACTION, "buildkite-plugin/buildkite-plugins/junit-annotate", ".buildkite/pipeline.yml:16"),
    ]
    compose = rspec.references[1]
    assert (compose.version, compose.inputs) == (
        "v5.4.1", (("run", "app"), ("config", "docker-compose.ci.yml")))
    assert rspec.variable("RAILS_ENV") == "test"
    assert refs(jobs["Image"]) == [
        (COMMAND, "docker build -t registry.example.com/shop/web:$BUILDKITE_COMMIT .",
         ".buildkite/pipeline.yml:30"),
        (COMMAND, "docker push registry.example.com/shop/web:$BUILDKITE_COMMIT",
         ".buildkite/pipeline.yml:31")]
    secrets = jobs["Publish gem"].references[1]
    assert (secrets.value, secrets.version) == (
        "buildkite-plugin/acme/secrets", "9f2c1a4e7b3d8f6a5c0e1b2d3f4a5b6c7d8e9f01")
    trigger = jobs["Apply infrastructure"].references[0]
    assert (trigger.kind, trigger.value, trigger.inputs) == (
        NAMED_STEP, "buildkite/trigger", (("pipeline", "infra-apply"), ("branch", "main")))
    assert (".buildkite/pipeline.yml:50", "starts the Buildkite pipeline 'infra-apply', whose "
            "steps are configured with that pipeline") in parsed.notes


def test_triggers_waits_blocks_and_uploads(parsed: buildkite.ParseResult) -> None:
    jobs = by_name(parsed.jobs)
    usual = {PUSH, DEFAULT_BRANCH, PULL_REQUEST}
    assert jobs["RSpec"].triggers == usual
    assert jobs["Image"].triggers == {DEFAULT_BRANCH}
    assert jobs["Image"].needs == ("RSpec", "Dependencies")  # after the wait
    assert jobs["Nightly browser tests"].triggers == {SCHEDULE}
    assert jobs["Release to production?"].triggers == {MANUAL}
    deploy = jobs["Deploy to production"]
    assert (deploy.triggers, deploy.environment, deploy.needs) == (
        {MANUAL}, "production", ("Image",))
    # the block holds only the main line: elsewhere later steps run by themselves
    assert jobs["Apply infrastructure"].triggers == {MANUAL, PUSH, PULL_REQUEST}
    assert jobs["Tag release"].triggers == {TAG}
    assert jobs["Publish gem"].triggers == {TAG}  # uploaded by the tag step


@pytest.mark.parametrize(("condition", "expected"), [
    ("build.branch == pipeline.default_branch", {DEFAULT_BRANCH}),
    ("build.branch != 'main'", {PUSH, PULL_REQUEST}),
    ("build.pull_request.id != null", {PULL_REQUEST}),
    ("build.pull_request.id == null && build.branch =~ /^release\\//", {DEFAULT_BRANCH}),
    ("build.tag =~ /^v/ || build.source == 'ui'", {TAG, MANUAL}),
    ("build.source == \"api\"", {OTHER}),
    ("build.branch =~ /^(main|feature\\/.+)$/", {PUSH, DEFAULT_BRANCH, PULL_REQUEST}),
    ("build.env(\"DEPLOY\") == \"1\"", {PUSH, DEFAULT_BRANCH, PULL_REQUEST}),
])
def test_conditions(condition: str, expected: set[str]) -> None:
    assert buildkite.step_triggers({"if": condition}, buildkite.USUAL) == expected


@pytest.mark.parametrize(("branches", "expected"), [
    ("main", {DEFAULT_BRANCH}),
    ("feature/*", {PUSH, PULL_REQUEST}),
    ("!main", {PUSH, PULL_REQUEST}),
    ("*", {PUSH, DEFAULT_BRANCH, PULL_REQUEST}),
])
def test_branch_filters(branches: str, expected: set[str]) -> None:
    assert buildkite.step_triggers({"branches": branches}, buildkite.USUAL) == expected


def test_catalogue_recognises_plugins(parsed: buildkite.ParseResult) -> None:
    found = catalogue_hits(parsed.jobs)
    assert {
        ("RSpec", "rspec", "tests"),
        ("RSpec", "buildkite-test-plugins", "tests"),
        ("Dependencies", "buildkite-security-plugins", "sca"),
        ("Image", "container-push", "packaging"),
        ("Nightly browser tests", "playwright", "e2e"),
        ("Publish gem", "gem-push", "packaging"),
    } <= found


def test_signals_through_the_real_reading(make_repo: MakeRepo) -> None:
    repo = make_repo({".buildkite/pipeline.yml": PIPELINE, ".buildkite/release.yml": RELEASE})
    found = evidence_by_signal(repo.root)
    assert found["ci.systems"].value == ["buildkite"]
    assert found["ci.tests.before_merge"].value is True
    assert found["ci.sca.before_merge"].value is True
    assert found["ci.e2e.automatic"].value is True
    assert found["ci.deploy.environments"].value == ["production"]
    assert found["ci.deploy.automatic"].value is False  # behind the block step
    assert found["ci.release.automatic"].value is True
    assert found["ci.references.third_party"].value == 4
    assert found["ci.references.pinned_share"].value == 0.25
    assert found["ci.sast.tools"].value == []


def test_generated_pipelines_and_missing_uploads_are_said(tree: Tree) -> None:
    text = """\
steps:
  - command: .buildkite/generate.py | buildkite-agent pipeline upload
  - command: buildkite-agent pipeline upload .buildkite/missing.yml
  - command: buildkite-agent pipeline upload
"""
    parsed = buildkite.parse(tree({".buildkite/pipeline.yml": text}))
    assert parsed.external == [
        (".buildkite/pipeline.yml:2", "pipeline generated at run time by '.buildkite/generate.py'"),
        (".buildkite/pipeline.yml:3", "pipeline uploaded from .buildkite/missing.yml, which is "
                                      "not in the repository")]


def test_bad_input_never_raises(tree: Tree) -> None:
    cases = {
        "steps: [unclosed\n": "not valid YAML (line 2",
        "\x00\x01binary\x00": "binary content",
        "env: {A: 1}\n": "no 'steps' list",
    }
    for text, reason in cases.items():
        parsed = buildkite.parse(tree({".buildkite/pipeline.yml": text}))
        assert parsed.jobs == [] and reason in parsed.unreadable[0][1]
    wrong_types = """\
- 7
- label: [not, text]
  command: {a: b}
  plugins: [5, {docker#v5: 3}]
  depends_on: {x: y}
  if: 12
- group: outer
  steps:
    - group: nested
      steps: [{command: make}]
"""
    parsed = buildkite.parse(tree({"buildkite.yml": wrong_types}))
    assert [(job.name, refs(job)) for job in parsed.jobs] == [
        ("step 2", [(ACTION, "buildkite-plugin/buildkite-plugins/docker", "buildkite.yml:4")])]
    assert [note for _, note in parsed.notes][1:] == ["step not understood; skipped",
                                                      "step not understood; skipped"]


def test_a_huge_pipeline_is_cut_and_said(tree: Tree) -> None:
    steps = "".join(f"  - command: make part-{n}\n" for n in range(buildkite.MAX_STEPS + 3))
    parsed = buildkite.parse(tree({".buildkite/pipeline.yml": f"steps:\n{steps}"}))
    assert len(parsed.jobs) == buildkite.MAX_STEPS
    assert parsed.unreadable == [(f".buildkite/pipeline.yml:{buildkite.MAX_STEPS + 2}",
                                  f"more than {buildkite.MAX_STEPS} steps; the rest were not "
                                  "read")]


def test_an_image_plugin_names_its_image(tree: Tree) -> None:
    text = "steps:\n  - command: npm test\n    plugins:\n      - docker#v5.11.0:\n" \
           "          image: node:20-alpine\n          command: [npm, run, e2e]\n"
    job = buildkite.parse(tree({".buildkite/pipeline.yml": text})).jobs[0]
    assert refs(job)[1:] == [
        (ACTION, "buildkite-plugin/buildkite-plugins/docker", ".buildkite/pipeline.yml:4"),
        (IMAGE, "node:20-alpine", ".buildkite/pipeline.yml:4"),
        (COMMAND, "npm run e2e", ".buildkite/pipeline.yml:4")]


def test_documents_of_one_file_and_commented_out_files(tree: Tree) -> None:
    parsed = buildkite.parse(tree({
        ".buildkite/pipeline.yml": "steps:\n  - command: ./upload.sh\n---\nsteps:\n"
                                   "  - label: build\n    command: make build\n",
        ".buildkite/pipeline-arm.yml": "# steps:\n#   - command: make arm\n",
    }))
    assert parsed.unreadable == []
    assert [(job.name, job.locator) for job in parsed.jobs] == [
        ("step 1", ".buildkite/pipeline.yml:2"), ("build", ".buildkite/pipeline.yml:5")]
    assert (".buildkite/pipeline-arm.yml", EMPTY) in parsed.notes
