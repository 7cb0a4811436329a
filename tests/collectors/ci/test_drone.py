"""Drone and Woodpecker: documents, steps and plugins, triggers and promotions, signals."""

from __future__ import annotations

import pytest

from scanner.collectors.ci import drone
from scanner.collectors.ci.model import (
    COMMAND,
    DEFAULT_BRANCH,
    IMAGE,
    MANUAL,
    OTHER,
    PULL_REQUEST,
    PUSH,
    RELEASE,
    SCHEDULE,
    TAG,
)
from scanner.collectors.ci.shapes import EMPTY
from scanner.collectors.ci.tools import load_catalogue

from ci_parsing import MakeRepo, Tree, by_name, catalogue_hits, refs
from local_scan import evidence_by_signal

DRONE = """\
---
kind: pipeline
type: docker
name: ci

services:
  - name: redis
    image: redis:7-alpine

steps:
  - name: test
    image: golang:1.22
    environment:
      REDIS_ADDR: redis:6379
    commands:
      - go vet ./...
      - go test -race -coverprofile=cover.out ./...

  - name: gosec
    image: securego/gosec:2.20.0
    commands:
      - gosec ./...

  - name: image
    image: plugins/docker
    settings:
      repo: registry.example.com/billing/api
      tags: ["${DRONE_COMMIT_SHA:0:8}", latest]
      password:
        from_secret: registry_password
    when:
      branch: [main]
      event: [push]

  - name: deploy-staging
    image: alpine/helm:3.15.2
    commands:
      - helm upgrade --install billing ./chart -f chart/values-staging.yaml
    when:
      branch: main
      event: push

trigger:
  event:
    exclude: [promote]

---
kind: pipeline
type: docker
name: promote

steps:
  - name: release
    image: alpine/helm:3.15.2
    commands:
      - helm upgrade --install billing ./chart -f chart/values-production.yaml
    when:
      target: [production]

trigger:
  event: [promote]

---
kind: secret
name: registry_password
get:
  path: ci/registry
  name: password
"""
WOODPECKER_CI = """\
when:
  - event: pull_request
  - event: push
    branch: ${CI_REPO_DEFAULT_BRANCH}

steps:
  lint:
    image: node:20
    directory: web
    commands: npm ci && npm run lint
  e2e:
    image: mcr.microsoft.com/playwright:v1.45.0-jammy
    directory: web
    commands:
      - npx playwright test
"""
WOODPECKER_RELEASE = """\
when:
  event: tag

steps:
  - name: publish
    image: woodpeckerci/plugin-docker-buildx
    settings:
      repo: codeberg.org/acme/web
      auto_tag: true
  - name: nightly-audit
    image: node:20
    commands: [npm audit --omit=dev]
    when:
      event: cron
"""


@pytest.fixture
def parsed(tree: Tree) -> drone.ParseResult:
    return drone.parse(tree({".drone.yml": DRONE}))


def test_pipelines_steps_plugins_and_services(parsed: drone.ParseResult) -> None:
    assert parsed.system == "drone" and parsed.files == [".drone.yml"]
    assert parsed.unreadable == [] and parsed.notes == []
    assert [(job.stage, job.name, job.locator, job.needs) for job in parsed.jobs] == [
        ("ci", "test", ".drone.yml:11", ()),
        ("ci", "gosec", ".drone.yml:19", ("test",)),
        ("ci", "image", ".drone.yml:24", ("gosec",)),
        ("ci", "deploy-staging", ".drone.yml:35", ("image",)),
        ("promote", "release", ".drone.yml:53", ()),
    ]
    jobs = by_name(parsed.jobs)
    assert refs(jobs["test"]) == [
        (IMAGE, "golang:1.22", ".drone.yml:12"),
        (COMMAND, "go vet ./...", ".drone.yml:16"),
        (COMMAND, "go test -race -coverprofile=cover.out ./...", ".drone.yml:17"),
        (IMAGE, "redis:7-alpine", ".drone.yml:8"),
    ]
    assert jobs["test"].variable("REDIS_ADDR") == "redis:6379"
    plugin = jobs["image"].references[0]
    assert (plugin.value, plugin.inputs) == (
        "plugins/docker", (("repo", "registry.example.com/billing/api"),
                           ("tags", "${DRONE_COMMIT_SHA:0:8} latest")))


