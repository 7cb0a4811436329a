"""The fake GitLab answers as GitLab does: checked over real HTTP with urllib and python-gitlab."""

from __future__ import annotations

import gzip
import io
import re
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import gitlab
import pytest
from gitlab.exceptions import GitlabAuthenticationError, GitlabGetError, GitlabHttpError

from scanner.collectors.hosts.gitlab.queries import PROJECT, PROJECT_COMMUNITY

from fakes.asking import Reply, ask
from fakes.gitlab_api import DORA_DENIED, GRAPHQL_MAX_COMPLEXITY, FakeGitLab

TOKEN = "glpat-fake-token-for-tests"
NOW = datetime.now(UTC).replace(microsecond=0)
GITLAB_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def call(url: str, token: str | None = TOKEN, *, method: str = "GET", data: Any = None,
         headers: Mapping[str, str] | None = None) -> Reply:
    """One request with urllib; error statuses are returned, not raised."""
    return ask(url, {} if token is None else {"PRIVATE-TOKEN": token}, method=method,
               data=data, headers=headers)


def graphql(fake: FakeGitLab, query: str = PROJECT, token: str | None = TOKEN,
            **variables: Any) -> Reply:
    variables.setdefault("since", (NOW - timedelta(days=90)).isoformat())
    variables.setdefault("branch", "main")
    return call(fake.graphql_url, token, method="POST",
                data={"query": query, "variables": variables})


def client(fake: FakeGitLab, token: str = TOKEN, **options: Any) -> gitlab.Gitlab:
    return gitlab.Gitlab(fake.base_url, private_token=token, **options)


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    with FakeGitLab(TOKEN) as server:
        yield server
        assert server.server_errors == []


def project_id(fake: FakeGitLab, full_path: str) -> int:
    return fake.project(full_path).id


# --- REST: listing, pagination, errors ---------------------------------------------------------


def test_group_projects_are_paged_with_link_and_x_headers_subgroups_included(
        fake: FakeGitLab) -> None:
    for i in range(3):
        fake.add_project(f"platform/svc{i}", {"README.md": "x"})
    fake.add_project("platform/team/deep/api", {"README.md": "x"})
    fake.add_project("other/unrelated", {"README.md": "x"})
    base = f"{fake.api_url}/groups/platform/projects"
    first = call(f"{base}?include_subgroups=true&order_by=id&sort=asc&per_page=2")
    assert first.status == 200
    assert [p["path_with_namespace"] for p in first.json()] == ["platform/svc0", "platform/svc1"]
    assert (first.headers["x-page"], first.headers["x-next-page"], first.headers["x-prev-page"],
            first.headers["x-total"], first.headers["x-total-pages"],
            first.headers["x-per-page"]) == ("1", "2", "", "4", "2", "2")
    assert set(first.links()) == {"next", "first", "last"}
    last = call(first.links()["next"])
    assert [p["path_with_namespace"] for p in last.json()] == ["platform/svc2",
                                                               "platform/team/deep/api"]
    assert last.headers["x-next-page"] == "" and set(last.links()) == {"prev", "first", "last"}
    direct = call(f"{base}?per_page=100").json()
    assert sorted(p["path"] for p in direct) == ["svc0", "svc1", "svc2"]  # no subgroups
    by_id = call(f"{fake.api_url}/groups/{fake.add_group('platform')}/projects").json()
    assert len(by_id) == 3

    group = client(fake, per_page=2).groups.get("platform", lazy=True)
    listed = group.projects.list(iterator=True, include_subgroups=True)
    assert sorted(p.path_with_namespace for p in listed) == [
        "platform/svc0", "platform/svc1", "platform/svc2", "platform/team/deep/api"]


def test_more_than_a_hundred_projects_take_several_pages(fake: FakeGitLab) -> None:
    for i in range(130):
        fake.add_project(f"big/team{i % 3}/p{i:03d}", {"a": "b"})
    first = call(f"{fake.api_url}/groups/big/projects?include_subgroups=true&per_page=500")
    assert len(first.json()) == 100  # per_page is capped at 100
    assert first.headers["x-total-pages"] == "2" and first.headers["x-next-page"] == "2"
    second = call(first.links()["next"])
    assert len(second.json()) == 30


