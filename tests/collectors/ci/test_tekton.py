"""Tekton: PipelineRuns with Pipelines-as-Code events, pipelines, tasks and catalogue tasks."""

from __future__ import annotations

import pytest

from scanner.collectors.ci import tekton
from scanner.collectors.ci.model import (
    COMMAND,
    DEFAULT_BRANCH,
    IMAGE,
    MANUAL,
    NAMED_STEP,
    OTHER,
    PULL_REQUEST,
    PUSH,
    TAG,
)

from ci_parsing import MakeRepo, Tree, by_name, catalogue_hits
from local_scan import evidence_by_signal

PULL_REQUEST_RUN = """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: ledger-on-pull-request
  annotations:
    pipelinesascode.tekton.dev/on-event: "[pull_request]"
    pipelinesascode.tekton.dev/on-target-branch: "[main]"
    pipelinesascode.tekton.dev/max-keep-runs: "5"
spec:
  pipelineSpec:
    tasks:
      - name: fetch
        taskRef:
          resolver: bundles
          params:
            - name: name
              value: git-clone
            - name: bundle
              value: quay.io/acme/catalog/task-git-clone:0.9@sha256:0f1e2d3c
            - name: kind
              value: task
      - name: unit
        runAfter: [fetch]
        taskRef:
          name: ledger-unit-tests
      - name: sast
        runAfter: [fetch]
        params:
          - name: SONAR_HOST_URL
            value: https://sonar.example.com
        taskRef:
          name: sonarqube-scanner
"""
PUSH_RUN = """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  generateName: ledger-on-push-
  annotations:
    pipelinesascode.tekton.dev/on-cel-expression: >-
      event == "push" && target_branch == "main" &&
      ("services/ledger/***".pathChanged() || ".tekton/push.yaml".pathChanged())
spec:
  pipelineRef:
    name: ledger-release
"""
REMOTE_RUN = """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: ledger-nightly
  annotations:
    pipelinesascode.tekton.dev/on-event: "[incoming]"
spec:
  pipelineRef:
    resolver: git
    params:
      - {name: url, value: https://github.com/acme/pipelines}
      - {name: pathInRepo, value: pipelines/nightly.yaml}
"""
PIPELINES = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: ledger-release
spec:
  workspaces:
    - name: source
  tasks:
    - name: build-image
      taskRef:
        name: buildah
        kind: ClusterTask
      params:
        - {name: IMAGE, value: registry.example.com/ledger:$(params.revision)}
    - name: scan-image
      runAfter: [build-image]
      taskRef:
        name: trivy-scanner
      params:
        - name: ARGS
          value: [image, --exit-code, "1", --severity, CRITICAL]
        - {name: IMAGE_PATH, value: registry.example.com/ledger}
    - name: deploy-to-staging
      runAfter: [scan-image]
      taskSpec:
        steps:
          - name: apply
            image: bitnami/kubectl:1.30
            workingDir: $(workspaces.source.path)/deploy
            script: |
              #!/bin/bash
              kubectl apply -k overlays/staging
---
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: ledger-unit-tests
spec:
  steps:
    - name: pytest
      image: python:3.12
      workingDir: /workspace/source/services/ledger
      command: [bash, -c]
      args:
        - |
          pip install -e '.[test]'
          pytest --cov=ledger
    - name: report
      image: python:3.12
      script: |
        #!/usr/bin/env python3
        print("done")