def test_triggers_and_promotion_targets(parsed: drone.ParseResult) -> None:
    jobs = by_name(parsed.jobs)
    assert jobs["test"].triggers == {PUSH, DEFAULT_BRANCH, PULL_REQUEST, TAG, MANUAL}
    assert jobs["image"].triggers == {DEFAULT_BRANCH}
    assert (jobs["deploy-staging"].triggers, jobs["deploy-staging"].environment) == (
        {DEFAULT_BRANCH}, "staging")
    assert (jobs["release"].triggers, jobs["release"].environment) == ({MANUAL}, "production")


@pytest.mark.parametrize(("when", "expected"), [
    ({"event": "tag"}, {TAG}),
    ({"branch": {"exclude": ["main"]}}, {PUSH, PULL_REQUEST, MANUAL}),
    ({"branch": "feature/*", "event": ["push", "pull_request"]}, {PUSH, PULL_REQUEST}),
    ({"ref": ["refs/tags/v*", "refs/heads/main"]}, {TAG, DEFAULT_BRANCH, MANUAL}),
    ({"ref": {"exclude": ["refs/tags/**"]}}, {PUSH, DEFAULT_BRANCH, PULL_REQUEST, MANUAL}),
    ({"cron": ["nightly"]}, {SCHEDULE}),
    ({"event": ["release", "pull_request_closed"]}, {RELEASE, OTHER}),
    ([{"event": "push", "branch": "main"}, {"event": "pull_request"}],
     {DEFAULT_BRANCH, PULL_REQUEST}),
])
def test_conditions(when: object, expected: set[str]) -> None:
    assert drone.condition(when, drone.USUAL_EVENTS)[0] == expected


def test_woodpecker_workflows(tree: Tree) -> None:
    parsed = drone.parse_woodpecker(tree({".woodpecker/ci.yaml": WOODPECKER_CI,
                                          ".woodpecker/release.yml": WOODPECKER_RELEASE,
                                          ".woodpecker/notes.md": "not a workflow"}))
    assert parsed.system == "woodpecker"
    assert parsed.files == [".woodpecker/ci.yaml", ".woodpecker/release.yml"]
    jobs = by_name(parsed.jobs)
    assert [(job.stage, job.name) for job in parsed.jobs] == [
        ("ci", "lint"), ("ci", "e2e"), ("release", "publish"), ("release", "nightly-audit")]
    lint = jobs["lint"]
    assert [(r.value, r.locator, r.directory) for r in lint.references] == [
        ("node:20", ".woodpecker/ci.yaml:8", ""),
        ("npm ci && npm run lint", ".woodpecker/ci.yaml:10", "web")]
    # the default branch's variable is the main line
    assert lint.triggers == {DEFAULT_BRANCH, PULL_REQUEST}
    assert jobs["publish"].triggers == {TAG}
    assert jobs["nightly-audit"].triggers == set()  # a cron step in a tag-only workflow


def test_catalogue_recognises_plugins(tree: Tree, parsed: drone.ParseResult) -> None:
    catalogue = load_catalogue()
    woodpecker = drone.parse_woodpecker(tree({".woodpecker.yml": WOODPECKER_RELEASE}))
    found = catalogue_hits(parsed.jobs + woodpecker.jobs)
    assert {
        ("test", "go-test", "tests"),
        ("gosec", "gosec", "sast"),
        ("image", "drone-woodpecker-publish-plugins", "packaging"),
        ("deploy-staging", "helm", "deploy"),
        ("release", "helm", "deploy"),
        ("publish", "drone-woodpecker-publish-plugins", "packaging"),
    } <= found
    dry = drone.parse(tree({".drone.yml": "kind: pipeline\nsteps:\n  - name: build\n"
                                          "    image: plugins/docker\n"
                                          "    settings: {repo: x/y, dry_run: true}\n"}))
    assert catalogue.match_job(dry.jobs[0]) == []