def test_project_payload_carries_the_fields_a_client_reads(fake: FakeGitLab) -> None:
    fake.add_project("platform/api", {"a": "b"}, topics=["python"], archived=True,
                     default_branch="trunk", forked_from="upstream/api",
                     only_allow_merge_if_pipeline_succeeds=True)
    reply = call(f"{fake.api_url}/projects/{quote('platform/api', safe='')}")
    data = reply.json()
    assert data["id"] == project_id(fake, "platform/api")
    assert (data["path"], data["path_with_namespace"], data["default_branch"], data["topics"],
            data["archived"], data["only_allow_merge_if_pipeline_succeeds"]) == (
        "api", "platform/api", "trunk", ["python"], True, True)
    assert data["forked_from_project"]["path_with_namespace"] == "upstream/api"
    assert data["web_url"] == f"{fake.base_url}/platform/api"
    assert GITLAB_TIME.match(data["last_activity_at"])
    assert data["namespace"]["full_path"] == "platform" and data["empty_repo"] is False
    assert reply.headers["content-type"] == "application/json"
    assert call(f"{fake.api_url}/projects/{data['id']}").json()["id"] == data["id"]


def test_unknown_group_project_and_route_answer_gitlabs_404s(fake: FakeGitLab) -> None:
    fake.add_project("platform/api", {"a": "b"})
    assert call(f"{fake.api_url}/groups/nobody/projects").json() == {
        "message": "404 Group Not Found"}
    assert call(f"{fake.api_url}/projects/platform%2Fmissing").json() == {
        "message": "404 Project Not Found"}
    assert call(f"{fake.api_url}/projects/platform%2Fapi/no_such_thing").json() == {
        "error": "404 Not Found"}
    outside = call(f"{fake.origin}/platform/api")
    assert outside.status == 404 and outside.headers["content-type"].startswith("text/html")
    with pytest.raises(GitlabGetError) as raised:
        client(fake).projects.get("platform/missing")
    assert raised.value.response_code == 404


def test_a_wrong_token_is_refused_with_401_on_rest_and_graphql(fake: FakeGitLab) -> None:
    fake.add_project("platform/api", {"a": "b"})
    reply = call(f"{fake.api_url}/projects/platform%2Fapi", token="glpat-wrong")
    assert (reply.status, reply.json()) == (401, {"message": "401 Unauthorized"})
    assert call(f"{fake.api_url}/projects/platform%2Fapi", token=None).status == 401
    answer = graphql(fake, token="glpat-wrong", fullPath="platform/api")
    assert (answer.status, answer.json()) == (401, {"errors": [{"message": "Invalid token"}]})
    anonymous = graphql(fake, token=None, fullPath="platform/api")
    assert anonymous.status == 200 and anonymous.json()["data"]["project"] is None
    bearer = call(f"{fake.api_url}/projects/platform%2Fapi", token=None,
                  headers={"Authorization": f"Bearer {TOKEN}"})
    assert bearer.status == 200
    with pytest.raises(GitlabAuthenticationError):
        client(fake, token="glpat-wrong").projects.get("platform/api")
    fake.set_token("glpat-rotated")
    assert call(f"{fake.api_url}/projects/platform%2Fapi").status == 401


def test_conditional_get_answers_304_to_a_matching_weak_etag(fake: FakeGitLab) -> None:
    fake.add_project("platform/api", {"a": "b"})
    url = f"{fake.api_url}/projects/platform%2Fapi/protected_branches"
    first = call(url)
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and first.headers["cache-control"].startswith("max-age=0")
    again = call(url, headers={"If-None-Match": etag})
    assert (again.status, again.body) == (304, b"")
    assert call(url, headers={"If-None-Match": 'W/"other"'}).status == 200
    with pytest.raises(GitlabHttpError) as raised:  # how python-gitlab reports a 304
        client(fake).http_request("get", "/projects/platform%2Fapi/protected_branches",
                                  extra_headers={"If-None-Match": etag})
    assert raised.value.response_code == 304
    fake.project("platform/api").protected_branches = [{"name": "main"}]
    assert call(url, headers={"If-None-Match": etag}).status == 200  # changed: a new ETag


