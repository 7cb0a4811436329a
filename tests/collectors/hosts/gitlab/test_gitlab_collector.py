"""The GitLab collector against a real HTTP stand-in for the GitLab API (tests/fakes)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scanner import validate as v
from scanner.collectors.base import Collected, CollectSettings
from scanner.collectors.hosts.gitlab.collector import GitLabCollector
from scanner.errors import FileProblem
from scanner.memory import NO_MEMORY, Memory

from fakes.gitlab_api import FakeGitLab
from git_hosts import by_signal, collect_target

TOKEN = "glpat-collector-test-token-0123456789"
NOW = datetime.now(UTC).replace(microsecond=0)
DEFAULTS = CollectSettings()
# The memory below whole-repository reuse: ETags and files at an unmoved head.
NO_REUSE = CollectSettings(reuse_days=0)

PIPELINE = """\
include:
  - template: Security/SAST.gitlab-ci.yml
stages: [test, deploy]
test:
  stage: test
  script: pytest --cov
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
deploy:
  stage: deploy
  environment: production
  script: helm upgrade --install api ./chart
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
"""


def ago(days: float, hours: float = 0) -> datetime:
    return NOW - timedelta(days=days, hours=hours)


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    with FakeGitLab(TOKEN) as server:
        yield server
        assert server.server_errors == []


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)


def collect(fake: FakeGitLab, memory: Memory = NO_MEMORY,
            settings: CollectSettings = DEFAULTS, **entry: Any) -> Collected:
    owner = {"group": "platform"} if "projects" not in entry else {}
    return collect_target(GitLabCollector, {"url": fake.base_url, **owner, **entry},
                          settings, memory)


def entity(name: str) -> str:
    return f"repo:127.0.0.1/{name}"


def notes(collected: Collected, name: str) -> list[str]:
    return [p.message for p in collected.problems if p.target == entity(name)]


def errors(collected: Collected) -> list[str]:
    return [p.line() for p in collected.problems if p.severity == "error"]


def api_project(fake: FakeGitLab, full_path: str = "platform/api", **extra: Any) -> None:
    options: dict[str, Any] = {
        "tier": "premium", "only_allow_merge_if_pipeline_succeeds": True,
        "protected_branches": [{"name": "main", "push_access_level": 0,
                                "allow_force_push": False}],
        "approval_rules": [{"name": "reviewers", "approvals_required": 1},
                           {"name": "security", "approvals_required": 2,
                            "rule_type": "report_approver"}],
        "merge_requests": [{"iid": 1, "merged_at": ago(10), "author": "ana", "approvers": ["bo"],
                            "commits": [ago(11), ago(10, 5)], "merge_sha": "a" * 40},
                           {"iid": 2, "merged_at": ago(5), "author": "bo",
                            "approvers": ["bo", "project_42_bot"], "merge_sha": "b" * 40}],
        "deployments": [
            {"environment": "production", "created_at": ago(10, -2), "sha": "a" * 40},
            {"environment": "production", "created_at": ago(4), "status": "failed",
             "sha": "b" * 40},
            {"environment": "production", "created_at": ago(3), "sha": "b" * 40},
            {"environment": "staging", "created_at": ago(2), "sha": "b" * 40}],
        "releases": [{"tag": "v1.0.0", "released_at": ago(6),
                      "assets": ["api.tar.gz", "api.tar.gz.sig", "api.intoto.jsonl"]}],
        "issues": [{"iid": 7, "created_at": ago(20), "closed_at": ago(19), "labels": ["bug"]},
                   {"iid": 8, "created_at": ago(3, -1), "closed_at": ago(3, -3),
                    "type": "INCIDENT"}],
        "scanners": ["SAST", "SECRET_DETECTION"],
        **extra}
    fake.add_project(full_path, {".gitlab-ci.yml": PIPELINE, "Dockerfile": "FROM python:3.12\n",
                                 "app.py": "print(1)\n"}, **options)


def test_a_group_is_read_without_cloning_subgroups_included(fake: FakeGitLab) -> None:
    api_project(fake)
    fake.add_project("platform/team/web", {"index.js": "x\n"}, tier="free")
    fake.add_project("platform/old", {"README.md": "x"}, archived=True)
    fake.add_project("platform/fork-of-x", {"README.md": "x"}, forked_from="elsewhere/x")
    fake.add_project("elsewhere/x", {"README.md": "x"})
    collected = collect(fake)
    assert sorted(e for e in collected.entities if e.startswith("repo:")) == [
        entity("platform/api"), entity("platform/team/web")]
    assert errors(collected) == []
    api = by_signal(collected, entity("platform/api"))
    # files, read from the archive by the same analysis as a clone
    assert api["ci.sast.tools"].value == ["gitlab-sast"]
    assert api["ci.sast.tools"].locators[0].startswith(".gitlab-ci.yml:")
    assert api["service.artifacts"].value == ["container"]
    # the host's side
    assert api["host.branch_protected"].value is True
    assert api["host.force_push_blocked"].value is True
    assert api["host.required_approvals"].value == 1  # the security approval is conditional
    assert api["host.required_checks"].value == ["pipeline", "pipeline: sast (gitlab-sast)"]
    assert api["host.required_security_checks"].value is True
    assert api["host.review_share"].value == 0.5  # !2 approved only by its author and a bot
    assert api["host.release_evidence"].value == ["signature", "provenance"]
    assert api["host.code_scanning_enabled"].value is True
    assert api["host.dependency_alerts_enabled"].value is False
    assert api["host.code_scanning.tools"].value == ["GitLab SAST"]
    assert "host.open_critical_alerts" not in api  # Premium: vulnerabilities are not readable
    assert api["host.incidents"].value == 1  # an issue of type INCIDENT
    assert api["dora.source"].value == "deployments"
    assert api["dora.deployments"].value == 2  # staging does not count
    assert api["dora.change_failure_rate"].value == pytest.approx(2 / 3, abs=0.01)
    assert api["dora.lead_time_hours_p50"].value is not None
    assert any("Vulnerability Report needs GitLab Ultimate" in n
               for n in notes(collected, "platform/api"))
    assert any("DORA metrics not offered" in n for n in notes(collected, "platform/api"))
    web = by_signal(collected, entity("platform/team/web"))
    assert web["host.branch_protected"].value is False
    assert web["host.changes_merged"].value == 0
    assert any("approval rules not readable (HTTP 403" in n
               for n in notes(collected, "platform/team/web"))


def test_the_dora_api_is_preferred_when_it_answers(fake: FakeGitLab) -> None:
    api_project(fake, tier="ultimate", dora={"lead_time_for_changes": 5400.0,
                                             "change_failure_rate": 0.25},
                vulnerabilities=[{"report_type": "DEPENDENCY_SCANNING", "severity": "CRITICAL",
                                  "detected_at": ago(40), "resolved_at": ago(35)},
                                 {"report_type": "SAST", "severity": "HIGH",
                                  "detected_at": ago(60)},
                                 {"report_type": "SECRET_DETECTION", "severity": "CRITICAL",
                                  "detected_at": ago(2), "state": "DISMISSED"}])
    api = by_signal(collect(fake), entity("platform/api"))
    assert api["dora.lead_time_hours_p50"].value == 1.5
    assert "GitLab's DORA API" in str(api["dora.lead_time_hours_p50"].note)
    assert api["dora.change_failure_rate"].value == 0.25
    assert api["dora.deployments"].value == 2
    assert api["dora.source"].note == "deployments; numbers from GitLab's DORA API where it " \
                                      "has data"
    assert "dora.time_to_restore_hours" in api  # GitLab has no number: the computed one stays
    assert "DORA API" not in str(api["dora.time_to_restore_hours"].note)
    # Ultimate: the Vulnerability Report is readable
    assert api["host.open_critical_alerts"].value == 1  # the open SAST finding
    assert api["host.vulnerability_alerts_within_sla_share"].value == 0.5
    assert api["host.alert_fix_days_p50"].value == 5.0
    assert api["host.code_scanning.tools"].value == ["GitLab SAST", "Semgrep"]


def test_a_window_longer_than_the_dora_api_allows_is_computed(fake: FakeGitLab) -> None:
    api_project(fake, tier="ultimate", dora={"lead_time_for_changes": 5400.0})
    collected = collect(fake, window_days=365)
    api = by_signal(collected, entity("platform/api"))
    assert "DORA API" not in str(api["dora.lead_time_hours_p50"].note)
    assert any("cover at most 180 days" in n for n in notes(collected, "platform/api"))
    assert not [r for r in fake.requests if r.path.endswith("/dora/metrics")]
    assert not [e for e in collected.problems if "Date range" in e.message]


def test_more_than_a_hundred_projects_are_listed_over_several_pages(fake: FakeGitLab) -> None:
    for i in range(130):
        fake.add_project(f"platform/team{i % 3}/svc{i:03d}", {"README.md": "x"})
    collected = collect(fake, include=["svc000", "svc129"])
    assert sorted(e for e in collected.entities if e.startswith("repo:")) == [
        entity("platform/team0/svc000"), entity("platform/team0/svc129")]
    listing = [r for r in fake.requests if r.path == "/groups/platform/projects"]
    assert [r.status for r in listing] == [200, 200]
    fake.clear_log()
    fake.link_headers = False  # GitLab's X-Next-Page alone leads to the same pages
    again = collect(fake, include=["platform/*/svc12?"])
    assert len([e for e in again.entities if e.startswith("repo:")]) == 10
    assert len([r for r in fake.requests if r.path == "/groups/platform/projects"]) == 2


def test_without_reuse_a_warm_scan_costs_one_request_per_unchanged_project(
        fake: FakeGitLab) -> None:
    api_project(fake, tier="ultimate", dora={"lead_time_for_changes": 5400.0})
    fake.add_project("platform/docs", {"README.md": "# docs\n"}, tier="free")
    cold = collect(fake)
    assert errors(cold) == []
    assert fake.count_for("platform/api") == 5  # GraphQL (DORA too), archive, 3 REST lists
    # … approval rules refused, and no deployments: CI jobs asked instead
    assert fake.count_for("platform/docs") == 6
    fake.clear_log()
    warm = collect(fake, memory=cold.memory, settings=NO_REUSE)
    assert fake.count_for("platform/api") == 1 and fake.count_for("platform/docs") == 1
    assert [r.path for r in fake.requests if r.status != 304] == ["/graphql", "/graphql"]
    assert not [r for r in fake.requests if "archive" in r.path]
    # refusals are remembered, not asked again
    assert not [r for r in fake.requests if r.project == "platform/docs"
                and r.path.endswith("approval_rules")]
    assert {(e.entity, e.signal, str(e.value)) for e in warm.evidence} == \
        {(e.entity, e.signal, str(e.value)) for e in cold.evidence}
    fake.project("platform/api").files["SECURITY.md"] = "Report to security@example.com\n"
    fake.clear_log()
    moved = collect(fake, memory=warm.memory, settings=NO_REUSE)
    assert [r.path for r in fake.requests if r.project == "platform/api" and r.status != 304] \
        == ["/graphql", "/projects/platform/api/repository/archive.tar.gz"]
    assert by_signal(moved, entity("platform/api"))["repo.security_policy"].value is True


def test_rate_limits_and_transient_failures_are_waited_out(fake: FakeGitLab) -> None:
    api_project(fake)
    fake.fail_too_many_requests("/groups/platform/projects", retry_after=1)
    fake.fail_server_error("/graphql", status=500)
    fake.fail_server_error("/projects/platform/api/protected_branches", status=502)
    fake.fail_server_error("/projects/platform/api/deployments", status=503, times=2)
    fake.drop_connection("/projects/platform/api/repository/archive")
    collected = collect(fake)
    assert errors(collected) == []
    api = by_signal(collected, entity("platform/api"))
    assert api["ci.sast.tools"].value == ["gitlab-sast"]
    assert api["host.branch_protected"].value is True
    assert api["dora.deployments"].value == 2
    assert fake.pending_faults() == 0


def test_a_refused_feature_is_no_evidence_and_a_note_never_a_failure(fake: FakeGitLab) -> None:
    api_project(fake)
    fake.fail_next("/projects/platform/api/protected_branches", 403,
                   body={"message": "403 Forbidden"})
    fake.fail_next("/projects/platform/api/deployments", 404,
                   body={"message": "404 Not found"})
    collected = collect(fake)
    assert errors(collected) == []
    api = by_signal(collected, entity("platform/api"))
    assert "host.branch_protected" not in api and "host.required_checks" not in api
    assert "dora.deployments" not in api and "dora.source" not in api
    assert api["host.changes_merged"].value == 2  # the rest is read
    assert "protected branches not readable: HTTP 403: 403 Forbidden" in notes(
        collected, "platform/api")
    assert "deployments not readable: HTTP 404: 404 Not found" in notes(collected,
                                                                        "platform/api")
    fake.clear_log()
    collect(fake, memory=collected.memory)  # a refusal is remembered for a week
    assert not [r for r in fake.requests if r.path.endswith(("protected_branches",
                                                             "deployments"))]


def test_a_self_managed_instance_at_a_path_prefix() -> None:
    with FakeGitLab(TOKEN, prefix="/gitlab") as server:
        api_project(server)
        collected = collect(server, url=f"{server.base_url}/api/v4")  # an API URL, cut back
        assert errors(collected) == []
        api = by_signal(collected, entity("platform/api"))
        assert api["ci.sast.tools"].value == ["gitlab-sast"]
        assert api["host.branch_protected"].locators[0] == (
            f"{server.base_url}/platform/api/-/settings/repository"
            "#js-protected-branches-settings")
        assert all(r.status != 404 for r in server.requests)


def test_community_edition_is_read_without_the_enterprise_fields() -> None:
    with FakeGitLab(TOKEN, edition="ce") as server:
        api_project(server)
        server.add_project("platform/web", {"index.js": "x\n"})
        collected = collect(server)
        assert errors(collected) == []
        api = by_signal(collected, entity("platform/api"))
        assert api["host.branch_protected"].value is True
        assert api["host.required_approvals"].value == 0  # no approval rules in CE
        assert "host.code_scanning_enabled" not in api
        assert any("Community Edition" in n for n in notes(collected, "platform/api"))
        graphql = [r for r in server.requests if r.path == "/graphql"]
        assert len(graphql) <= 4  # at most one refused query per worker, then the CE query


def test_projects_by_name_and_the_filters(fake: FakeGitLab) -> None:
    api_project(fake)
    fake.add_project("platform/svc-a", {"a": "b"}, topics=["payments"])
    fake.add_project("platform/svc-b", {"a": "b"}, topics=["search"])
    fake.add_project("platform/sandbox-x", {"a": "b"}, topics=["payments"])
    fake.add_project("platform/archived", {"a": "b"}, archived=True, topics=["payments"])
    picked = collect(fake, projects=["platform/api", "platform/missing"])
    assert [p.target for p in picked.problems if p.severity == "error"] == [
        entity("platform/missing")]
    assert "404 Project Not Found" in errors(picked)[0]
    assert entity("platform/api") in picked.entities
    filtered = collect(fake, topics=["payments"], exclude=["sandbox-*"], archived=True)
    assert sorted(e for e in filtered.entities if e.startswith("repo:")) == [
        entity("platform/archived"), entity("platform/svc-a")]


def test_bad_token_unknown_group_and_a_project_gone_mid_scan(
        fake: FakeGitLab, monkeypatch: pytest.MonkeyPatch) -> None:
    api_project(fake)
    fake.add_project("platform/docs", {"README.md": "x"})
    fake.delete_when_read("platform/docs")
    partial = collect(fake)
    assert [p.target for p in partial.problems if p.severity == "error"] == [
        entity("platform/docs")]
    assert "the project is gone or hidden" in errors(partial)[0]
    assert entity("platform/api") in partial.entities
    missing = collect(fake, group="nobody")
    assert missing.problems[0].message.startswith(
        "group 'nobody' cannot be listed on 127.0.0.1 (HTTP 404: 404 Group Not Found)")
    monkeypatch.setenv("GITLAB_TOKEN", "glpat-expired")
    refused = collect(fake)
    assert refused.problems[0].message.startswith("the token was refused (HTTP 401")
    assert len(refused.problems) == 1
    monkeypatch.delenv("GITLAB_TOKEN")
    unset = collect(fake)
    assert "environment variable GITLAB_TOKEN is not set" in unset.problems[0].message
    for result in (partial, missing, refused, unset):
        assert TOKEN not in repr(result) and "glpat-expired" not in repr(result)


@pytest.mark.parametrize(("entry", "message"), [
    ({"group": "platform", "token_env": "glpat-abcdef0123456789"}, "not the token itself"),
    ({"group": "platform", "url": "gitlab.example.com"}, "must be an http(s) URL"),
    ({"group": "a", "projects": ["a/b"]}, "either group:"),
    ({"projects": ["api"]}, "'api' is not group/project"),
    ({"group": "platform", "workers": 0}, "workers"),
])
def test_the_target_entry_is_checked(entry: dict[str, Any], message: str) -> None:
    with pytest.raises(FileProblem) as raised:
        GitLabCollector.configure_target(entry, v.Where("config.yaml"), Path("."))
    assert message in str(raised.value)


def test_the_target_label_and_defaults() -> None:
    configured = GitLabCollector.configure_target(
        {"group": "platform/"}, v.Where("config.yaml"), Path("."))
    assert configured.label == "gitlab.com/platform"
    assert (configured.options["url"], configured.options["token_env"],
            configured.options["workers"], configured.options["window_days"],
            configured.options["archived"], configured.options["forks"]) == (
        "https://gitlab.com", "GITLAB_TOKEN", 16, 90, False, False)
    named = GitLabCollector.configure_target(
        {"projects": ["platform/sub/api"], "url": "https://gitlab.example.com/gitlab/"},
        v.Where("config.yaml"), Path("."))
    assert named.label == "gitlab.example.com/platform/sub/api"
    assert named.options["url"] == "https://gitlab.example.com/gitlab"


def test_no_deployments_means_deploy_jobs_stand_in(fake: FakeGitLab) -> None:
    jobs: list[dict[str, Any]] = [
        {"name": "deploy-prod", "stage": "deploy", "created_at": ago(d), "sha": "a" * 40}
        for d in (15, 8, 1)]
    jobs += [
        {"name": "deploy-prod", "stage": "deploy", "status": "failed", "created_at": ago(2)},
        {"name": "unit", "stage": "test", "created_at": ago(1)},  # not a deploy
        {"name": "deploy-prod", "stage": "deploy", "ref": "feature/x", "created_at": ago(1)},
        {"name": "deploy-staging", "stage": "deploy", "created_at": ago(1)},  # not production
        {"name": "release", "stage": "publish", "ref": "v1.2.0", "tag": True,
         "created_at": ago(3)}]
    fake.add_project("platform/web", {"index.js": "x"}, jobs=jobs)
    web = by_signal(collect(fake), entity("platform/web"))
    assert web["dora.source"].value == "ci_jobs"
    assert web["dora.deployments"].value == 4  # three on the main line, one from a tag
    assert web["dora.change_failure_rate"].value == pytest.approx(1 / 5)
    assert all("/-/jobs/" in locator for locator in web["dora.deployments"].locators)


def test_deploy_jobs_are_read_back_only_to_the_window(fake: FakeGitLab) -> None:
    old = [{"name": "deploy", "stage": "deploy", "created_at": ago(200)}] * 250
    recent = [{"name": "deploy", "stage": "deploy", "created_at": ago(d)} for d in (9, 2)]
    fake.add_project("platform/web", {"index.js": "x"}, jobs=old + recent)
    web = by_signal(collect(fake), entity("platform/web"))
    assert web["dora.deployments"].value == 2
    pages = [r for r in fake.requests if r.path == "/projects/platform/web/jobs"]
    assert len(pages) == 1  # the first page already reaches past the window's start


INCLUDING = """\
include:
  - project: platform/ci-templates
    ref: main
    file: /pipelines/checks.yml
  - component: $CI_SERVER_FQDN/platform/components/fuzz@1.0
