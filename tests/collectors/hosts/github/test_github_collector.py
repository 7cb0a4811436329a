"""The GitHub collector against a real HTTP stand-in for the GitHub API (tests/fakes)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from scanner.collectors.base import Collected, CollectSettings
from scanner.collectors.hosts.github.collector import GitHubCollector
from scanner.memory import NO_MEMORY, Memory

from fakes.github_api import FakeGitHub
from git_hosts import by_signal, collect_target

TOKEN = "ghp_collector_test_token_0123456789"
NOW = datetime.now(UTC).replace(microsecond=0)
DEFAULTS = CollectSettings()
# The memory below whole-repository reuse: ETags and files at an unmoved head.
NO_REUSE = CollectSettings(reuse_days=0)

WORKFLOW = """\
on: [pull_request]
jobs:
  test:
    steps:
      - run: pytest --cov
      - uses: github/codeql-action/analyze@v3
"""


def ago(days: float, hours: float = 0) -> datetime:
    return NOW - timedelta(days=days, hours=hours)


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub(TOKEN) as server:
        yield server


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)


def collect(fake: FakeGitHub, memory: Memory = NO_MEMORY,
            settings: CollectSettings = DEFAULTS, **entry: Any) -> Collected:
    owner = {"org": "acme"} if "repos" not in entry else {}
    return collect_target(GitHubCollector, {"base_url": fake.base_url, **owner, **entry},
                          settings, memory)


def entity(fake: FakeGitHub, name: str) -> str:
    return f"repo:127.0.0.1/{name}"


def api_repo(fake: FakeGitHub) -> None:
    fake.add_repo(
        "acme", "api",
        {".github/workflows/ci.yml": WORKFLOW, "Dockerfile": "FROM python:3.12\n",
         "app.py": "print(1)\n"},
        branch_protection=[{"pattern": "main", "requiresApprovingReviews": True,
                            "requiredApprovingReviewCount": 1, "requiresStatusChecks": True,
                            "requiredStatusCheckContexts": ["test", "CodeQL"],
                            "allowsForcePushes": False}],
        pulls=[{"number": 1, "merged_at": ago(10), "author": "ana", "approvers": ["bo"],
                "first_commit_at": ago(11), "merge_sha": "a" * 40},
               {"number": 2, "merged_at": ago(5), "author": "bo", "approvers": ["bo"],
                "first_commit_at": ago(5, 3), "merge_sha": "b" * 40}],
        deployments=[{"environment": "production", "created_at": ago(10, -2), "state": "SUCCESS",
                      "status_at": ago(10, -3), "sha": "a" * 40},
                     {"environment": "production", "created_at": ago(4), "state": "FAILURE",
                      "status_at": ago(4), "sha": "b" * 40},
                     {"environment": "production", "created_at": ago(3), "state": "SUCCESS",
                      "status_at": ago(3), "sha": "b" * 40},
                     {"environment": "staging", "created_at": ago(2), "state": "SUCCESS",
                      "status_at": ago(2), "sha": "b" * 40}],
        releases=[{"tag": "v1.0.0", "published_at": ago(6),
                   "assets": ["api.tar.gz", "api.tar.gz.sig", "api.intoto.jsonl"]}],
        issues=[{"number": 7, "created_at": ago(20), "closed_at": ago(19), "labels": ["bug"]}],
        dependabot_alerts=[{"created_at": ago(40), "fixed_at": ago(35), "severity": "critical"},
                           {"created_at": ago(30), "severity": "high"}],
        code_scanning=[{"tool": "CodeQL", "analysis_key": "dynamic/github-code-scanning/codeql",
                        "created_at": ago(1)}],
        code_scanning_alerts=[],
        secret_scanning=None,
    )


def test_an_organisation_is_read_without_cloning(fake: FakeGitHub) -> None:
    api_repo(fake)
    fake.add_repo("acme", "old", {"README.md": "x"}, archived=True)
    fake.add_repo("acme", "fork-of-x", {"README.md": "x"}, fork=True)
    fake.add_repo("acme", "docs", {"README.md": "# docs\n"}, dependabot_alerts=None)
    collected = collect(fake)
    assert sorted(e for e in collected.entities if e.startswith("repo:")) == [
        entity(fake, "acme/api"), entity(fake, "acme/docs")]
    api = by_signal(collected, entity(fake, "acme/api"))
    # files, read from the tarball by the same analysis as a clone
    assert api["ci.sast.tools"].value == ["codeql"]
    assert api["ci.sast.tools"].locators == (".github/workflows/ci.yml:6",)
    assert api["service.artifacts"].value == ["container"]
    # the host's side
    assert api["host.branch_protected"].value is True
    assert api["host.required_approvals"].value == 1
    assert api["host.required_security_checks"].value is True
    assert api["host.review_share"].value == 0.5  # pull 2 approved only by its author
    assert api["host.release_evidence"].value == ["signature", "provenance"]
    assert api["host.code_scanning.tools"].value == ["CodeQL (default setup)"]
    assert api["host.open_critical_alerts"].value == 1
    assert "host.secret_scanning_enabled" not in api  # disabled: no evidence, a note
    assert api["dora.source"].value == "deployments"
    assert api["dora.deployments"].value == 2  # staging does not count
    assert api["dora.change_failure_rate"].value == pytest.approx(1 / 3, abs=0.01)
    assert api["dora.time_to_restore_hours"].value == 24.0  # failed, then fixed a day later
    docs = by_signal(collected, entity(fake, "acme/docs"))
    assert "host.open_critical_alerts" not in docs  # no kind of alert was readable
    assert docs["host.changes_merged"].value == 0
    notes = [p.message for p in collected.problems if p.target == entity(fake, "acme/docs")]
    assert any("vulnerabilityAlerts" in n for n in notes)
    assert not [p for p in collected.problems if p.severity == "error"]


def test_no_deployments_means_deploy_runs_stand_in(fake: FakeGitHub) -> None:
    fake.add_repo("acme", "web", {"index.js": "x"}, workflow_runs=[
        {"name": "Deploy", "path": ".github/workflows/deploy.yml", "event": "push",
         "status": "completed", "conclusion": "success", "head_branch": "main",
         "head_sha": "c" * 40, "created_at": ago(d), "updated_at": ago(d)} for d in (1, 8, 15)])
    web = by_signal(collect(fake), entity(fake, "acme/web"))
    assert web["dora.source"].value == "workflow_runs"
    assert web["dora.deployments"].value == 3


def test_a_monorepo_gets_dora_metrics_per_service(fake: FakeGitHub) -> None:
    def deploy(environment: str, days: float, state: str = "SUCCESS") -> dict[str, Any]:
        return {"environment": environment, "created_at": ago(days), "state": state,
                "status_at": ago(days, -1)}

    fake.add_repo("acme", "shop", {
        "services/checkout/Dockerfile": "FROM python:3.12\n",
        "services/checkout/app.py": "print(1)\n",
        "services/cart/Dockerfile": "FROM node:22\n",
        "services/cart/index.js": "x\n"},
        deployments=[deploy("production-checkout", 9), deploy("production-checkout", 2),
                     deploy("prod-cart", 5, "FAILURE"), deploy("prod-cart", 4),
                     deploy("production-cartography", 3)])
    collected = collect(fake)
    repo = by_signal(collected, entity(fake, "acme/shop"))
    assert repo["dora.deployments"].value == 4  # every production deployment of the repository
    checkout = by_signal(collected, "service:127.0.0.1/acme/shop/services/checkout")
    assert checkout["dora.deployments"].value == 2
    assert "names 'checkout'" in str(checkout["dora.source"].note)
    cart = by_signal(collected, "service:127.0.0.1/acme/shop/services/cart")
    assert cart["dora.deployments"].value == 1  # not the cartography one
    assert cart["dora.change_failure_rate"].value == 0.5
    assert cart["dora.time_to_restore_hours"].value == 24.0
    names = sorted(t.entity for t in collected.timeline)
    assert names == ["repo:127.0.0.1/acme/shop", "service:127.0.0.1/acme/shop/services/cart",
                     "service:127.0.0.1/acme/shop/services/checkout"]


def test_without_reuse_a_warm_scan_costs_one_counted_request_per_unchanged_repository(
        fake: FakeGitHub) -> None:
    api_repo(fake)
    fake.add_repo("acme", "docs", {"README.md": "# docs\n"})
    cold = collect(fake)
    cold_requests = fake.count()
    assert cold_requests / 2 <= 8
    fake.clear_log()
    warm = collect(fake, memory=cold.memory, settings=NO_REUSE)
    assert fake.count_for("acme/api") <= 1 and fake.count_for("acme/docs") <= 1
    assert not [r for r in fake.requests if "tarball" in r.path]
    assert {(e.entity, e.signal, str(e.value)) for e in warm.evidence} == \
        {(e.entity, e.signal, str(e.value)) for e in cold.evidence}


def test_rate_limits_and_transient_failures_are_waited_out(fake: FakeGitHub) -> None:
    api_repo(fake)
    fake.fail_too_many_requests("/orgs/acme/repos", retry_after=1)
    fake.fail_server_error("/repos/acme/api/code-scanning", status=502)
    fake.fail_secondary_rate_limit("/repos/acme/api/secret-scanning", retry_after=1)
    fake.drop_connection("/repos/acme/api/tarball")
    collected = collect(fake)
    assert not [p for p in collected.problems if p.severity == "error"]
    assert by_signal(collected, entity(fake, "acme/api"))["ci.sast.tools"].value == ["codeql"]
    assert fake.pending_faults() == 0


def test_the_primary_rate_limit_is_waited_for_until_its_reset(fake: FakeGitHub) -> None:
    api_repo(fake)
    fake.set_rate_limit("core", remaining=2, reset_in=2)
    collected = collect(fake)
    assert not [p for p in collected.problems if p.severity == "error"]
    assert by_signal(collected, entity(fake, "acme/api"))["host.code_scanning.tools"].value


def test_enterprise_server_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeGitHub(TOKEN, enterprise=True) as server:
        api_repo(server)
        collected = collect(server)
        api = by_signal(collected, entity(server, "acme/api"))
        assert api["ci.sast.tools"].value == ["codeql"]  # the tarball from /_codeload/
        assert api["host.branch_protected"].value is True


def test_bad_token_unknown_organisation_and_a_repository_gone_mid_scan(
        fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> None:
    api_repo(fake)
    fake.add_repo("acme", "docs", {"README.md": "x"})
    fake.fail_next("/repos/acme/docs/tarball", 404, body={"message": "Not Found"})
    partial = collect(fake)
    errors = [p for p in partial.problems if p.severity == "error"]
    assert [p.target for p in errors] == [entity(fake, "acme/docs")]
    assert entity(fake, "acme/api") in partial.entities
    missing = collect(fake, org="nobody")
    assert next(p.message for p in missing.problems).startswith(
        "organisation 'nobody' cannot be listed on 127.0.0.1 (HTTP 404")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_expired")
    refused = collect(fake)
    assert refused.problems[0].message.startswith("the token was refused (HTTP 401")
    monkeypatch.delenv("GITHUB_TOKEN")
    unset = collect(fake)
    assert "environment variable GITHUB_TOKEN is not set" in unset.problems[0].message
    for result in (partial, missing, refused, unset):
        assert TOKEN not in repr(result) and "ghp_expired" not in repr(result)


def test_large_organisations_are_listed_page_by_page_and_filtered(fake: FakeGitHub) -> None:
    for index in range(230):
        fake.add_repo("acme", f"svc-{index:03d}", {"README.md": "x"},
                      topics=["payments"] if index % 100 == 0 else [])
    collected = collect(fake, include=["svc-*"], exclude=["svc-1*"], topics=["payments"])
    assert sorted(e for e in collected.entities if e.startswith("repo:")) == [
        entity(fake, "acme/svc-000"), entity(fake, "acme/svc-200")]
    listing = [r for r in fake.requests if "repos" in r.path and r.path.endswith("/repos")]
    assert len(listing) == 3  # 230 repositories, 100 a page


CALLER = """\
on: [pull_request, push]
jobs:
  checks:
    uses: acme/shared/.github/workflows/checks.yml@v1
    with: {strict: true}