# --- faults ------------------------------------------------------------------------------------


def test_faults_are_served_in_order_then_the_normal_answer(fake: FakeGitLab) -> None:
    fake.add_project("platform/api", {"a": "b"})
    url = f"{fake.api_url}/projects/platform%2Fapi"
    fake.fail_too_many_requests("/projects/platform/api", retry_after=2)
    fake.fail_server_error("/projects/platform", status=502)
    fake.fail_server_error("/projects/platform", status=500)
    assert call(f"{fake.api_url}/groups/platform/projects").status == 200  # untouched

    limited = call(url)
    assert (limited.status, limited.body) == (429, b"Retry later\n")
    assert limited.headers["retry-after"] == "2"
    assert limited.headers["ratelimit-remaining"] == "0" and "ratelimit-reset" in limited.headers
    gateway = call(url)
    assert gateway.status == 502 and b"GitLab is not responding" in gateway.body
    error = call(url)
    assert (error.status, error.json()) == (500, {"message": "500 Internal Server Error"})
    assert call(url).status == 200
    assert fake.pending_faults() == 0
    fake.drop_connection("/projects/platform/api")
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        call(url)
    assert call(url).status == 200


def test_python_gitlab_retries_through_the_injected_faults(fake: FakeGitLab) -> None:
    fake.add_project("platform/api", {"a": "b"})
    fake.fail_server_error("/projects/platform/api", status=502)
    fake.fail_too_many_requests("/projects/platform/api", retry_after=1)
    fake.drop_connection("/projects/platform/api")
    started = time.monotonic()
    project = client(fake, retry_transient_errors=True).projects.get("platform/api")
    assert project.path_with_namespace == "platform/api"
    assert time.monotonic() - started >= 1.0  # waited out Retry-After
    assert [r.status for r in fake.requests] == [502, 429, 0, 200]


def test_a_project_deleted_mid_scan_answers_404_everywhere(fake: FakeGitLab) -> None:
    fake.add_project("platform/api", {"a": "b"})
    fake.add_project("platform/web", {"a": "b"})
    fake.delete_project("platform/api")
    for path in ("", "/repository/archive.tar.gz", "/protected_branches", "/deployments",
                 "/approval_rules", "/dora/metrics?metric=deployment_frequency"):
        reply = call(f"{fake.api_url}/projects/platform%2Fapi{path}")
        assert (reply.status, reply.json()) == (404, {"message": "404 Project Not Found"}), path
    answer = graphql(fake, fullPath="platform/api").json()
    assert answer["data"]["project"] is None and "errors" not in answer
    listed = call(f"{fake.api_url}/groups/platform/projects").json()
    assert [p["path"] for p in listed] == ["web"]


# --- archive -----------------------------------------------------------------------------------


def test_archive_has_one_top_folder_named_after_project_ref_and_sha(fake: FakeGitLab) -> None:
    files: dict[str, str | bytes] = {"README.md": "# api\n", "src/app.py": "print(1)\n",
                                     "bin/blob": b"\x00\x01"}
    project = fake.add_project("platform/team/api", files)
    sha = project.sha
    reply = call(f"{fake.api_url}/projects/{project.id}/repository/archive.tar.gz?sha={sha}")
    assert reply.status == 200
    top = f"api-{sha}-{sha}"
    assert reply.headers["content-disposition"] == f'attachment; filename="{top}.tar.gz"'
    with tarfile.open(fileobj=io.BytesIO(reply.body), mode="r:gz") as archive:
        names = archive.getnames()
        assert archive.pax_headers["comment"] == sha
        member = archive.extractfile(f"{top}/src/app.py")
        assert member is not None and member.read() == b"print(1)\n"
    assert set(names) >= {top, f"{top}/README.md", f"{top}/src", f"{top}/bin/blob"}
    assert gzip.decompress(reply.body)[:100]  # a plain gzip stream
    by_branch = call(f"{fake.api_url}/projects/{project.id}/repository/archive.tar.gz?sha=main")
    assert f"api-main-{sha}" in by_branch.headers["content-disposition"]
    unknown = call(f"{fake.api_url}/projects/{project.id}/repository/archive.tar.gz?sha=nope")
    assert (unknown.status, unknown.json()) == (404, {"message": "404 File Not Found"})
    empty = fake.add_project("platform/empty")
    assert call(f"{fake.api_url}/projects/{empty.id}/repository/archive.tar.gz").status == 404
    assert call(f"{fake.api_url}/projects/{empty.id}").json()["default_branch"] is None


