"""The fake GitHub answers as GitHub does: checked over real HTTP with urllib and PyGithub."""

from __future__ import annotations

import gzip
import io
import json
import re
import tarfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import github
import pytest

from scanner.collectors.hosts.github.queries import REPOSITORY

from fakes.asking import Reply, ask
from fakes.github_api import (
    CODE_SCANNING_DISABLED,
    SECRET_SCANNING_DISABLED,
    FakeGitHub,
    LoggedRequest,
)

TOKEN = "ghp_fake_token_for_tests"
T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
GITHUB_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def call(url: str, token: str | None = TOKEN, *, method: str = "GET", data: Any = None,
         headers: Mapping[str, str] | None = None) -> Reply:
    """One request with urllib, redirects not followed; error statuses are returned."""
    return ask(url, {} if token is None else {"Authorization": f"token {token}"},
               method=method, data=data, headers=headers, redirects=False)


def graphql(fake: FakeGitHub, query: str = REPOSITORY, **variables: Any) -> Reply:
    variables.setdefault("since", "2026-10-01T00:00:00Z")
    return call(fake.graphql_url, method="POST", data={"query": query, "variables": variables})


def client(fake: FakeGitHub, **options: Any) -> github.Github:
    return github.Github(auth=github.Auth.Token(TOKEN), base_url=fake.base_url,
                         seconds_between_requests=None, **options)


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub(token=TOKEN) as server:
        yield server
        assert server.server_errors == []


def five_repos(fake: FakeGitHub) -> None:
    for i in range(5):
        fake.add_repo("acme", f"repo{i}", {"README.md": f"# {i}\n"},
                      created_at=T0 + timedelta(days=i))


# --- REST: listing, repository, errors ---------------------------------------------------------


def test_org_repositories_are_paged_with_githubs_link_headers(fake: FakeGitHub) -> None:
    five_repos(fake)
    org_id = call(f"{fake.base_url}/orgs/acme").json()["id"]
    first = call(f"{fake.base_url}/orgs/acme/repos?type=all&per_page=2")
    assert first.status == 200
    assert [r["name"] for r in first.json()] == ["repo4", "repo3"]  # sort=created, desc
    pages = f"{fake.base_url}/organizations/{org_id}/repos?type=all&per_page=2&page="
    assert first.headers["link"] == f'<{pages}2>; rel="next", <{pages}3>; rel="last"'

    middle = call(first.links()["next"])
    assert middle.links() == {"prev": f"{pages}1", "next": f"{pages}3", "last": f"{pages}3",
                              "first": f"{pages}1"}
    last = call(middle.links()["next"])
    assert last.links() == {"prev": f"{pages}2", "first": f"{pages}1"}
    names = [r["name"] for page in (first, middle, last) for r in page.json()]
    assert sorted(names) == [f"repo{i}" for i in range(5)]

    listed = client(fake, per_page=2).get_organization("acme").get_repos(type="all")
    assert sorted(r.name for r in listed) == sorted(names)
    assert any(r.path == f"/organizations/{org_id}/repos" for r in fake.requests)


def test_unknown_organisation_and_repository_answer_not_found(fake: FakeGitHub) -> None:
    for path in ("/orgs/nobody/repos", "/repos/acme/missing", "/repos/acme/missing/tarball/main",
                 "/no/such/endpoint"):
        reply = call(fake.base_url + path)
        assert reply.status == 404, path
        assert reply.json()["message"] == "Not Found"
        assert reply.json()["documentation_url"].startswith("https://docs.github.com/")


def test_repository_payload_carries_the_fields_a_client_reads(fake: FakeGitHub) -> None:
    fake.add_repo("Acme", "API", {"a.txt": "x"}, topics=["python", "api"], archived=True,
                  visibility="internal", pushed_at=T0, default_branch="trunk")
    reply = call(f"{fake.base_url}/repos/acme/api")  # names are case-insensitive
    data = reply.json()
    assert reply.headers["content-type"] == "application/json; charset=utf-8"
    assert data["full_name"] == "Acme/API" and data["name"] == "API"
    assert data["owner"]["login"] == "Acme" and data["owner"]["type"] == "Organization"
    assert (data["archived"], data["fork"], data["disabled"]) == (True, False, False)
    assert (data["visibility"], data["private"]) == ("internal", True)
    assert data["default_branch"] == "trunk" and data["topics"] == ["python", "api"]
    assert data["pushed_at"] == "2026-11-02T10:00:00Z"
    assert all(GITHUB_TIME.match(data[key]) for key in ("created_at", "updated_at"))
    assert data["url"] == f"{fake.base_url}/repos/Acme/API"
    assert data["html_url"] == "https://github.com/Acme/API"
    assert isinstance(data["id"], int)

    repo = client(fake).get_repo("Acme/API")
    assert (repo.full_name, repo.archived, repo.default_branch) == ("Acme/API", True, "trunk")

    fake.delete_repo("Acme", "API")
    assert call(f"{fake.base_url}/repos/Acme/API").status == 404
    assert call(f"{fake.base_url}/orgs/Acme/repos").json() == []
    assert fake.count_for("acme/api") == 3


