"""A repository's records are read over the whole window, page by page, on both hosts.

The busy service below deploys to production four times a day for 89 days and
makes three preview deployments a day besides: more than six hundred deployments,
many pages. Read from the newest page alone it looked like a service deploying on
one day a week; read over the window it deploys every day, and its deployment
strategy reaches the stage its frequency earns. Both hosts are read over real HTTP
from the stand-ins in tests/fakes, which page as GitHub and GitLab do.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scanner.collectors.base import Collected
from scanner.collectors.hosts.github.collector import GitHubCollector
from scanner.collectors.hosts.gitlab.collector import GitLabCollector

from fakes.github_api import FakeGitHub
from fakes.gitlab_api import FakeGitLab
from git_hosts import by_signal, collect_target

TOKEN = "test-token-for-windowed-records"
# The last noon (UTC) before now: a day's deployments, 0.5 to 6.5 hours before it, then
# fall on one calendar day whatever the time the tests run (near midnight they spanned two).
NOW = (datetime.now(UTC) - timedelta(hours=12)).replace(hour=12, minute=0, second=0,
                                                       microsecond=0)
DAYS = 89
PRODUCTION_A_DAY = 4
PREVIEWS_A_DAY = 3
Cli = Callable[..., Any]

GITHUB_WORKFLOW = """\
on: {push: {branches: [main]}, pull_request: {}}
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: pytest
  deploy:
    if: github.ref == 'refs/heads/main'
    environment: production
    runs-on: ubuntu-latest
    steps:
      - run: helm upgrade --install shop ./chart
"""
GITLAB_PIPELINE = """\
stages: [test, deploy]
test:
  stage: test
  script: pytest