# --- tiers and features ------------------------------------------------------------------------


def test_paid_features_answer_by_tier_and_dora_refuses_with_a_401_of_its_own(
        fake: FakeGitLab) -> None:
    fake.add_project("platform/free", {"a": "b"}, tier="free",
                     protected_branches=[{"name": "main", "code_owner_approval_required": True}])
    fake.add_project("platform/premium", {"a": "b"}, tier="premium",
                     approval_rules=[{"name": "two", "approvals_required": 2,
                                      "protected_branches": ["main"]}])
    free = f"{fake.api_url}/projects/platform%2Ffree"
    assert call(f"{free}/approval_rules").json() == {"message": "403 Forbidden"}
    protected = call(f"{free}/protected_branches").json()[0]
    assert protected["push_access_levels"][0]["access_level_description"] == "Maintainers"
    assert "code_owner_approval_required" not in protected  # a Premium field
    premium = f"{fake.api_url}/projects/platform%2Fpremium"
    rule = call(f"{premium}/approval_rules").json()[0]
    assert (rule["approvals_required"], rule["rule_type"],
            [b["name"] for b in rule["protected_branches"]]) == (2, "regular", ["main"])
    denied = call(f"{premium}/dora/metrics?metric=deployment_frequency")
    assert (denied.status, denied.json()) == (401, {"message": DORA_DENIED})
    with pytest.raises(GitlabAuthenticationError):  # python-gitlab takes any 401 for the token
        client(fake).http_get("/projects/platform%2Fpremium/dora/metrics",
                              query_data={"metric": "deployment_frequency"})


def test_dora_metrics_count_production_deployments_per_day_and_check_their_input(
        fake: FakeGitLab) -> None:
    fake.add_project("platform/api", {"a": "b"}, dora={"lead_time_for_changes": 5400.0},
                     environments=[{"name": "live-eu", "tier": "production"}],
                     deployments=[{"environment": "production", "created_at": ago(3)},
                                  {"environment": "production", "created_at": ago(3)},
                                  {"environment": "live-eu", "created_at": ago(2)},
                                  {"environment": "staging", "created_at": ago(2)},
                                  {"environment": "production", "created_at": ago(1),
                                   "status": "failed"}])
    base = f"{fake.api_url}/projects/platform%2Fapi/dora/metrics"
    dates = f"start_date={ago(10).date()}&end_date={NOW.date()}"
    daily = call(f"{base}?metric=deployment_frequency&interval=daily&{dates}").json()
    assert len(daily) == 11
    assert {row["date"]: row["value"] for row in daily if row["value"]} == {
        str(ago(3).date()): 2, str(ago(2).date()): 1}
    lead = call(f"{base}?metric=lead_time_for_changes&interval=all&{dates}").json()
    assert lead == [{"date": None, "value": 5400.0}]
    assert call(f"{base}?metric=change_failure_rate&interval=all&{dates}").json() == [
        {"date": None, "value": None}]
    too_long = call(f"{base}?metric=deployment_frequency&start_date={ago(200).date()}")
    assert too_long.json() == {"message": "Date range must be shorter than 180 days."}
    assert call(f"{base}?metric=speed").status == 400
    assert call(f"{base}?metric=deployment_frequency&interval=hourly").status == 400