def test_requests_without_the_right_token_get_401_bad_credentials(fake: FakeGitHub) -> None:
    fake.add_repo("acme", "api", {"a": "b"})
    url = f"{fake.base_url}/repos/acme/api"
    for reply in (call(url, token=None), call(url, token="wrong")):
        assert reply.status == 401
        assert reply.json()["message"] == "Bad credentials"
        assert reply.json()["documentation_url"] == "https://docs.github.com/rest"
        assert reply.headers["x-ratelimit-limit"] == "60"
    assert call(url, token=None, headers={"Authorization": f"Bearer {TOKEN}"}).status == 200
    assert call(fake.graphql_url, token="wrong", method="POST", data={"query": "{}"}).status == 401

    fake.set_token("rotated")
    assert call(url).status == 401
    assert call(url, token="rotated").status == 200
    assert fake.count() == 2  # only the two 200s used the rate limit
    assert all(TOKEN not in repr(r) and "rotated" not in repr(r) for r in fake.requests)


def test_another_accounts_token_is_accepted_and_logged_by_its_number(
        fake: FakeGitHub) -> None:
    fake.add_repo("acme", "api", {"a": "b"})
    url = f"{fake.base_url}/repos/acme/api"
    assert fake.accept_token("second-account") == 1
    assert [call(url).status, call(url, token="second-account").status,
            call(url, token="wrong").status] == [200, 200, 401]
    assert [r.token for r in fake.requests] == [0, 1, None]


def test_conditional_get_answers_304_that_the_rate_limit_does_not_count(
        fake: FakeGitHub) -> None:
    repo = fake.add_repo("acme", "api", {"a": "b"})
    url = f"{fake.base_url}/repos/acme/api"
    fresh = call(url)
    etag = fresh.headers["etag"]
    assert re.fullmatch(r'W/"[0-9a-f]{64}"', etag)
    assert fresh.headers["x-ratelimit-remaining"] == "4999"

    for tag in (etag, etag.removeprefix("W/"), f'"other", {etag}'):
        again = call(url, headers={"If-None-Match": tag})
        assert (again.status, again.body) == (304, b"")
        assert again.headers["etag"] == etag
        assert again.headers["x-ratelimit-remaining"] == "4999"
    assert fake.count() == 1
    assert fake.count(counted_only=False) == 4
    assert [r.status for r in fake.requests] == [200, 304, 304, 304]

    repo.archived = True
    changed = call(url, headers={"If-None-Match": etag})
    assert changed.status == 200 and changed.json()["archived"] is True
    assert changed.headers["etag"] != etag


def test_an_exhausted_rate_limit_answers_403_until_it_resets(fake: FakeGitHub) -> None:
    fake.add_repo("acme", "api", {"a": "b"})
    url = f"{fake.base_url}/repos/acme/api"
    fake.set_rate_limit("core", limit=10, remaining=1, reset_in=1.2)
    last = call(url)
    assert last.status == 200
    assert (last.headers["x-ratelimit-remaining"], last.headers["x-ratelimit-used"]) == ("0", "10")
    assert last.headers["x-ratelimit-resource"] == "core"

    refused = call(url)
    assert refused.status == 403
    assert refused.json()["message"].startswith("API rate limit exceeded for user ID 1.")
    assert refused.headers["x-ratelimit-remaining"] == "0"
    reset = int(refused.headers["x-ratelimit-reset"])
    assert 0 < reset - time.time() <= 3

    limits = call(f"{fake.base_url}/rate_limit")  # exempt, and not counted
    assert limits.status == 200
    assert limits.json()["resources"]["core"] == {"limit": 10, "used": 10, "remaining": 0,
                                                  "reset": reset}
    assert set(limits.json()["resources"]["graphql"]) == {"limit", "used", "remaining", "reset"}
    assert limits.json()["rate"] == limits.json()["resources"]["core"]

    time.sleep(max(0.0, reset - time.time()) + 0.05)
    renewed = call(url)
    assert renewed.status == 200 and renewed.headers["x-ratelimit-remaining"] == "9"
    assert [(r.status, r.counted) for r in fake.requests] == [
        (200, True), (403, False), (200, False), (200, True)]


