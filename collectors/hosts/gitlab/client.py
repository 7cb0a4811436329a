"""The GitLab API as this collector uses it: conditional GETs, pages, GraphQL, archives.

python-gitlab's `Gitlab.http_request` carries every request: the `PRIVATE-TOKEN`
header, self-managed base URLs (a path prefix too), and retries. With
`retry_transient_errors=True` it retries 5xx (500-504, 520-530), timeouts and
dropped connections, waiting 0.1 s doubling each time, up to `max_retries`; a
429 is waited out by its `Retry-After` (else `RateLimit-Reset`). It raises
`GitlabAuthenticationError` on a 401 and `GitlabHttpError` (with
`response_code`) on any other non-2xx answer, a 304 included: that is how an
unchanged resource comes back from a conditional GET.

On top of it this adds what python-gitlab lacks: ETags kept between scans and
sent as `If-None-Match` through `http_request`'s documented `extra_headers`
(GitLab answers API GETs with weak ETags and 304s); pages followed by
`Link: rel="next"` (else `X-Next-Page`), each page conditional on its own
ETag; a refusal of an optional feature (a tier or permission the token lacks)
remembered for a week; GraphQL answers whose partial errors are kept rather
than raised. The heavy imports happen when a client is made, not when the
collector module is loaded.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scanner.collectors.api import Answer, ApiError, parse_json, redacted, with_query
from scanner.collectors.bounds import DEFAULT_MAX_RESPONSE_BYTES, Budget, cap_bodies
from scanner.collectors.hosts.http import (
    CHUNK_BYTES,
    DEFAULT_MAX_REQUESTS,
    MAX_PAGES,
    conditional,
    next_link,
    read_pages,
    refused_before,
    remember_refusal,
    seen_before,
)
from scanner.memory import Memory, Remembered

DEFAULT_URL = "https://gitlab.com"
# GitLab's own answer to a missing, wrong, expired or revoked token; any other 401 (the DORA
# API's "You do not have permission to access dora metrics.") is a refusal of one feature.
BAD_TOKEN_MESSAGES = frozenset({"401 Unauthorized", "Invalid token"})


@dataclass(frozen=True)
class ApiSettings:
    url: str = DEFAULT_URL
    timeout_seconds: int = 30
    # python-gitlab doubles its wait from 0.1 s: 8 retries wait out about 25 s of 5xx.
    retries: int = 8
    pool_size: int = 16
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    max_requests: int = DEFAULT_MAX_REQUESTS


@dataclass(frozen=True)
class _Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes


class GitLabApi:
    def __init__(self, token: str, settings: ApiSettings, memory: Memory) -> None:
        import gitlab
        import requests
        from requests.adapters import HTTPAdapter

        session = requests.Session()
        # One connection per worker thread, so that none waits for the pool.
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(10, settings.pool_size))
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        cap_bodies(session, settings.max_response_bytes)
        self._gitlab = gitlab.Gitlab(settings.url.rstrip("/"), private_token=token,
                                     retry_transient_errors=True, per_page=100,
                                     timeout=settings.timeout_seconds, keep_base_url=True,
                                     session=session)
        self._session = session
        self._retries = settings.retries
        self.requests = Budget(settings.max_requests)
        self._memory = memory
        self.kept: dict[str, Remembered] = {}
        self.api_url = self._gitlab.api_url
        self.graphql_url = f"{self._gitlab.url}/api/graphql"
        self.token = token

    # --- REST ------------------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, Any] | None = None,
            feature: bool = False) -> Answer:
        """GET a JSON resource, conditionally when it was seen before.

        `feature`: the resource belongs to an optional feature (a paid tier, a
        permission), whose refusal is kept for a while rather than asked again.
        """
        url = with_query(path, params)
        key = f"GET {url}"
        refused = refused_before(self._memory, self.kept, key) if feature else None
        if refused is not None:
            return refused
        seen = seen_before(self._memory.get(key) or self.kept.get(key))
        reply = self._call("get", url, conditional(seen))
        if reply.status == 304 and seen is not None:
            self.kept[key] = seen.kept
            return Answer(200, seen.data)
        data = parse_json(reply.body)
        if reply.status == 200:
            etag = reply.headers.get("etag")
            if etag:
                self.kept[key] = Remembered(etag, reply.body.decode("utf-8", "replace"))
            return Answer(200, data)
        answer = self._refusal(reply.status, data, feature)
        if feature:
            self._remember_refusal(key, answer)
        return answer

    def pages(self, path: str, params: Mapping[str, Any] | None = None,
              limit: int = 100 * MAX_PAGES, feature: bool = False,
              until: Callable[[Any], bool] | None = None) -> Answer:
        """Every item of a paginated list, up to `limit`, each page conditional on its ETag.

        `until`: no further page is asked for once an item satisfies it (a list sorted
        newest first, read back to the window's start).
        """
        return self.listing(path, params, limit=limit, feature=feature, until=until)[0]

    def listing(self, path: str, params: Mapping[str, Any] | None = None, *,
                limit: int = 100 * MAX_PAGES, feature: bool = False,
                until: Callable[[Any], bool] | None = None,
                budget: Budget | None = None) -> tuple[Answer, bool]:
        """`pages` within `budget`, and whether the list was read to its end (see
        `read_pages`)."""
        return read_pages(with_query(path, {"per_page": 100, **(params or {})}),
                          lambda url: self._page(url, feature), limit=limit, until=until,
                          budget=budget)

    def _page(self, url: str, feature: bool) -> tuple[Answer, str | None]:
        key = f"GET {url}"
        refused = refused_before(self._memory, self.kept, key) if feature else None
        if refused is not None:
            return refused, None
        seen = seen_before(self._memory.get(key) or self.kept.get(key), page=True)
        reply = self._call("get", url, conditional(seen))
        if reply.status == 304 and seen is not None:
            self.kept[key] = seen.kept
            return Answer(200, seen.data["items"]), seen.data.get("next")
        data = parse_json(reply.body)
        if reply.status != 200:
            answer = self._refusal(reply.status, data, feature)
            if feature:
                self._remember_refusal(key, answer)
            return answer, None
        following = self._next_page(url, reply.headers)
        etag = reply.headers.get("etag")
        if etag:
            self.kept[key] = Remembered(etag, json.dumps({"items": data, "next": following}))
        return Answer(200, data), following

    def _next_page(self, url: str, headers: Mapping[str, str]) -> str | None:
        """The next page: `Link: rel="next"` (made relative to the configured API URL, so
        a proxy's or a misconfigured `external_url`'s host is not followed), else
        `X-Next-Page` (GitLab leaves it empty on the last page)."""
        link = next_link(headers.get("link"))
        if link:
            return self._relative(link)
        number = (headers.get("x-next-page") or "").strip()
        return _with_page(url, number) if number.isdigit() else None

    def _relative(self, url: str) -> str:
        if url.startswith(self.api_url):
            return url[len(self.api_url):]
        marker = url.find("/api/v4/")
        return url[marker + len("/api/v4"):] if marker >= 0 else url

    def _remember_refusal(self, key: str, answer: Answer) -> None:
        if answer.status in (401, 403, 404):
            remember_refusal(self.kept, key, answer)

    def _refusal(self, status: int, data: Any, feature: bool) -> Answer:
        """A non-200 answer that is not a failure: a refusal (403, 404, a feature's 401)."""
        message = _message(data, status)
        if status == 401 and (not feature or _text(data) in BAD_TOKEN_MESSAGES):
            raise _token_refused()
        return Answer(status, data, message)

    # --- GraphQL and downloads -------------------------------------------------------------

    def graphql(self, query: str, variables: Mapping[str, Any]) -> tuple[Any, list[dict[str, Any]]]:
        """`(data, errors)`: a partial answer keeps its data; errors say which parts failed."""
        reply = self._call("post", self.graphql_url,
                           payload={"query": query, "variables": dict(variables)})
        data = parse_json(reply.body)
        if reply.status == 401:
            raise _token_refused()
        if reply.status != 200 or not isinstance(data, dict):
            raise ApiError(f"GraphQL request failed: {_message(data, reply.status)}",
                            reply.status)
        errors = [e for e in data.get("errors") or [] if isinstance(e, dict)]
        return data.get("data"), errors

    def stream(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[bytes]:
        """The body of a download (a repository archive), chunk by chunk."""
        import requests
        from gitlab.exceptions import GitlabAuthenticationError, GitlabError

        self.requests.spend()
        try:
            response = self._gitlab.http_request("get", with_query(path, params),
                                                 streamed=True, max_retries=self._retries)
        except GitlabAuthenticationError:
            raise _token_refused() from None
        except GitlabError as exc:
            status = exc.response_code
            message = _message(parse_json(exc.response_body or b""), status or 0)
            raise ApiError(f"archive not offered ({message})", status) from None
        except requests.RequestException as exc:
            raise ApiError(f"download failed: {self.clean(exc)}") from None
        try:
            yield from response.iter_content(chunk_size=CHUNK_BYTES)
        except requests.RequestException as exc:  # the connection dropped mid-body
            raise ApiError(f"download failed: {self.clean(exc)}") from None
        finally:
            response.close()

    def close(self) -> None:
        self._session.close()

    def _call(self, verb: str, url: str, headers: Mapping[str, str] | None = None,
              payload: Any = None) -> _Reply:
        import requests
        from gitlab.exceptions import GitlabAuthenticationError, GitlabError, GitlabHttpError

        self.requests.spend()
        try:
            response = self._gitlab.http_request(verb, url, post_data=payload,
                                                 extra_headers=dict(headers or {}),
                                                 max_retries=self._retries)
        except GitlabAuthenticationError as exc:
            return _Reply(401, {}, exc.response_body or b"")
        except GitlabHttpError as exc:
            status = exc.response_code or 0
            if status == 429 or status >= 500:  # python-gitlab's retries are spent
                raise ApiError(f"HTTP {status} after {self._retries} retries "
                                f"({_message(parse_json(exc.response_body or b''), status)})",
                                status) from None
            # A refusal (403, 404) or, after If-None-Match, a 304: answers, not failures.
            return _Reply(status, {}, exc.response_body or b"")
        except GitlabError as exc:
            raise ApiError(self.clean(exc), exc.response_code) from None
        except requests.RequestException as exc:  # refused or dropped, after the retries
            raise ApiError(f"{type(exc).__name__}: {self.clean(exc)}") from None
        lowered = {name.lower(): value for name, value in response.headers.items()}
        return _Reply(response.status_code, lowered, response.content)

    def clean(self, error: Exception) -> str:
        return redacted(error, [self.token])


def _token_refused() -> ApiError:
    return ApiError("the token was refused (HTTP 401 Unauthorized): it is wrong, expired "
                     "or revoked, or lacks the read_api scope", 401)


def _with_page(url: str, number: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
    return urlunsplit(parts._replace(query=urlencode(sorted([*query, ("page", number)]))))


def _text(data: Any) -> str:
    """GitLab's error text: `{"message": …}` (REST), `{"error": …}` (unknown routes,
    OAuth) or `{"errors": [{"message": …}]}` (GraphQL)."""
    if not isinstance(data, dict):
        return ""
    for key in ("message", "error"):
        if data.get(key):
            return str(data[key])
    errors = data.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("message") or "")
    return ""


def _message(data: Any, status: int) -> str:
    text = _text(data)
    return f"HTTP {status}: {text}" if text else f"HTTP {status}"
