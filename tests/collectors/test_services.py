"""Services inside a repository are entities of their own, with their own CI evidence."""

from __future__ import annotations

from collections.abc import Callable

from gitrepo import GitRepo
from local_scan import collect, evidence_by_signal

MakeRepo = Callable[..., GitRepo]

WORKFLOW = """\
on: pull_request
jobs:
  codeql:
    steps:
      - uses: github/codeql-action/analyze@v3
  dast-web:
    steps:
      - run: docker compose -f src/web/compose.yaml up -d
      - run: zap-baseline.py -t http://localhost:8080
  cart-tests:
    steps:
      - run: cd src/cart && go test ./...
  ship:
    steps:
      - run: kubectl apply -f k8s/
        working-directory: services/payments
"""


def test_a_monorepo_is_judged_service_by_service(make_repo: MakeRepo) -> None:
    repo = make_repo({
        ".github/workflows/ci.yml": WORKFLOW,
        "src/cart/Dockerfile": "FROM golang\n",
        "src/cart/main.go": "package main\n",
        "src/web/docker/Dockerfile": "FROM node\n",
        "src/web/index.js": "console.log(1)\n",
        "services/payments/catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\n"
                                               "kind: Component\nmetadata: {name: payments}\n"
                                               "spec: {type: service}\n",
        "docs/example/Dockerfile": "FROM scratch\n",
        ".gitlab-ci/runner.Dockerfile": "FROM alpine\n",
    })
    root = repo.root.resolve()
    collected = collect(repo.root)
    assert collected.entities == [f"repo:{root}", f"service:{root}/services/payments",
                                  f"service:{root}/src/cart", f"service:{root}/src/web"]
    repo_level = evidence_by_signal(repo.root)
    assert repo_level["repo.services"].value == ["services/payments", "src/cart", "src/web"]
    web = evidence_by_signal(repo.root, f"service:{root}/src/web")
    cart = evidence_by_signal(repo.root, f"service:{root}/src/cart")
    assert web["ci.dast.tools"].value == ["zap"]
    payments = evidence_by_signal(repo.root, f"service:{root}/services/payments")
    assert payments["ci.deploy.present"].value is True  # its steps run in its folder
    assert cart["ci.deploy.present"].value is False
    assert cart["ci.dast.tools"].value == []
    assert web["ci.sast.tools"].value == cart["ci.sast.tools"].value == ["codeql"]
    assert cart["ci.tests.tools"].value == ["go-test"] and web["ci.tests.tools"].value == []
    assert web["service.artifacts"].value == ["container"]
    assert web["service.artifacts"].locators == ("src/web/docker/Dockerfile",)
    assert web["service.repo"].value == f"repo:{root}"
    assert cart["source.files"].value == 2  # main.go and its Dockerfile


def test_a_plain_repository_is_one_service(make_repo: MakeRepo) -> None:
    repo = make_repo({"Dockerfile": "FROM python\nCMD [\"python\", \"app.py\"]\n",
                      "app.py": "x = 1\n"})
    root = repo.root.resolve()
    collected = collect(repo.root)
    assert collected.entities == [f"repo:{root}", f"service:{root}"]
    service = evidence_by_signal(repo.root, f"service:{root}")
    assert service["service.path"].value == "."
    assert service["deployable"].value is True
    assert "repo.security_policy" not in service  # repository-level evidence stays there


def test_shared_manifests_count_as_the_infrastructure_code_of_the_services_they_deploy(
        make_repo: MakeRepo) -> None:
    repo = make_repo({
        "src/cart/Dockerfile": "FROM golang\n",
        "src/web/Dockerfile": "FROM node\n",
        "src/mail/Dockerfile": "FROM python\n",
        "src/batch/Dockerfile": "FROM python\n",
        "src/mail/deploy/job.yaml": "apiVersion: batch/v1\nkind: CronJob\n"
                                    "metadata: {name: digest}\n",
        "kubernetes-manifests/cart.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cartservice\nspec:\n"
            "  template:\n    spec:\n      containers:\n"
            "        - name: server\n          image: ghcr.io/acme/cart:1.2\n"),
        "kubernetes-manifests/web.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"),
    })
    root = repo.root.resolve()
    cart = evidence_by_signal(repo.root, f"service:{root}/src/cart")["iac.tools"]
    web = evidence_by_signal(repo.root, f"service:{root}/src/web")["iac.tools"]
    mail = evidence_by_signal(repo.root, f"service:{root}/src/mail")["iac.tools"]
    assert cart.value == ["kubernetes"]  # by its image name
    assert cart.locators == ("kubernetes-manifests/cart.yaml:1",)
    assert "shared manifests" in (cart.note or "")
    assert web.value == ["kubernetes"] and web.locators == ("kubernetes-manifests/web.yaml:1",)
    assert mail.value == ["kubernetes"]  # its own manifest
    assert mail.locators == ("src/mail/deploy/job.yaml",)
    assert evidence_by_signal(repo.root, f"service:{root}/src/batch")["iac.tools"].value == []