def test_graphql_rate_limit_refuses_a_query_costing_more_than_is_left(fake: FakeGitHub) -> None:
    fake.add_repo("acme", "api", {"a": "b"})
    fake.set_rate_limit("graphql", remaining=4)
    reply = graphql(fake, owner="acme", name="api")  # this query costs 5 points
    assert reply.status == 200
    assert reply.json() == {"errors": [{"type": "RATE_LIMITED", "code": "graphql_rate_limit",
                                        "message": "API rate limit exceeded for user ID 1."}]}
    assert reply.headers["x-ratelimit-resource"] == "graphql"
    assert reply.headers["x-ratelimit-remaining"] == "4"


# --- faults ------------------------------------------------------------------------------------


def test_faults_are_served_in_order_then_the_normal_answer(fake: FakeGitHub) -> None:
    fake.add_repo("acme", "api", {"a": "b"})
    url = f"{fake.base_url}/repos/acme/api"
    fake.fail_too_many_requests("/repos/acme/api", retry_after=2)
    fake.fail_server_error("/repos/acme", status=502)
    fake.fail_secondary_rate_limit("/repos/acme/api")
    assert call(f"{fake.base_url}/orgs/acme").status == 200  # another path: untouched

    too_many = call(url)
    assert too_many.status == 429 and too_many.headers["retry-after"] == "2"
    assert too_many.json()["message"].startswith("You have exceeded a secondary rate limit")
    bad_gateway = call(url)
    assert bad_gateway.status == 502 and bad_gateway.json()["message"] == "Server Error"
    secondary = call(url)
    assert secondary.status == 403 and secondary.headers["retry-after"] == "1"
    assert secondary.json()["message"].startswith("You have exceeded a secondary rate limit")
    assert "x-ratelimit-remaining" in secondary.headers
    assert call(url).status == 200
    assert fake.pending_faults() == 0
    assert [r.counted for r in fake.requests] == [True, False, False, False, True]

    fake.drop_connection("/repos/acme/api")
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        call(url)
    assert call(url).status == 200
    fake.fail_next(None, 503, headers={"X-Custom": "1"}, body=b"maintenance", times=2)
    assert [(r.status, r.headers.get("x-custom"), r.body) for r in (call(url), call(url))] == [
        (503, "1", b"maintenance")] * 2


def test_pygithub_retries_through_the_injected_faults(fake: FakeGitHub) -> None:
    fake.add_repo("acme", "api", {"a": "b"})
    fake.fail_server_error("/repos/acme/api", status=502)
    fake.fail_too_many_requests("/repos/acme/api", retry_after=1)
    fake.drop_connection("/repos/acme/api")
    retry = github.GithubRetry(total=5, backoff_factor=0, status_forcelist=[429, 502])
    started = time.monotonic()
    repo = client(fake, retry=retry).get_repo("acme/api")
    assert repo.full_name == "acme/api"
    assert time.monotonic() - started >= 1.0  # waited out Retry-After
    assert [r.status for r in fake.requests] == [502, 429, 0, 200]


def test_a_repository_deleted_mid_scan_answers_404_everywhere(fake: FakeGitHub) -> None:
    fake.add_repo("acme", "api", {"a": "b"}, code_scanning=[], secret_scanning=[])
    fake.delete_repo("acme", "api")
    for path in ("", "/tarball/main", "/code-scanning/analyses", "/secret-scanning/alerts",
                 "/actions/runs"):
        assert call(f"{fake.base_url}/repos/acme/api{path}").status == 404, path
    answer = graphql(fake, owner="acme", name="api").json()
    assert answer["data"]["repository"] is None
    assert answer["errors"][0]["type"] == "NOT_FOUND"


# --- tarball -----------------------------------------------------------------------------------


def test_tarball_redirects_to_codeload_with_one_top_folder(fake: FakeGitHub) -> None:
    files: dict[str, str | bytes] = {"README.md": "# api\n", "src/app.py": "print('hi')\n",
                                     "bin/blob": b"\x00\x01"}
    repo = fake.add_repo("acme", "api", files, visibility="public")
    redirect = call(f"{fake.base_url}/repos/acme/api/tarball/main")
    assert redirect.status == 302
    location = redirect.headers["location"]
    assert location == f"{fake.origin}/_codeload/acme/api/legacy.tar.gz/refs/heads/main"
    assert call(f"{fake.base_url}/repos/acme/api/tarball").headers["location"] == location

    download = call(location, token=None)  # codeload needs no token
    assert download.status == 200
    assert download.headers["content-type"] == "application/x-gzip"
    top = f"acme-api-{repo.sha[:7]}"
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(download.body))) as archive:
        names = archive.getnames()
        assert all(name == top or name.startswith(f"{top}/") for name in names)
        assert archive.pax_headers["comment"] == repo.sha
        contents = {}
        for member in archive.getmembers():
            stream = archive.extractfile(member) if member.isfile() else None
            if stream is not None:
                contents[member.name.removeprefix(f"{top}/")] = stream.read()
    assert contents == {"README.md": b"# api\n", "src/app.py": b"print('hi')\n",
                        "bin/blob": b"\x00\x01"}
    assert [(r.path, r.counted) for r in fake.requests] == [
        ("/repos/acme/api/tarball/main", True), ("/repos/acme/api/tarball", True),
        ("/_codeload/acme/api/legacy.tar.gz/refs/heads/main", False)]
    assert fake.count_for("acme/api") == 2

    status, _, chunks = client(fake).requester.getStream("/repos/acme/api/tarball/main",
                                                         chunk_size=1 << 16)
    assert status == 200 and b"".join(chunks) == download.body
    assert call(f"{fake.base_url}/repos/acme/api/tarball/{repo.sha}").status == 302
    assert call(f"{fake.base_url}/repos/acme/api/tarball/no-such-ref").status == 404


