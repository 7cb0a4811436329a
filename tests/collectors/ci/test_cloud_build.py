"""Google Cloud Build: builder images, entrypoints and args, dir, images and artifacts, signals."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scanner.collectors.ci import cloud_build
from scanner.collectors.ci.model import COMMAND, IMAGE, NAMED_STEP, OTHER, Job
from scanner.collectors.ci.shapes import EMPTY
from scanner.collectors.ci.tools import load_catalogue
from scanner.collectors.local.worktree import WorkTree

from gitrepo import GitRepo
from local_scan import evidence_by_signal

Tree = Callable[[dict[str, str]], WorkTree]
MakeRepo = Callable[..., GitRepo]

BUILD = """\
steps:
  - id: deps
    name: python:3.12-slim
    entrypoint: pip
    args: [install, --user, -r, requirements-dev.txt]
    dir: services/orders
  - id: unit-tests
    name: python:3.12-slim
    entrypoint: python
    args: [-m, pytest, --junitxml=report.xml]
    dir: /workspace/services/orders
    waitFor: [deps]
  - name: gcr.io/cloud-builders/docker
    args: [build, -t, "$_IMAGE:$SHORT_SHA", services/orders]
  - name: gcr.io/cloud-builders/docker
    args: [push, "$_IMAGE:$SHORT_SHA"]
  - id: release-staging
    name: gcr.io/google.com/cloudsdktool/cloud-sdk:slim
    entrypoint: bash
    args:
      - -eu
      - -c
      - |
        gcloud run deploy orders \\
          --image "$_IMAGE:$SHORT_SHA" --region europe-west1
        echo "deployed $SHORT_SHA"
images:
  - $_IMAGE:$SHORT_SHA
artifacts:
  objects:
    location: gs://orders-build-reports/
    paths: [services/orders/report.xml]
substitutions:
  _IMAGE: europe-west1-docker.pkg.dev/shop/apps/orders
"""
PRODUCTION = """\
steps:
  - id: fetch-manifests
    name: gcr.io/cloud-builders/gsutil
    args: [cp, -r, "gs://orders-manifests/$TAG_NAME", k8s/]
  - id: deploy-prod
    name: gcr.io/cloud-builders/gke-deploy
    args: [run, --filename=k8s/, --cluster=shop-prod, --location=europe-west1]
  - name: node:20
    dir: e2e
    script: |
      #!/usr/bin/env bash
      npm ci
      npx playwright test --grep @smoke