"""


FILES = {
    ".tekton/pull-request.yaml": PULL_REQUEST_RUN,
    ".tekton/push.yaml": PUSH_RUN,
    ".tekton/nightly.yaml": REMOTE_RUN,
    "ci/tekton/pipelines.yaml": PIPELINES,
    "examples/pipeline.yaml": PIPELINES.replace("ledger-release", "example-release"),
    "chart/templates/task.yaml": "apiVersion: tekton.dev/v1\nkind: Task\n{{- if .Values.x }}\n",
}


@pytest.fixture
def parsed(tree: Tree) -> tekton.ParseResult:
    return tekton.parse(tree(FILES))


def test_runs_pipelines_and_tasks(parsed: tekton.ParseResult) -> None:
    assert parsed.unreadable == []
    assert parsed.files == [".tekton/nightly.yaml", ".tekton/pull-request.yaml",
                            "ci/tekton/pipelines.yaml", ".tekton/push.yaml"]
    assert [(job.stage, job.name, job.locator, job.needs) for job in parsed.jobs] == [
        ("ledger-on-pull-request", "fetch", ".tekton/pull-request.yaml:12", ()),
        ("ledger-on-pull-request", "unit", ".tekton/pull-request.yaml:22", ("fetch",)),
        ("ledger-on-pull-request", "sast", ".tekton/pull-request.yaml:26", ("fetch",)),
        ("ledger-on-push-", "build-image", "ci/tekton/pipelines.yaml:9", ()),
        ("ledger-on-push-", "scan-image", "ci/tekton/pipelines.yaml:15", ("build-image",)),
        ("ledger-on-push-", "deploy-to-staging", "ci/tekton/pipelines.yaml:23", ("scan-image",)),
    ]
    jobs = by_name(parsed.jobs)
    fetch = jobs["fetch"].references[0]
    assert (fetch.kind, fetch.value, fetch.version, fetch.locator) == (
        NAMED_STEP, "tekton-task/git-clone", "0.9", ".tekton/pull-request.yaml:13")
    # a task defined in the repository contributes its steps
    assert [(r.kind, r.value, r.locator, r.directory) for r in jobs["unit"].references] == [
        (IMAGE, "python:3.12", "ci/tekton/pipelines.yaml:41", ""),
        (COMMAND, "pip install -e '.[test]'", "ci/tekton/pipelines.yaml:46", "services/ledger"),
        (COMMAND, "pytest --cov=ledger", "ci/tekton/pipelines.yaml:47", "services/ledger"),
        (IMAGE, "python:3.12", "ci/tekton/pipelines.yaml:49", ""),  # a Python script: no lines
    ]
    assert jobs["sast"].references[0].inputs == (("SONAR_HOST_URL", "https://sonar.example.com"),)
    assert jobs["scan-image"].references[0].inputs == (
        ("ARGS", "image --exit-code 1 --severity CRITICAL"),
        ("IMAGE_PATH", "registry.example.com/ledger"))
    deploy = jobs["deploy-to-staging"]
    assert [(r.value, r.locator, r.directory) for r in deploy.references] == [
        ("bitnami/kubectl:1.30", "ci/tekton/pipelines.yaml:28", ""),
        ("kubectl apply -k overlays/staging", "ci/tekton/pipelines.yaml:32", "deploy")]
    assert deploy.environment == "staging"


def test_pipelines_as_code_events_and_what_lies_outside(parsed: tekton.ParseResult) -> None:
    jobs = by_name(parsed.jobs)
    assert jobs["unit"].triggers == {PULL_REQUEST}
    assert jobs["build-image"].triggers == {DEFAULT_BRANCH}
    assert parsed.external == [(".tekton/nightly.yaml:8", (
        "pipeline '' of PipelineRun 'ledger-nightly' from git"))]


@pytest.mark.parametrize(("annotations", "expected"), [
    ({"on-event": "[push]", "on-target-branch": "[main, release-*]"}, {DEFAULT_BRANCH}),
    ({"on-event": "push", "on-target-branch": "refs/tags/*"}, {TAG}),
    ({"on-event": "[push, pull_request]", "on-target-branch": "[feature/*]"},
     {PUSH, PULL_REQUEST}),
    ({"on-comment": "^/deploy"}, {MANUAL}),
    ({"on-cel-expression": 'event == "pull_request" || event == "incoming"'},
     {PULL_REQUEST, OTHER}),
    ({"on-cel-expression": 'event != "pull_request" && target_branch.startsWith("refs/tags/")'},
     {TAG}),
    ({"on-cel-expression": 'event in ["push"] && target_branch != "main"'}, {PUSH, TAG}),
    ({"on-cel-expression": 'event == "push" && target_branch.matches("^(main|renovate/.*)$")'},
     {DEFAULT_BRANCH, PUSH}),
    ({"on-cel-expression": 'event == "push" && target_branch.startsWith("release-")'},
     {DEFAULT_BRANCH}),
])
def test_pipelines_as_code_annotations(annotations: dict[str, str], expected: set[str]) -> None:
    read = tekton.pac_triggers({tekton.PAC + key: value for key, value in annotations.items()})
    assert read == expected


def test_catalogue_recognises_tasks(parsed: tekton.ParseResult) -> None:
    found = catalogue_hits(parsed.jobs)
    assert {
        ("unit", "pytest", "tests"),
        ("sast", "tekton-scan-tasks", "sast"),
        ("build-image", "tekton-build-tasks", "packaging"),
        ("scan-image", "tekton-scan-tasks", "container_scan"),
        ("deploy-to-staging", "kubectl", "deploy"),
    } <= found


def test_signals_through_the_real_reading(make_repo: MakeRepo) -> None:
    found = evidence_by_signal(make_repo({k: v for k, v in FILES.items()
                                          if k != ".tekton/nightly.yaml"}).root)
    assert found["ci.systems"].value == ["tekton"]
    assert found["ci.tests.before_merge"].value is True
    assert found["ci.sast.before_merge"].value is True
    assert found["ci.container_scan.tools"].value == ["tekton-scan-tasks"]
    assert found["ci.deploy.environments"].value == ["staging"]
    assert found["ci.deploy.automatic"].value is True
    assert found["ci.deploy.gated"].value is True  # the image scan runs first
    assert found["ci.iac.applied"].value == ["kubernetes", "kustomize"]
    assert found["ci.dast.tools"].value == []
    assert found["ci.references.third_party"].value == 0  # catalogue tasks are not pinned refs


def test_unannotated_and_plain_runs(tree: Tree) -> None:
    run = ("apiVersion: tekton.dev/v1beta1\nkind: PipelineRun\nmetadata: {name: manual}\n"
           "spec:\n  pipelineSpec:\n    tasks:\n      - {name: t, taskRef: {name: golang-test}}\n")
    task_run = ("apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata:\n  generateName: lint-\n"
                "spec:\n  taskRef: {name: yaml-lint}\n")
    parsed = tekton.parse(tree({".tekton/manual.yaml": run, "deploy/run.yaml": run,
                                "deploy/taskrun.yaml": task_run}))
    assert [(job.file, job.name, set(job.triggers)) for job in parsed.jobs] == [
        (".tekton/manual.yaml", "t", {MANUAL}), ("deploy/run.yaml", "t", {OTHER}),
        ("deploy/taskrun.yaml", "lint-", {OTHER})]
    assert [note for _, note in parsed.notes] == [
        "PipelineRun 'manual' has no Pipelines-as-Code event annotation: it runs only when "
        "someone asks for it",
        f"PipelineRun 'manual' {tekton.OUTSIDE_NOTE}", f"TaskRun 'lint-' {tekton.OUTSIDE_NOTE}"]


def test_bad_input_never_raises(tree: Tree) -> None:
    parsed = tekton.parse(tree({
        ".tekton/broken.yaml": "apiVersion: tekton.dev/v1\nkind: [unclosed\n",
        ".tekton/binary.yaml": "\x00\x01tekton.dev/\x00",
        ".tekton/odd.yaml": """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: [x]
