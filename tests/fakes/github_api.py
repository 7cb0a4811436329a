"""A faithful stand-in for the GitHub API, served over real HTTP on 127.0.0.1.

Tests build organisations and repositories in memory (`FakeGitHub.add_repo`),
point a client at `base_url`, and read back what the client asked for
(`requests`, `count_for`). Answers follow GitHub's REST and GraphQL payload
shapes (docs.github.com, the OpenAPI description in github/rest-api-description),
including the parts clients trip on: RFC 8288 `Link` pagination through
`/organizations/{id}/repos`, weak ETags and 304s that the rate limit does not
count, `X-RateLimit-*` headers, primary and secondary rate limits, the tarball's
302 to a codeload URL and its `{owner}-{repo}-{sha7}/` top folder, GraphQL
partial answers (FORBIDDEN, NOT_FOUND) with HTTP 200, and GitHub's GraphQL
query cost. Faults (status codes, `Retry-After`, dropped connections, a
repository deleted mid-scan) are injected in order per path prefix.

GitHub Enterprise Server mode serves REST under `/api/v3` and GraphQL at
`/api/graphql`. In both modes the tarball redirect goes to `/_codeload/…` on the
same host, as an Enterprise Server without subdomain isolation does (github.com
uses codeload.github.com); private repositories get a `?token=` grant in the
`Location`, and codeload needs no `Authorization`. Note that PyGithub's
`Requester.getStream` refuses such a same-host redirect outside its `/api/`
prefixes (an AssertionError), on a real Enterprise Server as here.

The token is compared, never printed or logged.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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
    Fault,
    HostStandIn,
    Page,
    dumps,
    etag_matches,
    graphql_request,
    json_answer,
    link_header,
    page_url,
    parsed,
)

REST_DOCS = "https://docs.github.com/rest"
GRAPHQL_DOCS = "https://docs.github.com/graphql"
PRIMARY_LIMIT_DOCS = ("https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
                      "#about-the-rate-limit")
SECONDARY_LIMIT_DOCS = ("https://docs.github.com/free-pro-team@latest/rest/overview/"
                        "rate-limits-for-the-rest-api#about-secondary-rate-limits")
CODE_SCANNING_DOCS = ("https://docs.github.com/rest/code-scanning/code-scanning"
                      "#list-code-scanning-analyses-for-a-repository")
SECRET_SCANNING_DOCS = ("https://docs.github.com/rest/secret-scanning/secret-scanning"
                        "#list-secret-scanning-alerts-for-a-repository")
CODE_SCANNING_DISABLED = ("Advanced Security must be enabled for this repository to use code "
                          "scanning.")
SECRET_SCANNING_DISABLED = "Secret scanning is disabled on this repository."
SECONDARY_LIMIT_MESSAGE = ("You have exceeded a secondary rate limit. Please wait a few minutes "
                           "before you try again. If you reach out to GitHub Support for help, "
                           "please include the request ID {request_id}.")
API_VERSION = "2022-11-28"
ENTERPRISE_VERSION = "3.14.0"
USER_ID = 1

DEPLOYMENT_STATUS_STATES = frozenset({"ERROR", "FAILURE", "INACTIVE", "IN_PROGRESS", "PENDING",
                                      "QUEUED", "SUCCESS", "WAITING"})
ADVISORY_SEVERITIES = frozenset({"CRITICAL", "HIGH", "MODERATE", "LOW"})
VULNERABILITY_ALERT_STATES = frozenset({"OPEN", "FIXED", "DISMISSED", "AUTO_DISMISSED"})
RULE_ENFORCEMENTS = frozenset({"ACTIVE", "EVALUATE", "DISABLED"})
RULESET_TARGETS = frozenset({"BRANCH", "TAG", "PUSH", "REPOSITORY"})
VISIBILITIES = frozenset({"public", "private", "internal"})
CODE_RULE_SEVERITIES = frozenset({"none", "note", "warning", "error"})
SECURITY_SEVERITY_LEVELS = frozenset({"low", "medium", "high", "critical"})
RULES_WITHOUT_PARAMETERS = frozenset({"CREATION", "DELETION", "NON_FAST_FORWARD",
                                      "REQUIRED_LINEAR_HISTORY", "REQUIRED_SIGNATURES"})


class LoggedRequest(NamedTuple):
    """One request the fake answered. `path` is relative to the API root (no `/api/v3`,
    no query); `counted` is whether it used the rate limit; `repo` is the repository's
    full name when the path or the GraphQL `repository(...)` field names one."""

    method: str
    path: str
    status: int
    counted: bool
    repo: str | None = None
    token: int | None = None  # which accepted token made it (see `accept_token`)


@dataclass
class RateBucket:
    """One rate-limit resource (`core`, `graphql`): a limit per window, reset at `reset_at`."""

    limit: int
    window: float
    used: int = 0
    reset_at: int = 0

    def refresh(self, now: float) -> None:
        if now >= self.reset_at:
            self.used = 0
            self.reset_at = math.ceil(now + self.window)

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def as_json(self) -> dict[str, int]:
        return {"limit": self.limit, "used": self.used, "remaining": self.remaining,
                "reset": self.reset_at}


@dataclass
class FakeRepo(HostedRepository):
    """A repository as the fake serves it; mutate it freely between or during requests.

    List options are lists of dicts whose keys are documented in `FakeGitHub.add_repo`.
    """

    owner: str
    name: str
    id: int
    files: dict[str, str | bytes] = field(default_factory=dict)
    default_branch: str = "main"
    archived: bool = False
    fork: bool = False
    disabled: bool = False
    topics: Iterable[str] = ()
    visibility: str = "private"
    description: str | None = None
    language: str | None = None
    created_at: datetime | None = None
    pushed_at: datetime | None = None
    updated_at: datetime | None = None
    head_sha: str | None = None
    branch_protection: list[dict[str, Any]] = field(default_factory=list)
    rulesets: list[dict[str, Any]] = field(default_factory=list)
    pulls: list[dict[str, Any]] = field(default_factory=list)
    deployments: list[dict[str, Any]] = field(default_factory=list)
    environments: list[str] = field(default_factory=list)
    releases: list[dict[str, Any]] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)
    dependabot_alerts: list[dict[str, Any]] | None = field(default_factory=list)
    code_scanning: list[dict[str, Any]] | None = None
    code_scanning_alerts: list[dict[str, Any]] = field(default_factory=list)
    secret_scanning: list[dict[str, Any]] | None = None
    workflow_runs: list[dict[str, Any]] = field(default_factory=list)
    # A local git repository served over smart HTTP at `clone_url` (git http-backend).
    git_dir: str | None = None
    deleted: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def pushed(self) -> datetime | None:
        return when(self.pushed_at, "pushed_at")

    @property
    def updated(self) -> datetime:
        return when(self.updated_at, "updated_at") or self.pushed or self.created


@dataclass
class _Call(Call):
    request_id: str = ""
    repo: str | None = None
    resource: str = "core"  # the rate limit it counts against
    counted: bool = False
    token: int | None = None


class FakeGitHub(HostStandIn[LoggedRequest]):
    """GitHub's API for one token, on 127.0.0.1; use as a context manager or start()/stop().

    `base_url` is what a client is configured with (`http://127.0.0.1:PORT`, or
    `http://127.0.0.1:PORT/api/v3` when `enterprise`); `graphql_url` is where
    GraphQL is served (`/graphql`, or `/api/graphql` on Enterprise Server).
    """

    name = "GitHub"
    server_version = "GitHub.com"
    methods = ("GET", "POST", "HEAD", "PUT", "PATCH", "DELETE")
    json_type = "application/json; charset=utf-8"

    def __init__(self, token: str = "test-token", *, latency: float = 0.0,
                 enterprise: bool = False, rate_limit: int = 5000, graphql_rate_limit: int = 5000,
                 rate_limit_window: float = 3600.0, rate_limiting: bool = True) -> None:
        super().__init__(token, latency)
        self.enterprise = enterprise
        self.rate_limiting = rate_limiting
        self.graphql_operations: set[str] = {"MaturityRepository"}
        self.max_in_flight = 0
        self._buckets = {"core": RateBucket(rate_limit, rate_limit_window),
                         "graphql": RateBucket(graphql_rate_limit, rate_limit_window)}
        self._anonymous = RateBucket(60, rate_limit_window)
        self._repos: dict[str, FakeRepo] = {}
        self._orgs: dict[str, tuple[str, int]] = {}
        self._codeload_tokens: dict[str, str] = {}
        self._in_flight = 0

    # --- URLs ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"{self.origin}/api/v3" if self.enterprise else self.origin

    @property
    def graphql_url(self) -> str:
        return f"{self.origin}/api/graphql" if self.enterprise else f"{self.origin}/graphql"

    @property
    def web_url(self) -> str:
        """Where `html_url`s point: github.com, or the Enterprise Server host itself."""
        return self.origin if self.enterprise else "https://github.com"

    # --- data --------------------------------------------------------------------------------

    def add_org(self, login: str) -> None:
        with self._lock:
            self._orgs.setdefault(login.lower(), (login, 9000 + len(self._orgs) + 1))

    def add_repo(self, owner: str, name: str, files: Mapping[str, str | bytes] | None = None,
                 **options: Any) -> FakeRepo:
        """Add a repository of organisation `owner` (created on first use).

        Options (GitHub's field meaning; times are timezone-aware datetimes or ISO strings):
        default_branch, archived, fork, disabled, topics, visibility (public | private |
        internal), description, language, created_at, pushed_at, updated_at, head_sha;
        branch_protection: [{pattern, requiresApprovingReviews, requiredApprovingReviewCount,
          requiresCodeOwnerReviews, requiresStatusChecks, requiredStatusCheckContexts,
          requiresCommitSignatures, allowsForcePushes, allowsDeletions, …}] (GraphQL names);
        rulesets: [{name, target, enforcement, conditions: {refName: {include, exclude}},
          rules: [{type, parameters}], source: REPOSITORY | ORGANIZATION}];
        pulls: [{number, merged_at, author, approvers, first_commit_at, merge_sha, labels,
          created_at, updated_at, title, base_ref, head_ref}];
        deployments: [{environment, created_at, state, status_at, sha, log_url, description}];
        environments: names of environments besides those deployments name (GitHub makes an
          environment for every name a deployment gives);
        releases: [{tag, published_at, created_at, assets, draft, prerelease, name}];
        issues: [{number, created_at, closed_at, labels, updated_at, title}];
        dependabot_alerts: [{created_at, fixed_at, dismissed_at, auto_dismissed_at, severity,
          state, package, ecosystem, ghsa_id, number}] or None (not readable: FORBIDDEN);
        code_scanning: None (not enabled: 403) or [{tool (None: no name), analysis_key,
          created_at, ref,
          commit_sha, category, environment, results_count, rules_count, tool_version,
          tool_guid, id, error, warning}] ([] means enabled but never analysed: 404);
        code_scanning_alerts: [{number, created_at, updated_at, state, fixed_at,
          dismissed_at, dismissed_reason, rule_id, severity, security_severity_level, tool,
          ref}];
        secret_scanning: None (disabled: 404) or [{number, created_at, updated_at, state,
          resolved_at, resolution, secret_type, secret_type_display_name, validity}];
        workflow_runs: [{name, path, event, status, conclusion, head_sha, head_branch,
          created_at, updated_at, run_started_at, id, run_number, run_attempt,
          display_title, actor}];
        git_dir: a local git repository to serve for cloning at `clone_url` (smart HTTP,
          Basic authentication with the token as password, as GitHub accepts it).
        """
        self.add_org(owner)
        key = f"{owner}/{name}".lower()
        with self._lock:
            if key in self._repos and not self._repos[key].deleted:
                raise ValueError(f"repository {owner}/{name} exists already")
            login = self._orgs[owner.lower()][0]
            repo = FakeRepo(owner=login, name=name, id=100_000 + next(self._ids),
                            files=dict(files or {}), **options)
        if repo.pushed_at is None and not repo.is_empty:
            repo.pushed_at = datetime.now(UTC).replace(microsecond=0)
        self.validate(repo)
        with self._lock:
            self._repos[key] = repo
        return repo

    def repo(self, full_name: str) -> FakeRepo:
        return self._repos[full_name.lower()]

    def validate(self, repo: FakeRepo) -> None:
        """Render everything once, so a mistyped option fails in the test, not as an HTTP 500."""
        if repo.visibility not in VISIBILITIES:
            raise ValueError(f"visibility must be one of {sorted(VISIBILITIES)}")
        self._repo_json(repo, detailed=True)
        self._graphql_repository(repo)
        for kind in ("branchProtectionRules", "rulesets", "pullRequests", "deployments",
                     "environments", "releases", "issues"):
            connection = self._graphql_repository(repo)[kind]({"includeParents": True})
            for node in connection.items:
                for value in node.values():
                    if callable(value):
                        value({})
        self._alerts_of(repo)
        renderers: list[tuple[Callable[..., Any], list[dict[str, Any]]]] = [
            (self._code_analysis_json, repo.code_scanning or []),
            (self._code_alert_json, repo.code_scanning_alerts),
            (self._secret_alert_json, repo.secret_scanning or []),
            (self._run_json, repo.workflow_runs)]
        for render, items in renderers:
            for index, item in enumerate(items):
                render(repo, item, index)

    def delete_repo(self, owner: str, name: str) -> None:
        """Later requests for it answer 404 (a repository deleted mid-scan)."""
        self.repo(f"{owner}/{name}").deleted = True

    def set_rate_limit(self, resource: str = "core", *, limit: int | None = None,
                       remaining: int | None = None, reset_in: float | None = None) -> None:
        """Set a resource's limit, what is left of it, and seconds until it resets."""
        with self._lock:
            bucket = self._buckets[resource]
            bucket.refresh(time.time())
            if limit is not None:
                bucket.limit = limit
            if remaining is not None:
                bucket.used = max(0, bucket.limit - remaining)
            if reset_in is not None:
                bucket.reset_at = math.ceil(time.time() + reset_in)

    def rate_limit(self, resource: str = "core") -> dict[str, int]:
        with self._lock:
            bucket = self._buckets[resource]
            bucket.refresh(time.time())
            return bucket.as_json()

    # --- faults ------------------------------------------------------------------------------

    def error_body(self, status: int) -> Any:
        body = {"message": _REASONS.get(status, "Error"), "documentation_url": REST_DOCS}
        if status < 500:
            body["status"] = str(status)
        return body

    def faulted(self, fault: Fault, path: str) -> bool:
        """A fault for any path (None) leaves codeload alone; one naming `/_codeload/…`
        reaches it."""
        if fault.path_prefix is None:
            return not path.startswith("/_codeload/")
        return fault.matches(path)

    def fail_secondary_rate_limit(self, path_prefix: str | None = None, retry_after: int = 1,
                                  times: int = 1) -> None:
        """403 with `Retry-After` and GitHub's secondary rate limit message."""
        self.fail_next(path_prefix, 403, {"Retry-After": str(retry_after)},
                       _secondary_body(), times)

    def fail_too_many_requests(self, path_prefix: str | None = None, retry_after: int = 1,
                               times: int = 1) -> None:
        """429 with `Retry-After` (GitHub answers secondary limits with 403 or 429)."""
        self.fail_next(path_prefix, 429, {"Retry-After": str(retry_after)},
                       _secondary_body(), times)

    def fail_server_error(self, path_prefix: str | None = None, status: int = 502,
                          times: int = 1) -> None:
        self.fail_next(path_prefix, status, times=times)

    # --- accounting --------------------------------------------------------------------------

    def count(self, counted_only: bool = True) -> int:
        """Requests answered; by default only those that used the rate limit."""
        with self._lock:
            return sum(1 for r in self._log if r.counted or not counted_only)

    def count_for(self, full_name: str, counted_only: bool = True) -> int:
        """Requests about one repository: its REST paths and GraphQL queries naming it."""
        wanted = full_name.lower()
        with self._lock:
            return sum(1 for r in self._log if r.repo and r.repo.lower() == wanted
                       and (r.counted or not counted_only))

    def clear_log(self) -> None:
        super().clear_log()
        with self._lock:
            self.max_in_flight = 0

    # --- request handling --------------------------------------------------------------------

    def serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        target, query, headers, body = self._received(handler)
        raw_path = unquote(target.path)
        call = _Call(method, raw_path, query, headers, body, _request_id())
        if raw_path.startswith("/_codeload/"):
            answer = self._take_fault(raw_path) or self._guarded(self._codeload, call)
            self._finish(handler, call, answer)
            return
        git = git_http.GIT_PATH.match(raw_path)
        if git:
            answer = self._take_fault(raw_path) or self._git(call, git.group(1), git.group(2))
            self._finish(handler, call, answer)
            return
        api_path = self._api_path(raw_path)
        if api_path is None:
            self._finish(handler, call, Answer(404, b"Not Found",
                                               {"Content-Type": "text/plain; charset=utf-8"}))
            return
        call.path = api_path
        call.resource = "graphql" if api_path == "/graphql" else "core"
        repo_match = _REPO_PATH.match(api_path)
        if repo_match:
            call.repo = self._repo_name(*repo_match.groups())
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            if self.latency:
                time.sleep(self.latency)
            answer = self._answer_api(call)
        finally:
            with self._lock:
                self._in_flight -= 1
        self._finish(handler, call, answer)

    def _api_path(self, raw_path: str) -> str | None:
        if not self.enterprise:
            return raw_path
        if raw_path == "/api/graphql":
            return "/graphql"
        if raw_path.startswith("/api/v3/") or raw_path == "/api/v3":
            return raw_path.removeprefix("/api/v3") or "/"
        return None

    def _answer_api(self, call: _Call) -> Answer:
        if not self._authorized(call):
            return self._with_limits(_json_answer(401, {
                "message": "Bad credentials", "documentation_url": REST_DOCS, "status": "401"}),
                None)
        fault = self._take_fault(call.path)
        if fault is not None:
            return self._with_limits(fault, call.resource)
        if call.path == "/graphql":
            if call.method != "POST":
                return self._with_limits(_not_found(), "graphql")
            return self._with_limits(self._guarded(self._graphql, call), "graphql")
        exempt = call.path == "/rate_limit"
        if not exempt and not self._reserve("core", 1):
            call.counted = False
            return self._with_limits(_json_answer(403, {
                "message": f"API rate limit exceeded for user ID {USER_ID}. If you reach out to "
                           f"GitHub Support for help, please include the request ID "
                           f"{call.request_id} and timestamp "
                           f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC.",
                "documentation_url": PRIMARY_LIMIT_DOCS, "status": "403"}), "core")
        call.counted = not exempt
        answer = self._guarded(self._route, call) if call.method == "GET" else _not_found()
        if answer.cacheable:
            etag = 'W/"' + hashlib.sha256(answer.body).hexdigest() + '"'
            answer.headers.update({"ETag": etag, "Cache-Control": "private, max-age=60, "
                                   "s-maxage=60", "Vary": "Accept, Authorization, Cookie, "
                                   "X-GitHub-OTP,Accept-Encoding, Accept, X-Requested-With"})
            if etag_matches(call.headers.get("if-none-match"), etag):
                answer = Answer(304, b"", {k: v for k, v in answer.headers.items()
                                           if k != "Content-Type"})
                if call.counted:
                    self._refund("core", 1)
                    call.counted = False
        return self._with_limits(answer, "core")

    def _git(self, call: _Call, full_name: str, service_path: str) -> Answer:
        repo = self._repos.get(full_name.lower())
        return self._clone(call, None if repo is None or repo.deleted else repo.git_dir,
                           service_path,
                           missing=Answer(404, b"Repository not found.\n",
                                          {"Content-Type": "text/plain"}),
                           refused=Answer(401, b"", {"WWW-Authenticate": 'Basic realm="GitHub"'}))

    def _authorized(self, call: _Call) -> bool:
        scheme, _, given = (call.headers.get("authorization") or "").partition(" ")
        if scheme.lower() not in ("token", "bearer"):
            return False
        call.token = self._token_number(given.strip())
        return call.token is not None

    def _reserve(self, resource: str, cost: int) -> bool:
        if not self.rate_limiting:
            return True
        with self._lock:
            bucket = self._buckets[resource]
            bucket.refresh(time.time())
            if bucket.remaining < cost:
                return False
            bucket.used += cost
            return True

    def _refund(self, resource: str, cost: int) -> None:
        with self._lock:
            self._buckets[resource].used -= cost

    def _with_limits(self, answer: Answer, resource: str | None) -> Answer:
        if not self.rate_limiting or answer.drop:
            return answer
        with self._lock:
            bucket = self._anonymous if resource is None else self._buckets[resource]
            bucket.refresh(time.time())
            answer.headers.update({
                "X-RateLimit-Limit": str(bucket.limit),
                "X-RateLimit-Remaining": str(bucket.remaining),
                "X-RateLimit-Reset": str(bucket.reset_at),
                "X-RateLimit-Used": str(bucket.used),
                "X-RateLimit-Resource": resource or "core",
            })
        return answer

    def crashed(self, error: Exception) -> Answer:
        return _json_answer(500, {"message": f"fake GitHub error: {type(error).__name__}: "
                                             f"{error}"})

    def logged(self, call: _Call, answer: Answer) -> LoggedRequest:
        return LoggedRequest(call.method, call.path, answer.status, call.counted, call.repo,
                             call.token)

    def headers(self, call: _Call) -> dict[str, str]:
        headers = {"X-GitHub-Request-Id": call.request_id}
        if not call.path.startswith("/_codeload/"):
            headers.update({"X-GitHub-Media-Type": "github.v3; format=json",
                            "X-GitHub-Api-Version-Selected": API_VERSION})
            if self.enterprise:
                headers["X-GitHub-Enterprise-Version"] = ENTERPRISE_VERSION
        return headers

    # --- REST --------------------------------------------------------------------------------

    def _route(self, call: _Call) -> Answer:
        for pattern, action in self._routes():
            match = pattern.match(call.path)
            if match:
                return action(call, *match.groups())
        return _not_found()

    def _routes(self) -> list[tuple[re.Pattern[str], Callable[..., Answer]]]:
        return [
            (re.compile(r"^/rate_limit$"), self._get_rate_limit),
            (re.compile(r"^/orgs/([^/]+)$"), self._get_org),
            (re.compile(r"^/orgs/([^/]+)/repos$"), self._list_org_repos),
            (re.compile(r"^/organizations/(\d+)/repos$"), self._list_org_repos_by_id),
            (re.compile(r"^/repos/([^/]+)/([^/]+)$"), self._get_repo),
            (re.compile(r"^/repos/([^/]+)/([^/]+)/tarball(?:/(.+))?$"), self._tarball),
            (re.compile(r"^/repos/([^/]+)/([^/]+)/contents/(.+)$"), self._contents),
            (re.compile(r"^/repos/([^/]+)/([^/]+)/code-scanning/analyses$"),
             self._code_analyses),
            (re.compile(r"^/repos/([^/]+)/([^/]+)/code-scanning/alerts$"), self._code_alerts),
            (re.compile(r"^/repos/([^/]+)/([^/]+)/secret-scanning/alerts$"),
             self._secret_alerts),
            (re.compile(r"^/repos/([^/]+)/([^/]+)/actions/runs$"), self._workflow_runs),
        ]

    def _live_repo(self, call: _Call, owner: str, name: str) -> FakeRepo | None:
        call.repo = self._repo_name(owner, name)
        repo = self._repos.get(f"{owner}/{name}".lower())
        return None if repo is None or repo.deleted else repo

    def _repo_name(self, owner: str, name: str) -> str:
        repo = self._repos.get(f"{owner}/{name}".lower())
        return repo.full_name if repo else f"{owner}/{name}"

    def _get_rate_limit(self, call: _Call) -> Answer:
        if not self.rate_limiting:
            return _json_answer(404, {"message": "Rate limiting is not enabled.",
                                      "documentation_url": REST_DOCS, "status": "404"})
        with self._lock:
            now = time.time()
            for bucket in self._buckets.values():
                bucket.refresh(now)
            core, graphql = self._buckets["core"].as_json(), self._buckets["graphql"].as_json()
        search = {"limit": 30, "used": 0, "remaining": 30, "reset": math.ceil(time.time() + 60)}
        return _json_answer(200, {"resources": {"core": core, "search": search,
                                                "graphql": graphql},
                                  "rate": core}, cacheable=True)

    def _get_org(self, call: _Call, org: str) -> Answer:
        found = self._orgs.get(org.lower())
        if found is None:
            return _not_found()
        login = found[0]
        repos = [r for r in self._repos.values() if r.owner == login and not r.deleted]
        public = sum(1 for r in repos if r.visibility == "public")
        return _json_answer(200, {
            **self._owner_json(login), "name": login, "description": None, "company": None,
            "blog": "", "location": None, "email": None, "is_verified": False,
            "has_organization_projects": True, "has_repository_projects": True,
            "public_repos": public, "public_gists": 0, "followers": 0, "following": 0,
            "created_at": _iso(DEFAULT_CREATED), "updated_at": _iso(DEFAULT_CREATED),
            "archived_at": None, "total_private_repos": len(repos) - public,
            "owned_private_repos": len(repos) - public,
            "repos_url": f"{self.base_url}/orgs/{login}/repos",
            "url": f"{self.base_url}/orgs/{login}"}, cacheable=True)

    def _list_org_repos_by_id(self, call: _Call, org_id: str) -> Answer:
        login = next((login for login, i in self._orgs.values() if str(i) == org_id), None)
        return _not_found() if login is None else self._list_org_repos(call, login)

    def _list_org_repos(self, call: _Call, org: str) -> Answer:
        found = self._orgs.get(org.lower())
        if found is None:
            return _not_found()
        login, org_id = found
        kind = call.param("type") or "all"
        filters: dict[str, Callable[[FakeRepo], bool]] = {
            "all": lambda r: True, "member": lambda r: True,
            "public": lambda r: r.visibility == "public",
            "private": lambda r: r.visibility == "private",
            "internal": lambda r: r.visibility == "internal",
            "forks": lambda r: r.fork, "sources": lambda r: not r.fork}
        chosen = filters.get(kind)
        if chosen is None:
            return _validation_failed("type", kind)
        repos = [r for r in self._repos.values()
                 if r.owner == login and not r.deleted and chosen(r)]
        sort = call.param("sort") or "created"
        keys: dict[str, Callable[[FakeRepo], Any]] = {
            "created": lambda r: r.created, "updated": lambda r: r.updated,
            "pushed": lambda r: r.pushed or r.created, "full_name": lambda r: r.full_name.lower()}
        if sort not in keys:
            return _validation_failed("sort", sort)
        direction = call.param("direction") or ("asc" if sort == "full_name" else "desc")
        repos.sort(key=keys[sort], reverse=direction == "desc")
        return self._paged(call, repos, f"/organizations/{org_id}/repos", self._repo_json)

    def _get_repo(self, call: _Call, owner: str, name: str) -> Answer:
        repo = self._live_repo(call, owner, name)
        if repo is None:
            return _not_found()
        return _json_answer(200, self._repo_json(repo, detailed=True), cacheable=True)

    def _tarball(self, call: _Call, owner: str, name: str, ref: str | None) -> Answer:
        repo = self._live_repo(call, owner, name)
        resolved = self._resolve_ref(repo, ref) if repo else None
        if repo is None or resolved is None:
            return _not_found()
        location = f"{self.origin}/_codeload/{repo.full_name}/legacy.tar.gz/{quote(resolved)}"
        if repo.visibility != "public":
            grant = secrets.token_urlsafe(24)
            with self._lock:
                self._codeload_tokens[grant] = repo.full_name.lower()
            location += f"?token={grant}"
        return Answer(302, b"", {"Location": location,
                                 "Content-Type": "text/html;charset=utf-8"})

    def _contents(self, call: _Call, owner: str, name: str, path: str) -> Answer:
        """`GET /repos/{owner}/{repo}/contents/{path}?ref=`: one file, base64 encoded (the
        `content-file` shape of the REST description)."""
        repo = self._live_repo(call, owner, name)
        ref = dict(call.query).get("ref")
        resolved = self._resolve_ref(repo, ref) if repo else None
        path = unquote(path)
        if repo is None or resolved is None or path not in repo.files:
            return _not_found()
        content = repo.files[path]
        raw = content.encode() if isinstance(content, str) else content
        blob = hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()
        api = f"{self.base_url}/repos/{repo.full_name}/contents/{quote(path)}?ref={ref or ''}"
        html = f"{self.web_url}/{repo.full_name}/blob/{ref or repo.default_branch}/{path}"
        git = f"{self.base_url}/repos/{repo.full_name}/git/blobs/{blob}"
        return _json_answer(200, {
            "type": "file", "encoding": "base64", "size": len(raw),
            "name": path.rsplit("/", 1)[-1], "path": path,
            "content": base64.b64encode(raw).decode(), "sha": blob, "url": api,
            "git_url": git, "html_url": html, "download_url": None,
            "_links": {"self": api, "git": git, "html": html}}, cacheable=True)

    def _code_analyses(self, call: _Call, owner: str, name: str) -> Answer:
        repo = self._live_repo(call, owner, name)
        if repo is None:
            return _not_found()
        if repo.code_scanning is None:
            return _code_scanning_disabled()
        analyses = [self._code_analysis_json(repo, item, i)
                    for i, item in enumerate(repo.code_scanning)]
        if not analyses:
            return _json_answer(404, {"message": "no analysis found",
                                      "documentation_url": CODE_SCANNING_DOCS, "status": "404"})
        for name_, key in (("ref", "ref"), ("tool_name", "tool")):
            wanted = call.param(name_)
            if wanted:
                analyses = [a for a in analyses if (a["tool"].get("name") if key == "tool"
                                                    else a["ref"]) == wanted]
        analyses.sort(key=lambda a: (a["created_at"], a["id"]),
                      reverse=call.param("direction", "desc") == "desc")
        return self._paged(call, analyses, call.path)

    def _code_alerts(self, call: _Call, owner: str, name: str) -> Answer:
        repo = self._live_repo(call, owner, name)
        if repo is None:
            return _not_found()
        if repo.code_scanning is None:
            return _code_scanning_disabled()
        if not repo.code_scanning:
            return _json_answer(404, {"message": "no analysis found",
                                      "documentation_url": CODE_SCANNING_DOCS, "status": "404"})
        alerts = [self._code_alert_json(repo, item, i)
                  for i, item in enumerate(repo.code_scanning_alerts)]
        state, tool = call.param("state"), call.param("tool_name")
        alerts = [a for a in alerts if (not state or a["state"] == state)
                  and (not tool or a["tool"]["name"] == tool)]
        sort = "updated_at" if call.param("sort") == "updated" else "created_at"
        alerts.sort(key=lambda a: (a[sort] or "", a["number"]),
                    reverse=call.param("direction", "desc") == "desc")
        return self._paged(call, alerts, call.path)

    def _secret_alerts(self, call: _Call, owner: str, name: str) -> Answer:
        repo = self._live_repo(call, owner, name)
        if repo is None:
            return _not_found()
        if repo.secret_scanning is None:
            return _json_answer(404, {"message": SECRET_SCANNING_DISABLED,
                                      "documentation_url": SECRET_SCANNING_DOCS,
                                      "status": "404"})
        alerts = [self._secret_alert_json(repo, item, i)
                  for i, item in enumerate(repo.secret_scanning)]
        state = call.param("state")
        alerts = [a for a in alerts if not state or a["state"] == state]
        sort = "updated_at" if call.param("sort") == "updated" else "created_at"
        alerts.sort(key=lambda a: (a[sort] or "", a["number"]),
                    reverse=call.param("direction", "desc") == "desc")
        return self._paged(call, alerts, call.path)

    def _workflow_runs(self, call: _Call, owner: str, name: str) -> Answer:
        repo = self._live_repo(call, owner, name)
        if repo is None:
            return _not_found()
        runs = [self._run_json(repo, item, i) for i, item in enumerate(repo.workflow_runs)]
        created = call.param("created")
        if created:
            try:
                within = _date_filter(created)
            except ValueError:
                return _validation_failed("created", created)
            runs = [r for r in runs if within(when(r["created_at"], "created_at"))]
        for param, key in (("branch", "head_branch"), ("event", "event"),
                           ("head_sha", "head_sha"), ("actor", "actor")):
            wanted = call.param(param)
            if wanted:
                runs = [r for r in runs if (r[key]["login"] if key == "actor" else r[key])
                        == wanted]
        status = call.param("status")
        if status:
            runs = [r for r in runs if status in (r["status"], r["conclusion"])]
        runs.sort(key=lambda r: (r["created_at"], r["id"]), reverse=True)
        answer = self._paged(call, runs, call.path)
        answer.body = dumps({"total_count": len(runs), "workflow_runs": json.loads(answer.body)})
        return answer

    def _paged(self, call: _Call, items: Sequence[Any], link_path: str,
               shown: Callable[[Any], Any] = lambda item: item) -> Answer:
        """One page of `items`, each as `shown` makes it (only the page's: an organisation
        of 10,000 repositories is listed in 100 pages), with a `Link` header like GitHub's
        (absolute URLs)."""
        page = Page.of(call, items, 30)
        answer = _json_answer(200, [shown(item) for item in page.items], cacheable=True)

        def url(number: int) -> str:
            return page_url(f"{self.base_url}{link_path}", call.query, number)

        links = []
        if page.number > 1:
            links.append((url(min(page.number - 1, page.last)), "prev"))
        if page.number < page.last:
            links += [(url(page.number + 1), "next"), (url(page.last), "last")]
        if page.number > 1:
            links.append((url(1), "first"))
        if links:
            answer.headers["Link"] = link_header(links)
        return answer

    # --- codeload ----------------------------------------------------------------------------

    def _codeload(self, call: _Call) -> Answer:
        match = re.match(r"^/_codeload/([^/]+)/([^/]+)/legacy\.tar\.gz/(.+)$", call.path)
        plain = {"Content-Type": "text/plain; charset=utf-8"}
        if match is None:
            return Answer(404, b"404: Not Found", plain)
        owner, name, ref = match.groups()
        call.repo = self._repo_name(owner, name)
        repo = self._repos.get(f"{owner}/{name}".lower())
        if repo is None or repo.deleted or self._resolve_ref(repo, ref) is None:
            return Answer(404, b"404: Not Found", plain)
        if repo.visibility != "public":
            with self._lock:
                granted = self._codeload_tokens.get(call.param("token") or "")
            if granted != repo.full_name.lower():
                return Answer(404, b"404: Not Found", plain)
        sha = repo.sha
        top = f"{repo.owner}-{repo.name}-{sha[:7]}"
        return Answer(200, tarball(repo.files, sha=sha, top=top, owner="root",
                                   mtime=int((repo.pushed or repo.created).timestamp())), {
            "Content-Type": "application/x-gzip",
            "Content-Disposition": f"attachment; filename={top}.tar.gz",
            "ETag": f'"{sha}"'})

    def _resolve_ref(self, repo: FakeRepo, ref: str | None) -> str | None:
        """The codeload ref for a branch, tag or commit of the repository, or None."""
        if repo.is_empty:
            return None
        branch = repo.default_branch
        if not ref or ref in (branch, f"heads/{branch}", f"refs/heads/{branch}"):
            return f"refs/heads/{branch}"
        for release in repo.releases:
            tag = release.get("tag")
            if tag and ref in (tag, f"tags/{tag}", f"refs/tags/{tag}"):
                return f"refs/tags/{tag}"
        if len(ref) >= 7 and repo.sha.startswith(ref.lower()):
            return ref
        return None

    # --- REST payloads -----------------------------------------------------------------------

    def _owner_json(self, login: str) -> dict[str, Any]:
        org_id = self._orgs.get(login.lower(), (login, stable_id(login)))[1]
        return {
            "login": login, "id": org_id, "node_id": _node_id("Organization", org_id),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{org_id}?v=4",
            "gravatar_id": "", "url": f"{self.base_url}/users/{login}",
            "html_url": f"{self.web_url}/{login}",
            "repos_url": f"{self.base_url}/users/{login}/repos",
            "events_url": f"{self.base_url}/users/{login}/events{{/privacy}}",
            "type": "Organization", "user_view_type": "public", "site_admin": False}

    def _user_json(self, login: str) -> dict[str, Any]:
        user_id = stable_id(login)
        return {
            "login": login, "id": user_id, "node_id": _node_id("User", user_id),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
            "gravatar_id": "", "url": f"{self.base_url}/users/{login}",
            "html_url": f"{self.web_url}/{login}", "type": "User",
            "user_view_type": "public", "site_admin": False}

    def _repo_json(self, repo: FakeRepo, detailed: bool = False) -> dict[str, Any]:
        api = f"{self.base_url}/repos/{repo.full_name}"
        web = f"{self.web_url}/{repo.full_name}"
        host = urlsplit(self.web_url).netloc
        open_issues = sum(1 for issue in repo.issues if issue.get("closed_at") is None)
        size = sum(len(c.encode() if isinstance(c, str) else c) for c in repo.files.values())
        data: dict[str, Any] = {
            "id": repo.id, "node_id": _node_id("Repository", repo.id), "name": repo.name,
            "full_name": repo.full_name, "private": repo.visibility != "public",
            "owner": self._owner_json(repo.owner), "html_url": web,
            "description": repo.description, "fork": repo.fork, "url": api,
            "archive_url": f"{api}/{{archive_format}}{{/ref}}",
            "branches_url": f"{api}/branches{{/branch}}",
            "contents_url": f"{api}/contents/{{+path}}",
            "deployments_url": f"{api}/deployments", "issues_url": f"{api}/issues{{/number}}",
            "pulls_url": f"{api}/pulls{{/number}}", "releases_url": f"{api}/releases{{/id}}",
            "created_at": _iso(repo.created), "updated_at": _iso(repo.updated),
            "pushed_at": _iso(repo.pushed), "git_url": f"git://{host}/{repo.full_name}.git",
            "ssh_url": f"git@{host}:{repo.full_name}.git",
            "clone_url": (f"{self.origin}/{repo.full_name}.git" if repo.git_dir
                          else f"{web}.git"),
            "homepage": None, "size": math.ceil(size / 1024), "stargazers_count": 0,
            "watchers_count": 0, "language": repo.language, "has_issues": True,
            "has_projects": True, "has_downloads": True, "has_wiki": True, "has_pages": False,
            "has_discussions": False, "forks_count": 0, "mirror_url": None,
            "archived": repo.archived, "disabled": repo.disabled,
            "open_issues_count": open_issues, "license": None, "allow_forking": True,
            "is_template": False, "web_commit_signoff_required": False,
            "topics": list(repo.topics), "visibility": repo.visibility, "forks": 0,
            "open_issues": open_issues, "watchers": 0, "default_branch": repo.default_branch,
            "permissions": {"admin": True, "maintain": True, "push": True, "triage": True,
                            "pull": True},
        }
        if detailed:
            def status(enabled: bool) -> dict[str, str]:
                return {"status": "enabled" if enabled else "disabled"}

            data.update({
                "organization": self._owner_json(repo.owner), "network_count": 0,
                "subscribers_count": 0,
                "security_and_analysis": {
                    "advanced_security": status(repo.code_scanning is not None),
                    "secret_scanning": status(repo.secret_scanning is not None),
                    "secret_scanning_push_protection": status(False),
                    "dependabot_security_updates": status(repo.dependabot_alerts is not None),
                }})
        return data

    def _mini_repo_json(self, repo: FakeRepo) -> dict[str, Any]:
        return {"id": repo.id, "node_id": _node_id("Repository", repo.id), "name": repo.name,
                "full_name": repo.full_name, "private": repo.visibility != "public",
                "owner": self._owner_json(repo.owner),
                "html_url": f"{self.web_url}/{repo.full_name}",
                "url": f"{self.base_url}/repos/{repo.full_name}"}

    def _code_analysis_json(self, repo: FakeRepo, item: Mapping[str, Any],
                            index: int) -> dict[str, Any]:
        a = spec("code_scanning analysis", item, {
            "tool": "CodeQL", "analysis_key": "dynamic/github-code-scanning/codeql:analyze",
            "created_at": REQUIRED, "ref": None, "commit_sha": None, "category": None,
            "environment": "{}", "results_count": 0, "rules_count": 0, "tool_version": "2.20.0",
            "tool_guid": None, "id": None, "error": "", "warning": ""})
        analysis_id = a["id"] or repo.id * 1000 + index + 1
        return {
            "ref": a["ref"] or f"refs/heads/{repo.default_branch}",
            "commit_sha": a["commit_sha"] or repo.sha, "analysis_key": a["analysis_key"],
            "environment": a["environment"], "error": a["error"],
            "category": a["category"] if a["category"] is not None else "/language:python",
            "created_at": _iso(when(a["created_at"], "analysis created_at")),
            "results_count": a["results_count"], "rules_count": a["rules_count"],
            "id": analysis_id,
            "url": f"{self.base_url}/repos/{repo.full_name}/code-scanning/analyses/{analysis_id}",
            "sarif_id": f"{analysis_id:08x}-0000-4000-8000-{repo.id:012x}",
            # `name` is not required: an upload may leave it out (tool: None here).
            "tool": {**({} if a["tool"] is None else {"name": a["tool"]}),
                     "guid": a["tool_guid"], "version": a["tool_version"]},
            "deletable": True, "warning": a["warning"]}

    def _code_alert_json(self, repo: FakeRepo, item: Mapping[str, Any],
                         index: int) -> dict[str, Any]:
        a = spec("code_scanning_alert", item, {
            "number": None, "created_at": REQUIRED, "updated_at": None, "state": None,
            "fixed_at": None, "dismissed_at": None, "dismissed_reason": None,
            "rule_id": "py/sql-injection", "severity": "error", "security_severity_level": None,
            "tool": "CodeQL", "ref": None})
        if a["severity"] not in CODE_RULE_SEVERITIES:
            raise ValueError(f"code_scanning_alert severity (the rule's) must be one of "
                             f"{sorted(CODE_RULE_SEVERITIES)}; use security_severity_level for "
                             f"low/medium/high/critical")
        level = a["security_severity_level"]
        if level is not None and level not in SECURITY_SEVERITY_LEVELS:
            raise ValueError(f"security_severity_level must be one of "
                             f"{sorted(SECURITY_SEVERITY_LEVELS)} or None")
        created = when(a["created_at"], "alert created_at")
        fixed, dismissed = when(a["fixed_at"], "fixed_at"), when(a["dismissed_at"],
                                                                    "dismissed_at")
        state = a["state"] or ("fixed" if fixed else "dismissed" if dismissed else "open")
        number = a["number"] or index + 1
        api = f"{self.base_url}/repos/{repo.full_name}/code-scanning/alerts/{number}"
        ref = a["ref"] or f"refs/heads/{repo.default_branch}"
        return {
            "number": number, "created_at": _iso(created),
            "updated_at": _iso(when(a["updated_at"], "updated_at") or fixed or dismissed
                               or created),
            "url": api, "html_url": f"{self.web_url}/{repo.full_name}/security/code-scanning/"
                                    f"{number}",
            "instances_url": f"{api}/instances", "state": state, "fixed_at": _iso(fixed),
            "dismissed_by": self._user_json("octocat") if dismissed else None,
            "dismissed_at": _iso(dismissed),
            "dismissed_reason": a["dismissed_reason"] or ("false positive" if dismissed
                                                          else None),
            "dismissed_comment": None,
            "rule": {"id": a["rule_id"], "severity": a["severity"],
                     "security_severity_level": level, "description": a["rule_id"],
                     "name": a["rule_id"], "tags": ["security"]},
            "tool": {"name": a["tool"], "guid": None, "version": "2.20.0"},
            "most_recent_instance": {
                "ref": ref, "analysis_key": "dynamic/github-code-scanning/codeql:analyze",
                "environment": "{}", "category": "/language:python", "state": state,
                "commit_sha": repo.sha, "message": {"text": a["rule_id"]},
                "location": {"path": "app.py", "start_line": 1, "end_line": 1,
                             "start_column": 1, "end_column": 2},
                "classifications": []}}

    def _secret_alert_json(self, repo: FakeRepo, item: Mapping[str, Any],
                           index: int) -> dict[str, Any]:
        a = spec("secret_scanning alert", item, {
            "number": None, "created_at": REQUIRED, "updated_at": None, "state": None,
            "resolved_at": None, "resolution": None,
            "secret_type": "github_personal_access_token", "secret_type_display_name": None,
            "validity": "unknown"})
        created, resolved = when(a["created_at"], "created_at"), when(a["resolved_at"],
                                                                         "resolved_at")
        state = a["state"] or ("resolved" if resolved else "open")
        number = a["number"] or index + 1
        api = f"{self.base_url}/repos/{repo.full_name}/secret-scanning/alerts/{number}"
        return {
            "number": number, "created_at": _iso(created),
            "updated_at": _iso(when(a["updated_at"], "updated_at") or resolved or created),
            "url": api,
            "html_url": f"{self.web_url}/{repo.full_name}/security/secret-scanning/{number}",
            "locations_url": f"{api}/locations", "state": state,
            "resolution": a["resolution"] or ("revoked" if state == "resolved" else None),
            "resolved_at": _iso(resolved),
            "resolved_by": self._user_json("octocat") if resolved else None,
            "resolution_comment": None, "secret_type": a["secret_type"],
            "secret_type_display_name": a["secret_type_display_name"]
            or a["secret_type"].replace("_", " ").title(),
            "secret": "********", "validity": a["validity"],
            "push_protection_bypassed": False, "push_protection_bypassed_by": None,
            "push_protection_bypassed_at": None}

    def _run_json(self, repo: FakeRepo, item: Mapping[str, Any], index: int) -> dict[str, Any]:
        r = spec("workflow_run", item, {
            "id": None, "name": "CI", "path": ".github/workflows/ci.yml", "event": "push",
            "status": "completed", "conclusion": "success", "head_sha": None,
            "head_branch": None, "created_at": REQUIRED, "updated_at": None,
            "run_started_at": None, "run_number": None, "run_attempt": 1,
            "display_title": None, "actor": "octocat"})
        created = when(r["created_at"], "workflow_run created_at")
        run_id = r["id"] or repo.id * 10_000 + index + 1
        workflow_id = stable_id(f"{repo.full_name}:{r['path']}")
        sha = r["head_sha"] or repo.sha
        api = f"{self.base_url}/repos/{repo.full_name}"
        actor = self._user_json(r["actor"])
        return {
            "id": run_id, "name": r["name"], "node_id": _node_id("WorkflowRun", run_id),
            "check_suite_id": run_id + 1, "head_branch": r["head_branch"] or repo.default_branch,
            "head_sha": sha, "path": r["path"], "display_title": r["display_title"] or r["name"],
            "run_number": r["run_number"] or index + 1, "event": r["event"],
            "status": r["status"], "conclusion": r["conclusion"], "workflow_id": workflow_id,
            "url": f"{api}/actions/runs/{run_id}",
            "html_url": f"{self.web_url}/{repo.full_name}/actions/runs/{run_id}",
            "pull_requests": [], "created_at": _iso(created),
            "updated_at": _iso(when(r["updated_at"], "updated_at") or created),
            "actor": actor, "run_attempt": r["run_attempt"],
            "run_started_at": _iso(when(r["run_started_at"], "run_started_at") or created),
            "triggering_actor": actor, "jobs_url": f"{api}/actions/runs/{run_id}/jobs",
            "logs_url": f"{api}/actions/runs/{run_id}/logs",
            "check_suite_url": f"{api}/check-suites/{run_id + 1}",
            "artifacts_url": f"{api}/actions/runs/{run_id}/artifacts",
            "cancel_url": f"{api}/actions/runs/{run_id}/cancel",
            "rerun_url": f"{api}/actions/runs/{run_id}/rerun",
            "workflow_url": f"{api}/actions/workflows/{workflow_id}",
            "head_commit": {"id": sha, "tree_id": hashlib.sha1(sha.encode()).hexdigest(),
                            "message": r["display_title"] or r["name"],
                            "timestamp": _iso(created),
                            "author": {"name": r["actor"], "email": f"{r['actor']}@example.com"},
                            "committer": {"name": "GitHub", "email": "noreply@github.com"}},
            "repository": self._mini_repo_json(repo),
            "head_repository": self._mini_repo_json(repo)}

    # --- GraphQL -----------------------------------------------------------------------------

    def _graphql(self, call: _Call) -> Answer:
        request = graphql_request(call.body)
        if request is None:
            return _json_answer(400, {"message": "Problems parsing JSON",
                                      "documentation_url": GRAPHQL_DOCS, "status": "400"})
        if not isinstance(request.query, str):
            return self._graphql_refusal(call, [{
                "message": "A query attribute must be specified and must be a string."}])
        try:
            document = parsed(request.query)
            operation = document.operation(request.operation_name)
            if operation is None or operation.name not in self.graphql_operations:
                named = operation.name if operation else request.operation_name
                return self._graphql_refusal(call, [{
                    "type": "FAKE_UNSUPPORTED_OPERATION",
                    "message": f"The fake GitHub does not answer operation {named!r}; it "
                               f"answers {sorted(self.graphql_operations)}."}])
            values = gql.coerce_variables(operation, request.variables,
                                          {"DateTime": parse_datetime})
        except gql.QueryError as error:
            return self._graphql_refusal(call, error.errors)
        self._name_graphql_repo(call, values)
        cost = gql.query_cost(document, operation, values)
        if not self._reserve("graphql", cost):
            return _json_answer(200, {"errors": [{
                "type": "RATE_LIMITED", "code": "graphql_rate_limit",
                "message": f"API rate limit exceeded for user ID {USER_ID}."}]})
        call.counted = True
        execution = gql.Execution(document, operation, values)
        try:
            answer = execution.run(self._graphql_root(call, cost))
        except gql.QueryError as error:
            return _json_answer(200, {"errors": error.errors})
        return _json_answer(200, answer)

    def _graphql_refusal(self, call: _Call, errors: list[dict[str, Any]]) -> Answer:
        """A query refused before running still costs a point, as on GitHub."""
        call.counted = self._reserve("graphql", 1)
        return _json_answer(200, {"errors": errors})

    def _name_graphql_repo(self, call: _Call, values: Mapping[str, Any]) -> None:
        owner, name = values.get("owner"), values.get("name")
        if isinstance(owner, str) and isinstance(name, str):
            call.repo = self._repo_name(owner, name)

    def _graphql_root(self, call: _Call, cost: int) -> dict[str, Any]:
        with self._lock:
            bucket = self._buckets["graphql"]
            limits = {"__typename": "RateLimit", "cost": cost, "limit": bucket.limit,
                      "remaining": bucket.remaining, "used": bucket.used,
                      "resetAt": _iso(datetime.fromtimestamp(bucket.reset_at, UTC)),
                      "nodeCount": 0}

        def repository(args: dict[str, Any]) -> Any:
            owner, name = str(args.get("owner")), str(args.get("name"))
            call.repo = call.repo or self._repo_name(owner, name)
            repo = self._repos.get(f"{owner}/{name}".lower())
            if repo is None or repo.deleted:
                return gql.FieldError("NOT_FOUND", f"Could not resolve to a Repository with "
                                                   f"the name '{owner}/{name}'.")
            return self._graphql_repository(repo)

        return {"__typename": "Query",
                "rateLimit": lambda args: limits if self.rate_limiting else None,
                "repository": repository,
                "viewer": {"__typename": "User", "login": "octocat", "databaseId": USER_ID}}

    def _graphql_repository(self, repo: FakeRepo) -> dict[str, Any]:
        web = f"{self.web_url}/{repo.full_name}"
        sha = repo.sha
        branch = None if repo.is_empty else {
            "__typename": "Ref", "name": repo.default_branch, "prefix": "refs/heads/",
            "target": {"__typename": "Commit", "__implements": ("GitObject", "Node"),
                       "oid": sha, "committedDate": _iso(repo.pushed)}}
        return {
            "__typename": "Repository", "__implements": ("Node", "RepositoryInfo"),
            "id": _node_id("Repository", repo.id), "databaseId": repo.id, "name": repo.name,
            "nameWithOwner": repo.full_name,
            "owner": {"__typename": "Organization", "__implements": ("RepositoryOwner",),
                      "login": repo.owner},
            "url": web, "description": repo.description, "isArchived": repo.archived,
            "isFork": repo.fork, "isDisabled": repo.disabled, "isEmpty": repo.is_empty,
            "isPrivate": repo.visibility != "public", "isTemplate": False,
            "visibility": repo.visibility.upper(), "createdAt": _iso(repo.created),
            "updatedAt": _iso(repo.updated), "pushedAt": _iso(repo.pushed),
            "defaultBranchRef": branch,
            "repositoryTopics": lambda args: gql.Connection("RepositoryTopicConnection", [
                {"__typename": "RepositoryTopic",
                 "topic": {"__typename": "Topic", "name": topic}} for topic in repo.topics]),
            "branchProtectionRules": lambda args: gql.Connection(
                "BranchProtectionRuleConnection",
                [_branch_protection(rule) for rule in repo.branch_protection]),
            "rulesets": lambda args: gql.Connection("RepositoryRulesetConnection", [
                self._ruleset(repo, ruleset, i) for i, ruleset in enumerate(repo.rulesets)
                if args.get("includeParents", True)
                or str(ruleset.get("source", "REPOSITORY")).upper() == "REPOSITORY"]),
            "pullRequests": lambda args: self._graphql_pulls(repo, args),
            "deployments": lambda args: self._graphql_deployments(repo, args),
            "environments": lambda args: self._graphql_environments(repo, args),
            "releases": lambda args: self._graphql_releases(repo, args),
            "issues": lambda args: self._graphql_issues(repo, args),
            "vulnerabilityAlerts": lambda args: self._graphql_alerts(repo, args),
        }

    def _ruleset(self, repo: FakeRepo, item: Mapping[str, Any], index: int) -> dict[str, Any]:
        r = spec("ruleset", item, {
            "name": REQUIRED, "target": "BRANCH", "enforcement": "ACTIVE",
            "conditions": {"refName": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
            "rules": [], "source": "REPOSITORY"})
        target, enforcement = _enum(r["target"], RULESET_TARGETS, "ruleset target"), _enum(
            r["enforcement"], RULE_ENFORCEMENTS, "ruleset enforcement")
        ref_name = (r["conditions"] or {}).get("refName")
        conditions = {
            "__typename": "RepositoryRuleConditions",
            "refName": None if ref_name is None else {
                "__typename": "RefNameConditionTarget",
                "include": list(ref_name.get("include", [])),
                "exclude": list(ref_name.get("exclude", []))},
            "repositoryName": None, "repositoryId": None, "repositoryProperty": None}
        rules_in = r["rules"]["nodes"] if isinstance(r["rules"], Mapping) else r["rules"]
        rules = [_rule(rule) for rule in rules_in]
        source = str(r["source"]).upper()
        owner_like = ({"__typename": "Organization", "login": repo.owner}
                      if source == "ORGANIZATION" else
                      {"__typename": "Repository", "nameWithOwner": repo.full_name})
        ruleset_id = repo.id * 100 + index + 1
        return {
            "__typename": "RepositoryRuleset", "__implements": ("Node",),
            "id": _node_id("RepositoryRuleset", ruleset_id), "databaseId": ruleset_id,
            "name": r["name"], "target": target, "enforcement": enforcement,
            "conditions": conditions, "source": owner_like,
            "rules": lambda args: gql.Connection("RepositoryRuleConnection", [
                rule for rule in rules if not args.get("type") or rule["type"] == args["type"]]),
        }

    def _graphql_pulls(self, repo: FakeRepo, args: Mapping[str, Any]) -> gql.Connection:
        pulls = [self._graphql_pull(repo, item) for item in repo.pulls]
        states = args.get("states")
        if states:
            pulls = [p for p in pulls if p["state"] in _as_list(states)]
        labels = args.get("labels")
        if labels:
            pulls = [p for p in pulls if set(_as_list(labels)) & set(p["__labels"])]
        for argument, key in (("baseRefName", "baseRefName"), ("headRefName", "headRefName")):
            if args.get(argument):
                pulls = [p for p in pulls if p[key] == args[argument]]
        pulls = _ordered(pulls, args.get("orderBy"), {"CREATED_AT": "createdAt",
                                                     "UPDATED_AT": "updatedAt"}, "createdAt")
        return gql.Connection("PullRequestConnection", pulls)

    def _graphql_pull(self, repo: FakeRepo, item: Mapping[str, Any]) -> dict[str, Any]:
        p = spec("pull", item, {
            "number": REQUIRED, "merged_at": REQUIRED, "author": "octocat", "approvers": (),
            "first_commit_at": None, "merge_sha": _REQUIRED_DEFAULT, "labels": (),
            "created_at": None, "updated_at": None, "title": None, "base_ref": None,
            "head_ref": None})
        merged = when(p["merged_at"], "pull merged_at")
        first_commit = when(p["first_commit_at"], "pull first_commit_at")
        created = when(p["created_at"], "pull created_at") or first_commit or merged
        merge_sha = p["merge_sha"]
        if merge_sha is _REQUIRED_DEFAULT:
            merge_sha = hashlib.sha1(f"{repo.full_name}#{p['number']}".encode()).hexdigest()
        labels = [str(label) for label in p["labels"]]
        commits = [] if first_commit is None else [{
            "__typename": "PullRequestCommit",
            "commit": {"__typename": "Commit", "oid": hashlib.sha1(
                f"{repo.full_name}#{p['number']}:first".encode()).hexdigest(),
                "authoredDate": _iso(first_commit), "committedDate": _iso(first_commit),
                "messageHeadline": p["title"] or f"Change {p['number']}"}}]
        reviews = [{"__typename": "PullRequestReview", "state": "APPROVED",
                    "author": _actor(login), "submittedAt": _iso(merged)}
                   for login in p["approvers"]]
        return {
            "__typename": "PullRequest", "__implements": ("Node",),
            "number": p["number"], "title": p["title"] or f"Change {p['number']}",
            "url": f"{self.web_url}/{repo.full_name}/pull/{p['number']}", "state": "MERGED",
            "merged": True, "mergedAt": _iso(merged), "closedAt": _iso(merged),
            "createdAt": _iso(created),
            "updatedAt": _iso(when(p["updated_at"], "pull updated_at") or merged),
            "author": _actor(p["author"]),
            "mergeCommit": None if merge_sha is None else {"__typename": "Commit",
                                                           "oid": merge_sha},
            "baseRefName": p["base_ref"] or repo.default_branch,
            "headRefName": p["head_ref"] or f"change-{p['number']}",
            "__labels": labels,
            "labels": lambda args: gql.Connection("LabelConnection", [_label(n) for n in labels]),
            "commits": lambda args: gql.Connection("PullRequestCommitConnection", commits),
            "reviews": lambda args: gql.Connection("PullRequestReviewConnection", [
                r for r in reviews if not args.get("states")
                or r["state"] in _as_list(args["states"])]),
        }

    def _graphql_deployments(self, repo: FakeRepo, args: Mapping[str, Any]) -> gql.Connection:
        deployments = []
        for item in repo.deployments:
            d = spec("deployment", item, {
                "environment": "production", "created_at": REQUIRED, "state": "SUCCESS",
                "status_at": None, "sha": None, "log_url": None, "description": None})
            created = when(d["created_at"], "deployment created_at")
            state = None if d["state"] is None else _enum(
                d["state"], DEPLOYMENT_STATUS_STATES, "deployment state")
            status_at = when(d["status_at"], "deployment status_at") or created
            status = None if state is None else {
                "__typename": "DeploymentStatus", "state": state, "createdAt": _iso(status_at),
                "updatedAt": _iso(status_at), "logUrl": d["log_url"], "environmentUrl": None,
                "description": d["description"]}
            sha = d["sha"] or repo.sha
            deployments.append({
                "__typename": "Deployment", "__implements": ("Node",),
                "createdAt": _iso(created), "updatedAt": _iso(status_at),
                "environment": d["environment"], "originalEnvironment": d["environment"],
                "commitOid": sha, "commit": {"__typename": "Commit", "oid": sha},
                "task": "deploy", "description": d["description"],
                "state": _DEPLOYMENT_STATE.get(state or "", "PENDING"), "latestStatus": status,
                "statuses": lambda args, s=status: gql.Connection(
                    "DeploymentStatusConnection", [s] if s else [])})
        environments = args.get("environments")
        if environments:
            deployments = [d for d in deployments if d["environment"] in _as_list(environments)]
        deployments = _ordered(deployments, args.get("orderBy"), {"CREATED_AT": "createdAt"},
                               "createdAt")
        return gql.Connection("DeploymentConnection", deployments)

    def _graphql_environments(self, repo: FakeRepo, args: Mapping[str, Any]) -> gql.Connection:
        """Declared environments and those deployments name, oldest first (by id)."""
        names = list(dict.fromkeys([*repo.environments, *(
            str(item.get("environment", "production")) for item in repo.deployments)]))
        wanted = args.get("names")
        if wanted:
            names = [n for n in names if n in _as_list(wanted)]
        environments = [{
            "__typename": "Environment", "__implements": ("Node",),
            "id": _node_id("Environment", repo.id * 1000 + index),
            "databaseId": repo.id * 1000 + index, "name": name, "isPinned": False,
            "pinnedPosition": None} for index, name in enumerate(names)]
        if (args.get("orderBy") or {}).get("field") == "NAME":
            environments = _ordered(environments, args["orderBy"], {"NAME": "name"}, "name")
        return gql.Connection("EnvironmentConnection", environments)

    def _graphql_releases(self, repo: FakeRepo, args: Mapping[str, Any]) -> gql.Connection:
        releases = []
        for item in repo.releases:
            r = spec("release", item, {
                "tag": REQUIRED, "published_at": None, "created_at": None, "assets": (),
                "draft": False, "prerelease": False, "name": None})
            published = when(r["published_at"], "release published_at")
            created = when(r["created_at"], "release created_at") or published
            if created is None:
                raise ValueError(f"release {r['tag']}: give published_at or created_at")
            assets = [str(asset) for asset in r["assets"]]
            web = f"{self.web_url}/{repo.full_name}/releases"
            releases.append({
                "__typename": "Release", "__implements": ("Node",), "tagName": r["tag"],
                "name": r["name"] or r["tag"], "url": f"{web}/tag/{quote(r['tag'])}",
                "publishedAt": _iso(published), "createdAt": _iso(created),
                "isDraft": bool(r["draft"]), "isPrerelease": bool(r["prerelease"]),
                "isLatest": False,
                "releaseAssets": lambda args, names=assets, tag=r["tag"], web=web: gql.Connection(
                    "ReleaseAssetConnection", [{
                        "__typename": "ReleaseAsset", "name": name, "size": 0,
                        "contentType": "application/octet-stream",
                        "downloadUrl": f"{web}/download/{quote(tag)}/{quote(name)}"}
                        for name in names])})
        published_ones = [r for r in releases if not r["isDraft"] and not r["isPrerelease"]]
        if published_ones:
            max(published_ones, key=lambda r: r["createdAt"])["isLatest"] = True
        releases = _ordered(releases, args.get("orderBy"), {"CREATED_AT": "createdAt",
                                                           "NAME": "name"}, "createdAt")
        return gql.Connection("ReleaseConnection", releases)

    def _graphql_issues(self, repo: FakeRepo, args: Mapping[str, Any]) -> gql.Connection:
        issues = []
        for item in repo.issues:
            i = spec("issue", item, {
                "number": REQUIRED, "created_at": REQUIRED, "closed_at": None, "labels": (),
                "updated_at": None, "title": None})
            created = when(i["created_at"], "issue created_at")
            closed = when(i["closed_at"], "issue closed_at")
            updated = when(i["updated_at"], "issue updated_at") or closed or created
            labels = [str(label) for label in i["labels"]]
            issues.append({
                "__typename": "Issue", "__implements": ("Node",), "number": i["number"],
                "title": i["title"] or f"Issue {i['number']}",
                "url": f"{self.web_url}/{repo.full_name}/issues/{i['number']}",
                "state": "CLOSED" if closed else "OPEN", "createdAt": _iso(created),
                "updatedAt": _iso(updated), "closedAt": _iso(closed), "__labels": labels,
                "labels": lambda args, names=labels: gql.Connection(
                    "LabelConnection", [_label(n) for n in names])})
        filters = dict(args.get("filterBy") or {})
        since = filters.get("since")
        if since:
            floor = parse_datetime(since)
            issues = [i for i in issues if parse_datetime(i["updatedAt"]) >= floor]
        states = filters.get("states") or args.get("states")
        if states:
            issues = [i for i in issues if i["state"] in _as_list(states)]
        wanted_labels = filters.get("labels") or args.get("labels")
        if wanted_labels:
            issues = [i for i in issues if set(_as_list(wanted_labels)) & set(i["__labels"])]
        issues = _ordered(issues, args.get("orderBy"), {
            "CREATED_AT": "createdAt", "UPDATED_AT": "updatedAt", "COMMENTS": "number"},
            "createdAt")
        return gql.Connection("IssueConnection", issues)

    def _graphql_alerts(self, repo: FakeRepo, args: Mapping[str, Any]) -> Any:
        alerts = self._alerts_of(repo)
        if alerts is None:
            return gql.FieldError("FORBIDDEN", "Resource not accessible by integration",
                                  {"saml_failure": False})
        states = args.get("states")
        if states:
            alerts = [a for a in alerts if a["state"] in _as_list(states)]
        return gql.Connection("RepositoryVulnerabilityAlertConnection", alerts)

    def _alerts_of(self, repo: FakeRepo) -> list[dict[str, Any]] | None:
        if repo.dependabot_alerts is None:
            return None
        alerts = []
        for index, item in enumerate(repo.dependabot_alerts):
            a = spec("dependabot alert", item, {
                "created_at": REQUIRED, "fixed_at": None, "dismissed_at": None,
                "auto_dismissed_at": None, "severity": "MODERATE", "state": None,
                "package": "requests", "ecosystem": "PIP", "ghsa_id": None, "number": None})
            severity = str(a["severity"]).upper()
            severity = "MODERATE" if severity == "MEDIUM" else severity
            severity = _enum(severity, ADVISORY_SEVERITIES, "dependabot alert severity")
            fixed = when(a["fixed_at"], "fixed_at")
            dismissed = when(a["dismissed_at"], "dismissed_at")
            auto = when(a["auto_dismissed_at"], "auto_dismissed_at")
            state = a["state"] or ("FIXED" if fixed else "DISMISSED" if dismissed
                                   else "AUTO_DISMISSED" if auto else "OPEN")
            state = _enum(state, VULNERABILITY_ALERT_STATES, "dependabot alert state")
            ghsa = a["ghsa_id"] or _ghsa(f"{repo.full_name}:{index}")
            alerts.append({
                "__typename": "RepositoryVulnerabilityAlert", "__implements": ("Node",),
                "number": a["number"] or index + 1,
                "createdAt": _iso(when(a["created_at"], "dependabot alert created_at")),
                "fixedAt": _iso(fixed), "dismissedAt": _iso(dismissed),
                "autoDismissedAt": _iso(auto), "state": state, "dependencyScope": "RUNTIME",
                "vulnerableManifestPath": "requirements.txt",
                "securityVulnerability": {
                    "__typename": "SecurityVulnerability", "severity": severity,
                    "vulnerableVersionRange": "< 1.0.1",
                    "firstPatchedVersion": {"__typename": "SecurityAdvisoryPackageVersion",
                                            "identifier": "1.0.1"},
                    "package": {"__typename": "SecurityAdvisoryPackage",
                                "name": a["package"], "ecosystem": a["ecosystem"]}},
                "securityAdvisory": {
                    "__typename": "SecurityAdvisory", "ghsaId": ghsa, "severity": severity,
                    "summary": f"Vulnerability in {a['package']}",
                    "permalink": f"{self.web_url}/advisories/{ghsa}"}})
        return alerts


# --- helpers -----------------------------------------------------------------------------------

_REPO_PATH = re.compile(r"^/repos/([^/]+)/([^/]+)")
_REQUIRED_DEFAULT: Any = object()
_REASONS = {400: "Bad Request", 401: "Bad credentials", 403: "Forbidden", 404: "Not Found",
            409: "Conflict", 410: "Gone", 422: "Validation Failed", 429: "Too Many Requests",
            500: "Server Error", 502: "Server Error", 503: "Service Unavailable",
            504: "We couldn't respond to your request in time. Sorry about that. Please try "
                 "resubmitting your request and contact us if the problem persists."}
_DEPLOYMENT_STATE = {"SUCCESS": "ACTIVE", "FAILURE": "FAILURE", "ERROR": "ERROR",
                     "INACTIVE": "INACTIVE", "PENDING": "PENDING", "QUEUED": "QUEUED",
                     "IN_PROGRESS": "IN_PROGRESS", "WAITING": "WAITING"}
_BRANCH_PROTECTION_DEFAULTS: dict[str, Any] = {
    "pattern": REQUIRED, "requiresApprovingReviews": False,
    "requiredApprovingReviewCount": None, "requiresCodeOwnerReviews": False,
    "dismissesStaleReviews": False, "requireLastPushApproval": False,
    "requiresStatusChecks": False, "requiresStrictStatusChecks": False,
    "requiredStatusCheckContexts": [], "requiresCommitSignatures": False,
    "requiresLinearHistory": False, "requiresConversationResolution": False,
    "requiresDeployments": False, "requiredDeploymentEnvironments": [],
    "isAdminEnforced": False, "allowsForcePushes": False, "allowsDeletions": False,
    "restrictsPushes": False, "restrictsReviewDismissals": False, "lockBranch": False,
    "blocksCreations": False}
_RULE_PARAMETERS: dict[str, tuple[str, dict[str, Any]]] = {
    "PULL_REQUEST": ("PullRequestParameters", {
        "requiredApprovingReviewCount": 0, "requireCodeOwnerReview": False,
        "dismissStaleReviewsOnPush": False, "requireLastPushApproval": False,
        "requiredReviewThreadResolution": False}),
    "REQUIRED_STATUS_CHECKS": ("RequiredStatusChecksParameters", {
        "requiredStatusChecks": [], "strictRequiredStatusChecksPolicy": False}),
    "REQUIRED_DEPLOYMENTS": ("RequiredDeploymentsParameters", {
        "requiredDeploymentEnvironments": []}),
    "UPDATE": ("UpdateParameters", {"updateAllowsFetchAndMerge": False}),
    "CODE_SCANNING": ("CodeScanningParameters", {"codeScanningTools": []}),
    "WORKFLOWS": ("WorkflowsParameters", {"workflows": []}),
}


def _branch_protection(item: Mapping[str, Any]) -> dict[str, Any]:
    rule = spec("branch_protection rule", item, _BRANCH_PROTECTION_DEFAULTS)
    if rule["requiresApprovingReviews"] and rule["requiredApprovingReviewCount"] is None:
        rule["requiredApprovingReviewCount"] = 1
    return {"__typename": "BranchProtectionRule", "__implements": ("Node",), **rule}


def _rule(item: Mapping[str, Any]) -> dict[str, Any]:
    r = spec("ruleset rule", item, {"type": REQUIRED, "parameters": None})
    rule_type = str(r["type"]).upper()
    parameters = None
    if rule_type in _RULE_PARAMETERS:
        typename, defaults = _RULE_PARAMETERS[rule_type]
        parameters = {"__typename": typename,
                      **spec(f"{rule_type} parameters", r["parameters"] or {}, defaults)}
        if rule_type == "REQUIRED_STATUS_CHECKS":
            parameters["requiredStatusChecks"] = [
                {"__typename": "StatusCheckConfiguration",
                 "context": check if isinstance(check, str) else check["context"],
                 "integrationId": None if isinstance(check, str)
                 else check.get("integrationId")}
                for check in parameters["requiredStatusChecks"]]
    elif r["parameters"] is not None:
        camel = "".join(word.capitalize() for word in rule_type.split("_"))
        parameters = {"__typename": f"{camel}Parameters", **r["parameters"]}
    elif rule_type not in RULES_WITHOUT_PARAMETERS:
        camel = "".join(word.capitalize() for word in rule_type.split("_"))
        parameters = {"__typename": f"{camel}Parameters"}
    return {"__typename": "RepositoryRule", "__implements": ("Node",), "type": rule_type,
            "parameters": parameters}


def _enum(value: Any, allowed: frozenset[str], what: str) -> str:
    text = str(value).upper()
    if text not in allowed:
        raise ValueError(f"{what} must be one of {sorted(allowed)}, not {value!r}")
    return text


def _ordered(items: list[dict[str, Any]], order_by: Mapping[str, Any] | None,
             fields: Mapping[str, str], default: str) -> list[dict[str, Any]]:
    """Sorted as a GraphQL `orderBy: {field, direction}` asks (ascending by default)."""
    order = dict(order_by or {})
    name = order.get("field")
    if name is not None and name not in fields:
        raise gql.QueryError([{"message": f"Argument 'orderBy' has an invalid value "
                                          f"(field: {name}). Expected one of "
                                          f"{sorted(fields)}."}])
    key = fields[name] if name else default
    return sorted(items, key=lambda item: (item[key] is not None, item[key] or ""),
                  reverse=order.get("direction", "ASC") == "DESC")


def _label(name: str) -> dict[str, Any]:
    return {"__typename": "Label", "name": name, "color": "ededed"}


def _actor(login: str | None) -> dict[str, Any] | None:
    if login is None:
        return None
    return {"__typename": "User", "__implements": ("Actor", "Node"), "login": login}


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _iso(moment: datetime | None) -> str | None:
    """GitHub's timestamp form: UTC, seconds, `Z`."""
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _date_filter(expression: str) -> Callable[[datetime | None], bool]:
    """GitHub's date query syntax: `>=D`, `>D`, `<=D`, `<D`, `D`, `A..B` (`*` open)."""

    def bounds(text: str) -> tuple[datetime, datetime]:
        if "T" in text:
            moment = parse_datetime(text)
            return moment, moment + timedelta(seconds=1)
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
        return day, day + timedelta(days=1)

    text = expression.strip()
    low: datetime | None = None
    high: datetime | None = None
    if ".." in text:
        first, second = text.split("..", 1)
        low = None if first == "*" else bounds(first)[0]
        high = None if second == "*" else bounds(second)[1]
    elif text.startswith(">="):
        low = bounds(text[2:])[0]
    elif text.startswith("<="):
        high = bounds(text[2:])[1]
    elif text.startswith(">"):
        low = bounds(text[1:])[1]
    elif text.startswith("<"):
        high = bounds(text[1:])[0]
    else:
        low, high = bounds(text)
    return lambda moment: moment is not None and (low is None or moment >= low) and (
        high is None or moment < high)


def _json_answer(status: int, data: Any, cacheable: bool = False) -> Answer:
    return json_answer(status, data, FakeGitHub.json_type, cacheable)


def _not_found() -> Answer:
    return _json_answer(404, {"message": "Not Found", "documentation_url": REST_DOCS,
                              "status": "404"})


def _validation_failed(field_name: str, value: str) -> Answer:
    return _json_answer(422, {"message": "Validation Failed", "errors": [
        {"resource": "Search", "field": field_name, "code": "invalid", "value": value}],
        "documentation_url": REST_DOCS, "status": "422"})


def _code_scanning_disabled() -> Answer:
    return _json_answer(403, {"message": CODE_SCANNING_DISABLED,
                              "documentation_url": CODE_SCANNING_DOCS, "status": "403"})


def _secondary_body() -> dict[str, str]:
    return {"message": SECONDARY_LIMIT_MESSAGE.format(request_id=_request_id()),
            "documentation_url": SECONDARY_LIMIT_DOCS}


def _request_id() -> str:
    return ":".join(secrets.token_hex(n).upper() for n in (2, 2, 3, 3, 4))


def _node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"0{len(kind)}:{kind}{number}".encode()).decode().rstrip("=")


def _ghsa(seed: str) -> str:
    alphabet = "23456789cfghjmpqrvwx"
    digest = hashlib.sha1(seed.encode()).digest()
    chars = "".join(alphabet[b % len(alphabet)] for b in digest[:12])
    return f"GHSA-{chars[:4]}-{chars[4:8]}-{chars[8:12]}"
