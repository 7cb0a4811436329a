"""Azure Pipelines: triggers, stages/jobs/steps, tasks, templates, conditions, approvals."""

from __future__ import annotations

import pytest

from scanner.collectors.ci import azure_pipelines
from scanner.collectors.ci.model import (
    ACTION,
    COMMAND,
    DEFAULT_BRANCH,
    IMAGE,
    MANUAL,
    OTHER,
    PULL_REQUEST,
    PUSH,
    SCHEDULE,
    TAG,
)
from scanner.collectors.ci.tools import load_catalogue

from ci_parsing import Tree, by_name, catalogue_hits, refs

PIPELINE = """\
trigger:
  batch: true
  branches:
    include: [main, releases/*]
  tags:
    include: ['v*']
pr:
  branches:
    include: [main]
schedules:
  - cron: "0 3 * * 1"
    displayName: Weekly dependency audit
    branches:
      include: [main]

resources:
  repositories:
    - repository: templates
      type: github
      name: contoso/pipeline-templates
      endpoint: contoso
  containers:
    - container: sdk
      image: mcr.microsoft.com/dotnet/sdk:8.0

variables:
  - name: buildConfiguration
    value: Release
  - template: .azure-pipelines/variables.yml

stages:
  - stage: Build
    jobs:
      - job: Test
        pool:
          vmImage: ubuntu-latest
        container: sdk
        steps:
          - task: DotNetCoreCLI@2
            displayName: Unit tests
            inputs:
              command: test
              projects: '**/*Tests.csproj'
              arguments: --configuration $(buildConfiguration) --collect "XPlat Code Coverage"
          - task: PublishCodeCoverageResults@2
            inputs:
              summaryFileLocation: $(Agent.TempDirectory)/**/coverage.cobertura.xml
          - script: |
              dotnet tool restore
              dotnet format --verify-no-changes
            displayName: Format check
          - template: templates/sonar-steps.yml
      - template: jobs/security.yml@templates
        parameters:
          severity: high
      - job: Image
        dependsOn: Test
        steps:
          - task: Docker@2
            inputs:
              containerRegistry: acr
              repository: contoso/web
              command: buildAndPush
              tags: $(Build.BuildId)
  - stage: Production
    condition: and(succeeded(), eq(variables['Build.SourceBranch'], 'refs/heads/main'))
    jobs:
      - job: Approve
        pool: server
        timeoutInMinutes: 1440
        steps:
          - task: ManualValidation@0
            inputs:
              notifyUsers: release-managers@contoso.com
              instructions: Check the staging deployment first
      - deployment: DeployWeb
        dependsOn: Approve
        environment:
          name: production.web-vm
        strategy:
          runOnce:
            deploy:
              steps:
                - task: AzureWebApp@1
                  inputs:
                    azureSubscription: contoso-prod
                    appName: contoso-web
            on:
              failure:
                steps:
                  - bash: ./scripts/rollback.sh
  - stage: Smoke
    dependsOn: Production
    jobs:
      - job: SmokeTests
        steps:
          - pwsh: ./tests/smoke.ps1 -Url https://contoso.example.com
  - stage: PullRequest
    dependsOn: []
    condition: eq(variables['Build.Reason'], 'PullRequest')
    jobs:
      - job: Lint
        steps:
          - bash: npx eslint .
          - ${{ if eq(variables['Build.SourceBranchName'], 'main') }}:
            - script: echo never on pull requests
"""

SONAR_STEPS = """\
parameters:
  - name: projectKey
    type: string
    default: contoso_web
steps:
  - task: SonarCloudPrepare@3
    inputs:
      SonarCloud: sonarcloud
      organization: contoso
      scannerMode: dotnet
      projectKey: ${{ parameters.projectKey }}
  - task: SonarCloudAnalyze@3
  - task: SonarCloudPublish@3
"""

VARIABLES = """\
variables:
  registry: contosoacr.azurecr.io
"""


@pytest.fixture
def parsed(tree: Tree) -> azure_pipelines.ParseResult:
    return azure_pipelines.parse(tree({
        "azure-pipelines.yml": PIPELINE,
        "templates/sonar-steps.yml": SONAR_STEPS,
        ".azure-pipelines/variables.yml": VARIABLES,
    }))


def test_files_templates_and_external_templates(parsed: azure_pipelines.ParseResult) -> None:
    assert parsed.files == ["azure-pipelines.yml", ".azure-pipelines/variables.yml",
                            "templates/sonar-steps.yml"]
    assert parsed.unreadable == [] and parsed.notes == []
    assert parsed.external == [("azure-pipelines.yml:53", (
        "template jobs/security.yml from repository resource 'templates' "
        "(contoso/pipeline-templates)"))]
    assert [job.name for job in parsed.jobs] == ["Test", "Image", "Approve", "DeployWeb",
                                                 "SmokeTests", "Lint"]