deploy:
  stage: deploy
  environment: production
  script: helm upgrade --install shop ./chart
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
"""
# Feature flags in the service's code: the modern strategy the Advanced and Expert cells
# ask for besides the frequency, so that the frequency alone decides the stage.
SOURCE = "const flags = require('launchdarkly-node-server-sdk');\n"
PACKAGE = json.dumps({"name": "shop", "dependencies": {"launchdarkly-node-server-sdk": "7.0.0"}})


def ago(days: float, hours: float = 0) -> datetime:
    return NOW - timedelta(days=days, hours=hours)


def busy_days() -> Iterator[tuple[int, float]]:
    """(day, hour) of each production deployment: four a day, the last 89 days."""
    for day in range(DAYS):
        for hour in (0.5, 2.5, 4.5, 6.5):
            yield day, hour


def preview_days() -> Iterator[tuple[int, float]]:
    for day in range(DAYS):
        for hour in (1, 3, 5):
            yield day, hour


@pytest.fixture(autouse=True)
def tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)


def notes(collected: Collected, entity: str) -> list[str]:
    return [p.message for p in collected.problems if p.target == entity]


# --- GitHub ------------------------------------------------------------------------------------


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(TOKEN) as server:
        yield server
        assert server.server_errors == []


def busy_github_repo(fake: FakeGitHub, **extra: Any) -> None:
    deployments = [{"environment": "production", "created_at": ago(day, hour), "state": "SUCCESS"}
                   for day, hour in busy_days()]
    deployments += [{"environment": "preview", "created_at": ago(day, hour), "state": "SUCCESS"}
                    for day, hour in preview_days()]
    fake.add_repo("acme", "shop", {".github/workflows/ci.yml": GITHUB_WORKFLOW,
                                   "Dockerfile": "FROM node:22\n", "package.json": PACKAGE,
                                   "src/index.js": SOURCE},
                  deployments=deployments, code_scanning=[], secret_scanning=[], **extra)


def collect_github(fake: FakeGitHub, **entry: Any) -> Collected:
    return collect_target(GitHubCollector, {"org": "acme", "base_url": fake.base_url, **entry})


def test_github_production_deployments_are_read_over_the_whole_window(
        github: FakeGitHub) -> None:
    busy_github_repo(github)
    collected = collect_github(github)
    found = by_signal(collected, "repo:127.0.0.1/acme/shop")
    assert found["dora.deployments"].value == DAYS * PRODUCTION_A_DAY
    days_per_week = found["dora.deployment_days_per_week"].value
    assert isinstance(days_per_week, float) and 6.8 <= days_per_week <= 7.0
    assert found["dora.deployment_days_per_week"].note is None  # the whole window was read
    # one page of every environment, then the production one alone: 356 in 4 pages
    queries = [r for r in github.requests if r.path == "/graphql"]
    assert len(queries) == 1 + 4
    assert not [m for m in notes(collected, "repo:127.0.0.1/acme/shop") if "read back" in m]


def test_github_budget_limited_reading_counts_over_the_span_read_and_says_so(
        github: FakeGitHub) -> None:
    busy_github_repo(github)
    collected = collect_github(github, request_budget=2)
    entity = "repo:127.0.0.1/acme/shop"
    found = by_signal(collected, entity)
    frequency = found["dora.deployment_days_per_week"]
    # the first query, then one page of production deployments: 100 of them, 25 days
    assert [r.path for r in github.requests].count("/graphql") == 2
    assert isinstance(frequency.value, float) and 6.5 <= frequency.value <= 7.3
    assert frequency.note is not None
    span = re.search(r"counted over the (\d+) days back to (\d{4}-\d{2}-\d{2}) only, not the "
                     r"whole 90", frequency.note)
    assert span is not None and 24 <= int(span.group(1)) <= 26, frequency.note
    assert found["dora.deployments"].value == 100
    assert any(m.startswith("deployments read back to ") and "request_budget" in m
               for m in notes(collected, entity))


def test_github_pull_requests_releases_and_issues_beyond_one_page_all_count(
        github: FakeGitHub) -> None:
    github.add_repo(
        "acme", "busy", {"README.md": "# busy\n"},
        pulls=[{"number": n, "merged_at": ago(n * 0.5), "author": "ana", "approvers": ["bo"]}
               for n in range(1, 151)],
        releases=[{"tag": f"v1.{n}", "published_at": ago(n * 0.7)} for n in range(120)],
        issues=[{"number": n, "created_at": ago(n * 0.6, 1), "closed_at": ago(n * 0.6),
                 "labels": ["incident"]} for n in range(1, 131)],
        code_scanning=[], secret_scanning=[])
    found = by_signal(collect_github(github), "repo:127.0.0.1/acme/busy")
    assert found["host.changes_merged"].value == 150
    assert found["host.releases"].value == 120
    assert found["host.incidents"].value == 130
    assert found["host.review_share"].value == 1.0


def test_github_deploy_runs_standing_in_for_deployments_are_read_over_the_window(
        github: FakeGitHub) -> None:
    runs = [{"name": "Deploy", "path": ".github/workflows/deploy.yml", "head_branch": "main",
             "created_at": ago(day, hour)} for day, hour in busy_days()]
    github.add_repo("acme", "runs", {"README.md": "x"}, workflow_runs=runs,
                    code_scanning=[], secret_scanning=[])
    found = by_signal(collect_github(github), "repo:127.0.0.1/acme/runs")
    assert found["dora.source"].value == "workflow_runs"
    assert found["dora.deployments"].value == DAYS * PRODUCTION_A_DAY


# --- GitLab ------------------------------------------------------------------------------------


@pytest.fixture
def gitlab() -> Iterator[FakeGitLab]:
    with FakeGitLab(TOKEN) as server:
        yield server
        assert server.server_errors == []


def busy_gitlab_project(fake: FakeGitLab, **extra: Any) -> None:
    deployments = [{"environment": "production", "created_at": ago(day, hour)}
                   for day, hour in busy_days()]
    deployments += [{"environment": "review/checkout", "created_at": ago(day, hour)}
                    for day, hour in preview_days()]
    fake.add_project("platform/shop", {".gitlab-ci.yml": GITLAB_PIPELINE,
                                       "Dockerfile": "FROM node:22\n", "package.json": PACKAGE,
                                       "src/index.js": SOURCE},
                     tier="premium", deployments=deployments,
                     last_activity_at=ago(1), **extra)


def collect_gitlab(fake: FakeGitLab, **entry: Any) -> Collected:
    return collect_target(GitLabCollector, {"group": "platform", "url": fake.base_url, **entry})


def test_gitlab_production_deployments_are_read_over_the_whole_window(
        gitlab: FakeGitLab) -> None:
    busy_gitlab_project(gitlab)
    collected = collect_gitlab(gitlab)
    found = by_signal(collected, "repo:127.0.0.1/platform/shop")
    assert found["dora.deployments"].value == DAYS * PRODUCTION_A_DAY
    days_per_week = found["dora.deployment_days_per_week"].value
    assert isinstance(days_per_week, float) and 6.8 <= days_per_week <= 7.0
    assert found["dora.deployment_days_per_week"].note is None
    listings = [r for r in gitlab.requests if r.path.endswith("/deployments")]
    assert len(listings) == 1 + 4  # every environment's first page, then production's four


def test_gitlab_budget_limited_reading_counts_over_the_span_read_and_says_so(
        gitlab: FakeGitLab) -> None:
    busy_gitlab_project(gitlab)
    collected = collect_gitlab(gitlab, request_budget=3)
    entity = "repo:127.0.0.1/platform/shop"
    frequency = by_signal(collected, entity)["dora.deployment_days_per_week"]
    assert isinstance(frequency.value, float) and 6.5 <= frequency.value <= 7.3
    assert frequency.note is not None
    span = re.search(r"counted over the (\d+) days back to", frequency.note)
    assert span is not None and 24 <= int(span.group(1)) <= 26, frequency.note
    assert any(m.startswith("deployments read back to ") for m in notes(collected, entity))


def test_gitlab_deployments_the_budget_left_no_request_for_are_no_evidence(
        gitlab: FakeGitLab) -> None:
    busy_gitlab_project(gitlab)
    collected = collect_gitlab(gitlab, request_budget=1)  # the whole query only
    entity = "repo:127.0.0.1/platform/shop"
    found = by_signal(collected, entity)
    assert "dora.deployment_days_per_week" not in found and "dora.source" not in found
    assert "deployments not read: the request budget ran out first (raise request_budget)" \
        in notes(collected, entity)
    assert not [r for r in gitlab.requests if r.path.endswith(("/deployments", "/jobs"))]


def test_gitlab_merge_requests_releases_and_issues_beyond_one_page_all_count(
        gitlab: FakeGitLab) -> None:
    gitlab.add_project(
        "platform/busy", {"README.md": "# busy\n"}, tier="premium",
        merge_requests=[{"iid": n, "merged_at": ago(n * 0.5), "author": "ana",
                         "approvers": ["bo"]} for n in range(1, 151)],
        releases=[{"tag": f"v1.{n}", "released_at": ago(n * 0.7)} for n in range(120)],
        issues=[{"iid": n, "created_at": ago(n * 0.6, 1), "closed_at": ago(n * 0.6),
                 "type": "INCIDENT"} for n in range(1, 131)],
        last_activity_at=ago(1))
    found = by_signal(collect_gitlab(gitlab), "repo:127.0.0.1/platform/busy")
    assert found["host.changes_merged"].value == 150
    assert found["host.releases"].value == 120
    assert found["host.incidents"].value == 130


# --- the stage the frequency earns, end to end -----------------------------------------------


def strategy(document: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """Deployment strategy's stage, and the outcome of each of its rules."""
    found = next(s for c in document["competencies"] for s in c["subcompetencies"]
                 if s["id"] == "deployment_strategy")
    outcomes = {rule["id"]: rule["outcome"] for cell in found["cells"] for rule in cell["rules"]}
    return found["stage"], outcomes


def test_the_frequency_earns_expert_deployment_strategy_on_both_hosts(
        cli: Cli, github: FakeGitHub, gitlab: FakeGitLab, tmp_path: Path) -> None:
    busy_github_repo(github)
    busy_gitlab_project(gitlab)
    targets = {"github": f"github:\n    - org: acme\n      base_url: {github.base_url}\n",
               "gitlab": f"gitlab:\n    - group: platform\n      url: {gitlab.base_url}\n"}
    for host, target in targets.items():
        config = tmp_path / f"{host}.yaml"
        config.write_text(f"targets:\n  {target}")
        result = cli("scan", "--config", str(config), "--format", "json", "--no-store",
                     env={"GITHUB_TOKEN": TOKEN, "GITLAB_TOKEN": TOKEN})
        assert result.code == 0, result.err
        stage, outcomes = strategy(json.loads(result.out))
        assert outcomes["release_deploy.deployment_strategy.daily-deployments"] == "pass", host
        assert stage == "expert", (host, outcomes)