def test_deployments_filter_by_update_only_when_sorted_by_it(fake: FakeGitLab) -> None:
    fake.add_project("platform/api", {"a": "b"},
                     deployments=[{"environment": "production", "created_at": ago(40)},
                                  {"environment": "staging", "created_at": ago(5),
                                   "status": "running"},
                                  {"environment": "production", "created_at": ago(2),
                                   "status": "failed"}])
    base = f"{fake.api_url}/projects/platform%2Fapi/deployments"
    since = f"{ago(10).date()}T00:00:00Z"
    unsorted = call(f"{base}?updated_after={since}")
    assert unsorted.status == 400 and "must be paired" in unsorted.json()["message"]
    recent = call(f"{base}?updated_after={since}&order_by=updated_at&sort=desc").json()
    assert [(d["environment"]["name"], d["status"]) for d in recent] == [
        ("production", "failed"), ("staging", "running")]
    deployment = recent[0]
    assert deployment["deployable"]["finished_at"] == deployment["created_at"]
    assert deployment["deployable"]["web_url"].startswith(f"{fake.base_url}/platform/api/-/jobs/")
    assert GITLAB_TIME.match(deployment["updated_at"])
    assert call(f"{base}?environment=staging").json()[0]["deployable"]["finished_at"] is None
    environments = call(f"{fake.api_url}/projects/platform%2Fapi/environments").json()
    assert {e["name"]: e["tier"] for e in environments} == {"production": "production",
                                                            "staging": "staging"}


# --- self-managed and Community Edition -------------------------------------------------------


def test_a_self_managed_instance_under_a_path_prefix() -> None:
    with FakeGitLab(TOKEN, prefix="/gitlab") as fake:
        fake.add_project("platform/api", {"a": "b"})
        fake.add_project("platform/web", {"a": "b"})
        assert fake.base_url.endswith("/gitlab")
        page = call(f"{fake.api_url}/groups/platform/projects?per_page=1")
        assert page.links()["next"].startswith(f"{fake.base_url}/api/v4/groups/platform/")
        assert call(f"{fake.origin}/api/v4/groups/platform/projects").status == 404
        project = client(fake).projects.get("platform/api")
        assert project.web_url == f"{fake.base_url}/platform/api"
        assert graphql(fake, fullPath="platform/api").json()["data"]["project"]["webUrl"] == \
            f"{fake.base_url}/platform/api"


def test_community_edition_has_no_enterprise_fields_or_routes() -> None:
    with FakeGitLab(TOKEN, edition="ce") as fake:
        fake.add_project("platform/api", {"a": "b"}, tier="ultimate")
        answer = graphql(fake, fullPath="platform/api").json()
        assert "data" not in answer
        assert answer["errors"][0]["message"] in {
            f"Field '{name}' doesn't exist on type 'Project'"
            for name in ("pushRules", "securityScanners", "vulnerabilities")}
        community = graphql(fake, PROJECT_COMMUNITY, fullPath="platform/api").json()
        assert community["data"]["project"]["webUrl"].endswith("/platform/api")
        for path in ("approval_rules", "dora/metrics?metric=deployment_frequency"):
            reply = call(f"{fake.api_url}/projects/platform%2Fapi/{path}")
            assert (reply.status, reply.json()) == (404, {"error": "404 Not Found"})


# --- GraphQL -----------------------------------------------------------------------------------


def full_project(fake: FakeGitLab, tier: str = "ultimate") -> None:
    fake.add_project(
        "platform/api", {"a": "b"}, tier=tier, only_allow_merge_if_pipeline_succeeds=True,
        reject_unsigned_commits=True, scanners=["SAST", "SECRET_DETECTION"],
        merge_requests=[{"iid": 1, "merged_at": ago(10), "author": "ana", "approvers": ["bo"],
                         "commits": [ago(12), ago(11)], "labels": ["feature"]},
                        {"iid": 2, "merged_at": ago(200), "author": "bo"},
                        {"iid": 3, "merged_at": ago(5), "target_branch": "release"},
                        {"iid": 4, "merged_at": None, "author": "cy"}],
        issues=[{"iid": 7, "created_at": ago(20), "closed_at": ago(19), "labels": ["bug"]},
                {"iid": 8, "created_at": ago(300), "type": "INCIDENT"},
                {"iid": 9, "created_at": ago(3), "type": "INCIDENT"}],
        releases=[{"tag": "v1.0", "released_at": ago(6), "assets": ["api.tar.gz.sig"]},
                  {"tag": "v2.0", "released_at": NOW + timedelta(days=3)}],
        deployments=[{"environment": "prod-eu", "created_at": ago(4)}],
        vulnerabilities=[{"report_type": "SAST", "severity": "HIGH", "detected_at": ago(9)},
                         {"report_type": "DEPENDENCY_SCANNING", "severity": "CRITICAL",
                          "detected_at": ago(30), "resolved_at": ago(20)}])