def test_steps_tasks_and_step_templates_with_lines(parsed: azure_pipelines.ParseResult) -> None:
    test = by_name(parsed.jobs)["Test"]
    assert test.locator == "azure-pipelines.yml:34"
    assert test.stage == "Build"
    assert test.variable("buildConfiguration") == "Release"
    assert test.variable("registry") == "contosoacr.azurecr.io"
    assert refs(test) == [
        (IMAGE, "mcr.microsoft.com/dotnet/sdk:8.0", "azure-pipelines.yml:37"),
        (ACTION, "azure-task/dotnetcorecli", "azure-pipelines.yml:39"),
        (ACTION, "azure-task/publishcodecoverageresults", "azure-pipelines.yml:45"),
        (COMMAND, "dotnet tool restore", "azure-pipelines.yml:49"),
        (COMMAND, "dotnet format --verify-no-changes", "azure-pipelines.yml:50"),
        (ACTION, "azure-task/sonarcloudprepare", "templates/sonar-steps.yml:6"),
        (ACTION, "azure-task/sonarcloudanalyze", "templates/sonar-steps.yml:12"),
        (ACTION, "azure-task/sonarcloudpublish", "templates/sonar-steps.yml:13"),
    ]
    dotnet = test.references[1]
    assert (dotnet.version, dotnet.label, dotnet.input("command")) == ("2", "Unit tests", "test")
    assert test.references[3].label == "Format check"


def test_triggers_conditions_dependencies_and_approvals(
        parsed: azure_pipelines.ParseResult) -> None:
    jobs = by_name(parsed.jobs)
    assert jobs["Test"].triggers == {DEFAULT_BRANCH, TAG, PULL_REQUEST, SCHEDULE}
    assert jobs["Image"].needs == ("Test",)
    assert jobs["Approve"].triggers == {MANUAL}
    deploy = jobs["DeployWeb"]
    assert deploy.triggers == {MANUAL}
    assert deploy.environment == "production"
    assert deploy.needs == ("Approve",)
    assert deploy.locator == "azure-pipelines.yml:76"
    assert refs(deploy) == [
        (ACTION, "azure-task/azurewebapp", "azure-pipelines.yml:84"),
        (COMMAND, "./scripts/rollback.sh", "azure-pipelines.yml:91"),
    ]
    # The smoke stage runs after production, which waits for the approval on main only.
    assert jobs["SmokeTests"].triggers == {MANUAL, TAG, PULL_REQUEST, SCHEDULE}
    assert jobs["Lint"].triggers == {PULL_REQUEST}
    assert [r.value for r in jobs["Lint"].references] == ["npx eslint .",
                                                          "echo never on pull requests"]


def test_catalogue_recognises_tasks(parsed: azure_pipelines.ParseResult) -> None:
    found = catalogue_hits(parsed.jobs)
    assert {
        ("Test", "azure-pipelines-test-tasks", "tests"),
        ("Test", "azure-pipelines-test-tasks", "coverage"),
        ("Test", "sonarqube-ci-integrations", "sast"),
        ("Test", "dotnet-format", "lint"),
        ("Image", "azure-pipelines-publish-tasks", "packaging"),
        ("DeployWeb", "azure-pipelines-deploy-tasks", "deploy"),
    } <= found


@pytest.mark.parametrize(("head", "expected"), [
    ("", {PUSH, DEFAULT_BRANCH, PULL_REQUEST}),
    ("trigger: none\npr: none\n", {MANUAL}),
    ("trigger: [main]\npr: none\n", {DEFAULT_BRANCH}),
    ("trigger: [feature/*]\npr: none\n", {PUSH}),
    ("trigger:\n  branches:\n    exclude: [main]\npr: none\n", {PUSH}),
    ("trigger:\n  tags:\n    include: [v*]\npr: none\n", {TAG}),
    ("trigger:\n  branches:\n    include: [refs/heads/main, refs/tags/*]\npr: none\n",
     {DEFAULT_BRANCH, TAG}),
    ("trigger: none\npr: [main]\n", {PULL_REQUEST}),
    ("trigger: none\npr: none\nschedules:\n  - cron: '0 0 * * *'\n    branches: "
     "{include: [main]}\n", {SCHEDULE}),
    ("trigger: none\npr: none\nresources:\n  pipelines:\n    - pipeline: build\n"
     "      source: contoso-build\n      trigger: true\n", {OTHER}),
])
def test_pipeline_triggers(tree: Tree, head: str, expected: set[str]) -> None:
    text = head + "steps:\n  - script: make test\n"
    jobs = azure_pipelines.parse(tree({"azure-pipelines.yml": text})).jobs
    assert [(job.name, set(job.triggers)) for job in jobs] == [("Job", expected)]