def test_signals_through_the_real_reading(make_repo: MakeRepo) -> None:
    found = evidence_by_signal(make_repo({".drone.yml": DRONE}).root)
    assert found["ci.systems"].value == ["drone"]
    assert found["ci.sast.before_merge"].value is True
    assert found["ci.deploy.environments"].value == ["production", "staging"]
    assert found["ci.deploy.automatic"].value is True
    assert found["ci.deploy.production"].value is True
    assert found["ci.deploy.production_automatic"].value is False  # promoted by hand
    # gosec runs before the staging deploy, not before the promotion
    assert found["ci.deploy.gated"].value is False
    assert found["ci.deploy.gated"].locators == (".drone.yml:53",)
    assert found["ci.iac.applied"].value == ["helm"]
    assert found["ci.release.automatic"].value is True
    assert found["ci.dast.tools"].value == []


def test_the_older_form_and_generated_pipelines(make_repo: MakeRepo, tree: Tree) -> None:
    older = """\
pipeline:
  test:
    image: node:18
    commands: [npm ci, npm test]
  publish:
    image: plugins/ecr
    repo: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/site
    when:
      branch: master
      event: push
  deploy:
    image: quay.io/acme/kd:1.4
    commands: [kd -f deploy/]
    when:
      event: deployment
      environment: preprod
"""
    jobs = by_name(drone.parse(tree({".drone-1.0.yml": older})).jobs)
    assert jobs["publish"].references[0].inputs == (
        ("repo", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/site"),)
    assert (jobs["deploy"].triggers, jobs["deploy"].environment) == ({MANUAL}, "preprod")
    found = evidence_by_signal(make_repo({".drone.jsonnet": "local p = {};\n[p]\n"}).root)
    assert found["ci.systems"].value == ["drone"]
    assert "ci.tests.tools" not in found  # a generated pipeline cannot be read


def test_bad_input_never_raises(tree: Tree) -> None:
    cases = {
        "kind: pipeline\nsteps: [unclosed\n": "not valid YAML (line 3",
        "\x00\x01binary\x00": "binary content",
        "kind: secret\nname: x\n": "no drone pipeline with steps",
    }
    for text, reason in cases.items():
        parsed = drone.parse(tree({".drone.yml": text}))
        assert parsed.jobs == [] and reason in parsed.unreadable[0][1]
    wrong_types = """\
kind: pipeline
name: [x]
trigger: 5
services: {db: 3}
steps:
  - 9
  - name: {a: b}
    image: [list]
    commands: {a: b}
    when: [1, 2]
    depends_on: 4
---
kind: pipeline
steps: {}
---
- a list document
"""
    parsed = drone.parse(tree({".drone.yml": wrong_types, ".drone-old.yml": "---\n# off\n"}))
    assert parsed.unreadable == [] and (".drone-old.yml", EMPTY) in parsed.notes
    assert [(job.name, job.references) for job in parsed.jobs] == [("step 2", ())]
    assert [note for _, note in parsed.notes][1:] == [
        "step is not a mapping; skipped", "YAML document of kind '?' skipped"]


def test_too_many_documents_and_steps_are_cut_and_said(tree: Tree) -> None:
    documents = "".join(f"---\nkind: pipeline\nname: p{n}\nsteps:\n  - {{name: s, image: x}}\n"
                        for n in range(drone.MAX_DOCUMENTS + 2))
    parsed = drone.parse(tree({".drone.yml": documents}))
    assert len(parsed.jobs) == drone.MAX_DOCUMENTS
    assert parsed.unreadable == [(".drone.yml", f"{drone.MAX_DOCUMENTS + 2} YAML documents; "
                                  f"only the first {drone.MAX_DOCUMENTS} were read")]
    steps = "".join(f"  - {{name: s{n}, image: x}}\n" for n in range(drone.MAX_STEPS + 1))
    parsed = drone.parse(tree({".drone.yml": f"kind: pipeline\nsteps:\n{steps}"}))
    assert len(parsed.jobs) == drone.MAX_STEPS
    assert parsed.unreadable == [(f".drone.yml:{drone.MAX_STEPS + 3}", (
        f"more than {drone.MAX_STEPS} steps; the rest were not read"))]


def test_a_deploy_step_takes_the_environment_its_pipeline_names(tree: Tree) -> None:
    text = ("kind: pipeline\nname: production\nsteps:\n  - name: deploy\n    image: alpine:3\n"
            "    commands: [./deploy.sh]\n  - name: notify\n    image: plugins/slack\n")
    jobs = drone.parse(tree({".drone.yml": text})).jobs
    assert [(job.name, job.environment) for job in jobs] == [("deploy", "production"),
                                                            ("notify", None)]
