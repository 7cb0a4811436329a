"""A faithful stand-in for the GitLab API (REST v4 and GraphQL), served over real HTTP.

Tests build groups and projects in memory (`FakeGitLab.add_project`), point a
client at `base_url`, and read back what the client asked for (`requests`,
`count_for`). Answers follow GitLab's payload shapes (docs.gitlab.com/api, the
GraphQL reference, and GitLab's own source for what the docs leave out),
including the parts clients trip on:

- authentication by `PRIVATE-TOKEN` (or `Authorization: Bearer`); a wrong token
  is `401 {"message":"401 Unauthorized"}` on REST and `401 {"errors":[{"message":
  "Invalid token"}]}` on GraphQL;
- offset pagination with both `Link` (rel prev/next/first/last, absolute URLs
  built from the instance's URL, path prefix included) and the `X-Page`,
  `X-Per-Page`, `X-Next-Page` (empty on the last page), `X-Prev-Page`, `X-Total`
  and `X-Total-Pages` headers; `per_page` capped at 100 silently;
- weak ETags (`W/"…"`) on every JSON GET and `304 Not Modified` to a matching
  `If-None-Match` (Rack's ConditionalGet, which GitLab's API runs behind);
- the `404 Group Not Found` / `404 Project Not Found` messages, `{"error":
  "404 Not Found"}` for a route the edition lacks, `403 Forbidden` for a paid
  feature on a lower tier, and the DORA API's `401 "You do not have permission
  to access dora metrics."` below Ultimate (a 401 that is not about the token);
- the deployments list's rule that `updated_after` needs `order_by=updated_at`;
- `GET /projects/:id/repository/archive.tar.gz?sha=` with its top folder
  `<project path>-<ref>-<sha>/`;
- GraphQL at `/api/graphql`: the project's fields and connections the
  collector reads, enum and argument checking worded like graphql-ruby, a
  connection without `first` paged at 100, `project: null` (no error) for a
  project that is missing or hidden, GitLab's query complexity limit (250,
  computed as GitLab's BaseField does) and `queryComplexity { score limit }`;
  below Ultimate `vulnerabilities` comes back as an empty list (GitLab redacts
  the nodes), and on Community Edition (`edition="ce"`) the Enterprise fields do
  not exist at all.

A self-managed instance may live under a path prefix (`prefix="/gitlab"`).
Faults (status codes, `Retry-After`, dropped connections, a project deleted
mid-scan) are injected in order per path prefix, where the path is the API path
with project and group ids written as full paths
(`/projects/platform/api/repository/archive.tar.gz`, `/groups/platform/projects`,
`/graphql`). The token is compared, never printed or logged.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any, NamedTuple
from urllib.parse import quote, unquote, urlsplit

from . import git_http
from . import graphql_engine as gql
from .host_payloads import (
    DEFAULT_CREATED,
    REQUIRED,
    HostedRepository,
    parse_datetime,
    spec,
    stable_id,
    tarball,
    when,
)
from .host_stand_in import (
    Answer,
    Call,
    HostStandIn,
    Page,
    etag_matches,
    graphql_request,
    json_answer,
    link_header,
    page_url,
    parsed,
)

GRAPHQL_MAX_COMPLEXITY = 250  # a signed-in user's limit
GRAPHQL_PAGE_SIZE = 100
DORA_DENIED = "You do not have permission to access dora metrics."
DORA_MAX_RANGE_DAYS = 180
NOT_AVAILABLE = ("The resource that you are attempting to access does not exist or you don't "
                 "have permission to perform this action")
TIERS = ("free", "premium", "ultimate")
EDITIONS = ("ee", "ce")
ACCESS_LEVELS = {0: "No one", 30: "Developers + Maintainers", 40: "Maintainers", 60: "Admins"}
DEPLOYMENT_STATUSES = frozenset({"created", "running", "success", "failed", "canceled",
                                 "skipped", "blocked"})
JOB_STATUSES = frozenset({"created", "pending", "running", "failed", "success", "canceled",
                          "canceling", "skipped", "manual", "scheduled", "preparing",
                          "waiting_for_resource"})
REPORT_TYPES = frozenset({"SAST", "DEPENDENCY_SCANNING", "CONTAINER_SCANNING", "DAST",
                          "SECRET_DETECTION", "COVERAGE_FUZZING", "API_FUZZING",
                          "CLUSTER_IMAGE_SCANNING", "GENERIC"})
SEVERITIES = frozenset({"CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO", "UNKNOWN"})
VULNERABILITY_STATES = frozenset({"DETECTED", "CONFIRMED", "RESOLVED", "DISMISSED"})
SCANNER_TYPES = frozenset({"API_FUZZING", "CLUSTER_IMAGE_SCANNING", "CONTAINER_SCANNING",
                           "COVERAGE_FUZZING", "DAST", "DEPENDENCY_SCANNING", "SAST", "SAST_IAC",
                           "SECRET_DETECTION", "BREACH_AND_ATTACK_SIMULATION"})
# What the Security configuration offers by tier (SAST, IaC, secrets and containers are Free).
AVAILABLE_SCANNERS = {
    "free": ["CONTAINER_SCANNING", "SAST", "SAST_IAC", "SECRET_DETECTION"],
    "premium": ["CONTAINER_SCANNING", "SAST", "SAST_IAC", "SECRET_DETECTION"],
    "ultimate": sorted(SCANNER_TYPES),
}
ISSUE_TYPES = frozenset({"ISSUE", "INCIDENT", "TEST_CASE", "REQUIREMENT", "TASK"})
DEPLOYMENT_TIERS = ("production", "staging", "testing", "development", "other")
# GitLab's Environment#guess_tier, checked in this order.
_TIER_GUESSES = (("development", re.compile(r"(?i)(dev|review|trunk)")),
                 ("testing", re.compile(r"(?i)(test|tst|int|ac(ce|)pt|qa|qc|control|quality)")),
                 ("staging", re.compile(r"(?i)(st(a|)g|mod(e|)l|pre|demo|non)")),
                 ("production", re.compile(r"(?i)(pr(o|)d|live)")))

_GENERATED: Any = object()  # a default the fake makes up (a merge commit's SHA)


class LoggedRequest(NamedTuple):
    """One request the fake answered. `path` is the API path (no prefix, no `/api/v4`, no
    query) with ids written as full paths; `project` the project it concerns, if any."""

    method: str
    path: str
    status: int
    project: str | None = None


@dataclass
class FakeProject(HostedRepository):
    """A project as the fake serves it; mutate it freely between requests.

    List options are lists of dicts whose keys are documented in `FakeGitLab.add_project`.
    """

    full_path: str
    id: int
    files: dict[str, str | bytes] = field(default_factory=dict)
    default_branch: str = "main"
    archived: bool = False
    forked_from: str | None = None
    topics: Iterable[str] = ()
    visibility: str = "private"
    tier: str = "ultimate"
    head_sha: str | None = None
    created_at: datetime | None = None
    last_activity_at: datetime | None = None
    only_allow_merge_if_pipeline_succeeds: bool = False
    reject_unsigned_commits: bool = False
    protected_branches: list[dict[str, Any]] = field(default_factory=list)
    approval_rules: list[dict[str, Any]] = field(default_factory=list)
    merge_requests: list[dict[str, Any]] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)
    releases: list[dict[str, Any]] = field(default_factory=list)
    environments: list[dict[str, Any]] = field(default_factory=list)
    deployments: list[dict[str, Any]] = field(default_factory=list)
    vulnerabilities: list[dict[str, Any]] | None = field(default_factory=list)
    scanners: Iterable[str] = ()
    dora: dict[str, float | None] = field(default_factory=dict)
    jobs: list[dict[str, Any]] = field(default_factory=list)
    # A local git repository served over smart HTTP at `http_url_to_repo` (git http-backend).
    git_dir: str | None = None
    deleted: bool = False

    @property
    def path(self) -> str:
        return self.full_path.rsplit("/", 1)[-1]

    @property
    def namespace(self) -> str:
        return self.full_path.rsplit("/", 1)[0]

    @property
    def full_name(self) -> str:
        return self.full_path

    @property
    def activity(self) -> datetime:
        return when(self.last_activity_at, "last_activity_at") or self.created


@dataclass
class _Call(Call):
    """`path` is normalized (ids written as full paths) once the request is known to be an
    API request, and empty until then."""

    raw_path: str = ""  # as sent, ids URL-encoded
    project: str | None = None


class FakeGitLab(HostStandIn[LoggedRequest]):
    """GitLab for one token, on 127.0.0.1; use as a context manager or start()/stop().

    `base_url` is what a client is configured with (`http://127.0.0.1:PORT`, plus the
    `prefix` of a self-managed instance under a path); the API is at `api_url`
    (`…/api/v4`) and GraphQL at `graphql_url` (`…/api/graphql`).
    """

    name = "GitLab"
    server_version = "nginx"
    methods = ("GET", "POST", "HEAD")
    json_type = "application/json"

    def __init__(self, token: str = "test-token", *, prefix: str = "", edition: str = "ee",
                 latency: float = 0.0) -> None:
        if edition not in EDITIONS:
            raise ValueError(f"edition must be one of {EDITIONS}")
        super().__init__(token, latency)
        self.prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
        self.edition = edition
        # GitLab omits `Link` where it cannot page by offset (keyset, over 10,000 rows);
        # `X-Next-Page` is then what a client follows.
        self.link_headers = True
        self._doomed: set[str] = set()
        self.graphql_scores: list[int] = []
        self._groups: dict[str, int] = {}
        self._projects: dict[str, FakeProject] = {}

    # --- URLs ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"{self.origin}{self.prefix}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/v4"

    @property
    def graphql_url(self) -> str:
        return f"{self.base_url}/api/graphql"

    # --- data --------------------------------------------------------------------------------

    def add_group(self, full_path: str) -> int:
        """A group and its parents (created on first use); returns its id."""
        with self._lock:
            parts = full_path.strip("/").split("/")
            for depth in range(1, len(parts) + 1):
                self._groups.setdefault("/".join(parts[:depth]), 9000 + len(self._groups) + 1)
            return self._groups[full_path.strip("/")]

    def add_project(self, full_path: str, files: Mapping[str, str | bytes] | None = None,
                    **options: Any) -> FakeProject:
        """Add the project `group[/subgroup…]/path` (its groups are created on first use).

        Options (GitLab's field meaning; times are timezone-aware datetimes or ISO strings):
        default_branch, archived, forked_from (a full path), topics, visibility, tier
        (free | premium | ultimate), head_sha, created_at, last_activity_at,
        only_allow_merge_if_pipeline_succeeds, reject_unsigned_commits (Premium push rule);
        protected_branches: [{name, push_access_level, merge_access_level, allow_force_push,
          code_owner_approval_required}] (access levels 0 No one, 30, 40 Maintainers, 60);
        approval_rules: [{name, approvals_required, rule_type, protected_branches (names),
          applies_to_all_protected_branches}] (Premium);
        merge_requests: [{iid, merged_at, author, approvers, commits (authored times, oldest
          first), merge_sha, labels, target_branch, created_at, title}];
        issues: [{iid, created_at, closed_at, updated_at, labels, type, title}];
        releases: [{tag, released_at, created_at, assets, name}];
        environments: [{name, tier}] (others are created from deployments, their tier guessed
          from the name as GitLab does);
        deployments: [{environment, created_at, status, finished_at, updated_at, sha, ref,
          iid}];
        vulnerabilities: [{report_type, severity, state, detected_at, resolved_at,
          dismissed_at, updated_at, scanner, title}] or None (the token may not read them:
          a GraphQL error); below Ultimate GitLab shows none whatever they are;
        scanners: analyzers in the latest default-branch pipeline (SecurityScannerType);
        dora: {lead_time_for_changes, time_to_restore_service, change_failure_rate} as the
          DORA API would aggregate them (seconds, seconds, ratio);
        jobs: CI jobs beyond those of deployments: [{name, stage, status, ref, tag,
          created_at, finished_at, sha}], listed newest first;
        git_dir: a local git repository to serve for cloning at `http_url_to_repo` (smart
          HTTP, answered by `git http-backend`; the token is the Basic password).
        """
        key = full_path.strip("/")
        if "/" not in key:
            raise ValueError("a project lives in a group: give group/project")
        self.add_group(key.rsplit("/", 1)[0])
        with self._lock:
            if key in self._projects and not self._projects[key].deleted:
                raise ValueError(f"project {key} exists already")
            project = FakeProject(full_path=key, id=1000 + next(self._ids),
                                  files=dict(files or {}), **options)
        if project.tier not in TIERS:
            raise ValueError(f"tier must be one of {TIERS}")
        if self.edition == "ce":
            project.tier = "free"
        if project.last_activity_at is None:
            project.last_activity_at = datetime.now(UTC).replace(microsecond=0)
        self.validate(project)
        with self._lock:
            self._projects[key] = project
        return project

    def project(self, full_path: str) -> FakeProject:
        return self._projects[full_path.strip("/")]

    def validate(self, project: FakeProject) -> None:
        """Render everything once, so a mistyped option fails in the test, not as a 500."""
        self._project_json(project)
        for render, items in ((self._protected_json, project.protected_branches),
                              (self._approval_rule_json, project.approval_rules),
                              (self._deployment_json, project.deployments)):
            for index, item in enumerate(items):
                render(project, item, index)
        for kind in ("mergeRequests", "issues", "releases", "environments"):
            self._graphql_project(project)[kind]({})
        self._vulnerability_nodes(project)
        unknown = set(project.scanners) - SCANNER_TYPES
        if unknown:
            raise ValueError(f"unknown scanners {sorted(unknown)}; known: {sorted(SCANNER_TYPES)}")

    def delete_project(self, full_path: str) -> None:
        """Later requests for it answer 404 (a project deleted mid-scan)."""
        self.project(full_path).deleted = True

    def delete_when_read(self, full_path: str) -> None:
        """Delete the project as the first request about it arrives (listed, then gone)."""
        with self._lock:
            self._doomed.add(full_path)

    def _maybe_delete(self, call: _Call) -> None:
        with self._lock:
            doomed = call.project in self._doomed
            self._doomed.discard(call.project or "")
        if doomed and call.project:
            self.project(call.project).deleted = True

    # --- faults ------------------------------------------------------------------------------

    def error_body(self, status: int) -> Any:
        return {"message": f"{status} {_REASONS.get(status, 'Error')}"}

    def text_type(self, body: bytes) -> str:
        return "text/html; charset=utf-8" if body.startswith(b"<") else "text/plain"

    def fail_too_many_requests(self, path_prefix: str | None = None, retry_after: int = 1,
                               times: int = 1) -> None:
        """429 as GitLab's rate limiter answers: plain text, `Retry-After` and `RateLimit-*`."""
        reset = math.ceil(time.time() + retry_after)
        self.fail_next(path_prefix, 429, {
            "Retry-After": str(retry_after), "RateLimit-Name": "throttle_authenticated_api",
            "RateLimit-Limit": "2000", "RateLimit-Observed": "2001", "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(reset),
            "RateLimit-ResetTime": time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                                 time.gmtime(reset))},
            b"Retry later\n", times)

    def fail_server_error(self, path_prefix: str | None = None, status: int = 502,
                          times: int = 1) -> None:
        """A 5xx: Workhorse's HTML page for 502/503, GitLab's JSON otherwise."""
        body: Any = (b"<!DOCTYPE html><html><head><title>GitLab is not responding (502)"
                     b"</title></head><body></body></html>\n") if status in (502, 503) else None
        self.fail_next(path_prefix, status, times=times, body=body)

    # --- accounting --------------------------------------------------------------------------

    def count(self, not_modified: bool = False) -> int:
        """Requests answered; by default those that were not a 304."""
        with self._lock:
            return sum(1 for r in self._log if not_modified or r.status != 304)

    def count_for(self, full_path: str, not_modified: bool = False) -> int:
        """Requests about one project (REST paths and GraphQL queries naming it)."""
        with self._lock:
            return sum(1 for r in self._log if r.project == full_path
                       and (not_modified or r.status != 304))

    # --- request handling --------------------------------------------------------------------

    def serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        target, query, headers, body = self._received(handler)
        call = _Call(method, "", query, headers, body, raw_path=target.path)
        git = git_http.GIT_PATH.match(unquote(target.path)[len(self.prefix):])
        if git and unquote(target.path).startswith(self.prefix + "/"):
            call.path, call.project = git.group(0), git.group(1)
            self._finish(handler, call, self._take_fault(call.path)
                         or self._git(call, git.group(1), git.group(2)))
            return
        inner = self._inner_path(target.path)
        if inner is None:
            self._finish(handler, call, Answer(404, b"<html><body>Not Found</body></html>",
                                               {"Content-Type": "text/html; charset=utf-8"}))
            return
        call.path = self._normalized(inner, call)
        self._maybe_delete(call)
        if self.latency:
            time.sleep(self.latency)
        answer = self._answer(call, inner)
        self._finish(handler, call, answer)

    def _inner_path(self, raw_path: str) -> str | None:
        """The path under `/api/v4` (or `/graphql`), still URL-encoded; None outside the API."""
        if not raw_path.startswith(self.prefix + "/api/"):
            return None
        inner = raw_path[len(self.prefix):]
        if inner == "/api/graphql":
            return "/graphql"
        if inner.startswith("/api/v4/"):
            return inner.removeprefix("/api/v4")
        return None

    def _normalized(self, inner: str, call: _Call) -> str:
        """The path with `:id` segments written as full paths, for faults and the log."""
        segments = inner.split("/")
        if len(segments) > 2 and segments[1] in ("projects", "groups"):
            key = unquote(segments[2])
            if segments[1] == "projects":
                with self._lock:  # deleted ones too: the log still names them
                    project = next((p for p in self._projects.values()
                                    if str(p.id) == key or p.full_path == key), None)
                key = project.full_path if project else key
                call.project = key
            else:
                key = self._group_path(key) or key
            segments[2] = key
        return "/".join(segments)

    def _answer(self, call: _Call, inner: str) -> Answer:
        graphql = inner == "/graphql"
        authorized = self._authorized(call.headers)
        if authorized is False:
            if graphql:
                return _json_answer(401, {"errors": [{"message": "Invalid token"}]})
            return _json_answer(401, {"message": "401 Unauthorized"})
        fault = self._take_fault(call.path)
        if fault is not None:
            return fault
        if graphql:
            if call.method != "POST":
                return _json_answer(405, {"errors": [{"message": "405 Method Not Allowed"}]})
            return self._guarded(lambda c: self._graphql(c, signed_in=bool(authorized)), call)
        if not authorized:
            return _json_answer(401, {"message": "401 Unauthorized"})
        if call.method != "GET":
            return _json_answer(405, {"message": "405 Method Not Allowed"})
        answer = self._guarded(lambda c: self._route(c, inner), call)
        if answer.cacheable:
            etag = 'W/"' + hashlib.md5(answer.body).hexdigest() + '"'
            answer.headers.update({"ETag": etag,
                                   "Cache-Control": "max-age=0, private, must-revalidate"})
            if etag_matches(call.headers.get("if-none-match"), etag):
                kept = {k: v for k, v in answer.headers.items()
                        if k in ("ETag", "Cache-Control")}
                answer = Answer(304, b"", kept)
        return answer

    def _authorized(self, headers: Mapping[str, str]) -> bool | None:
        """True for the token, False for another one, None when none was sent (anonymous)."""
        given = headers.get("private-token")
        if given is None:
            scheme, _, rest = (headers.get("authorization") or "").partition(" ")
            given = rest.strip() if scheme.lower() == "bearer" else None
        if given is None:
            return None
        return self._token_is(given)

    def crashed(self, error: Exception) -> Answer:
        return _json_answer(500, {"message": "500 Internal Server Error"})

    def logged(self, call: _Call, answer: Answer) -> LoggedRequest:
        return LoggedRequest(call.method, call.path, answer.status, call.project)

    def headers(self, call: _Call) -> dict[str, str]:
        return {"X-Request-Id": hashlib.sha1(f"{time.time_ns()}".encode()).hexdigest()[:26],
                "X-Gitlab-Meta": '{"correlation_id":"fake","version":"1"}'}

    # --- REST --------------------------------------------------------------------------------

    def _route(self, call: _Call, inner: str) -> Answer:
        segments = inner.split("/")[1:]
        if segments == ["version"]:
            return _json_answer(200, {"version": "17.6.0-ee" if self.edition == "ee"
                                      else "17.6.0", "revision": "0123abcd"}, cacheable=True)
        if len(segments) >= 2 and segments[0] == "groups":
            return self._group_route(call, unquote(segments[1]), segments[2:])
        if len(segments) >= 2 and segments[0] == "projects":
            project = self._find_project(unquote(segments[1]))
            if project is None:
                return _json_answer(404, {"message": "404 Project Not Found"})
            return self._project_route(call, project, segments[2:])
        return _route_not_found()

    def _group_route(self, call: _Call, key: str, rest: list[str]) -> Answer:
        group = self._group_path(key)
        if group is None:
            return _json_answer(404, {"message": "404 Group Not Found"})
        if rest == ["projects"]:
            return self._group_projects(call, group)
        if not rest:
            return _json_answer(200, self._group_json(group), cacheable=True)
        return _route_not_found()

    def _project_route(self, call: _Call, project: FakeProject, rest: list[str]) -> Answer:
        enterprise = self.edition == "ee"
        routes: dict[str, Callable[[_Call, FakeProject], Answer]] = {
            "": lambda c, p: _json_answer(200, self._project_json(p), cacheable=True),
            "protected_branches": self._protected_branches,
            "deployments": self._deployments,
            "environments": self._environments,
            "repository/archive": self._archive,
            "repository/archive.tar.gz": self._archive,
            "jobs": self._jobs,
        }
        if enterprise:
            routes.update({"approval_rules": self._approval_rules,
                           "dora/metrics": self._dora_metrics})
        if rest[:2] == ["repository", "files"] and len(rest) == 3:
            return self._file(call, project, unquote(rest[2]))
        action = routes.get("/".join(rest))
        return _route_not_found() if action is None else action(call, project)

    def _file(self, call: _Call, project: FakeProject, path: str) -> Answer:
        """`GET /projects/:id/repository/files/:file_path?ref=`: one file, base64 encoded."""
        ref = call.param("ref")
        if not ref:
            return _json_answer(400, {"error": "ref is missing"})
        if project.is_empty or not self._resolves(project, ref) or path not in project.files:
            return _json_answer(404, {"message": "404 File Not Found"})
        content = project.files[path]
        raw = content.encode() if isinstance(content, str) else content
        return _json_answer(200, {
            "file_name": path.rsplit("/", 1)[-1], "file_path": path, "size": len(raw),
            "encoding": "base64", "content_sha256": hashlib.sha256(raw).hexdigest(),
            "ref": ref, "blob_id": hashlib.sha1(raw).hexdigest(), "commit_id": project.sha,
            "last_commit_id": project.sha, "execute_filemode": False,
            "content": base64.b64encode(raw).decode()}, cacheable=True)

    def _group_projects(self, call: _Call, group: str) -> Answer:
        subgroups = _flag(call.param("include_subgroups"))
        projects = [p for p in self._live_projects()
                    if p.namespace == group or (subgroups and p.namespace.startswith(group + "/"))]
        archived = call.param("archived")
        if archived is not None:
            projects = [p for p in projects if p.archived == _flag(archived)]
        keys: dict[str, Callable[[FakeProject], Any]] = {
            "id": lambda p: p.id, "name": lambda p: p.path.lower(),
            "path": lambda p: p.path, "created_at": lambda p: p.created,
            "updated_at": lambda p: p.activity, "last_activity_at": lambda p: p.activity}
        order_by = call.param("order_by") or "created_at"
        if order_by not in keys:
            return _json_answer(400, {"error": "order_by does not have a valid value"})
        sort = call.param("sort") or "desc"
        if sort not in ("asc", "desc"):
            return _json_answer(400, {"error": "sort does not have a valid value"})
        projects.sort(key=keys[order_by], reverse=sort == "desc")
        return self._paged(call, projects, self._project_json)

    def _protected_branches(self, call: _Call, project: FakeProject) -> Answer:
        items = [self._protected_json(project, item, index)
                 for index, item in enumerate(project.protected_branches)]
        return self._paged(call, items)

    def _approval_rules(self, call: _Call, project: FakeProject) -> Answer:
        if project.tier == "free":
            return _json_answer(403, {"message": "403 Forbidden"})
        items = [self._approval_rule_json(project, item, index)
                 for index, item in enumerate(project.approval_rules)]
        return self._paged(call, items)

    def _deployments(self, call: _Call, project: FakeProject) -> Answer:
        items = [self._deployment_json(project, item, index)
                 for index, item in enumerate(project.deployments)]
        order_by = call.param("order_by") or "id"
        if order_by not in ("id", "iid", "created_at", "updated_at", "finished_at", "ref"):
            return _json_answer(400, {"error": "order_by does not have a valid value"})
        after, before = call.param("updated_after"), call.param("updated_before")
        if (after or before) and order_by != "updated_at":
            return _json_answer(400, {"message": "400 Bad request - `updated_at` filter and "
                                                 "`updated_at` sorting must be paired"})
        try:
            low = _parse_time(after) if after else None
            high = _parse_time(before) if before else None
        except ValueError:
            return _json_answer(400, {"error": "updated_after is invalid"})
        items = [d for d in items if (low is None or _parse_time(d["updated_at"]) > low)
                 and (high is None or _parse_time(d["updated_at"]) < high)]
        for name in ("environment", "status"):
            wanted = call.param(name)
            if wanted:
                items = [d for d in items if (d["environment"]["name"] if name == "environment"
                                              else d["status"]) == wanted]
        sort = call.param("sort") or "asc"

        def key(deployment: dict[str, Any]) -> tuple[Any, int]:
            value = deployment["deployable"]["finished_at"] if order_by == "finished_at" \
                else deployment[order_by]
            return value or "", deployment["id"]

        items.sort(key=key, reverse=sort == "desc")
        return self._paged(call, items)

    def _jobs(self, call: _Call, project: FakeProject) -> Answer:
        """Every job of the project, deployments' jobs included, newest (highest id) first."""
        scopes = [value for key, value in call.query if key in ("scope[]", "scope")]
        unknown = set(scopes) - JOB_STATUSES
        if unknown:
            return _json_answer(400, {"error": "scope does not have a valid value"})
        jobs = [self._deployment_json(project, item, index)["deployable"]
                for index, item in enumerate(project.deployments)]
        jobs += [self._job_json(project, item, index)
                 for index, item in enumerate(project.jobs)]
        jobs = [j for j in jobs if not scopes or j["status"] in scopes]
        jobs.sort(key=lambda job: job["id"], reverse=True)
        return self._paged(call, jobs)

    def _git(self, call: _Call, full_path: str, service_path: str) -> Answer:
        project = self._projects.get(full_path)
        return self._clone(
            call, None if project is None or project.deleted else project.git_dir,
            service_path, missing=Answer(404, b"", {"Content-Type": "text/plain"}),
            refused=Answer(401, b"HTTP Basic: Access denied", {
                "WWW-Authenticate": 'Basic realm="GitLab"', "Content-Type": "text/plain"}))

    def _environments(self, call: _Call, project: FakeProject) -> Answer:
        items = [{"id": env["id"], "name": env["name"], "slug": _slug(env["name"]),
                  "external_url": None, "state": "available", "tier": env["tier"],
                  "created_at": _iso(project.created), "updated_at": _iso(project.activity)}
                 for env in self._environments_of(project)]
        return self._paged(call, items)

    def _dora_metrics(self, call: _Call, project: FakeProject) -> Answer:
        if project.tier != "ultimate":
            return _json_answer(401, {"message": DORA_DENIED})
        metric = call.param("metric")
        metrics = ("deployment_frequency", "lead_time_for_changes", "time_to_restore_service",
                   "change_failure_rate")
        if not metric:
            return _json_answer(400, {"error": "metric is missing"})
        if metric not in metrics:
            return _json_answer(400, {"message": f"The metric must be one of "
                                                 f"{','.join(metrics)}."})
        today = datetime.now(UTC).date()
        try:
            end = date.fromisoformat(call.param("end_date") or today.isoformat())
            start = date.fromisoformat(call.param("start_date")
                                       or (today - timedelta(days=91)).isoformat())
        except ValueError:
            return _json_answer(400, {"error": "start_date is invalid"})
        interval = call.param("interval") or "daily"
        if (end - start).days > DORA_MAX_RANGE_DAYS:
            return _json_answer(400, {"message": f"Date range must be shorter than "
                                                 f"{DORA_MAX_RANGE_DAYS} days."})
        if start >= end:
            return _json_answer(400, {"message": "The start date must be earlier than the end "
                                                 "date."})
        if interval not in ("all", "monthly", "daily"):
            return _json_answer(400, {"message": "The interval must be one of "
                                                 "all,monthly,daily."})
        return _json_answer(200, self._dora_rows(project, metric, interval, start, end),
                            cacheable=True)

    def _dora_rows(self, project: FakeProject, metric: str, interval: str, start: date,
                   end: date) -> list[dict[str, Any]]:
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        if metric != "deployment_frequency":
            value = project.dora.get(metric)
            if interval == "all":
                return [{"date": None, "value": value}]
            return [{"date": d.isoformat(), "value": value} for d in days]
        tiers = {env["name"]: env["tier"] for env in self._environments_of(project)}
        counts: dict[date, int] = dict.fromkeys(days, 0)
        for item in project.deployments:
            deployment = self._deployment_json(project, item, 0)
            finished = deployment["deployable"]["finished_at"]
            if deployment["status"] != "success" or finished is None \
                    or tiers.get(deployment["environment"]["name"]) != "production":
                continue
            day = _parse_time(finished).date()
            if day in counts:
                counts[day] += 1
        if interval == "all":
            return [{"date": None, "value": sum(counts.values()) / len(days)}]
        if interval == "monthly":
            months: dict[str, list[int]] = {}
            for day, count in counts.items():
                months.setdefault(day.replace(day=1).isoformat(), []).append(count)
            return [{"date": m, "value": sum(c) / len(c)} for m, c in months.items()]
        return [{"date": d.isoformat(), "value": c} for d, c in counts.items()]

    def _archive(self, call: _Call, project: FakeProject) -> Answer:
        ref = call.param("sha") or project.default_branch
        if project.is_empty or not self._resolves(project, ref):
            return _json_answer(404, {"message": "404 File Not Found"})
        extension = call.raw_path.rsplit("/", 1)[-1].removeprefix("archive") or ".tar.gz"
        if extension not in (".tar.gz", ".tgz", ".gz") and call.param("format") not in (
                None, "tar.gz", "tgz", "gz"):
            return _json_answer(404, {"message": "404 File Not Found"})
        top = f"{project.path}-{ref.replace('/', '-')}-{project.sha}"
        return Answer(200, tarball(project.files, sha=project.sha, top=top,
                                   mtime=int(project.activity.timestamp())), {
            "Content-Type": "application/octet-stream",
            "Content-Disposition": f'attachment; filename="{top}.tar.gz"',
            "Content-Transfer-Encoding": "binary"})

    def _resolves(self, project: FakeProject, ref: str) -> bool:
        tags = {str(r.get("tag")) for r in project.releases}
        return ref in (project.default_branch, "HEAD", *tags) or (
            len(ref) >= 7 and project.sha.startswith(ref.lower()))

    def _paged(self, call: _Call, items: Sequence[Any],
               shown: Callable[[Any], Any] = lambda item: item) -> Answer:
        """One page of `items`, each as `shown` makes it (only the page's), with GitLab's
        pagination headers."""
        page = Page.of(call, items, 20)
        answer = _json_answer(200, [shown(item) for item in page.items], cacheable=True)

        def url(number: int) -> str:
            return page_url(f"{self.origin}{call.raw_path}", call.query, number)

        links = []
        if page.number > 1:
            links.append((url(page.number - 1), "prev"))
        if page.number < page.last:
            links.append((url(page.number + 1), "next"))
        links += [(url(1), "first"), (url(page.last), "last")]
        if self.link_headers:
            answer.headers["Link"] = link_header(links)
        answer.headers.update({
            "X-Page": str(page.number), "X-Per-Page": str(page.size),
            "X-Next-Page": str(page.number + 1) if page.number < page.last else "",
            "X-Prev-Page": str(page.number - 1) if page.number > 1 else "",
            "X-Total": str(len(items)), "X-Total-Pages": str(page.last)})
        return answer

    # --- lookups -----------------------------------------------------------------------------

    def _live_projects(self) -> list[FakeProject]:
        with self._lock:
            return [p for p in self._projects.values() if not p.deleted]

    def _find_project(self, key: str) -> FakeProject | None:
        """By numeric id or full path (as GitLab's `:id` takes either)."""
        for project in self._live_projects():
            if str(project.id) == key or project.full_path == key:
                return project
        return None

    def _group_path(self, key: str) -> str | None:
        with self._lock:
            return next((path for path, group_id in self._groups.items()
                         if path == key or str(group_id) == key), None)

    def _environments_of(self, project: FakeProject) -> list[dict[str, Any]]:
        """Declared environments, then those deployments name, with ids and tiers."""
        found: dict[str, str] = {}
        for item in project.environments:
            e = spec("environment", item, {"name": REQUIRED, "tier": None})
            tier = e["tier"] or _guess_tier(e["name"])
            if tier not in DEPLOYMENT_TIERS:
                raise ValueError(f"environment tier must be one of {DEPLOYMENT_TIERS}")
            found[e["name"]] = tier
        for item in project.deployments:
            name = str(item.get("environment", "production"))
            found.setdefault(name, _guess_tier(name))
        return [{"id": project.id * 100 + index + 1, "name": name, "tier": tier}
                for index, (name, tier) in enumerate(found.items())]

    # --- REST payloads -----------------------------------------------------------------------

    def _web(self, project: FakeProject) -> str:
        return f"{self.base_url}/{project.full_path}"

    def _group_json(self, group: str) -> dict[str, Any]:
        group_id = self._groups[group]
        parent = group.rsplit("/", 1)[0] if "/" in group else None
        return {"id": group_id, "name": group.rsplit("/", 1)[-1],
                "path": group.rsplit("/", 1)[-1], "full_name": group.replace("/", " / "),
                "full_path": group, "parent_id": self._groups.get(parent) if parent else None,
                "visibility": "private", "web_url": f"{self.base_url}/groups/{group}"}

    def _project_json(self, project: FakeProject) -> dict[str, Any]:
        web = self._web(project)
        host = urlsplit(self.origin).netloc
        namespace = project.namespace
        data: dict[str, Any] = {
            "id": project.id, "description": None, "name": project.path,
            "name_with_namespace": project.full_path.replace("/", " / "),
            "path": project.path, "path_with_namespace": project.full_path,
            "created_at": _iso(project.created),
            "default_branch": None if project.is_empty else project.default_branch,
            "tag_list": list(project.topics), "topics": list(project.topics),
            "ssh_url_to_repo": f"git@{host}:{project.full_path}.git",
            "http_url_to_repo": f"{web}.git", "web_url": web, "readme_url": None,
            "avatar_url": None, "forks_count": 0, "star_count": 0,
            "last_activity_at": _iso(project.activity),
            "namespace": {"id": self._groups[namespace], "name": namespace.rsplit("/", 1)[-1],
                          "path": namespace.rsplit("/", 1)[-1], "kind": "group",
                          "full_path": namespace, "parent_id": None, "avatar_url": None,
                          "web_url": f"{self.base_url}/groups/{namespace}"},
            "container_registry_image_prefix": f"registry.{host}/{project.full_path}",
            "_links": {"self": f"{self.api_url}/projects/{project.id}"},
            "empty_repo": project.is_empty, "archived": project.archived,
            "visibility": project.visibility, "repository_access_level": "enabled",
            "merge_method": "merge", "squash_option": "default_off",
            "only_allow_merge_if_pipeline_succeeds":
                project.only_allow_merge_if_pipeline_succeeds,
            "allow_merge_on_skipped_pipeline": False,
            "only_allow_merge_if_all_discussions_are_resolved": False,
            "ci_config_path": "", "shared_runners_enabled": True,
        }
        if project.forked_from:
            parent = project.forked_from
            data["forked_from_project"] = {
                "id": stable_id(parent), "name": parent.rsplit("/", 1)[-1],
                "path_with_namespace": parent, "web_url": f"{self.base_url}/{parent}"}
        return data

    def _protected_json(self, project: FakeProject, item: Mapping[str, Any],
                        index: int) -> dict[str, Any]:
        p = spec("protected branch", item, {
            "name": REQUIRED, "push_access_level": 40, "merge_access_level": 40,
            "allow_force_push": False, "code_owner_approval_required": False})
        for key in ("push_access_level", "merge_access_level"):
            if p[key] not in ACCESS_LEVELS:
                raise ValueError(f"{key} must be one of {sorted(ACCESS_LEVELS)}")
        branch_id = project.id * 10 + index + 1

        def level(value: int, offset: int) -> dict[str, Any]:
            return {"id": branch_id * 10 + offset, "access_level": value,
                    "access_level_description": ACCESS_LEVELS[value], "deploy_key_id": None,
                    "user_id": None, "group_id": None}

        data: dict[str, Any] = {
            "id": branch_id, "name": p["name"],
            "push_access_levels": [level(p["push_access_level"], 1)],
            "merge_access_levels": [level(p["merge_access_level"], 2)],
            "allow_force_push": bool(p["allow_force_push"])}
        if project.tier != "free":  # Premium fields
            data["unprotect_access_levels"] = []
            data["code_owner_approval_required"] = bool(p["code_owner_approval_required"])
        return data

    def _approval_rule_json(self, project: FakeProject, item: Mapping[str, Any],
                            index: int) -> dict[str, Any]:
        r = spec("approval rule", item, {
            "name": REQUIRED, "approvals_required": 1, "rule_type": "regular",
            "protected_branches": (), "applies_to_all_protected_branches": False})
        if r["rule_type"] not in ("regular", "any_approver", "code_owner", "report_approver"):
            raise ValueError("rule_type must be regular, any_approver, code_owner or "
                             "report_approver")
        branches = [{"id": project.id * 10 + n + 1, "name": name, "push_access_levels": [],
                     "merge_access_levels": [], "allow_force_push": False,
                     "code_owner_approval_required": False}
                    for n, name in enumerate(r["protected_branches"])]
        return {"id": project.id * 100 + index + 1, "name": r["name"],
                "rule_type": r["rule_type"], "report_type": None, "eligible_approvers": [],
                "approvals_required": r["approvals_required"], "users": [], "groups": [],
                "contains_hidden_groups": False, "protected_branches": branches,
                "applies_to_all_protected_branches": bool(r["applies_to_all_protected_branches"])}

    def _deployment_json(self, project: FakeProject, item: Mapping[str, Any],
                         index: int) -> dict[str, Any]:
        d = spec("deployment", item, {
            "environment": "production", "created_at": REQUIRED, "status": "success",
            "finished_at": None, "updated_at": None, "sha": None, "ref": None, "iid": None})
        if d["status"] not in DEPLOYMENT_STATUSES:
            raise ValueError(f"deployment status must be one of {sorted(DEPLOYMENT_STATUSES)}")
        created = when(d["created_at"], "deployment created_at")
        assert created is not None
        final = d["status"] in ("success", "failed", "canceled", "skipped")
        finished = when(d["finished_at"], "finished_at") or (created if final else None)
        updated = when(d["updated_at"], "updated_at") or finished or created
        environment = next(e for e in self._environments_of(project)
                           if e["name"] == d["environment"])
        sha = d["sha"] or project.sha
        deployment_id = project.id * 1000 + index + 1
        job_id = deployment_id * 7
        return {
            "id": deployment_id, "iid": d["iid"] or index + 1,
            "ref": d["ref"] or project.default_branch, "sha": sha,
            "created_at": _iso(created), "updated_at": _iso(updated), "status": d["status"],
            "user": self._user_json(),
            "environment": {"id": environment["id"], "name": environment["name"],
                            "external_url": None},
            "deployable": self._job_payload(
                project, job_id, name=f"deploy-{_slug(d['environment'])}", stage="deploy",
                status=d["status"], ref=project.default_branch, tag=False, sha=sha,
                created=created, finished=finished)}

    def _job_json(self, project: FakeProject, item: Mapping[str, Any],
                  index: int) -> dict[str, Any]:
        j = spec("job", item, {"name": REQUIRED, "stage": "test", "status": "success",
                                "ref": None, "tag": False, "created_at": REQUIRED,
                                "finished_at": None, "sha": None})
        if j["status"] not in JOB_STATUSES:
            raise ValueError(f"job status must be one of {sorted(JOB_STATUSES)}")
        created = when(j["created_at"], "job created_at")
        assert created is not None
        # Ids after every deployment's job: jobs listed later are newer.
        return self._job_payload(
            project, project.id * 7000 + 7 * (len(project.deployments) + index + 1) + 1,
            name=j["name"], stage=j["stage"], status=j["status"],
            ref=j["ref"] or project.default_branch, tag=bool(j["tag"]),
            sha=j["sha"] or project.sha, created=created,
            finished=when(j["finished_at"], "job finished_at") or created)

    def _job_payload(self, project: FakeProject, job_id: int, *, name: str, stage: str,
                     status: str, ref: str, tag: bool, sha: str, created: datetime,
                     finished: datetime | None) -> dict[str, Any]:
        """A job as the jobs API and a deployment's `deployable` show it."""
        return {
            "id": job_id, "status": status, "stage": stage, "name": name, "ref": ref,
            "tag": tag, "coverage": None, "allow_failure": False, "archived": False,
            "source": "push", "created_at": _iso(created), "started_at": _iso(created),
            "finished_at": _iso(finished), "erased_at": None,
            "duration": (finished - created).total_seconds() if finished else None,
            "queued_duration": 0.5, "web_url": f"{self._web(project)}/-/jobs/{job_id}",
            "user": self._user_json(), "commit": {
                "id": sha, "short_id": sha[:8], "title": "Merge branch",
                "message": "Merge branch", "author_name": "Administrator",
                "author_email": "admin@example.com", "created_at": _iso(created)},
            "pipeline": {"id": job_id // 3, "iid": job_id // 3, "project_id": project.id,
                         "sha": sha, "ref": ref, "status": status, "source": "push",
                         "created_at": _iso(created), "updated_at": _iso(finished or created),
                         "web_url": f"{self._web(project)}/-/pipelines/{job_id // 3}"},
            "runner": None, "artifacts": [], "tag_list": []}

    def _user_json(self) -> dict[str, Any]:
        return {"id": 1, "name": "Administrator", "username": "root", "state": "active",
                "avatar_url": None, "web_url": f"{self.base_url}/root"}

    # --- GraphQL -----------------------------------------------------------------------------

    def _graphql(self, call: _Call, signed_in: bool) -> Answer:
        request = graphql_request(call.body)
        if request is None:
            return _json_answer(400, {"errors": [{"message": "Invalid JSON"}]})
        if not isinstance(request.query, str) or not request.query.strip():
            return _json_answer(200, {"errors": [{"message": "No query string was present"}]})
        try:
            document = parsed(request.query)
            operation = document.operation(request.operation_name)
            if operation is None:
                return _json_answer(200, {"errors": [{
                    "message": "An operation name is required"}]})
            values = gql.coerce_variables(operation, request.variables, {
                "Time": _parse_time, "ID": _text_value, "String": _text_value})
        except gql.QueryError as error:
            return _json_answer(200, {"errors": error.errors})
        self._name_project(call, values)
        self._maybe_delete(call)
        score = query_complexity(document, operation, values)
        with self._lock:
            self.graphql_scores.append(score)
        if score > GRAPHQL_MAX_COMPLEXITY:
            return _json_answer(200, {"errors": [{
                "message": f"Query has complexity of {score}, which exceeds max complexity of "
                           f"{GRAPHQL_MAX_COMPLEXITY}"}]})
        execution = gql.Execution(document, operation, values)
        try:
            answer = execution.run(self._graphql_root(call, score, signed_in))
        except gql.QueryError as error:
            return _json_answer(200, {"errors": _gitlab_errors(error.errors)})
        if "errors" in answer:
            answer["errors"] = _gitlab_errors(answer["errors"])
        return _json_answer(200, answer)

    def _name_project(self, call: _Call, values: Mapping[str, Any]) -> None:
        full_path = values.get("fullPath")
        if isinstance(full_path, str):
            call.project = full_path

    def _graphql_root(self, call: _Call, score: int, signed_in: bool) -> dict[str, Any]:
        def project(args: dict[str, Any]) -> Any:
            _check_arguments("project", args, {"fullPath": None})
            found = self._find_project(str(args.get("fullPath")))
            if found is None or found.full_path != args.get("fullPath") or (
                    not signed_in and found.visibility != "public"):
                return None  # missing or hidden: GitLab answers null, without an error
            return self._graphql_project(found)

        return {"__typename": "Query", "project": project,
                "queryComplexity": {"__typename": "QueryComplexity", "score": score,
                                    "limit": GRAPHQL_MAX_COMPLEXITY},
                "currentUser": {"__typename": "UserCore", "username": "root"}
                if signed_in else None}

    def _graphql_project(self, project: FakeProject) -> dict[str, Any]:
        web = self._web(project)
        data: dict[str, Any] = {
            "__typename": "Project", "id": f"gid://gitlab/Project/{project.id}",
            "fullPath": project.full_path, "path": project.path, "name": project.path,
            "webUrl": web, "archived": project.archived,
            "lastActivityAt": _iso(project.activity), "createdAt": _iso(project.created),
            "visibility": project.visibility, "topics": list(project.topics),
            "onlyAllowMergeIfPipelineSucceeds": project.only_allow_merge_if_pipeline_succeeds,
            "repository": self._graphql_repository(project),
            "mergeRequests": lambda args: self._graphql_merge_requests(project, args),
            "issues": lambda args: self._graphql_issues(project, args),
            "releases": lambda args: self._graphql_releases(project, args),
            "environments": lambda args: self._graphql_environments(project, args),
        }
        if self.edition == "ee":
            data.update({
                "pushRules": None if project.tier == "free" else {
                    "__typename": "PushRules",
                    "rejectUnsignedCommits": project.reject_unsigned_commits},
                "securityScanners": {
                    "__typename": "SecurityScanners",
                    "available": AVAILABLE_SCANNERS[project.tier],
                    "enabled": sorted(project.scanners),
                    "pipelineRun": sorted(project.scanners)},
                "vulnerabilities": lambda args: self._graphql_vulnerabilities(project, args),
                # Type-level authorization: below Ultimate the field is null, without an error.
                "dora": None if project.tier != "ultimate" else {
                    "__typename": "Dora",
                    "metrics": lambda args: self._graphql_dora(project, args)},
            })
        return data

    def _graphql_repository(self, project: FakeProject) -> dict[str, Any]:
        def tree(args: dict[str, Any]) -> Any:
            _check_arguments("tree", args, {"path": None, "ref": None, "recursive": None})
            ref = args.get("ref") or "head"
            if project.is_empty or (ref != "head" and not self._resolves(project, ref)):
                return None
            return {"__typename": "Tree", "lastCommit": {
                "__typename": "Commit", "sha": project.sha, "id": f"gid://gitlab/Commit/"
                f"{project.sha}", "title": "Latest change",
                "authoredDate": _iso(project.activity), "committedDate": _iso(project.activity),
                "webUrl": f"{self._web(project)}/-/commit/{project.sha}"}}

        return {"__typename": "Repository", "exists": True, "empty": project.is_empty,
                "rootRef": None if project.is_empty else project.default_branch,
                "tree": tree}

    def _graphql_merge_requests(self, project: FakeProject,
                                args: Mapping[str, Any]) -> gql.Connection:
        _check_arguments("mergeRequests", args, {
            "state": ("MergeRequestState", {"merged", "opened", "closed", "locked", "all"}),
            "mergedAfter": None, "mergedBefore": None, "createdAfter": None,
            "createdBefore": None, "updatedAfter": None, "updatedBefore": None,
            "targetBranches": None, "sourceBranches": None, "labels": None,
            "authorUsername": None, "iids": None,
            "sort": ("MergeRequestSort", set(_MR_SORTS)), **_PAGING})
        requests = [self._graphql_merge_request(project, item) for item in project.merge_requests]
        state = args.get("state")
        if state and state != "all":
            requests = [r for r in requests if r["state"] == state]
        for name, key, later in (("mergedAfter", "mergedAt", True),
                                 ("mergedBefore", "mergedAt", False),
                                 ("createdAfter", "createdAt", True),
                                 ("updatedAfter", "updatedAt", True)):
            if args.get(name):
                bound = _parse_time(args[name])
                requests = [r for r in requests if r[key] is not None and (
                    _parse_time(r[key]) >= bound if later
                    else _parse_time(r[key]) <= bound)]
        if args.get("targetBranches"):
            requests = [r for r in requests if r["targetBranch"] in args["targetBranches"]]
        sort = args.get("sort") or "created_desc"
        key, descending = _MR_SORTS[sort]
        requests.sort(key=lambda r: (r[key] is not None, r[key] or ""), reverse=descending)
        return _Connection("MergeRequestConnection", requests)

    def _graphql_merge_request(self, project: FakeProject,
                               item: Mapping[str, Any]) -> dict[str, Any]:
        m = spec("merge request", item, {
            "iid": REQUIRED, "merged_at": None, "author": "alice", "approvers": (),
            "commits": None, "merge_sha": _GENERATED, "labels": (), "target_branch": None,
            "created_at": None, "title": None, "state": None})
        merged = when(m["merged_at"], "merged_at")
        commit_times = [when(c, "commit time") for c in (m["commits"] or [])]
        created = when(m["created_at"], "created_at") or (
            commit_times[0] if commit_times else merged) or DEFAULT_CREATED
        merge_sha = m["merge_sha"]
        if merge_sha is _GENERATED:
            merge_sha = hashlib.sha1(f"{project.full_path}!{m['iid']}".encode()).hexdigest()
        state = m["state"] or ("merged" if merged else "opened")
        # GitLab lists a merge request's commits newest first.
        commits = [{"__typename": "Commit",
                    "sha": hashlib.sha1(f"{project.full_path}!{m['iid']}:{n}".encode()
                                        ).hexdigest(),
                    "authoredDate": _iso(moment), "committedDate": _iso(moment),
                    "title": f"Change {n + 1}"}
                   for n, moment in reversed(list(enumerate(commit_times)))]
        labels = [str(label) for label in m["labels"]]
        approvers = [_user(name) for name in m["approvers"]]
        return {
            "__typename": "MergeRequest", "iid": str(m["iid"]),
            "title": m["title"] or f"Change {m['iid']}", "state": state,
            "webUrl": f"{self._web(project)}/-/merge_requests/{m['iid']}",
            "createdAt": _iso(created), "updatedAt": _iso(merged or created),
            "mergedAt": _iso(merged), "mergeCommitSha": merge_sha if merged else None,
            "targetBranch": m["target_branch"] or project.default_branch,
            "sourceBranch": f"change-{m['iid']}",
            "author": {"__typename": "MergeRequestAuthor", **_user(m["author"])},
            "approvedBy": lambda args: _Connection("UserCoreConnection", approvers),
            "commits": lambda args: _Connection("CommitConnection", commits),
            "labels": lambda args: _Connection("LabelConnection",
                                               [_label(name) for name in labels]),
        }

    def _graphql_issues(self, project: FakeProject, args: Mapping[str, Any]) -> gql.Connection:
        _check_arguments("issues", args, {
            "state": ("IssuableState", {"opened", "closed", "locked", "all"}),
            "updatedAfter": None, "updatedBefore": None, "closedAfter": None,
            "closedBefore": None, "createdAfter": None, "createdBefore": None,
            "labelName": None, "types": ("IssueType", set(ISSUE_TYPES)), "iids": None,
            "sort": ("IssueSort", set(_ISSUE_SORTS)), **_PAGING})
        issues = []
        for item in project.issues:
            i = spec("issue", item, {"iid": REQUIRED, "created_at": REQUIRED,
                                      "closed_at": None, "updated_at": None, "labels": (),
                                      "type": "ISSUE", "title": None})
            if i["type"] not in ISSUE_TYPES:
                raise ValueError(f"issue type must be one of {sorted(ISSUE_TYPES)}")
            created = when(i["created_at"], "issue created_at")
            closed = when(i["closed_at"], "issue closed_at")
            updated = when(i["updated_at"], "issue updated_at") or closed or created
            labels = [str(label) for label in i["labels"]]
            issues.append({
                "__typename": "Issue", "iid": str(i["iid"]),
                "title": i["title"] or f"Issue {i['iid']}", "type": i["type"],
                "state": "closed" if closed else "opened",
                "webUrl": f"{self._web(project)}/-/issues/{i['iid']}",
                "createdAt": _iso(created), "updatedAt": _iso(updated),
                "closedAt": _iso(closed),
                "labels": lambda args, names=labels: _Connection(
                    "LabelConnection", [_label(name) for name in names])})
        state = args.get("state")
        if state and state != "all":
            issues = [i for i in issues if i["state"] == state]
        if args.get("types"):
            issues = [i for i in issues if i["type"] in args["types"]]
        for name, key in (("updatedAfter", "updatedAt"), ("closedAfter", "closedAt"),
                          ("createdAfter", "createdAt")):
            if args.get(name):
                bound = _parse_time(args[name])
                issues = [i for i in issues
                          if i[key] is not None and _parse_time(i[key]) >= bound]
        key, descending = _ISSUE_SORTS[args.get("sort") or "created_desc"]
        issues.sort(key=lambda i: (i[key] is not None, i[key] or ""), reverse=descending)
        return _Connection("IssueConnection", issues)

    def _graphql_releases(self, project: FakeProject, args: Mapping[str, Any]) -> gql.Connection:
        _check_arguments("releases", args, {"sort": ("ReleaseSort", set(_RELEASE_SORTS)),
                                            **_PAGING})
        releases = []
        now = datetime.now(UTC)
        for item in project.releases:
            r = spec("release", item, {"tag": REQUIRED, "released_at": REQUIRED,
                                        "created_at": None, "assets": (), "name": None})
            released = when(r["released_at"], "released_at")
            assert released is not None
            created = when(r["created_at"], "created_at") or released
            web = f"{self._web(project)}/-/releases/{quote(r['tag'])}"
            links = [{"__typename": "ReleaseAssetLink", "name": str(name),
                      "url": f"{web}/downloads/{quote(str(name))}", "linkType": "OTHER"}
                     for name in r["assets"]]
            releases.append({
                "__typename": "Release", "tagName": r["tag"], "name": r["name"] or r["tag"],
                "releasedAt": _iso(released), "createdAt": _iso(created),
                "upcomingRelease": released > now, "historicalRelease": released < created,
                "links": {"__typename": "ReleaseLinks", "selfUrl": web},
                "assets": {"__typename": "ReleaseAssets", "count": len(links) + 4,
                           "links": lambda args, found=links: _Connection(
                               "ReleaseAssetLinkConnection", found)}})
        key, descending = _RELEASE_SORTS[args.get("sort") or "RELEASED_AT_DESC"]
        releases.sort(key=lambda r: r[key], reverse=descending)
        return _Connection("ReleaseConnection", releases)

    def _graphql_environments(self, project: FakeProject,
                              args: Mapping[str, Any]) -> gql.Connection:
        _check_arguments("environments", args, {"name": None, "search": None, "states": None,
                                                "type": None, **_PAGING})
        found = [{"__typename": "Environment", "id": f"gid://gitlab/Environment/{e['id']}",
                  "name": e["name"], "state": "available", "tier": e["tier"].upper(),
                  "path": f"{self._web(project)}/-/environments/{e['id']}"}
                 for e in self._environments_of(project)]
        if args.get("name"):
            found = [e for e in found if e["name"] == args["name"]]
        return _Connection("EnvironmentConnection", found)

    def _graphql_dora(self, project: FakeProject, args: Mapping[str, Any]) -> list[Any]:
        _check_arguments("metrics", args, {
            "startDate": None, "endDate": None, "environmentTiers": None,
            "interval": ("DoraMetricBucketingInterval", {"ALL", "MONTHLY", "DAILY"})})
        today = datetime.now(UTC).date()
        end = date.fromisoformat(str(args.get("endDate") or today.isoformat()))
        start = date.fromisoformat(str(args.get("startDate")
                                       or (today - timedelta(days=90)).isoformat()))
        if (end - start).days > DORA_MAX_RANGE_DAYS or start >= end:
            raise gql.QueryError([{"message": f"Date range must be shorter than "
                                              f"{DORA_MAX_RANGE_DAYS} days."}])
        interval = str(args.get("interval") or "DAILY").lower()
        columns = {"deployment_frequency": "deploymentFrequency",
                   "lead_time_for_changes": "leadTimeForChanges",
                   "time_to_restore_service": "timeToRestoreService",
                   "change_failure_rate": "changeFailureRate"}
        rows: dict[Any, dict[str, Any]] = {}
        for metric, column in columns.items():
            for row in self._dora_rows(project, metric, interval, start, end):
                rows.setdefault(row["date"], {"__typename": "DoraMetric",
                                              "date": row["date"]})[column] = row["value"]
        return list(rows.values())

    def _graphql_vulnerabilities(self, project: FakeProject, args: Mapping[str, Any]) -> Any:
        _check_arguments("vulnerabilities", args, {
            "reportType": ("VulnerabilityReportType", set(REPORT_TYPES)),
            "severity": ("VulnerabilitySeverity", set(SEVERITIES)),
            "state": ("VulnerabilityState", set(VULNERABILITY_STATES)),
            "sort": ("VulnerabilitySort", set(_VULNERABILITY_SORTS)), "hasResolution": None,
            "hasIssues": None, "scanner": None, "projectId": None, "image": None, **_PAGING})
        found = self._vulnerability_nodes(project)
        if found is None:
            return gql.FieldError("", NOT_AVAILABLE)
        if project.tier != "ultimate":
            found = []  # redacted: the Vulnerability Report is an Ultimate feature
        for name, key in (("reportType", "reportType"), ("severity", "severity"),
                          ("state", "state")):
            if args.get(name):
                found = [v for v in found if v[key] in args[name]]
        key, descending = _VULNERABILITY_SORTS[args.get("sort") or "severity_desc"]
        found.sort(key=lambda v: (_SEVERITY_ORDER.get(v[key], 0) if key == "severity"
                                  else v[key]), reverse=descending)
        return _Connection("VulnerabilityConnection", found)

    def _vulnerability_nodes(self, project: FakeProject) -> list[dict[str, Any]] | None:
        if project.vulnerabilities is None:
            return None
        nodes = []
        for index, item in enumerate(project.vulnerabilities):
            v = spec("vulnerability", item, {
                "report_type": "DEPENDENCY_SCANNING", "severity": "MEDIUM", "state": None,
                "detected_at": REQUIRED, "resolved_at": None, "dismissed_at": None,
                "updated_at": None, "scanner": None, "title": None})
            report_type, severity = str(v["report_type"]).upper(), str(v["severity"]).upper()
            if report_type not in REPORT_TYPES or severity not in SEVERITIES:
                raise ValueError(f"report_type must be one of {sorted(REPORT_TYPES)} and "
                                 f"severity one of {sorted(SEVERITIES)}")
            detected = when(v["detected_at"], "detected_at")
            resolved = when(v["resolved_at"], "resolved_at")
            dismissed = when(v["dismissed_at"], "dismissed_at")
            state = str(v["state"] or ("RESOLVED" if resolved else "DISMISSED" if dismissed
                                       else "DETECTED")).upper()
            if state not in VULNERABILITY_STATES:
                raise ValueError(f"state must be one of {sorted(VULNERABILITY_STATES)}")
            updated = when(v["updated_at"], "updated_at") or resolved or dismissed or detected
            vulnerability_id = project.id * 1000 + index + 1
            scanner = v["scanner"] or _DEFAULT_SCANNERS.get(report_type, "GitLab")
            nodes.append({
                "__typename": "Vulnerability", "id": f"gid://gitlab/Vulnerability/"
                f"{vulnerability_id}", "title": v["title"] or f"Finding {index + 1}",
                "reportType": report_type, "severity": severity, "state": state,
                "detectedAt": _iso(detected), "resolvedAt": _iso(resolved),
                "dismissedAt": _iso(dismissed), "updatedAt": _iso(updated),
                "confirmedAt": None,
                "webUrl": f"{self._web(project)}/-/security/vulnerabilities/{vulnerability_id}",
                "scanner": {"__typename": "VulnerabilityScanner", "name": scanner,
                            "vendor": "GitLab", "reportType": report_type,
                            "externalId": scanner.lower().replace(" ", "_")}})
        return nodes


