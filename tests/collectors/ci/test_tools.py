"""The tool catalogue loads, and recognises what it should and nothing else."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from scanner.collectors.ci import tools
from scanner.collectors.ci.model import (
    ACTION,
    COMMAND,
    GITLAB_COMPONENT,
    GITLAB_TEMPLATE,
    IMAGE,
    PRECOMMIT,
    REUSABLE_WORKFLOW,
    Reference,
)
from scanner.collectors.ci.resolve.words import MAX_COMMAND
from scanner.collectors.ci.tools import load_catalogue
from scanner.errors import FileProblem

CATALOGUE = load_catalogue()


def categories(kind: str, value: str, **inputs: str) -> set[tuple[str, str]]:
    reference = Reference(kind, value, "f:1", tuple(inputs.items()))
    return {(m.tool, m.category) for m in CATALOGUE.match_reference(reference)}


@pytest.mark.parametrize(("kind", "value", "expected"), [
    (ACTION, "github/codeql-action/analyze", ("codeql", "sast")),
    (ACTION, "zaproxy/action-baseline", ("zap", "dast")),
    (ACTION, "actions/dependency-review-action", ("dependency-review", "sca")),
    (ACTION, "gitleaks/gitleaks-action", ("gitleaks", "secrets")),
    (ACTION, "actions/attest-build-provenance", ("github-attestations", "provenance")),
    (ACTION, "anchore/sbom-action", ("syft", "sbom")),
    (ACTION, "pypa/gh-action-pypi-publish", ("pypi-publish", "packaging")),
    (ACTION, "cypress-io/github-action", ("cypress", "e2e")),
    (REUSABLE_WORKFLOW,
     "slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml",
     ("slsa-github-generator", "provenance")),
    (COMMAND, "semgrep ci --config auto", ("semgrep", "sast")),
    (COMMAND, "bandit -r src", ("bandit", "sast")),
    (COMMAND, "cosign sign --yes ghcr.io/acme/api@sha256:abc", ("cosign", "signing")),
    (COMMAND, "cosign verify ghcr.io/acme/api", ("cosign", "verification")),
    (COMMAND, "python -m pytest -q", ("pytest", "tests")),
    (COMMAND, "go test ./... -coverprofile=c.out", ("go-test", "coverage")),
    (COMMAND, "npx playwright test", ("playwright", "e2e")),
    (COMMAND, "kubectl apply -f k8s/", ("kubectl", "deploy")),
    (COMMAND, "helm upgrade --install api ./chart", ("helm", "deploy")),
    (COMMAND, "terraform apply -auto-approve", ("terraform-apply", "deploy")),
    (COMMAND, "docker push ghcr.io/acme/api:1.0", ("container-push", "packaging")),
    (COMMAND, "zap-baseline.py -t https://staging.example.com", ("zap", "dast")),
    (COMMAND, "trivy image ghcr.io/acme/api:1.0", ("trivy", "container_scan")),
    (COMMAND, "helm rollback api 0 --wait", ("helm-rollback", "rollback")),
    (COMMAND, "helm -n shop upgrade --install api ./chart --atomic", ("helm-rollback", "rollback")),
    (COMMAND, "kubectl -n shop rollout undo deployment/api", ("kubectl-rollout-undo", "rollback")),
    (COMMAND, "kubectl argo rollouts abort api", ("argo-rollback", "rollback")),
    (COMMAND, "argocd app rollback shop-prod", ("argo-rollback", "rollback")),
    (COMMAND, "aws ecs update-service --cluster c --service api --deployment-configuration "
              "'deploymentCircuitBreaker={enable=true,rollback=true}'",
     ("cloud-rollback", "rollback")),
    (COMMAND, "heroku releases:rollback v102 -a shop", ("paas-rollback", "rollback")),
    (IMAGE, "semgrep/semgrep", ("semgrep", "sast")),
    (GITLAB_TEMPLATE, "Jobs/SAST.gitlab-ci.yml", ("gitlab-sast", "sast")),
    (GITLAB_COMPONENT, "$CI_SERVER_FQDN/components/sast/sast", ("gitlab-sast", "sast")),
    (PRECOMMIT, "https://github.com/PyCQA/bandit", ("bandit", "sast")),
    (PRECOMMIT, "gitleaks", ("gitleaks", "secrets")),
])
def test_recognised(kind: str, value: str, expected: tuple[str, str]) -> None:
    found = categories(kind, value)
    assert any(category == expected[1] for _, category in found), found
    assert expected[0] in {tool for tool, _ in found} or not expected[0], found


@pytest.mark.parametrize(("kind", "value"), [
    (COMMAND, "npm install"),
    (COMMAND, "pip install bandit semgrep"),
    (COMMAND, "mvn -B -DskipTests package"),
    (COMMAND, "echo 'run the tests later'"),
    (COMMAND, "cat semgrep.yml"),
    (COMMAND, "helm history api"),
    (COMMAND, "kubectl rollout status deployment/api"),
    (ACTION, "sigstore/cosign-installer"),
    (ACTION, "actions/checkout"),
    (ACTION, "actions/setup-python"),
])
def test_not_recognised(kind: str, value: str) -> None:
    assert categories(kind, value) == set()


def test_the_catalogue_reads_the_first_characters_of_a_command_line() -> None:
    padding = "echo " + "a" * MAX_COMMAND
    assert ("semgrep", "sast") in categories(COMMAND, "semgrep scan && " + padding)
    assert categories(COMMAND, padding + " && semgrep scan") == set()


def test_a_command_line_of_two_megabytes_is_matched_without_stalling() -> None:
    started = time.monotonic()
    for line in ("echo " + "a" * 2_000_000, "run " + "-" * 2_000_000):
        assert categories(COMMAND, line) == set()
    assert time.monotonic() - started < 20  # a bound against a hang: it took 100 s


def test_action_inputs_choose_the_category() -> None:
    assert ("trivy", "container_scan") in categories(ACTION, "aquasecurity/trivy-action")
    assert ("trivy", "sca") in categories(ACTION, "aquasecurity/trivy-action",
                                          **{"scan-type": "fs"})
    assert ("trivy", "iac_scan") in categories(ACTION, "aquasecurity/trivy-action",
                                               **{"scan-type": "config"})


def test_every_category_is_described_and_used() -> None:
    used = {m.category for m in CATALOGUE.matchers}
    assert used == set(CATALOGUE.categories)
    assert len(CATALOGUE.tools) > 100


def test_a_broken_catalogue_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "tools.yaml"
    path.write_text("categories: {sast: x}\ntools:\n  - id: t\n    name: T\n"
                    "    match:\n      - {category: sast, command: '(unclosed'}\n")
    load_catalogue.cache_clear()
    try:
        with pytest.raises(FileProblem, match=r"tool 't'.*not a valid regular expression"):
            load_catalogue(path)
    finally:
        load_catalogue.cache_clear()


def test_the_kept_catalogue_reads_back_as_checked() -> None:
    checked = tools._checked(tools.catalogue_path())
    kept = tools._catalogue_from_json(json.loads(json.dumps(tools._catalogue_json(checked))))
    assert kept == checked  # every matcher, field by field
    assert kept.tools == checked.tools and kept.categories == checked.categories
    assert any(m.backtracking for m in kept.matchers) and any(m.inputs for m in kept.matchers)


def test_the_built_in_catalogue_is_checked_once_and_then_read_from_the_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tools, "cache_folder", lambda: tmp_path)
    first = tools.load_catalogue.__wrapped__()
    [entry] = tmp_path.glob("*.json")
    entry.write_text(entry.read_text().replace('"CodeQL"', '"CodeQL, from the entry"'))
    assert tools.load_catalogue.__wrapped__().tools["codeql"].name == "CodeQL, from the entry"
    # Checking code that changed since (or another RE2 build, or Python) checks anew.
    monkeypatch.setattr(tools, "_checking_code", lambda: [b"other checking code"])
    assert tools.load_catalogue.__wrapped__() == first
    assert tools.load_catalogue.__wrapped__().tools["codeql"].name == "CodeQL"


@pytest.mark.parametrize("damage", [
    '{"categories": {}, "tools": [], "matchers": [["too", "short"]]}',
    '{"categories": ["a list"], "tools": [], "matchers": []}',
    '{"categories": {}, "tools": [["one"]], "matchers": []}',
    '{"categories": {}, "tools": [], "matchers": [["t", "c", "command", "x", [], null, "true", '
    'false, [], ["not a number"]]]}',
    '[]',
])
def test_a_damaged_kept_catalogue_is_checked_anew(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    monkeypatch.setattr(tools, "cache_folder", lambda: tmp_path)
    first = tools.load_catalogue.__wrapped__()
    [entry] = tmp_path.glob("*.json")
    entry.write_text(damage)
    assert tools.load_catalogue.__wrapped__() == first