@pytest.mark.parametrize(("condition", "expected"), [
    ("eq(variables['Build.SourceBranch'], 'refs/heads/main')", {DEFAULT_BRANCH}),
    ("eq(variables['Build.SourceBranchName'], 'develop')", {DEFAULT_BRANCH}),
    ("startsWith(variables['Build.SourceBranch'], 'refs/tags/')", {TAG}),
    ("and(succeeded(), ne(variables['Build.Reason'], 'PullRequest'))",
     {PUSH, DEFAULT_BRANCH, SCHEDULE}),
    ("eq(variables['Build.Reason'], 'Schedule')", {SCHEDULE}),
    ("in(variables['Build.Reason'], 'PullRequest', 'Manual')", {PULL_REQUEST, MANUAL}),
    ("or(eq(variables['Build.Reason'], 'PullRequest'), eq(variables.isMain, true))",
     {PUSH, DEFAULT_BRANCH, PULL_REQUEST, SCHEDULE}),
    ("ne(variables['Build.SourceBranch'], 'refs/heads/main')",
     {PUSH, DEFAULT_BRANCH, PULL_REQUEST, SCHEDULE}),
    ("eq(parameters.deploy, true)", {PUSH, DEFAULT_BRANCH, PULL_REQUEST, SCHEDULE}),
    ("this is (not an expression", {PUSH, DEFAULT_BRANCH, PULL_REQUEST, SCHEDULE}),
])
def test_conditions_are_read_conservatively(tree: Tree, condition: str,
                                            expected: set[str]) -> None:
    text = ("schedules:\n  - cron: '0 0 * * *'\n    branches: {include: [main]}\n"
            f"jobs:\n  - job: Only\n    condition: {condition}\n    steps:\n"
            "      - script: make\n")
    jobs = azure_pipelines.parse(tree({"azure-pipelines.yml": text})).jobs
    assert [set(job.triggers) for job in jobs] == [expected]


def test_stage_and_job_templates_and_extends(tree: Tree) -> None:
    pipeline = """\
trigger: [main]
pr: none
extends:
  template: .azure-pipelines/templates/pipeline.yml
  parameters:
    environments: [staging, production]
"""
    outer = """\
parameters:
  - name: environments
    type: object
stages:
  - template: stages/build.yml
  - stage: Deploy
    jobs:
      - template: ../jobs/helm.yml
        parameters:
          environment: production
"""
    build = "stages:\n  - stage: Build\n    jobs:\n      - job: Build\n        steps:\n" \
            "          - script: mvn -B verify\n"
    helm = """\
parameters:
  - name: environment
    type: string
jobs:
  - deployment: Helm
    environment: ${{ parameters.environment }}
    strategy:
      runOnce:
        deploy:
          steps:
            - task: HelmDeploy@0
              inputs:
                command: upgrade
                chartType: FilePath
                chartPath: charts/web
"""
    parsed = azure_pipelines.parse(tree({
        "azure-pipelines.yml": pipeline,
        ".azure-pipelines/templates/pipeline.yml": outer,
        ".azure-pipelines/templates/stages/build.yml": build,
        ".azure-pipelines/jobs/helm.yml": helm,
    }))
    assert parsed.unreadable == [] and parsed.notes == []
    jobs = by_name(parsed.jobs)
    assert list(jobs) == ["Build", "Helm"]
    assert jobs["Build"].triggers == {DEFAULT_BRANCH}
    assert refs(jobs["Build"]) == [(COMMAND, "mvn -B verify",
                                    ".azure-pipelines/templates/stages/build.yml:6")]
    helm_job = jobs["Helm"]
    assert (helm_job.file, helm_job.locator, helm_job.stage) == (
        ".azure-pipelines/jobs/helm.yml", ".azure-pipelines/jobs/helm.yml:5", "Deploy")
    assert helm_job.environment == "${{ parameters.environment }}"
    hits = {(h.tool, h.category) for h in load_catalogue().match_job(helm_job)}
    assert hits == {("azure-pipelines-deploy-tasks", "deploy")}