# --- GraphQL helpers ---------------------------------------------------------------------------

_PAGING: dict[str, Any] = {"first": None, "last": None, "after": None, "before": None}
_MR_SORTS = {"MERGED_AT_DESC": ("mergedAt", True), "MERGED_AT_ASC": ("mergedAt", False),
             "CREATED_DESC": ("createdAt", True), "CREATED_ASC": ("createdAt", False),
             "UPDATED_DESC": ("updatedAt", True), "UPDATED_ASC": ("updatedAt", False),
             "created_desc": ("createdAt", True), "created_asc": ("createdAt", False),
             "updated_desc": ("updatedAt", True), "updated_asc": ("updatedAt", False)}
_ISSUE_SORTS = {"CREATED_DESC": ("createdAt", True), "CREATED_ASC": ("createdAt", False),
                "UPDATED_DESC": ("updatedAt", True), "UPDATED_ASC": ("updatedAt", False),
                "created_desc": ("createdAt", True), "created_asc": ("createdAt", False),
                "updated_desc": ("updatedAt", True), "updated_asc": ("updatedAt", False)}
_RELEASE_SORTS = {"RELEASED_AT_DESC": ("releasedAt", True),
                  "RELEASED_AT_ASC": ("releasedAt", False),
                  "CREATED_DESC": ("createdAt", True), "CREATED_ASC": ("createdAt", False)}