spec:
  pipelineSpec:
    tasks: [5, {name: [x]}, {name: t, taskRef: 3, taskSpec: {steps: {a: b}}}]
    finally: {}
""",
    }))
    assert sorted((where, why.split(" (")[0]) for where, why in parsed.unreadable) == [
        (".tekton/binary.yaml", "binary content"), (".tekton/broken.yaml", "not valid YAML")]
    assert [(job.name, job.references) for job in parsed.jobs] == [("t", ())]
    assert [note for _, note in parsed.notes][1:] == [
        "pipeline task not understood; skipped", "pipeline task not understood; skipped"]


def test_many_documents_and_tasks_are_cut_and_said(tree: Tree) -> None:
    document = "---\napiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\n"
    parsed = tekton.parse(tree({".tekton/tasks.yaml": document * (tekton.MAX_DOCUMENTS + 1)}))
    assert parsed.unreadable == [(".tekton/tasks.yaml", (
        f"{tekton.MAX_DOCUMENTS + 1} YAML documents; only the first {tekton.MAX_DOCUMENTS} "
        "were read"))]
    tasks = "".join(f"    - {{name: t{n}, taskRef: {{name: x}}}}\n"
                    for n in range(tekton.MAX_TASKS + 1))
    parsed = tekton.parse(tree({"ci/p.yaml": "apiVersion: tekton.dev/v1\nkind: Pipeline\n"
                                             f"metadata: {{name: p}}\nspec:\n  tasks:\n{tasks}"}))
    assert len(parsed.jobs) == tekton.MAX_TASKS
    assert parsed.unreadable == [(f"ci/p.yaml:{6 + tekton.MAX_TASKS}", (
        f"{tekton.MAX_TASKS + 1} pipeline tasks; only the first {tekton.MAX_TASKS} were read"))]


def test_a_catalogue_the_repository_publishes_is_not_its_ci(tree: Tree) -> None:
    published = PIPELINES.replace("ledger-release", "build-push-deploy")
    parsed = tekton.parse(tree({"pipeline/build-push-deploy/0.2/build-push-deploy.yaml": published,
                                "task/buildah/0.9/samples/run.yaml": PUSH_RUN,
                                "demo/pipeline.yaml": published}))
    assert (parsed.jobs, parsed.files, parsed.unreadable) == ([], [], [])