unit:
  extends: .python-tests
"""
SHARED = """\
.python-tests:
  script: [pytest -q]
static:
  script: [semgrep ci]
  rules: [{if: '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
"""
COMPONENT = """\
spec:
  inputs:
    stage: {default: test}
---
fuzz:
  stage: $[[ inputs.stage ]]
  script: [go test -fuzz=FuzzParse -fuzztime=60s ./parser]
"""


def test_files_of_other_projects_are_read_through_the_api(fake: FakeGitLab) -> None:
    """`include: project:` and a component of another project are read with the
    repository files API: the template's script reaches the job that extends it, the
    included job counts with its own rules, and both are cited by URL."""
    fake.add_project("platform/api", {".gitlab-ci.yml": INCLUDING, "app.py": "x = 1\n"})
    fake.add_project("platform/ci-templates", {"pipelines/checks.yml": SHARED})
    fake.add_project("platform/components", {"templates/fuzz.yml": COMPONENT},
                     releases=[{"tag": "1.0", "released_at": ago(40)}])
    collected = collect(fake, projects=["platform/api"])
    found = by_signal(collected, entity("platform/api"))
    assert found["ci.sast.tools"].value == ["semgrep"]
    assert found["ci.sast.tools"].locator == (
        f"{fake.base_url}/platform/ci-templates/-/blob/main/pipelines/checks.yml#L4")
    assert found["ci.sast.before_merge"].value is True
    assert found["ci.tests.tools"].value == ["go-test", "pytest"]  # the component runs go test
    assert f"{fake.base_url}/platform/components/-/blob/1.0/templates/fuzz.yml#L7" in \
        found["ci.tests.tools"].locators
    assert found["ci.dast.tools"].value == []  # everything included was read: no gap
