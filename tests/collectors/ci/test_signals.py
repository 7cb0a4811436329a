"""CI signals on real repositories: what counts as a deploy, a release, a test, an apply."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from gitrepo import GitRepo
from local_scan import evidence_by_signal

MakeRepo = Callable[..., GitRepo]


def values(repo: GitRepo) -> dict[str, Any]:
    return evidence_by_signal(repo.root)


def workflow(name: str, on: str, jobs: str) -> dict[str, str]:
    return {f".github/workflows/{name}": f"on: {on}\njobs:\n{jobs}"}


def test_signing_and_publishing_inside_test_jobs_are_not_release_evidence(
        make_repo: MakeRepo) -> None:
    repo = make_repo({
        **workflow("e2e-with-binary.yml", "pull_request",
                   "  sign-test:\n    steps:\n      - run: cosign sign-blob --yes README.md\n"
                   "      - run: ko publish --insecure-registry -B example.com/demo\n"),
        **workflow("release.yml", "{push: {tags: ['v*']}}",
                   "  release:\n    steps:\n      - run: cosign sign --yes ghcr.io/acme/app\n"),
    })
    found = values(repo)
    assert found["ci.signing.tools"].value == ["cosign"]
    assert found["ci.signing.tools"].locators == (".github/workflows/release.yml:5",)


def test_a_deploy_stage_alone_is_not_a_deployment_a_pages_job_deploys_a_site(
        make_repo: MakeRepo) -> None:
    stage_only = make_repo({".gitlab-ci.yml": "stages: [test, deploy]\n"
                                              "refresh-doc:\n  stage: deploy\n"
                                              "  script: curl -X POST https://docs.example/hook\n"})
    assert values(stage_only)["ci.deploy.present"].value is False
    pages = make_repo({".gitlab-ci.yml": "stages: [test, deploy]\n"
                                         "pages:\n  stage: deploy\n  script: mv public out\n"
                                         "  environment: pages\n"})
    found = values(pages)
    assert found["ci.deploy.present"].value is True  # the site is live once it runs
    assert found["ci.deploy.site_automatic"].value is True
    assert found["ci.deploy.production"].value is False  # a site, not a running service


def test_a_storybook_environment_is_a_site_not_production(make_repo: MakeRepo) -> None:
    repo = make_repo(workflow("chromatic.yml", "{push: {branches: [main]}}",
                              "  chromatic:\n    environment: {name: Storybook}\n    steps:\n"
                              "      - uses: chromaui/action@v11\n"))
    found = values(repo)
    assert found["ci.deploy.production"].value is False
    assert found["ci.deploy.site_automatic"].value is True
    assert found["ci.e2e.tools"].value == ["visual-tests"]


def test_tearing_an_environment_down_is_not_a_deployment(make_repo: MakeRepo) -> None:
    repo = make_repo(workflow("cleanup.yml", "{pull_request: {types: [closed]}}",
                              "  cleanup-namespace:\n    environment: staging\n    steps:\n"
                              "      - run: kubectl delete namespace pr-1\n"))
    assert values(repo)["ci.deploy.present"].value is False


def test_smoke_test_steps_count_as_end_to_end_tests(make_repo: MakeRepo) -> None:
    repo = make_repo(workflow("ci.yml", "push", "  deploy:\n    steps:\n"
                              "      - name: Smoke Test\n        run: ./hack/smoke.sh\n"))
    found = values(repo)
    assert found["ci.e2e.tools"].value == ["'Smoke Test' step"]
    assert found["ci.e2e.automatic"].value is True


def test_iac_applied_share(make_repo: MakeRepo) -> None:
    repo = make_repo({
        "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 1.0.0\n",
        "terraform/main.tf": "resource \"null_resource\" \"x\" {}\n",
        **workflow("cd.yml", "{push: {branches: [main]}}",
                   "  deploy:\n    environment: production\n    steps:\n"
                   "      - run: helm upgrade --install app ./chart\n"
                   "      - run: terraform -chdir=terraform validate\n"),
    })
    found = values(repo)
    assert found["ci.iac.applied"].value == ["helm"]
    assert found["iac.tools"].value == ["helm", "terraform"]
    share = found["iac.applied_share"]
    assert share.value == 0.5
    assert share.locators == ("terraform/main.tf",)
    assert share.note == "applied after merge: helm; not applied: terraform"


def test_hosted_analysis_and_terraform_hooks(make_repo: MakeRepo) -> None:
    repo = make_repo({
        ".sonarcloud.properties": "sonar.sources=src\n",
        ".pre-commit-config.yaml": "repos:\n  - repo: https://github.com/antonbabenko/pre-commit-terraform\n"
                                   "    rev: v1.96.1\n    hooks:\n      - id: terraform_tflint\n"
                                   "      - id: terraform_checkov\n",
        **workflow("pre-commit.yml", "pull_request", "  pc:\n    steps:\n"
                   "      - uses: clowdhaus/terraform-composite-actions/pre-commit@v1\n"),
    })
    found = values(repo)
    assert found["ci.sast.tools"].value == ["sonarcloud-automatic-analysis"]
    assert found["ci.sast.before_merge"].value is True
    assert found["ci.iac_scan.tools"].value == ["checkov"]
    assert "config-lint" in found["ci.lint.tools"].value


def test_ci_defined_elsewhere_keeps_negatives_unsaid(make_repo: MakeRepo,
                                                     tmp_path: Path) -> None:
    prow = make_repo({"OWNERS": "approvers:\n  - alice\nreviewers:\n  - bob\n",
                      **workflow("lint.yml", "pull_request",
                                 "  l:\n    steps: [{run: golangci-lint run}]\n")}, name="prow")
    found = values(prow)
    assert found["ci.lint.tools"].value == ["golangci-lint"]
    assert "ci.tests.tools" not in found
    assert found["repo.codeowners"].value is True
    assert found["repo.codeowners"].locators == ("OWNERS:2",)


def test_an_unparsed_ci_system_costs_only_what_depends_on_when_it_runs(
        make_repo: MakeRepo) -> None:
    """One file of a CI system this scanner does not parse once turned every negative of
    the repository into unknown; read as plain commands, it costs only the timing of the
    tools it shows."""
    repo = make_repo({
        "appveyor.yml": "image: Visual Studio 2022\ninstall:\n  - pip install -e .\n"
                        "test_script:\n  - cmd: python -m pytest -q\n",
        **workflow("lint.yml", "pull_request", "  l:\n    steps: [{run: ruff check .}]\n"),
    }, name="appveyor")
    found = values(repo)
    assert found["ci.tests.tools"].value == ["pytest"]
    assert found["ci.tests.tools"].locators == ("appveyor.yml:5",)
    assert found["ci.signing.tools"].value == []  # nothing unread could sign
    assert found["ci.sast.before_merge"].value is False
    assert "ci.tests.before_merge" not in found  # when AppVeyor runs pytest is not known
    assert set(found["ci.systems"].value) == {"appveyor", "github_actions"}
    assert found["ci.signing.tools"].locators == (".github/workflows/", "appveyor.yml")


def test_deployment_tests_on_a_ci_cluster_are_not_deployments(make_repo: MakeRepo) -> None:
    repo = make_repo(workflow("ci-main.yaml", "{push: {branches: [main]}}",
                              "  deployment-tests:\n    steps:\n"
                              "      - run: skaffold run --default-repo=ci-registry\n"))
    found = values(repo)
    assert found["ci.deploy.present"].value is False
    assert found["ci.iac.applied"].value == []


def test_deploys_gated_by_a_security_check_in_the_job_or_a_needed_job(
        make_repo: MakeRepo) -> None:
    gated = make_repo(workflow("cd.yml", "{push: {branches: [main]}}",
                               "  scan:\n    steps: [{run: trivy image app:1}]\n"
                               "  deploy:\n    needs: [scan]\n    environment: production\n"
                               "    steps: [{run: helm upgrade --install app ./chart}]\n"
                               "  canary:\n    environment: production\n    steps:\n"
                               "      - run: conftest test k8s/\n"
                               "      - run: kubectl apply -f k8s/\n"), name="gated")
    found = values(gated)
    assert found["ci.deploy.gated"].value is True
    assert found["ci.deploy.gate_kinds"].value == ["image scanning",
                                                   "infrastructure-code scanning"]
    ungated = make_repo(workflow("cd.yml", "{push: {branches: [main]}}",
                                 "  deploy:\n    environment: production\n    steps:\n"
                                 "      - run: kubectl apply -f k8s/\n"
                                 "      - run: trivy image app:1\n"), name="ungated")
    found = values(ungated)
    assert found["ci.deploy.gated"].value is False  # the scan runs after the deploy
    assert found["ci.deploy.gated"].note == \
        "1 of 1 deploy or publish jobs run without a security or policy check first"


def test_a_check_switched_on_in_configuration_gates_the_jobs_that_need_it(
        make_repo: MakeRepo) -> None:
    """gosec enabled in .golangci.yml runs in the lint job; a release that needs the lint
    job waits for it — one kind of check."""
    repo = make_repo({**workflow("ci.yml", "{push: {tags: ['v*']}}",
                                 "  lint:\n    steps: [{run: golangci-lint run}]\n"
                                 "  release:\n    needs: [lint]\n"
                                 "    steps: [{run: goreleaser release --clean}]\n"),
                      ".golangci.yml": "linters:\n  enable:\n    - gosec\n",
                      "main.go": "package main\n\nfunc main() {}\n"})
    found = values(repo)
    assert found["ci.deploy.gated"].value is True
    assert found["ci.deploy.gate_kinds"].value == ["static analysis"]
    assert found["ci.deploy.gate_kinds"].locators == (
        ".github/workflows/ci.yml:4 → .golangci.yml:3 → gosec",)


def test_delivery_frequency_follows_how_ci_delivers(make_repo: MakeRepo) -> None:
    on_merge = make_repo(workflow("cd.yml", "{push: {branches: [main]}}",
                                  "  deploy:\n    environment: production\n"
                                  "    steps: [{run: kubectl apply -f k8s/}]\n"), name="merge")
    found = values(on_merge)
    assert found["delivery.days_per_week"].value == found["git.mainline_days_per_week"].value
    assert "every merge" in (found["delivery.days_per_week"].note or "")
    on_tags = make_repo(workflow("release.yml", "{push: {tags: ['v*']}}",
                                 "  publish:\n    steps: [{run: twine upload dist/*}]\n"),
                        name="tags")
    found = values(on_tags)
    assert found["delivery.days_per_week"].value == found["git.release_days_per_week"].value
    assert found["delivery.days_per_week"].note == "CI delivers on tags: release days"


def test_an_atomic_upgrade_or_a_rollback_job_is_a_way_back(make_repo: MakeRepo) -> None:
    plain = make_repo(workflow("cd.yml", "{push: {branches: [main]}}",
                               "  deploy:\n    environment: production\n    steps:\n"
                               "      - run: helm upgrade --install api ./chart\n"))
    assert values(plain)["ci.deploy.present"].value is True
    assert values(plain)["ci.rollback.tools"].value == []
    atomic = make_repo({
        **workflow("cd.yml", "{push: {branches: [main]}}",
                   "  deploy:\n    environment: production\n    steps:\n"
                   "      - run: helm upgrade --install api ./chart --atomic --timeout 5m\n"),
        **workflow("rollback.yml", "workflow_dispatch",
                   "  undo:\n    environment: production\n    steps:\n"
                   "      - run: kubectl -n shop rollout undo deployment/api\n"),
    })
    found = values(atomic)
    assert found["ci.rollback.tools"].value == ["helm-rollback", "kubectl-rollout-undo"]
    assert found["ci.rollback.tools"].locators == (".github/workflows/cd.yml:6",
                                                   ".github/workflows/rollback.yml:6")


def test_a_stage_named_publish_that_runs_only_for_tags_publishes(make_repo: MakeRepo) -> None:
    """The push hides in a script variable (`opts+=(--push)`), but a stage named Publish
    that runs only when a tag is built is the release; a Publish stage that also runs on
    every change is not read as one."""
    jenkinsfile = ("node {\n  stage('Test') { sh 'make test' }\n"
                   "  if (env.TAG_NAME) {\n    stage('Publish') { sh './ci/publish.sh' }\n"
                   "  }\n}\n")
    repo = make_repo({"Jenkinsfile": jenkinsfile,
                      "ci/publish.sh": "#!/bin/sh\nopts+=(--push)\n"
                                       "docker buildx bake \"${opts[@]}\"\n"})
    found = values(repo)
    assert found["ci.packaging.tools"].value == ["unidentified"]
    assert found["ci.packaging.tools"].locators == ("Jenkinsfile:4",)
    assert found["ci.release.automatic"].value is True
    everywhere = make_repo({"Jenkinsfile": jenkinsfile.replace("if (env.TAG_NAME)", "if (true)"),
                            "ci/publish.sh": "#!/bin/sh\necho publishing\n"})
    assert values(everywhere)["ci.packaging.tools"].value == []


def test_reusable_workflows_of_other_repositories_are_known_by_their_names(
        make_repo: MakeRepo) -> None:
    """A shared CodeQL workflow is SAST by its name; a shared release drafter only drafts,
    so it is not a release, though 'release' is in its name."""
    repo = make_repo(workflow("shared.yml", "{push: {branches: [main]}, pull_request: {}}",
                              "  codeql:\n    uses: acme/workflows/.github/workflows/"
                              "codeql.yml@v2\n  draft:\n    uses: acme/workflows/.github/workflows/"
                              "release-drafter.yml@v2\n"))
    found = values(repo)
    assert found["ci.sast.tools"].value == ["codeql.yml (reusable)"]
    assert found["ci.sast.tools"].note.startswith("inferred from the name of acme/workflows/")
    assert found["ci.packaging.tools"].value == []
    assert found["ci.release.automatic"].value is False


def test_main_line_snapshot_deploys_are_not_releases(make_repo: MakeRepo) -> None:
    """`mvn deploy` in the main "Build / Test" job of a project whose version is a snapshot
    publishes development builds: delivery in CI, but not a release reaching users. The
    same deploy run only for tags is a release."""
    pom = ("<project>\n  <artifactId>app</artifactId>\n  <version>2.1.0-SNAPSHOT</version>\n"
           "</project>\n")
    jenkinsfile = ("pipeline {\n  agent any\n  stages {\n    stage('Build / Test') {\n"
                   "      steps { sh './mvnw -B clean deploy' }\n    }\n  }\n}\n")
    repo = make_repo({"pom.xml": pom, "Jenkinsfile": jenkinsfile})
    found = values(repo)
    assert found["ci.packaging.tools"].value == ["maven-deploy"]
    assert found["ci.release.automatic"].value is False
    assert "Jenkinsfile:5 publishes development builds, since the version in pom.xml:3 is a " \
           "snapshot" in found["ci.release.automatic"].note
    tagged = make_repo({"pom.xml": pom, **workflow(
        "release.yml", "{push: {tags: ['v*']}}",
        "  release:\n    steps:\n      - run: mvn -B versions:set -DremoveSnapshot deploy\n")})
    assert values(tagged)["ci.release.automatic"].value is True


def test_the_job_environment_fills_in_shell_variables_for_recognition(
        make_repo: MakeRepo) -> None:
    """`cmake .. $CMAKE_OPTIONS`, with CMAKE_OPTIONS set in the job's environment to an
    AddressSanitizer build, runs the tests under the sanitizer."""
    repo = make_repo(workflow("nightly.yml", "{schedule: [{cron: '0 3 * * *'}]}",
                              "  asan:\n    env: {CMAKE_OPTIONS: -DSANITIZE=address}\n"
                              "    steps:\n      - run: cmake -S . -B build $CMAKE_OPTIONS\n"
                              "      - run: ctest --test-dir build\n"))
    found = values(repo)
    assert found["ci.sanitizer.tools"].value == ["sanitizers"]
    assert found["ci.sanitizer.tools"].locators == (".github/workflows/nightly.yml:6",)


def test_publishing_held_back_or_only_for_pull_requests_is_not_delivery(
        make_repo: MakeRepo) -> None:
    """A release script run with --no-push builds without publishing, and images pushed
    only for pull requests are what CI itself builds on."""
    script = "#!/bin/sh\ndocker build -t org/app .\n[ \"$1\" = --no-push ] || docker push org/app\n"
    repo = make_repo({
        **workflow("nightly.yml", "{push: {branches: [main]}}",
                   "  image:\n    steps: [{run: scripts/publish.sh --no-push}]\n"),
        **workflow("ci-image.yml", "{pull_request: {paths: [ci/Dockerfile]}}",
                   "  ci-image:\n    steps: [{run: docker push org/ci:latest}]\n"),
        "scripts/publish.sh": script})
    assert values(repo)["ci.packaging.tools"].value == []
    released = make_repo({**workflow("nightly.yml", "{push: {branches: [main]}}",
                                     "  image:\n    steps: [{run: scripts/publish.sh}]\n"),
                          "scripts/publish.sh": script})
    assert values(released)["ci.packaging.tools"].value == ["container-push"]


CODEQL = ("  analyze:\n    steps:\n      - uses: github/codeql-action/init@v3\n{languages}"
          "      - uses: github/codeql-action/analyze@v3\n")


def test_codeql_with_no_product_source_to_read_scans_only_workflows(
        make_repo: MakeRepo) -> None:
    """A shell project's only JavaScript is a test fixture: CodeQL, left to pick the
    languages, analyses the workflow files alone, like zizmor; it is not SAST of the code.
    Named languages decide when the init step gives them."""
    shell = {"nvm.sh": "#!/bin/sh\nnvm() { :; }\n", "test/fixture/index.js": "module.exports = 1\n"}
    found = values(make_repo({**shell, **workflow("codeql.yml", "pull_request",
                                                  CODEQL.format(languages=""))}))
    assert found["ci.sast.tools"].value == []
    assert found["ci.iac_scan.tools"].value == ["codeql"]
    assert "scans only the workflow files" in found["ci.iac_scan.tools"].note
    named = values(make_repo({**shell, **workflow(
        "codeql.yml", "pull_request",
        CODEQL.format(languages="        with: {languages: javascript}\n"))}))
    assert named["ci.sast.tools"].value == ["codeql"]
    python = values(make_repo({"app/main.py": "print(1)\n", **workflow(
        "codeql.yml", "pull_request", CODEQL.format(languages=""))}))
    assert python["ci.sast.tools"].value == ["codeql"]


def test_publishing_when_a_drafted_release_is_published_waits_for_a_person(
        make_repo: MakeRepo) -> None:
    """Release Drafter keeps the next release as a draft; the snap published when someone
    publishes it is not automatic, and a store environment is publishing, not a deploy."""
    drafts = workflow("drafter.yml", "{push: {branches: [main]}}",
                      "  draft:\n    steps:\n      - uses: release-drafter/release-drafter@v6\n")
    snap = workflow("snap.yml", "{release: {types: [released]}}",
                    "  publish:\n    environment: snap\n    steps:\n"
                    "      - run: snapcraft upload --release=stable app.snap\n")
    found = values(make_repo({**drafts, **snap}))
    assert found["ci.deploy.present"].value is False
    assert found["ci.packaging.tools"].value != []
    assert found["ci.release.automatic"].value is False
    undrafted = values(make_repo(snap))
    assert undrafted["ci.release.automatic"].value is True


def test_a_script_named_for_acceptance_tests_runs_them(make_repo: MakeRepo) -> None:
    repo = make_repo({**workflow("ci.yml", "pull_request",
                                 "  build:\n    steps: [{run: make local build}]\n"),
                      "Makefile": "local:\n\t@$(eval ENGINERUN= )\n\n"
                                  "build:\n\t$(ENGINERUN) bash ./scripts/acceptance.sh\n",
                      "scripts/acceptance.sh": "#!/bin/bash\nfor t in acceptance_tests/*.sh; "
                                               "do \"$t\"; done\n"})
    found = values(repo)
    assert found["ci.e2e.tools"].value == ["'acceptance.sh' script"]
    assert found["ci.e2e.tools"].locators == (
        ".github/workflows/ci.yml:4 → Makefile:5 → scripts/acceptance.sh:2 → "
        "'acceptance.sh' script",)