def test_the_collectors_query_is_answered_field_by_field(fake: FakeGitLab) -> None:
    full_project(fake)
    reply = graphql(fake, fullPath="platform/api")
    answer = reply.json()
    assert reply.status == 200 and "errors" not in answer, answer
    complexity = answer["data"]["queryComplexity"]
    assert complexity["limit"] == GRAPHQL_MAX_COMPLEXITY
    assert complexity["score"] < GRAPHQL_MAX_COMPLEXITY  # with room to spare
    project = answer["data"]["project"]
    assert list(project)[:4] == ["webUrl", "archived", "onlyAllowMergeIfPipelineSucceeds",
                                 "repository"]
    assert project["repository"] == {"rootRef": "main", "empty": False,
                                     "tree": {"lastCommit": {"sha": fake.project(
                                         "platform/api").sha}}}
    requests = project["mergeRequests"]["nodes"]
    assert [r["iid"] for r in requests] == ["1"]  # merged, in the window, into main
    first = requests[0]
    assert first["approvedBy"] == {"nodes": [{"username": "bo"}]}
    oldest = first["commits"]["nodes"]  # `last: 1` of a list GitLab gives newest first
    assert len(oldest) == 1 and GITLAB_TIME.match(oldest[0]["authoredDate"])
    assert oldest[0]["authoredDate"].startswith(str(ago(12).date()))
    assert first["labels"] == {"nodes": [{"title": "feature"}]}
    assert [i["iid"] for i in project["issues"]["nodes"]] == ["9", "7"]  # updated, newest first
    assert project["issues"]["nodes"][0]["type"] == "INCIDENT"
    releases = project["releases"]["nodes"]
    assert [(r["tagName"], r["upcomingRelease"]) for r in releases] == [("v2.0", True),
                                                                         ("v1.0", False)]
    assert releases[1]["assets"] == {"links": {"nodes": [{"name": "api.tar.gz.sig"}]}}
    assert project["environments"]["nodes"] == [{"name": "prod-eu", "tier": "PRODUCTION"}]
    assert project["environments"]["pageInfo"]["hasNextPage"] is False
    assert project["pushRules"] == {"rejectUnsignedCommits": True}
    assert project["securityScanners"]["enabled"] == ["SAST", "SECRET_DETECTION"]
    assert "DEPENDENCY_SCANNING" in project["securityScanners"]["available"]
    vulnerabilities = project["vulnerabilities"]["nodes"]
    assert [(v["reportType"], v["state"]) for v in vulnerabilities] == [
        ("SAST", "DETECTED"), ("DEPENDENCY_SCANNING", "RESOLVED")]  # detected, newest first
    assert vulnerabilities[0]["webUrl"].startswith(
        f"{fake.base_url}/platform/api/-/security/vulnerabilities/")


def test_below_ultimate_vulnerabilities_are_an_empty_list_not_an_error(
        fake: FakeGitLab) -> None:
    full_project(fake, tier="premium")
    project = graphql(fake, fullPath="platform/api").json()["data"]["project"]
    assert project["vulnerabilities"] == {"nodes": []}
    assert "DEPENDENCY_SCANNING" not in project["securityScanners"]["available"]
    fake.add_project("platform/hidden", {"a": "b"}, vulnerabilities=None)
    hidden = graphql(fake, fullPath="platform/hidden").json()
    assert hidden["data"]["project"]["vulnerabilities"] is None
    error = hidden["errors"][0]
    assert error["path"] == ["project", "vulnerabilities"] and "type" not in error
    assert "don't have permission" in error["message"]