_VULNERABILITY_SORTS = {"severity_desc": ("severity", True), "severity_asc": ("severity", False),
                        "detected_desc": ("detectedAt", True),
                        "detected_asc": ("detectedAt", False)}
_SEVERITY_ORDER = {"UNKNOWN": 0, "INFO": 1, "LOW": 2, "MEDIUM": 3, "HIGH": 4, "CRITICAL": 5}
_DEFAULT_SCANNERS = {"SAST": "Semgrep", "DEPENDENCY_SCANNING": "Gemnasium",
                     "CONTAINER_SCANNING": "Trivy", "SECRET_DETECTION": "GitLab Secret Detection",
                     "DAST": "OWASP Zed Attack Proxy (ZAP)"}

# GitLab's query complexity (Types::BaseField): 1 per field, 2 for a field that calls Gitaly,
# a constant for some; a connection with a resolver costs its children plus the resolver's
# own (1, +1 when sorted, +5 when searching), then 1% more per item it may return.
_RESOLVER_CONNECTIONS = frozenset({"mergeRequests", "issues", "releases", "environments",
                                   "vulnerabilities", "pipelines", "jobs", "projects",
                                   "deployments"})
_CONSTANT_COMPLEXITY = {"mergedAt": 5, "labels": 5, "assignees": 5, "reviewers": 5,
                        "participants": 15, "timelogs": 5}
