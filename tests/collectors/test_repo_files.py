"""Signals from repository files: policy contacts, service artifacts, source files."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gitrepo import GitRepo
from local_scan import evidence_by_signal

MakeRepo = Callable[..., GitRepo]


def values(repo: GitRepo) -> dict[str, Any]:
    return evidence_by_signal(repo.root)


def test_the_contact_is_the_address_not_the_table_of_contents(make_repo: MakeRepo) -> None:
    policy = ("# Security policy\n\n- [Reporting a vulnerability](#reporting)\n"
              "- [Supported versions](https://example.org/versions)\n\n## Reporting\n\n"
              "Write to security@example.org.\n\n"
              "We acknowledge reports within 2 days.\n")
    found = values(make_repo({"SECURITY.md": policy}))
    assert found["repo.security_policy.contact"].locators == ("SECURITY.md:8",)
    assert found["repo.security_policy.fix_timeline"].value is False


def test_fix_timelines(make_repo: MakeRepo) -> None:
    for text, expected in [("Critical issues are fixed within 7 days.", True),
                           ("We aim to release a patch in under 30 days.", True),
                           ("Our SLA for remediation is published here.", True),
                           ("We respond within 5 working days.", False),
                           ("If a fix is available and it has been more than 48 hours, "
                            "open an issue.", True),
                           ("The fix took more than 3 days last time.", False)]:
        found = values(make_repo({"SECURITY.md": f"# Policy\n{text}\n"}))
        assert found["repo.security_policy.fix_timeline"].value is expected, text


def test_ci_images_and_tooling_dockerfiles_do_not_make_a_service(make_repo: MakeRepo) -> None:
    found = values(make_repo({".gitlab-ci/alpine.Dockerfile": "FROM alpine\n",
                              "hack/Dockerfile": "FROM golang\n", "main.go": "package main\n"}))
    assert found["service.artifacts"].value == []
    service = values(make_repo({"Dockerfile": "FROM golang\n", "deploy/app.yaml":
                                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n"}))
    assert service["service.artifacts"].value == ["container", "kubernetes"]
    assert service["deployable"].value is True


def test_terraform_counts_as_source_code(make_repo: MakeRepo) -> None:
    found = values(make_repo({"main.tf": "variable \"x\" {}\n", "tests/x.tftest.hcl": "run {}\n"}))
    assert found["source.files"].value == 1
    assert found["iac.tools"].value == ["terraform"]


def test_renovate_in_package_json_and_empty_dependabot(make_repo: MakeRepo) -> None:
    found = values(make_repo({"package.json": '{"name": "x", "renovate": {"extends": []}}\n',
                              ".github/dependabot.yml": "version: 2\n"}))
    assert found["repo.dependency_updates.tools"].value == ["renovate"]


def test_manifests_in_test_and_example_folders_are_not_infrastructure(make_repo: MakeRepo) -> None:
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
    found = values(make_repo({"test/config/token.yaml": manifest,
                              "examples/tf/main.tf": "module \"x\" {}\n"}))
    assert found["iac.tools"].value == []


def test_a_gitops_repository_deploys_what_it_reconciles(make_repo: MakeRepo) -> None:
    """A fleet repository holds no Dockerfile or workload of its own, but its Flux
    Kustomizations deploy services into clusters: it is deployable and runs services."""
    found = values(make_repo({
        "clusters/prod/apps.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\n"
                                   "kind: Kustomization\nmetadata: {name: apps}\n"
                                   "spec: {path: ./apps/prod, prune: true}\n",
        "apps/prod/kustomization.yaml": "resources: [../base]\n"}))
    assert found["deployable"].value is True
    assert found["runs_as_service"].value is True
    assert found["deployable"].locators[0] == "clusters/prod/apps.yaml:1"


def test_a_security_section_in_contributing_stands_for_a_policy(make_repo: MakeRepo) -> None:
    """No SECURITY.md, but CONTRIBUTING.md has a section asking for private reports by
    email: the repository says how to report a vulnerability, and the evidence cites it."""
    contributing = ("# Contributing\n\n## Bugs\n\nOpen an issue.\n\n## Security\n\n"
                    "Please do not open public issues for vulnerabilities.\n"
                    "Write to security@example.org instead.\n\n## Translations\n\nUse Weblate.\n")
    found = values(make_repo({"CONTRIBUTING.md": contributing}))
    assert found["repo.security_policy"].value is True
    assert found["repo.security_policy"].locators == ("CONTRIBUTING.md:7",)
    assert found["repo.security_policy.contact"].locators == ("CONTRIBUTING.md:10",)
    vague = values(make_repo({"README.md": "# App\n\n## Security\n\nWe care about it.\n"}))
    assert vague["repo.security_policy"].value is False