def test_graphql_refuses_unknown_fields_arguments_enums_and_too_complex_queries(
        fake: FakeGitLab) -> None:
    fake.add_project("platform/api", {"a": "b"})

    def ask(query: str) -> dict[str, Any]:
        return dict(call(fake.graphql_url, method="POST", data={
            "query": query, "variables": {"p": "platform/api"}}).json())

    field = ask("query Q($p: ID!) { project(fullPath: $p) { nope } }")
    assert field["errors"][0]["message"] == "Field 'nope' doesn't exist on type 'Project'"
    argument = ask("query Q($p: ID!) { project(fullPath: $p) { mergeRequests(foo: 1) "
                   "{ nodes { iid } } } }")
    assert argument["errors"][0]["message"] == \
        "Field 'mergeRequests' doesn't accept argument 'foo'"
    enum = ask("query Q($p: ID!) { project(fullPath: $p) { mergeRequests(state: MERGED) "
               "{ nodes { iid } } } }")
    assert enum["errors"][0]["message"] == ("Argument 'state' on Field 'mergeRequests' has an "
                                            "invalid value (MERGED). Expected type "
                                            "'MergeRequestState'.")
    heavy = " ".join(f"a{n}: mergeRequests(first: 100) {{ nodes {{ iid mergedAt labels "
                     f"{{ nodes {{ title }} }} }} }}" for n in range(10))
    refused = ask(f"query Q($p: ID!) {{ project(fullPath: $p) {{ {heavy} }} }}")
    assert "data" not in refused
    assert re.match(r"^Query has complexity of \d+, which exceeds max complexity of 250$",
                    refused["errors"][0]["message"])
    variable = call(fake.graphql_url, method="POST", data={"query": PROJECT, "variables": {
        "fullPath": "platform/api", "since": "yesterday", "branch": "main"}}).json()
    assert variable["errors"][0]["message"] == \
        "Variable $since of type Time! was provided invalid value"


def test_graphql_connections_default_to_pages_of_a_hundred(fake: FakeGitLab) -> None:
    fake.add_project("platform/api", {"a": "b"}, issues=[
        {"iid": n, "created_at": ago(n % 50 + 1)} for n in range(1, 131)])
    query = ("query Q($p: ID!) { project(fullPath: $p) { all: issues { count "
             "nodes { iid } pageInfo { hasNextPage endCursor } } many: issues(first: 500) "
             "{ nodes { iid } } } }")
    answer = call(fake.graphql_url, method="POST",
                  data={"query": query, "variables": {"p": "platform/api"}}).json()
    project = answer["data"]["project"]
    assert len(project["all"]["nodes"]) == 100 and project["all"]["count"] == 130
    assert project["all"]["pageInfo"]["hasNextPage"] is True
    assert len(project["many"]["nodes"]) == 100


# --- accounting --------------------------------------------------------------------------------


def test_the_log_names_paths_with_full_paths_and_counts_what_was_not_a_304(
        fake: FakeGitLab) -> None:
    project = fake.add_project("platform/api", {"a": "b"})
    url = f"{fake.api_url}/projects/{project.id}/protected_branches"
    etag = call(url).headers["etag"]
    call(url, headers={"If-None-Match": etag})
    graphql(fake, fullPath="platform/api")
    call(f"{fake.api_url}/groups/platform/projects")
    assert [(r.method, r.path, r.status, r.project) for r in fake.requests] == [
        ("GET", "/projects/platform/api/protected_branches", 200, "platform/api"),
        ("GET", "/projects/platform/api/protected_branches", 304, "platform/api"),
        ("POST", "/graphql", 200, "platform/api"),
        ("GET", "/groups/platform/projects", 200, None)]
    assert fake.count() == 3 and fake.count(not_modified=True) == 4
    assert fake.count_for("platform/api") == 2
    fake.clear_log()
    assert fake.requests == []