"""
CALLED = """\
on:
  workflow_call:
    inputs:
      strict: {type: boolean}
jobs:
  static:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: semgrep ci --config p/default
  unit:
    runs-on: ubuntu-latest
    steps:
      - run: pytest -q
"""


def test_a_workflow_called_from_another_repository_is_read_through_the_api(
        fake: FakeGitHub) -> None:
    """An organisation's shared workflow (not a catalogued tool, its name says nothing) is
    read with the contents API: its tools count, cited by URL, with the caller's
    triggers; nothing is unknown because of it."""
    fake.add_repo("acme", "api", {".github/workflows/ci.yml": CALLER, "app.py": "x = 1\n"})
    fake.add_repo("acme", "shared", {".github/workflows/checks.yml": CALLED},
                  releases=[{"tag": "v1", "published_at": ago(30)}])
    collected = collect(fake, repos=["acme/api"])
    found = by_signal(collected, entity(fake, "acme/api"))
    assert found["ci.sast.tools"].value == ["semgrep"]
    assert found["ci.sast.tools"].locator == \
        "https://github.com/acme/shared/blob/v1/.github/workflows/checks.yml#L10"
    assert found["ci.sast.before_merge"].value is True  # the caller runs on pull requests
    assert found["ci.tests.tools"].value == ["pytest"]
    assert found["ci.dast.tools"].value == []  # the called workflow was read: no gap
    assert not [p for p in collected.problems if "incomplete" in p.message]


def test_a_called_workflow_that_cannot_be_read_is_judged_as_unknown(fake: FakeGitHub) -> None:
    fake.add_repo("acme", "api", {".github/workflows/ci.yml": CALLER, "app.py": "x = 1\n"})
    collected = collect(fake, repos=["acme/api"])  # acme/shared does not exist
    found = by_signal(collected, entity(fake, "acme/api"))
    assert "ci.sast.tools" not in found  # anything could run there
    assert any("acme/shared/.github/workflows/checks.yml" in p.message
               for p in collected.problems)