_GITALY_FIELDS = frozenset({"rootRef", "tree", "lastCommit", "commits", "diffHeadSha",
                            "forksCount", "avatarUrl", "enabled", "blobs"})


def query_complexity(document: gql.Document, operation: gql.Operation,
                     variables: Mapping[str, Any]) -> int:
    def amount(raw: Any) -> int | None:
        value = variables.get(raw.name) if isinstance(raw, gql.Variable) else raw
        return value if isinstance(value, int) else None

    def cost(selections: list[gql.Selection], seen: frozenset[str]) -> int:
        total = 0
        for selection in selections:
            if isinstance(selection, gql.InlineFragment):
                total += cost(selection.selections, seen)
            elif isinstance(selection, gql.FragmentSpread):
                fragment = document.fragments.get(selection.name)
                if fragment and selection.name not in seen:
                    total += cost(fragment.selections, seen | {selection.name})
            else:
                total += field_cost(selection, seen)
        return total

    def field_cost(item: gql.Field, seen: frozenset[str]) -> int:
        children = cost(item.selections, seen)
        gitaly = 1 if item.name in _GITALY_FIELDS else 0
        if item.name == "project":
            return children + 1
        if item.name in _RESOLVER_CONNECTIONS:
            own = children + 1 + (1 if "sort" in item.arguments else 0) + (
                5 if "search" in item.arguments else 0) + gitaly
            sizes = [n for n in (amount(item.arguments.get("first")),
                                 amount(item.arguments.get("last"))) if n is not None]
            limit = min([*sizes, GRAPHQL_PAGE_SIZE])
            return int(own + own * limit * 0.01)
        return _CONSTANT_COMPLEXITY.get(item.name, 1 + gitaly) + children

    return cost(operation.selections, frozenset())


