"""GitLab CI: includes, extends, !reference, rules, templates, components, disabled jobs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scanner.collectors.ci import gitlab_ci
from scanner.collectors.ci.model import (
    COMMAND,
    DEFAULT_BRANCH,
    GITLAB_COMPONENT,
    GITLAB_INCLUDE,
    GITLAB_TEMPLATE,
    IMAGE,
    MANUAL,
    PULL_REQUEST,
    PUSH,
    SCHEDULE,
    TAG,
    Job,
)
from scanner.collectors.ci.tools import load_catalogue
from scanner.collectors.local.worktree import WorkTree

Tree = Callable[[dict[str, str]], WorkTree]

ROOT = """\
include:
  - local: ci/security.yml
  - template: Jobs/SAST.gitlab-ci.yml
  - component: $CI_SERVER_FQDN/components/secret-detection/secret-detection@1.1.2
  - project: acme/ci-templates
    file: /templates/deploy.yml
  - template: Security/DAST.gitlab-ci.yml

variables:
  DAST_DISABLED: "true"

stages: [test, deploy]

.setup:
  script:
    - echo setup

unit:
  stage: test
  extends: .python
  before_script:
    - pip install -r requirements.txt
  script:
    - !reference [.setup, script]
    - pytest --cov=app

deploy_prod:
  stage: deploy
  script: ["kubectl apply -f k8s/"]
  environment:
    name: production
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
      when: manual

review:
  script: helm upgrade --install review ./chart
  environment: {name: review/$CI_COMMIT_REF_SLUG, action: start}
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
"""

SECURITY = """\
.python:
  image: python:3.12
semgrep:
  image: semgrep/semgrep
  script: semgrep ci
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
switched_off:
  script: trivy image registry/app
  rules:
    - when: never
"""


def by_name(jobs: list[Job]) -> dict[str, Job]:
    return {job.name: job for job in jobs}


@pytest.fixture
def parsed(tree: Tree) -> gitlab_ci.ParseResult:
    return gitlab_ci.parse(tree({".gitlab-ci.yml": ROOT, "ci/security.yml": SECURITY}))


def test_files_and_external_includes(parsed: gitlab_ci.ParseResult) -> None:
    assert parsed.files == [".gitlab-ci.yml", "ci/security.yml"]
    assert parsed.external == []  # judged by the catalogue or by name, see test_signals
    remote = [ref for job in parsed.jobs for ref in job.references
              if ref.kind == GITLAB_INCLUDE]
    assert [(r.value, r.locator) for r in remote] == [
        ("acme/ci-templates/templates/deploy.yml", ".gitlab-ci.yml:5")]
    assert parsed.unreadable == []


def test_jobs_from_both_files_with_their_own_locators(parsed: gitlab_ci.ParseResult) -> None:
    jobs = by_name(parsed.jobs)
    assert "switched_off" not in jobs and ".setup" not in jobs
    assert jobs["semgrep"].locator == "ci/security.yml:3"
    assert jobs["semgrep"].triggers == {PULL_REQUEST, DEFAULT_BRANCH}
    unit = jobs["unit"]
    assert unit.locator == ".gitlab-ci.yml:18"
    assert unit.triggers == {PUSH, DEFAULT_BRANCH, TAG}
    assert [(r.kind, r.value, r.locator) for r in unit.references] == [
        (IMAGE, "python:3.12", "ci/security.yml:2"),
        (COMMAND, "pip install -r requirements.txt", ".gitlab-ci.yml:22"),
        (COMMAND, "echo setup", ".gitlab-ci.yml:16"),
        (COMMAND, "pytest --cov=app", ".gitlab-ci.yml:25"),
    ]


def test_environments_and_manual_rules(parsed: gitlab_ci.ParseResult) -> None:
    jobs = by_name(parsed.jobs)
    assert jobs["deploy_prod"].triggers == {MANUAL}
    assert jobs["deploy_prod"].environment == "production"
    assert jobs["deploy_prod"].stage == "deploy"
    assert jobs["review"].triggers == {PULL_REQUEST}
    assert jobs["review"].environment == "review/$CI_COMMIT_REF_SLUG"


def test_templates_and_components_become_jobs_and_disabled_ones_do_not_count(
        parsed: gitlab_ci.ParseResult) -> None:
    jobs = by_name(parsed.jobs)
    sast = jobs["template:Jobs/SAST.gitlab-ci.yml"]
    assert sast.references[0].kind == GITLAB_TEMPLATE
    assert sast.locator == ".gitlab-ci.yml:3"
    component = jobs["component:$CI_SERVER_FQDN/components/secret-detection/secret-detection"]
    assert component.references[0].kind == GITLAB_COMPONENT
    assert component.references[0].version == "1.1.2"
    catalogue = load_catalogue()
    categories = {hit.category for job in parsed.jobs for hit in catalogue.match_job(job)}
    assert {"sast", "secrets", "tests", "coverage", "deploy"} <= categories
    assert "dast" not in categories  # DAST_DISABLED: "true"
    assert "container_scan" not in categories  # the job whose rules all say never


@pytest.mark.parametrize(("value", "dast_counted"), [("true", False), ("1", False),
                                                     ("false", True), ("", True)])
def test_secure_template_disable_values(tree: Tree, value: str, dast_counted: bool) -> None:
    text = f"include:\n  - template: DAST.gitlab-ci.yml\nvariables:\n  DAST_DISABLED: '{value}'\n"
    text = text.replace("DAST.gitlab", "Security/DAST.gitlab")
    jobs = gitlab_ci.parse(tree({".gitlab-ci.yml": text})).jobs
    hits = [h for job in jobs for h in load_catalogue().match_job(job) if h.category == "dast"]
    assert bool(hits) == dast_counted


def test_any_value_switches_off_the_test_template(tree: Tree) -> None:
    text = "include:\n  - template: Jobs/Test.gitlab-ci.yml\nvariables:\n  TEST_DISABLED: 'no'\n"
    jobs = gitlab_ci.parse(tree({".gitlab-ci.yml": text})).jobs
    assert not [h for job in jobs for h in load_catalogue().match_job(job)]


def test_workflow_rules_only_and_child_pipelines(tree: Tree) -> None:
    root = """\
