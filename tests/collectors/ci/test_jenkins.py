"""Jenkins: declarative and scripted pipelines, Groovy strings and comments, triggers, lines."""

from __future__ import annotations

import pytest

from scanner.collectors.ci import jenkins
from scanner.collectors.ci.model import (
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
from scanner.collectors.ci.resolve import Resolver
from scanner.collectors.ci.tools import load_catalogue

from ci_parsing import Tree, by_name, refs

EVERY = {PUSH, DEFAULT_BRANCH, PULL_REQUEST, TAG}

DECLARATIVE = """\
#!/usr/bin/env groovy
@Library('platform-pipeline@v3') _

// Nightly builds also run the slow suite. sh 'rm -rf /' here is only a comment.
pipeline {
    agent {
        docker { image 'maven:3.9-eclipse-temurin-21' }
    }
    triggers {
        cron('H 2 * * 1-5')
    }
    environment {
        REGISTRY = 'registry.example.com'
    }
    stages {
        stage('Build') {
            steps {
                sh 'mvn -B -DskipTests package'  // a trailing comment
                /*
                sh 'mvn -B deploy'
                */
                sh '''
                    curl -fsS https://repo.example.com//snapshots/ -o index.html
                    mvn -B verify \\\\
                      -Pcoverage
                '''
            }
            post {
                always {
                    junit 'target/surefire-reports/*.xml'
                    jacoco(execPattern: 'target/jacoco.exec')
                }
            }
        }
        stage('Checks') {
            parallel {
                stage('Sonar') {
                    steps {
                        withSonarQubeEnv('sonarqube') {
                            sh(script: 'mvn -B sonar:sonar', label: 'Sonar analysis')
                        }
                        timeout(time: 10, unit: 'MINUTES') {
                            waitForQualityGate abortPipeline: true
                        }
                    }
                }
                stage('Dependencies') {
                    steps {
                        dependencyCheck additionalArguments: '--scan ./ --format XML',
                                        odcInstallation: 'dependency-check'
                    }
                }
            }
        }
        stage('Approve') {
            when { branch 'main' }
            input {
                message 'Deploy to production?'
            }
            steps {
                echo 'Approved'
            }
        }
        stage('Deploy') {
            when { branch 'main' }
            steps {
                script {
                    def image = docker.build("acme/api:${env.BUILD_NUMBER}")
                    docker.withRegistry('https://registry.example.com', 'registry') {
                        image.push('latest')
                    }
                }
                kubernetesDeploy(configs: 'k8s/*.yaml', kubeconfigId: 'production')
            }
        }
        stage('Pull request') {
            when { changeRequest() }
            steps {
                bat 'gradlew.bat check'
            }
        }
        stage('Release') {
            when { buildingTag() }
            steps {
                pwsh script: \"\"\"
                    ./release.ps1 -Version \\$env:TAG_NAME
                \"\"\"
            }
        }
    }
    post {
        failure {
            mail to: 'team@example.com', subject: 'Build failed'
        }
        always {
            recordIssues enabledForFailure: true, tool: spotBugs()
        }
    }
}
"""


@pytest.fixture
def declarative(tree: Tree) -> jenkins.ParseResult:
    return jenkins.parse(tree({"Jenkinsfile": DECLARATIVE}))


def test_one_job_per_stage_with_stage_lines_and_needs(declarative: jenkins.ParseResult) -> None:
    assert declarative.files == ["Jenkinsfile"]
    assert declarative.unreadable == []
    jobs = by_name(declarative.jobs)
    assert list(jobs) == ["Build", "Checks", "Sonar", "Dependencies", "Approve", "Deploy",
                          "Pull request", "Release", "post"]
    assert [jobs[n].locator for n in ("Build", "Checks", "Sonar", "Approve", "post")] == [
        "Jenkinsfile:16", "Jenkinsfile:35", "Jenkinsfile:37", "Jenkinsfile:55",
        "Jenkinsfile:91"]
    assert jobs["Sonar"].stage == "Checks" and jobs["Dependencies"].stage == "Checks"
    assert jobs["Sonar"].needs == ("Build",) and jobs["Dependencies"].needs == ("Build",)
    assert jobs["Approve"].needs == ("Checks",) and jobs["Deploy"].needs == ("Approve",)
    assert jobs["Build"].variable("REGISTRY") == "registry.example.com"


def test_scripts_become_one_command_per_line_and_comments_are_not_steps(
        declarative: jenkins.ParseResult) -> None:
    build = by_name(declarative.jobs)["Build"]
    assert refs(build) == [
        (IMAGE, "maven:3.9-eclipse-temurin-21", "Jenkinsfile:7"),
        (COMMAND, "mvn -B -DskipTests package", "Jenkinsfile:18"),
        (COMMAND, "curl -fsS https://repo.example.com//snapshots/ -o index.html",
         "Jenkinsfile:23"),
        (COMMAND, "mvn -B verify -Pcoverage", "Jenkinsfile:24"),
        (COMMAND, "junit 'target/surefire-reports/*.xml'", "Jenkinsfile:30"),
        (COMMAND, "jacoco(execPattern: 'target/jacoco.exec')", "Jenkinsfile:31"),
    ]
    every_value = [r.value for job in declarative.jobs for r in job.references]
    assert not [v for v in every_value if "rm -rf" in v or v == "mvn -B deploy"]


def test_script_forms_and_other_steps_keep_their_text(
        declarative: jenkins.ParseResult) -> None:
    jobs = by_name(declarative.jobs)
    assert refs(jobs["Sonar"])[1:] == [
        (COMMAND, "withSonarQubeEnv('sonarqube')", "Jenkinsfile:39"),
        (COMMAND, "mvn -B sonar:sonar", "Jenkinsfile:40"),
        (COMMAND, "waitForQualityGate abortPipeline: true", "Jenkinsfile:43"),
    ]
    assert jobs["Sonar"].references[2].label == "Sonar analysis"
    assert refs(jobs["Dependencies"])[1:] == [
        (COMMAND, "dependencyCheck additionalArguments: '--scan ./ --format XML', "
                  "odcInstallation: 'dependency-check'", "Jenkinsfile:49")]
    assert refs(jobs["Pull request"])[1:] == [(COMMAND, "gradlew.bat check", "Jenkinsfile:79")]
    assert refs(jobs["Release"])[1:] == [
        (COMMAND, "./release.ps1 -Version $env:TAG_NAME", "Jenkinsfile:86")]
    assert refs(jobs["Deploy"])[1:] == [
        (COMMAND, 'docker.build("acme/api:${env.BUILD_NUMBER}")', "Jenkinsfile:68"),
        (COMMAND, "docker.withRegistry('https://registry.example.com', 'registry')",
         "Jenkinsfile:69"),
        (COMMAND, "docker.build(\"acme/api:${env.BUILD_NUMBER}\").push('latest')",
         "Jenkinsfile:70"),
        (COMMAND, "kubernetesDeploy(configs: 'k8s/*.yaml', kubeconfigId: 'production')",
         "Jenkinsfile:73"),
    ]
    post = jobs["post"]
    assert refs(post) == [(COMMAND, "recordIssues enabledForFailure: true, tool: spotBugs()",
                           "Jenkinsfile:96")]  # mail is not evidence


def test_triggers_schedule_input_and_shared_library(declarative: jenkins.ParseResult) -> None:
    jobs = by_name(declarative.jobs)
    assert jobs["Build"].triggers == EVERY | {SCHEDULE}
    assert jobs["Approve"].triggers == {MANUAL}
    assert jobs["Deploy"].triggers == {MANUAL}  # after the approval, on the same branch
    assert jobs["Pull request"].triggers == {PULL_REQUEST, SCHEDULE}
    assert jobs["Release"].triggers == {TAG, SCHEDULE}
    assert declarative.external == [("Jenkinsfile:2", "shared library platform-pipeline@v3")]


def test_catalogue_recognises_jenkins_steps(declarative: jenkins.ParseResult) -> None:
    catalogue = load_catalogue()
    found = {(hit.tool, hit.category, hit.locator)
             for job in declarative.jobs for hit in catalogue.match_job(job)}
    assert {
        ("dependency-check-ci-integrations", "sca", "Jenkinsfile:49"),
        ("sonarqube-ci-integrations", "sast", "Jenkinsfile:39"),
        ("sonarqube-ci-integrations", "sast", "Jenkinsfile:43"),
        ("sonarqube", "sast", "Jenkinsfile:40"),
        ("jenkins-test-report-steps", "tests", "Jenkinsfile:30"),
        ("jenkins-test-report-steps", "coverage", "Jenkinsfile:31"),
        ("maven-test", "tests", "Jenkinsfile:24"),
        ("jenkins-kubernetes-deploy", "deploy", "Jenkinsfile:73"),
        ("jenkins-docker-pipeline-push", "packaging", "Jenkinsfile:70"),
    } <= found


@pytest.mark.parametrize(("when", "expected"), [
    ("branch 'main'", {DEFAULT_BRANCH}),
    ("branch 'release/*'", {DEFAULT_BRANCH}),
    ("branch 'feature/*'", {PUSH}),
    ("branch 'PR-*'", {PULL_REQUEST}),
    ("branch pattern: 'release-\\\\d+', comparator: 'REGEXP'", {DEFAULT_BRANCH}),
    ("branch comparator: 'EQUALS', pattern: 'master'", {DEFAULT_BRANCH}),
    ("changeRequest target: 'main'", {PULL_REQUEST}),
    ("buildingTag()", {TAG}),
    ("tag 'v*'", {TAG}),
    ("not { branch 'main' }", {PUSH, PULL_REQUEST, TAG}),
    ("anyOf { branch 'main'; branch 'develop' }", {DEFAULT_BRANCH}),
    ("allOf { branch 'main'; environment name: 'DEPLOY', value: 'yes' }", {DEFAULT_BRANCH}),
    ("expression { return env.BRANCH_NAME == 'main' }", {DEFAULT_BRANCH}),
    ("expression { env.CHANGE_ID != null }", {PULL_REQUEST}),
    ("expression { return params.DEPLOY }", EVERY),
    ("triggeredBy 'TimerTrigger'", {SCHEDULE}),
    ("changeset 'src/**'", EVERY),
    ("beforeInput true\n            branch 'main'", {MANUAL}),
])
def test_when_conditions(tree: Tree, when: str, expected: set[str]) -> None:
    text = f"""\
pipeline {{
  agent any
  stages {{
    stage('Only') {{
        when {{
            {when}
        }}
        steps {{ sh 'make' }}
    }}
  }}
}}
"""
    jobs = jenkins.parse(tree({"Jenkinsfile": text})).jobs
    assert [(job.name, set(job.triggers)) for job in jobs] == [("Only", expected)]


SCRIPTED = """\
def goals = 'clean verify'

def integrationTests(String suite) {
    sh "./gradlew integrationTest --tests '${suite}'"
}

properties([pipelineTriggers([cron('@daily')]), disableConcurrentBuilds()])

timestamps {
    node('linux')
    {
        stage 'Checkout'
        checkout scm
        sh 'git log -1'

        stage('Build') {
            def version = sh(returnStdout: true, script: "git describe --tags").trim()
            sh 'mvn -B ' + goals + ' -Drevision=' + version
            integrationTests('smoke')
        }
        if (env.BRANCH_NAME == 'main') {
            stage('Publish') {
                sh 'mvn -B deploy -DskipTests'
            }
        }
        timeout(time: 1, unit: 'HOURS') {
            input message: 'Promote to production?'
        }
        stage('Promote') {
            sh './promote.sh production'
        }
    }
}
"""


def test_scripted_pipeline(tree: Tree) -> None:
    parsed = jenkins.parse(tree({"ci/Jenkinsfile.release": SCRIPTED}))
    jobs = by_name(parsed.jobs)
    assert list(jobs) == ["Checkout", "Build", "Publish", "Promote"]
    assert refs(jobs["Checkout"]) == [(COMMAND, "git log -1", "ci/Jenkinsfile.release:14")]
    assert refs(jobs["Build"]) == [
        (COMMAND, "git describe --tags", "ci/Jenkinsfile.release:17"),
        (COMMAND, "mvn -B ${goals} -Drevision=${version}", "ci/Jenkinsfile.release:18"),
        (COMMAND, "./gradlew integrationTest --tests '${suite}'", "ci/Jenkinsfile.release:4"),
    ]
    assert jobs["Build"].locator == "ci/Jenkinsfile.release:16"
    assert jobs["Build"].triggers == EVERY | {SCHEDULE}
    assert jobs["Publish"].triggers == {DEFAULT_BRANCH, SCHEDULE}
    assert jobs["Promote"].triggers == {MANUAL}
    assert parsed.external == [] and parsed.unreadable == []


def test_script_from_a_variable_is_read_where_the_variable_is_set(tree: Tree) -> None:
    text = "def cmd = 'make lint'\nnode {\n  stage('Lint') { sh cmd }\n" \
           "  stage('Dynamic') { sh command() }\n}\n"
    parsed = jenkins.parse(tree({"Jenkinsfile": text}))
    jobs = by_name(parsed.jobs)
    assert refs(jobs["Lint"]) == [(COMMAND, "make lint", "Jenkinsfile:1")]
    assert refs(jobs["Dynamic"]) == []
    assert parsed.notes == [("Jenkinsfile:4", "'sh' runs a script built at run time; not read")]


@pytest.mark.parametrize("commented", [
    "// sh 'helm upgrade --install api ./chart'",
    "/* sh 'helm upgrade --install api ./chart' */",
    "/*\n                stage('Deploy') {\n                    sh 'helm upgrade --install "
    "api ./chart'\n                }\n                */",
    "echo 'helm upgrade --install api ./chart'",
])
def test_commented_out_steps_are_not_evidence(tree: Tree, commented: str) -> None:
    text = f"""\
node {{
    stage('Build') {{
        sh 'make build' // sh 'make deploy'
        {commented}
        sh "echo 'a // b' /* not a comment */"
    }}
}}
"""
    jobs = jenkins.parse(tree({"Jenkinsfile": text})).jobs
    assert [job.name for job in jobs] == ["Build"]
    assert [r.value for r in jobs[0].references] == [
        "make build", "echo 'a // b' /* not a comment */"]
    assert not [h for job in jobs for h in load_catalogue().match_job(job)
                if h.category == "deploy"]


def test_pipeline_from_a_shared_library_only(tree: Tree) -> None:
    text = "// Plugin builds come from the organisation's pipeline library\n" \
           "buildPlugin(useContainerAgent: true, configurations: [\n" \
           "  [platform: 'linux', jdk: 21],\n  [platform: 'windows', jdk: 17],\n])\n"
    parsed = jenkins.parse(tree({"Jenkinsfile": text}))
    assert [(job.name, job.locator) for job in parsed.jobs] == [("(no stage)", "Jenkinsfile:2")]
    assert parsed.jobs[0].references[0].value.startswith("buildPlugin(useContainerAgent: true")
    assert parsed.external == [("Jenkinsfile:2", "pipeline made of steps from a shared library "
                                                 "or plugin configured outside the repository: "
                                                 "buildPlugin")]


def test_upstream_trigger_and_library_step(tree: Tree) -> None:
    text = "library 'deploy-helpers@2.0'\npipeline {\n  agent any\n" \
           "  triggers { upstream(upstreamProjects: 'api/main') }\n" \
           "  stages { stage('E2E') { steps { sh 'npm run e2e' } } }\n}\n"
    parsed = jenkins.parse(tree({"Jenkinsfile": text}))
    assert parsed.jobs[0].triggers == EVERY | {OTHER}
    assert parsed.external == [("Jenkinsfile:1", "shared library deploy-helpers@2.0")]


def test_which_files_are_read(tree: Tree) -> None:
    simple = "node { stage('t') { sh 'make test' } }\n"
    files = {
        "Jenkinsfile": simple,
        "services/api/Jenkinsfile": simple,
        "jenkins/Jenkinsfile.nightly": simple,
        "examples/Jenkinsfile": simple,
        "src/test/resources/Jenkinsfile": simple,
        "docs/Jenkinsfile.md": "Use `sh 'make test'`",
        "Jenkinsfile.bak": simple,
    }
    parsed = jenkins.parse(tree(files))
    assert parsed.files == ["Jenkinsfile", "jenkins/Jenkinsfile.nightly",
                            "services/api/Jenkinsfile"]


def test_bad_input_is_unreadable_with_a_reason(tree: Tree) -> None:
    files = {
        "a/Jenkinsfile": "pipeline {\n  stages {\n    stage('x') { steps { sh 'make' } }\n",
        "b/Jenkinsfile": "node {\n  sh 'unterminated\n}\n",
        "c/Jenkinsfile": "\x00\x01\x02binary\x00",
        "d/Jenkinsfile": "This file describes how we build: with care and patience.\n",
        "e/Jenkinsfile": "pipeline {\n  agent any\n}\n",
        "f/Jenkinsfile": "node { sh(\"x\" ] }\n",
        "g/Jenkinsfile": "node { sh \"${unclosed\" }\n",
        "h/Jenkinsfile": "{" * 3000 + "}" * 3000,
    }
    parsed = jenkins.parse(tree(files))
    assert parsed.jobs == []
    reasons = dict(parsed.unreadable)
    assert reasons["a/Jenkinsfile"] == ("not Groovy this reader understands "
                                        "('{' at line 2 is not closed)")
    assert "unterminated string starting at line 2" in reasons["b/Jenkinsfile"]
    assert reasons["c/Jenkinsfile"] == "binary content"
    assert reasons["d/Jenkinsfile"] == "no pipeline { }, node { } or stage found"
    assert reasons["e/Jenkinsfile"] == "pipeline { } has no stages"
    assert "unbalanced ']' at line 1" in reasons["f/Jenkinsfile"]
    assert "g/Jenkinsfile" in reasons
    assert "blocks nest more than 128 deep at line 1" in reasons["h/Jenkinsfile"]


def test_steps_inside_dir_run_in_that_folder(tree: Tree) -> None:
    """`dir('backend') { sh './scripts/test.sh' }` runs the backend's script, which the
    resolver then follows from that folder."""
    files = tree({
        "Jenkinsfile": "pipeline {\n  agent any\n  stages {\n    stage('Test') {\n"
                       "      steps {\n        dir('backend') {\n"
                       "          sh './scripts/test.sh'\n"
                       "          dir('api') { sh 'make check' }\n        }\n"
                       "        sh 'echo done'\n      }\n    }\n  }\n}\n",
        "backend/scripts/test.sh": "#!/bin/sh\npytest -q\n",
    })
    job = jenkins.parse(files).jobs[0]
    folders = {r.value: r.directory for r in job.references if r.kind == COMMAND}
    assert folders == {"./scripts/test.sh": "backend", "make check": "backend/api",
                       "echo done": ""}
    resolved = Resolver(files).expand_job(job)
    assert ("pytest -q", "backend/scripts/test.sh:2") in [
        (r.value, r.locator) for r in resolved.references]


def test_closures_handed_to_helpers_and_deep_nesting_are_read(tree: Tree) -> None:
    """A scripted pipeline that builds a map of closures in a loop and hands each to a
    helper (`onAgent('linux') { stage(...) { ... } }`) runs those stages; nesting that
    deep is common and must not hide the publishing stage."""
    text = """\
def targets = ['alpine', 'debian']
stage('Build') {
    def builds = [:]
    withEnv(['PUBLISH=true']) {
        for (t in targets) {
            def target = t
            builds[target] = {
                onAgent('docker') {
                    if (!infra.isTrusted()) {
                        stage("Test ${target}") {
                            sh "make test-${target}"
                        }
                    } else {
                        if (env.TAG_NAME) {
                            withEnv(["VERSION=${env.TAG_NAME}"]) {
                                stage('Publish') {
                                    infra.withDockerCredentials {
                                        sh 'make publish'
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    parallel builds
}

void onAgent(String label, def body) {
    node(label) {
        timeout(time: 60, unit: 'MINUTES') {
            body.call()
        }
    }
}
"""
    jobs = by_name(jenkins.parse(tree({"Jenkinsfile": text})).jobs)
    assert [r.value for r in jobs["Test ${target}"].references] == ["make test-${target}"]
    assert [r.value for r in jobs["Publish"].references] == ["make publish"]
    assert jobs["Publish"].triggers == {TAG}