class _Connection(gql.Connection):
    """GitLab's connections: `first`/`last` optional (a page of 100), capped at 100."""

    def page(self, field_name: str, arguments: Mapping[str, Any], location: gql.Location,
             path: list[str | int]) -> dict[str, Any]:
        bounded = dict(arguments)
        if bounded.get("first") is None and bounded.get("last") is None:
            bounded["first"] = GRAPHQL_PAGE_SIZE
        for key in ("first", "last"):
            if bounded.get(key) is not None:
                bounded[key] = min(int(bounded[key]), GRAPHQL_PAGE_SIZE)
        answer = super().page(field_name, bounded, location, path)
        answer["count"] = len(self.items)
        return answer


def _check_arguments(field_name: str, args: Mapping[str, Any],
                     allowed: Mapping[str, tuple[str, set[str]] | None]) -> None:
    """Arguments the field takes, and enum values it knows, worded as graphql-ruby words
    its validation errors."""
    for name, value in args.items():
        if name not in allowed:
            raise gql.QueryError([{
                "message": f"Field '{field_name}' doesn't accept argument '{name}'",
                "extensions": {"code": "argumentNotAccepted", "name": field_name,
                               "typeName": "Field", "argumentName": name}}])
        enum = allowed[name]
        if enum is None or value is None:
            continue
        type_name, values = enum
        for one in value if isinstance(value, list) else [value]:
            if one not in values:
                raise gql.QueryError([{
                    "message": f"Argument '{name}' on Field '{field_name}' has an invalid "
                               f"value ({one}). Expected type '{type_name}'.",
                    "extensions": {"code": "argumentLiteralsIncompatible",
                                   "typeName": "Field", "argumentName": name}}])