def test_private_tarballs_need_the_codeload_token_of_the_redirect(fake: FakeGitHub) -> None:
    fake.add_repo("acme", "secret", {"a": "b"}, visibility="private")
    location = call(f"{fake.base_url}/repos/acme/secret/tarball/main").headers["location"]
    assert re.search(r"/legacy\.tar\.gz/refs/heads/main\?token=[\w-]+$", location)
    assert call(location, token=None).status == 200
    assert call(location.split("?")[0], token=None).status == 404
    fake.fail_server_error("/_codeload/", status=502)
    assert call(location, token=None).status == 502
    assert call(location, token=None).status == 200
    assert all(not r.counted for r in fake.requests if r.path.startswith("/_codeload/"))


def test_an_empty_repository_has_no_tarball_and_no_default_branch_ref(fake: FakeGitHub) -> None:
    fake.add_repo("acme", "empty", {})
    assert call(f"{fake.base_url}/repos/acme/empty/tarball/main").status == 404
    assert call(f"{fake.base_url}/repos/acme/empty").json()["pushed_at"] is None
    repository = graphql(fake, owner="acme", name="empty").json()["data"]["repository"]
    assert repository["defaultBranchRef"] is None


# --- GraphQL -----------------------------------------------------------------------------------


def full_repo(fake: FakeGitHub, **options: Any) -> None:
    fake.add_repo(
        "acme", "api", {"a.py": "x"}, head_sha="a" * 40, pushed_at=T0, visibility="public",
        branch_protection=[{"pattern": "main", "requiresApprovingReviews": True,
                            "requiredApprovingReviewCount": 2, "requiresStatusChecks": True,
                            "requiredStatusCheckContexts": ["ci/test"]}],
        rulesets=[{"name": "protect main", "enforcement": "ACTIVE",
                   "conditions": {"refName": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
                   "rules": [{"type": "PULL_REQUEST",
                              "parameters": {"requiredApprovingReviewCount": 1,
                                             "requireCodeOwnerReview": True}},
                             {"type": "REQUIRED_STATUS_CHECKS",
                              "parameters": {"requiredStatusChecks": [{"context": "build"}]}},
                             {"type": "NON_FAST_FORWARD"}]}],
        pulls=[{"number": 7, "merged_at": T0, "author": "alice", "approvers": ["bob"],
                "first_commit_at": T0 - timedelta(days=2), "merge_sha": "b" * 40,
                "labels": ["feature"]}],
        deployments=[{"environment": "production", "created_at": T0, "state": "SUCCESS",
                      "status_at": T0 + timedelta(minutes=5), "sha": "b" * 40,
                      "log_url": "https://ci.example/1"}],
        releases=[{"tag": "v1.0.0", "published_at": T0, "assets": ["app.tar.gz"]}],
        issues=[{"number": 3, "created_at": T0, "closed_at": T0 + timedelta(hours=2),
                 "labels": ["incident"]}],
        **options)


def test_graphql_answers_exactly_the_selected_fields_with_a_forbidden_partial_error(
        fake: FakeGitHub) -> None:
    full_repo(fake, dependabot_alerts=None)
    reply = graphql(fake, owner="acme", name="api")
    assert reply.status == 200
    assert reply.headers["x-ratelimit-resource"] == "graphql"
    answer = reply.json()
    assert answer["data"]["rateLimit"]["cost"] == 5  # 477 connection requests / 100
    assert answer["data"]["rateLimit"]["remaining"] == 4995
    assert GITHUB_TIME.match(answer["data"]["rateLimit"]["resetAt"])
    web = "https://github.com/acme/api"
    last_page = {"hasNextPage": False, "endCursor": "Y3Vyc29yOnYyOjA="}
    assert answer["data"]["repository"] == {
        "url": web, "isArchived": False, "pushedAt": "2026-11-02T10:00:00Z",
        "defaultBranchRef": {"name": "main", "target": {"oid": "a" * 40}},
        "branchProtectionRules": {"nodes": [{
            "pattern": "main", "requiresApprovingReviews": True,
            "requiredApprovingReviewCount": 2, "requiresCodeOwnerReviews": False,
            "requiresStatusChecks": True, "requiredStatusCheckContexts": ["ci/test"],
            "requiresCommitSignatures": False, "allowsForcePushes": False,
            "allowsDeletions": False}]},
        "rulesets": {"nodes": [{
            "name": "protect main", "target": "BRANCH", "enforcement": "ACTIVE",
            "conditions": {"refName": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
            "rules": {"nodes": [
                {"type": "PULL_REQUEST", "parameters": {"requiredApprovingReviewCount": 1,
                                                        "requireCodeOwnerReview": True}},
                {"type": "REQUIRED_STATUS_CHECKS",
                 "parameters": {"requiredStatusChecks": [{"context": "build"}]}},
                {"type": "NON_FAST_FORWARD", "parameters": None}]}}]},
        "pullRequests": {"nodes": [{
            "number": 7, "url": f"{web}/pull/7", "mergedAt": "2026-11-02T10:00:00Z",
            "updatedAt": "2026-11-02T10:00:00Z",
            "author": {"login": "alice"}, "mergeCommit": {"oid": "b" * 40},
            "labels": {"nodes": [{"name": "feature"}]},
            "commits": {"nodes": [{"commit": {"authoredDate": "2026-10-31T10:00:00Z",
                                              "committedDate": "2026-10-31T10:00:00Z"}}]},
            "reviews": {"nodes": [{"author": {"login": "bob"}}]}}], "pageInfo": last_page},
        "deployments": {"nodes": [{
            "createdAt": "2026-11-02T10:00:00Z", "environment": "production",
            "commitOid": "b" * 40,
            "latestStatus": {"state": "SUCCESS", "createdAt": "2026-11-02T10:05:00Z",
                             "logUrl": "https://ci.example/1"}}], "pageInfo": last_page},
        "environments": {"nodes": [{"name": "production"}], "pageInfo": last_page},
        "releases": {"nodes": [{
            "tagName": "v1.0.0", "url": f"{web}/releases/tag/v1.0.0",
            "createdAt": "2026-11-02T10:00:00Z",
            "publishedAt": "2026-11-02T10:00:00Z", "isDraft": False, "isPrerelease": False,
            "releaseAssets": {"nodes": [{"name": "app.tar.gz"}]}}], "pageInfo": last_page},
        "issues": {"nodes": [{
            "number": 3, "url": f"{web}/issues/3", "createdAt": "2026-11-02T10:00:00Z",
            "updatedAt": "2026-11-02T12:00:00Z",
            "closedAt": "2026-11-02T12:00:00Z", "labels": {"nodes": [{"name": "incident"}]}}],
            "pageInfo": last_page},
        "vulnerabilityAlerts": None,
    }
    lines = REPOSITORY.split("\n")
    line = next(i for i, text in enumerate(lines) if "vulnerabilityAlerts(" in text)
    assert answer["errors"] == [{
        "type": "FORBIDDEN", "path": ["repository", "vulnerabilityAlerts"],
        "extensions": {"saml_failure": False},
        "locations": [{"line": line + 1, "column": lines[line].index("vulnerabilityAlerts") + 1}],
        "message": "Resource not accessible by integration"}]
    assert fake.count_for("acme/api") == 1


def test_graphql_dependabot_alerts_use_githubs_enums(fake: FakeGitHub) -> None:
    full_repo(fake, dependabot_alerts=[
        {"created_at": T0, "severity": "critical"},
        {"created_at": T0, "fixed_at": T0 + timedelta(days=3), "severity": "medium"},
        {"created_at": T0, "dismissed_at": T0 + timedelta(days=1), "severity": "LOW",
         "ghsa_id": "GHSA-abcd-efgh-ijkl"}])
    answer = graphql(fake, owner="acme", name="api").json()
    assert "errors" not in answer
    nodes = answer["data"]["repository"]["vulnerabilityAlerts"]["nodes"]
    assert [(n["state"], n["securityVulnerability"]["severity"]) for n in nodes] == [
        ("OPEN", "CRITICAL"), ("FIXED", "MODERATE"), ("DISMISSED", "LOW")]
    assert nodes[1]["fixedAt"] == "2026-11-05T10:00:00Z" and nodes[0]["fixedAt"] is None
    assert nodes[2]["securityAdvisory"] == {
        "permalink": "https://github.com/advisories/GHSA-abcd-efgh-ijkl"}
    assert set(nodes[0]) == {"createdAt", "fixedAt", "dismissedAt", "state",
                             "securityVulnerability", "securityAdvisory"}
    with pytest.raises(ValueError, match="severity"):
        fake.add_repo("acme", "bad", {"a": "b"}, dependabot_alerts=[
            {"created_at": T0, "severity": "urgent"}])


def test_graphql_lists_are_sorted_descending_truncated_and_issues_filtered_by_since(
        fake: FakeGitHub) -> None:
    fake.add_repo(
        "acme", "busy", {"a": "b"},
        pulls=[{"number": n, "merged_at": T0 - timedelta(hours=n)} for n in range(1, 121)],
        deployments=[{"created_at": T0 - timedelta(days=d), "state": s}
                     for d, s in ((3, "FAILURE"), (1, "SUCCESS"), (2, "IN_PROGRESS"))],
        releases=[{"tag": f"v{n}", "published_at": T0 - timedelta(days=n)} for n in range(60)],
        issues=[{"number": 1, "created_at": T0 - timedelta(days=300)},
                {"number": 2, "created_at": T0 - timedelta(days=300),
                 "closed_at": T0 - timedelta(days=10)},
                {"number": 3, "created_at": T0 - timedelta(days=5)}])
    repository = graphql(fake, owner="acme", name="busy",
                         since="2026-10-01T00:00:00Z").json()["data"]["repository"]
    pulls = repository["pullRequests"]["nodes"]
    assert len(pulls) == 100 and pulls[0]["number"] == 1 and pulls[-1]["number"] == 100
    assert [d["latestStatus"]["state"] for d in repository["deployments"]["nodes"]] == [
        "SUCCESS", "IN_PROGRESS", "FAILURE"]
    releases = repository["releases"]["nodes"]
    assert len(releases) == 60 and releases[0]["tagName"] == "v0"
    assert [i["number"] for i in repository["issues"]["nodes"]] == [3, 2]
    # the rest comes by cursor, the query run again for that connection alone
    info = repository["pullRequests"]["pageInfo"]
    assert info["hasNextPage"] is True
    rest = graphql(fake, owner="acme", name="busy", whole=False, deployments=False,
                   environments=False, releases=False, issues=False,
                   pullRequestsAfter=info["endCursor"]).json()["data"]["repository"]
    assert list(rest) == ["pullRequests"]
    assert [p["number"] for p in rest["pullRequests"]["nodes"]] == list(range(101, 121))
    assert rest["pullRequests"]["pageInfo"]["hasNextPage"] is False


def test_graphql_unknown_repository_operation_and_field_answer_errors_with_200(
        fake: FakeGitHub) -> None:
    missing = graphql(fake, owner="acme", name="ghost")
    assert missing.status == 200
    answer = missing.json()
    assert answer["data"]["repository"] is None and answer["data"]["rateLimit"]["cost"] == 5
    assert answer["errors"][0]["type"] == "NOT_FOUND"
    assert answer["errors"][0]["path"] == ["repository"]
    assert answer["errors"][0]["message"] == (
        "Could not resolve to a Repository with the name 'acme/ghost'.")

    other = graphql(fake, query="query Other { viewer { login } }")
    assert other.status == 200 and "data" not in other.json() and other.json()["errors"]

    fake.add_repo("acme", "api", {"a": "b"})
    typo = REPOSITORY.replace("isArchived", "isArchivd")
    wrong = graphql(fake, query=typo, owner="acme", name="api").json()
    assert "data" not in wrong
    assert wrong["errors"][0]["message"] == "Field 'isArchivd' doesn't exist on type 'Repository'"
    no_since = call(fake.graphql_url, method="POST",
                    data={"query": REPOSITORY, "variables": {"owner": "acme", "name": "api"}})
    assert no_since.json()["errors"][0]["message"] == (
        "Variable $since of type DateTime! was provided invalid value")
    broken = graphql(fake, query="query MaturityRepository { repository(", owner="a", name="b")
    assert broken.json()["errors"][0]["message"].startswith("Parse error")


# --- security and CI endpoints -----------------------------------------------------------------


def test_code_scanning_answers_403_when_off_404_before_any_analysis(fake: FakeGitHub) -> None:
    fake.add_repo("acme", "off", {"a": "b"})
    fake.add_repo("acme", "new", {"a": "b"}, code_scanning=[])
    off = call(f"{fake.base_url}/repos/acme/off/code-scanning/analyses?per_page=100")
    assert off.status == 403 and off.json()["message"] == CODE_SCANNING_DISABLED
    assert call(f"{fake.base_url}/repos/acme/off/code-scanning/alerts").status == 403
    new = call(f"{fake.base_url}/repos/acme/new/code-scanning/analyses?per_page=100")
    assert new.status == 404 and new.json()["message"] == "no analysis found"


def test_code_scanning_analyses_and_alerts_have_githubs_shape(fake: FakeGitHub) -> None:
    fake.add_repo(
        "acme", "api", {"a": "b"},
        code_scanning=[{"tool": "CodeQL", "created_at": T0 - timedelta(days=1)},
                       {"tool": "Semgrep", "analysis_key": ".github/workflows/semgrep.yml:scan",
                        "created_at": T0, "results_count": 2}],
        code_scanning_alerts=[
            {"created_at": T0, "security_severity_level": "high"},
            {"created_at": T0 - timedelta(days=9), "fixed_at": T0, "severity": "warning"}])
    analyses = call(f"{fake.base_url}/repos/acme/api/code-scanning/analyses?per_page=100").json()
    assert [a["tool"]["name"] for a in analyses] == ["Semgrep", "CodeQL"]  # newest first
    assert analyses[1]["analysis_key"] == "dynamic/github-code-scanning/codeql:analyze"
    assert {"id", "ref", "commit_sha", "analysis_key", "environment", "category", "created_at",
            "results_count", "rules_count", "tool", "url"} <= set(analyses[0])
    assert set(analyses[0]["tool"]) == {"name", "guid", "version"}
    alerts = call(f"{fake.base_url}/repos/acme/api/code-scanning/alerts?per_page=100").json()
    assert [(a["number"], a["state"], a["fixed_at"]) for a in alerts] == [
        (1, "open", None), (2, "fixed", "2026-11-02T10:00:00Z")]
    assert alerts[0]["rule"]["security_severity_level"] == "high"
    assert alerts[0]["html_url"] == "https://github.com/acme/api/security/code-scanning/1"
    assert {"number", "created_at", "updated_at", "url", "html_url", "state", "fixed_at",
            "dismissed_at", "rule", "tool"} <= set(alerts[0])
    only_open = call(f"{fake.base_url}/repos/acme/api/code-scanning/alerts?state=open").json()
    assert [a["number"] for a in only_open] == [1]


def test_secret_scanning_is_404_when_disabled_else_lists_alerts(fake: FakeGitHub) -> None:
    fake.add_repo("acme", "off", {"a": "b"})
    fake.add_repo("acme", "on", {"a": "b"}, secret_scanning=[
        {"created_at": T0 - timedelta(days=3), "resolved_at": T0},
        {"created_at": T0, "secret_type": "aws_access_key_id"}])
    off = call(f"{fake.base_url}/repos/acme/off/secret-scanning/alerts?per_page=100")
    assert off.status == 404 and off.json()["message"] == SECRET_SCANNING_DISABLED
    assert off.json()["documentation_url"].startswith("https://docs.github.com/")
    alerts = call(f"{fake.base_url}/repos/acme/on/secret-scanning/alerts?per_page=100").json()
    assert [(a["number"], a["state"], a["resolved_at"]) for a in alerts] == [
        (2, "open", None), (1, "resolved", "2026-11-02T10:00:00Z")]
    assert alerts[0]["secret_type"] == "aws_access_key_id"
    assert alerts[0]["url"] == f"{fake.base_url}/repos/acme/on/secret-scanning/alerts/2"


def test_workflow_runs_are_listed_newest_first_and_filtered_by_created(
        fake: FakeGitHub) -> None:
    fake.add_repo("acme", "api", {"a": "b"}, workflow_runs=[
        {"name": "CI", "created_at": T0 - timedelta(days=40), "conclusion": "failure"},
        {"name": "Deploy", "path": ".github/workflows/deploy.yml", "event": "workflow_dispatch",
         "created_at": T0, "updated_at": T0 + timedelta(minutes=7), "head_branch": "main"},
        {"name": "CI", "created_at": T0 - timedelta(days=1), "status": "in_progress",
         "conclusion": None}])
    url = f"{fake.base_url}/repos/acme/api/actions/runs?per_page=100"
    everything = call(url).json()
    assert everything["total_count"] == 3
    assert [r["name"] for r in everything["workflow_runs"]] == ["Deploy", "CI", "CI"]
    deploy = everything["workflow_runs"][0]
    assert (deploy["path"], deploy["event"], deploy["status"], deploy["conclusion"]) == (
        ".github/workflows/deploy.yml", "workflow_dispatch", "completed", "success")
    assert (deploy["created_at"], deploy["updated_at"]) == (
        "2026-11-02T10:00:00Z", "2026-11-02T10:07:00Z")
    assert {"id", "head_sha", "head_branch", "run_started_at", "html_url"} <= set(deploy)
    recent = call(f"{url}&created=>=2026-10-15").json()
    assert recent["total_count"] == 2
    window = call(f"{url}&created=2026-09-01..2026-10-01").json()
    assert [r["conclusion"] for r in window["workflow_runs"]] == ["failure"]
    paged = call(f"{fake.base_url}/repos/acme/api/actions/runs?per_page=1")
    assert paged.json()["total_count"] == 3 and len(paged.json()["workflow_runs"]) == 1
    assert 'rel="next"' in paged.headers["link"]


# --- Enterprise Server, concurrency, accounting ------------------------------------------------


def test_enterprise_server_serves_rest_under_api_v3_and_graphql_at_api_graphql() -> None:
    with FakeGitHub(token=TOKEN, enterprise=True) as fake:
        full_repo(fake)
        assert fake.base_url == f"{fake.origin}/api/v3"
        assert fake.graphql_url == f"{fake.origin}/api/graphql"
        gh = client(fake)
        assert gh.requester.graphql_url == fake.graphql_url
        repo = gh.get_repo("acme/api")
        assert repo.html_url == f"{fake.origin}/acme/api"
        assert repo.url == f"{fake.origin}/api/v3/repos/acme/api"

        listing = call(f"{fake.base_url}/orgs/acme/repos?per_page=1")
        assert listing.headers["x-github-enterprise-version"]
        fake.add_repo("acme", "second", {"a": "b"})
        listing = call(f"{fake.base_url}/orgs/acme/repos?per_page=1")
        assert listing.links()["next"].startswith(f"{fake.origin}/api/v3/organizations/")
        assert call(listing.links()["next"]).status == 200

        answer = graphql(fake, owner="acme", name="api")
        assert answer.status == 200
        assert answer.json()["data"]["repository"]["url"] == f"{fake.origin}/acme/api"
        assert call(f"{fake.origin}/repos/acme/api").status == 404
        assert call(f"{fake.origin}/graphql", method="POST", data={"query": "{}"}).status == 404
        location = call(f"{fake.base_url}/repos/acme/api/tarball/main").headers["location"]
        assert location.startswith(f"{fake.origin}/_codeload/acme/api/legacy.tar.gz/")
        assert call(location, token=None).status == 200
        assert {r.path for r in fake.requests if r.counted} >= {"/repos/acme/api", "/graphql"}
        assert fake.server_errors == []


def test_urls_are_known_before_start_and_rate_limiting_can_be_off() -> None:
    fake = FakeGitHub(token=TOKEN, enterprise=True, rate_limiting=False)
    fake.add_repo("acme", "api", {"a": "b"})
    assert fake.base_url.startswith("http://127.0.0.1:") and fake.base_url.endswith("/api/v3")
    with fake:
        reply = call(f"{fake.base_url}/repos/acme/api")
        assert reply.status == 200
        assert not any(name.startswith("x-ratelimit") for name in reply.headers)
        disabled = call(f"{fake.base_url}/rate_limit")  # as on a default Enterprise Server
        assert (disabled.status, disabled.json()["message"]) == (
            404, "Rate limiting is not enabled.")
        answer = graphql(fake, owner="acme", name="api").json()
        assert answer["data"]["rateLimit"] is None


def test_many_client_threads_are_answered_concurrently_with_latency() -> None:
    with FakeGitHub(token=TOKEN, latency=0.05) as fake:
        for i in range(20):
            fake.add_repo("acme", f"r{i}", {"a": str(i)})
        gh = client(fake, pool_size=20)
        results: list[str] = []

        def work(index: int) -> None:
            status, _, body = gh.requester.requestJson("GET", f"/repos/acme/r{index % 20}")
            assert status == 200
            results.append(json.loads(body)["name"])

        threads = [threading.Thread(target=work, args=(i,)) for i in range(40)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        assert len(results) == 40 and elapsed < 40 * 0.05 / 2
        assert fake.max_in_flight > 1
        assert fake.count() == 40 and fake.count_for("acme/r3") == 2
        assert fake.server_errors == []


def test_the_log_and_counts_describe_every_request(fake: FakeGitHub) -> None:
    full_repo(fake)
    fake.add_repo("acme", "other", {"a": "b"})
    call(f"{fake.base_url}/repos/acme/api")
    call(f"{fake.base_url}/repos/acme/api/actions/runs?per_page=100")
    graphql(fake, owner="acme", name="api")
    call(f"{fake.base_url}/repos/acme/other")
    call(f"{fake.base_url}/rate_limit")
    assert fake.requests[0] == LoggedRequest("GET", "/repos/acme/api", 200, True, "acme/api", 0)
    assert fake.requests[2] == LoggedRequest("POST", "/graphql", 200, True, "acme/api", 0)
    assert fake.requests[-1] == LoggedRequest("GET", "/rate_limit", 200, False, None, 0)
    assert (fake.count_for("acme/api"), fake.count_for("acme/other"), fake.count()) == (3, 1, 4)
    assert fake.rate_limit("graphql")["used"] == 5
    fake.clear_log()
    assert fake.requests == [] and fake.count() == 0