def test_external_extends_and_missing_templates(tree: Tree) -> None:
    text = """\
resources:
  repositories:
    - repository: governance
      type: git
      name: Platform/governed-templates
extends:
  template: v2/secure-pipeline.yml@governance
"""
    parsed = azure_pipelines.parse(tree({"azure-pipelines.yml": text}))
    assert parsed.jobs == []
    assert parsed.external == [("azure-pipelines.yml:6", (
        "template v2/secure-pipeline.yml from repository resource 'governance' "
        "(Platform/governed-templates)"))]
    steps = "steps:\n  - template: steps/missing.yml\n  - template: ../../outside.yml\n" \
            "  - template: ${{ variables.file }}\n  - template: steps/self.yml\n"
    loop = "steps:\n  - template: self.yml\n  - script: echo loop\n"
    parsed = azure_pipelines.parse(tree({"azure-pipelines.yml": steps,
                                         "steps/self.yml": loop}))
    assert [note for _, note in parsed.notes][:3] == [
        "template steps/missing.yml not found",
        "template ../../outside.yml leaves the repository; skipped",
        "template path '${{ variables.file }}' is computed; not read",
    ]
    assert "echo loop" in [r.value for r in parsed.jobs[0].references]


def test_template_budget_is_per_pipeline(tree: Tree) -> None:
    """Official pipelines include a few hundred templates each; every pipeline gets the
    whole budget, so a large first pipeline does not hide the release pipeline after it."""
    step = "steps:\n  - script: echo step\n"
    many = "trigger: [main]\nsteps:\n" + "  - template: t/step.yml\n" * 300
    release = "trigger: none\nsteps:\n  - template: t/step.yml\n" \
              "  - task: NuGetCommand@2\n    inputs: {command: push}\n"
    parsed = azure_pipelines.parse(tree({".pipelines/a-build.yml": many,
                                         ".pipelines/b-release.yml": release,
                                         ".pipelines/t/step.yml": step}))
    jobs = {job.file: job for job in parsed.jobs}
    assert len(jobs[".pipelines/a-build.yml"].references) == 300
    assert jobs[".pipelines/b-release.yml"].references[0].value == "echo step"
    assert not [note for _, note in parsed.notes if "too many" in note]
    endless = "trigger: [main]\nsteps:\n" + "  - template: t/step.yml\n" * 1200
    parsed = azure_pipelines.parse(tree({"azure-pipelines.yml": endless, "t/step.yml": step}))
    assert len(parsed.jobs[0].references) == azure_pipelines.MAX_TEMPLATES
    assert ("azure-pipelines.yml:1003", "too many templates; the rest were not read") \
        in parsed.notes


def test_templates_for_other_repositories_are_not_pipelines(tree: Tree) -> None:
    template = "parameters:\n  - name: image\n    type: string\nsteps:\n" \
               "  - script: trivy image ${{ parameters.image }}\n"
    pipeline = "trigger: [main]\nparameters:\n  - name: full\n    type: boolean\n" \
               "    default: false\nsteps:\n  - script: make test\n"
    parsed = azure_pipelines.parse(tree({".azure-pipelines/scan-image.yml": template,
                                         ".azure-pipelines/ci.yml": pipeline}))
    assert [(job.file, job.name) for job in parsed.jobs] == [(".azure-pipelines/ci.yml", "Job")]
    assert parsed.notes == [(".azure-pipelines/scan-image.yml", (
        "a template (parameters, no triggers) not included by a pipeline here; not read as "
        "a pipeline"))]


def test_bad_input_never_raises(tree: Tree) -> None:
    files = {
        "azure-pipelines.yml": "stages:\n  - stage: [unclosed\n",
        ".azure-pipelines/binary.yml": "\x00\x01\x02binary\x00",
        ".azure-pipelines/list.yml": "- a\n- b\n",
        ".azure-pipelines/tagged.yml": "steps: !custom [1]\n",
        ".azure-pipelines/wrong.yml": """\
trigger: {branches: 5}
pr: 7
schedules: yes
variables: [1, {name: x}]
stages:
  - stage: A
    jobs: {not: a list}
  - 3
  - stage: B
    dependsOn: {x: 1}
    condition: 5
    jobs:
      - job: J
        container: {image: 5}
        services: [1]
        steps:
          - script: [1, 2]
          - task: 7
          - task: ''
          - 12
          - ${{ if eq(1, 1) }}: not-a-list
""",
    }
    parsed = azure_pipelines.parse(tree(files))
    reasons = dict(parsed.unreadable)
    assert "not valid YAML (line 3" in reasons["azure-pipelines.yml"]
    assert reasons[".azure-pipelines/binary.yml"] == "binary content"
    assert reasons[".azure-pipelines/list.yml"] == ("not a pipeline: no stages, jobs, steps "
                                                    "or extends")
    assert ".azure-pipelines/tagged.yml" in reasons
    assert [(job.name, job.references) for job in parsed.jobs] == [("J", ())]