def _gitlab_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """GitLab's errors carry no `type` (GitHub's do): the engine's empty one is dropped."""
    return [{k: v for k, v in error.items() if not (k == "type" and not v)}
            for error in errors]


def _user(username: str) -> dict[str, Any]:
    user_id = stable_id(username)
    return {"__typename": "UserCore", "id": f"gid://gitlab/User/{user_id}",
            "username": username, "name": username.title(),
            "bot": username.endswith("_bot") or username.endswith("-bot")}


def _label(title: str) -> dict[str, Any]:
    return {"__typename": "Label", "title": title, "color": "#ededed"}


def _text_value(value: Any) -> str:
    if not isinstance(value, str | int):
        raise TypeError("not a string")
    return str(value)


# --- HTTP plumbing -----------------------------------------------------------------------------


# --- helpers -----------------------------------------------------------------------------------

_REASONS = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            409: "Conflict", 422: "Unprocessable Entity", 429: "Too Many Requests",
            500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
            504: "Gateway Timeout"}


def _route_not_found() -> Answer:
    return _json_answer(404, {"error": "404 Not Found"})


def _flag(value: str | None) -> bool:
    """A Boolean parameter as Grape reads it (dry-types' params.bool)."""
    return value in ("1", "on", "On", "ON", "t", "true", "True", "TRUE", "T", "y", "yes",
                     "Yes", "YES", "Y")


def _guess_tier(name: str) -> str:
    for tier, pattern in _TIER_GUESSES:
        if pattern.search(name):
            return tier
    return "other"


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:24]


def _parse_time(value: Any) -> datetime:
    """A time as GitLab's GraphQL `Time` scalar and REST parameters take it."""
    return parse_datetime(value, "Time")


def _iso(moment: datetime | None) -> str | None:
    """GitLab's timestamp form: UTC with milliseconds and `Z`."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{moment.microsecond // 1000:03d}Z"


def _json_answer(status: int, data: Any, cacheable: bool = False) -> Answer:
    return json_answer(status, data, FakeGitLab.json_type, cacheable)