workflow:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
lint:
  script: ruff check .
nightly:
  script: pytest -m slow
  rules:
    - if: $CI_PIPELINE_SOURCE == "schedule"
release:
  script: twine upload dist/*
  only: [tags]
child:
  trigger:
    include: ci/child.yml
"""
    child = "e2e:\n  script: npx playwright test\n"
    jobs = by_name(gitlab_ci.parse(tree({".gitlab-ci.yml": root, "ci/child.yml": child})).jobs)
    assert jobs["lint"].triggers == {PULL_REQUEST, DEFAULT_BRANCH, SCHEDULE}
    assert jobs["nightly"].triggers == {SCHEDULE}
    assert "release" not in jobs  # workflow rules create no tag pipelines
    assert jobs["e2e"].triggers == jobs["lint"].triggers
    assert jobs["e2e"].file == "ci/child.yml"


def test_spec_header_and_bad_files(tree: Tree) -> None:
    text = "spec:\n  inputs:\n    stage: {default: test}\n---\nscan:\n  script: gitleaks detect\n"
    parsed = gitlab_ci.parse(tree({".gitlab-ci.yml": text}))
    assert [job.name for job in parsed.jobs] == ["scan"]
    broken = gitlab_ci.parse(tree({".gitlab-ci.yml": "job: {script: [unclosed\n"}))
    assert broken.jobs == [] and "not valid YAML" in broken.unreadable[0][1]
    missing = gitlab_ci.parse(tree({".gitlab-ci.yml": "include: {local: nope.yml}\n"
                                                       "t: {script: make test}\n"}))
    assert [job.name for job in missing.jobs] == ["t"]
    assert missing.notes == [(".gitlab-ci.yml:1", "local include nope.yml not found")]
    escape = gitlab_ci.parse(tree({".gitlab-ci.yml": "include: {local: ../../etc/x.yml}\n"}))
    assert "leaves the repository" in escape.notes[0][1]