"""
JSON = """\
{
  "steps": [
    {"name": "golang:1.22", "entrypoint": "go", "args": ["test", "./..."]}
  ]
}
"""


def refs(job: Job) -> list[tuple[str, str, str, str]]:
    return [(r.kind, r.value, r.locator, r.directory) for r in job.references]


@pytest.fixture
def parsed(tree: Tree) -> cloud_build.ParseResult:
    return cloud_build.parse(tree({"services/orders/cloudbuild.yaml": BUILD,
                                   "deploy/cloudbuild-production.yml": PRODUCTION,
                                   "tools/cloudbuild.json": JSON}))


def test_each_build_file_is_one_job_of_its_steps(parsed: cloud_build.ParseResult) -> None:
    assert parsed.files == ["deploy/cloudbuild-production.yml",
                            "services/orders/cloudbuild.yaml", "tools/cloudbuild.json"]
    assert parsed.unreadable == []
    production, orders, tools = parsed.jobs
    assert (orders.name, orders.locator, orders.triggers) == (
        "services/orders/cloudbuild.yaml", "services/orders/cloudbuild.yaml:1", {OTHER})
    path = "services/orders/cloudbuild.yaml"
    assert refs(orders) == [
        (IMAGE, "python:3.12-slim", f"{path}:3", ""),
        (COMMAND, "pip install --user -r requirements-dev.txt", f"{path}:5", "services/orders"),
        (IMAGE, "python:3.12-slim", f"{path}:8", ""),
        (COMMAND, "python -m pytest --junitxml=report.xml", f"{path}:10", "services/orders"),
        (IMAGE, "gcr.io/cloud-builders/docker", f"{path}:13", ""),
        (COMMAND, "docker build -t $_IMAGE:$SHORT_SHA services/orders", f"{path}:14", ""),
        (IMAGE, "gcr.io/cloud-builders/docker", f"{path}:15", ""),
        (COMMAND, "docker push $_IMAGE:$SHORT_SHA", f"{path}:16", ""),
        (IMAGE, "gcr.io/google.com/cloudsdktool/cloud-sdk:slim", f"{path}:18", ""),
        (COMMAND, 'gcloud run deploy orders --image "$_IMAGE:$SHORT_SHA" --region europe-west1',
         f"{path}:24", ""),
        (COMMAND, 'echo "deployed $SHORT_SHA"', f"{path}:26", ""),
        (NAMED_STEP, "cloud-build/images", f"{path}:28", ""),
        (NAMED_STEP, "cloud-build/artifacts/objects", f"{path}:30", ""),
    ]
    assert orders.references[3].label == "unit-tests"
    assert orders.references[-2].inputs == (("image", "$_IMAGE:$SHORT_SHA"),)
    assert orders.variable("_IMAGE") == "europe-west1-docker.pkg.dev/shop/apps/orders"
    assert orders.environment is None  # 'release-staging' does not say it deploys
    assert production.environment == "prod"  # the 'deploy-prod' step says so
    assert [r.value for r in production.references if r.kind == COMMAND] == [
        "gsutil cp -r gs://orders-manifests/$TAG_NAME k8s/",
        "gke-deploy run --filename=k8s/ --cluster=shop-prod --location=europe-west1",
        "npm ci", "npx playwright test --grep @smoke"]
    assert production.references[-1].directory == "e2e"
    assert refs(tools) == [(IMAGE, "golang:1.22", "tools/cloudbuild.json:3", ""),
                           (COMMAND, "go test ./...", "tools/cloudbuild.json:3", "")]


def test_triggers_live_outside_the_repository_and_a_note_says_so(
        parsed: cloud_build.ParseResult) -> None:
    assert all(job.triggers == {OTHER} for job in parsed.jobs)
    assert [where for where, _ in parsed.notes] == parsed.files
    assert "configured in Google Cloud" in parsed.notes[0][1]


def test_catalogue_recognises_builders_and_publishing(parsed: cloud_build.ParseResult) -> None:
    catalogue = load_catalogue()
    found = {(hit.tool, hit.category, hit.locator) for job in parsed.jobs
             for hit in catalogue.match_job(job)}
    assert {
        ("pytest", "tests", "services/orders/cloudbuild.yaml:10"),
        ("container-push", "packaging", "services/orders/cloudbuild.yaml:16"),
        ("gcloud-deploy", "deploy", "services/orders/cloudbuild.yaml:24"),
        ("cloud-build-publishing", "packaging", "services/orders/cloudbuild.yaml:28"),
        ("cloud-build-publishing", "packaging", "services/orders/cloudbuild.yaml:30"),
        ("gke-deploy", "deploy", "deploy/cloudbuild-production.yml:7"),
        ("playwright", "e2e", "deploy/cloudbuild-production.yml:13"),
        ("go-test", "tests", "tools/cloudbuild.json:3"),
    } <= found


def test_one_cloudbuild_file_no_longer_makes_every_negative_unknown(
        make_repo: MakeRepo) -> None:
    found = evidence_by_signal(make_repo({"cloudbuild.yaml": PRODUCTION}).root)
    assert found["ci.systems"].value == ["google_cloud_build"]
    assert found["ci.sast.tools"].value == []
    assert found["ci.sast.tools"].locators == ("cloudbuild.yaml",)
    assert found["ci.tests.tools"].value == []
    assert found["ci.e2e.tools"].value == ["playwright"]
    assert "ci.e2e.automatic" not in found  # runs, but when is configured in Google Cloud
    assert found["ci.deploy.present"].value is True
    assert found["ci.deploy.environments"].value == ["prod"]
    assert found["ci.deploy.production"].value is True
    assert found["ci.iac.applied"].value == []
    # the file cannot show when it runs: whether it deploys on merge is not known
    assert "ci.deploy.automatic" not in found
    # the Playwright suite runs, but whether before merge is configured in Google Cloud
    assert "ci.tests.before_merge" not in found


def test_bad_input_never_raises(tree: Tree) -> None:
    cases = {
        "steps: [unclosed\n": "not valid YAML (line 2",
        "\x00\x01binary\x00": "binary content",
        "- name: docker\n": "no 'steps' list",
        "steps: {build: docker}\n": "no 'steps' list",
    }
    for text, reason in cases.items():
        parsed = cloud_build.parse(tree({"cloudbuild.yaml": text}))
        assert parsed.jobs == [] and reason in parsed.unreadable[0][1]
    wrong_types = """\
steps:
  - 7
  - name: [a, list]
    args: {not: a list}
  - name: gcr.io/cloud-builders/docker
    entrypoint: bash
    args: [-c, {nested: map}]
images: gcr.io/x/y
artifacts: [1, 2]
"""
    parsed = cloud_build.parse(tree({"cloudbuild.yaml": wrong_types,
                                     "gcb/substitutions.yaml": "_REGION: eu\n",
                                     "old/cloudbuild.yaml": "# steps: []\n"}))
    assert parsed.files == ["cloudbuild.yaml"]  # a gcb/ file without steps is not a build
    assert ("old/cloudbuild.yaml", EMPTY) in parsed.notes  # nor is an empty one a gap
    assert ("cloudbuild.yaml:2", "step is not a mapping; skipped") in parsed.notes
    assert [(r.kind, r.value) for r in parsed.jobs[0].references] == [
        (IMAGE, "gcr.io/cloud-builders/docker"), (COMMAND, "bash -c")]


def test_many_steps_are_cut_and_said(tree: Tree) -> None:
    steps = "".join(f"  - {{name: busybox, args: [echo, '{n}']}}\n"
                    for n in range(cloud_build.MAX_STEPS + 1))
    parsed = cloud_build.parse(tree({"cloudbuild.yaml": f"steps:\n{steps}"}))
    assert len(parsed.jobs[0].references) == 2 * cloud_build.MAX_STEPS
    assert parsed.unreadable == [(f"cloudbuild.yaml:{cloud_build.MAX_STEPS + 2}", (
        f"{cloud_build.MAX_STEPS + 1} steps; only the first {cloud_build.MAX_STEPS} were read"))]
