"""The GitHub API as this collector uses it: conditional GETs, pages, GraphQL, tarballs.

PyGithub's `Requester` carries the requests (authentication, GitHub Enterprise
base URLs, redirects without leaking the token to another host, and retries:
`GithubRetry` waits out primary and secondary rate limits and `Retry-After`, and
backs off on 5xx and dropped connections). On top of it this adds what PyGithub
lacks: ETags kept between scans, so an unchanged resource costs a 304 that the
rate limit does not count, and GraphQL answers whose partial errors are kept
rather than raised.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from scanner.collectors.api import Answer, ApiError, parse_json, redacted, with_query
from scanner.collectors.bounds import (
    DEFAULT_MAX_RESPONSE_BYTES,
    BodyTooLarge,
    Budget,
    cap_bodies,
)
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

DEFAULT_BASE_URL = "https://api.github.com"


@dataclass(frozen=True)
class ApiSettings:
    base_url: str = DEFAULT_BASE_URL
    timeout_seconds: int = 30
    retries: int = 6
    max_rate_limit_wait_seconds: float = 900.0
    pool_size: int = 16
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    max_requests: int = DEFAULT_MAX_REQUESTS


class GitHubApi:
    def __init__(self, token: str, settings: ApiSettings, memory: Memory) -> None:
        from github import Auth, Github, GithubRetry

        # PyGithub logs each retried request; the scan reports what finally failed instead.
        logging.getLogger("github").setLevel(logging.ERROR)
        retry = GithubRetry(total=settings.retries, backoff_factor=0.5,
                            status_forcelist=[429, *range(500, 600)],
                            max_rate_limit_wait=settings.max_rate_limit_wait_seconds)
        self._github = Github(auth=Auth.Token(token), base_url=settings.base_url.rstrip("/"),
                              timeout=settings.timeout_seconds, retry=retry, per_page=100,
                              pool_size=settings.pool_size, seconds_between_requests=None,
                              seconds_between_writes=None)
        self._requester = self._github.requester
        _cap_connections(self._requester, settings.max_response_bytes)
        self.requests = Budget(settings.max_requests)
        self._timeout = settings.timeout_seconds
        self._downloads = _download_session(settings.retries)
        self._memory = memory
        self.kept: dict[str, Remembered] = {}
        self.base_url = settings.base_url.rstrip("/")
        self.token = token

    def get(self, path: str, params: Mapping[str, Any] | None = None,
            feature: bool = False) -> Answer:
        """GET a JSON resource, conditionally when it was seen before.

        `feature`: the resource belongs to an optional feature, whose refusal is kept
        for a while rather than asked again on every scan.
        """
        url = with_query(path, params)
        key = f"GET {url}"
        refused = refused_before(self._memory, self.kept, key) if feature else None
        if refused is not None:
            return refused
        seen = seen_before(self._memory.get(key) or self.kept.get(key))
        status, response_headers, body = self._call(
            "GET", url, headers=conditional(seen))
        if status == 304 and seen is not None:
            self.kept[key] = seen.kept
            return Answer(200, seen.data)
        data = parse_json(body)
        if status == 200:
            etag = _header(response_headers, "etag")
            if etag:
                self.kept[key] = Remembered(etag, body)
            return Answer(200, data)
        answer = Answer(status, data, _message(data, status))
        if feature:
            self._remember_refusal(key, answer)
        return answer

    def pages(self, path: str, params: Mapping[str, Any] | None = None,
              limit: int = 100 * MAX_PAGES, feature: bool = False) -> Answer:
        """Every item of a paginated list (following `Link: rel="next"`), up to `limit`."""
        return self.listing(path, params, limit=limit, feature=feature)[0]

    def listing(self, path: str, params: Mapping[str, Any] | None = None, *,
                limit: int = 100 * MAX_PAGES, feature: bool = False,
                budget: Budget | None = None, unwrap: str | None = None
                ) -> tuple[Answer, bool]:
        """`pages` within `budget`, and whether the list was read to its end (see
        `read_pages`). `unwrap`: each page is an object holding the list under this key
        (`{"total_count": …, "workflow_runs": […]}`)."""
        return read_pages(with_query(path, {"per_page": 100, **(params or {})}),
                          lambda url: self._page(url, feature, unwrap), limit=limit,
                          budget=budget)

    def _page(self, url: str, feature: bool, unwrap: str | None
              ) -> tuple[Answer, str | None]:
        key = f"GET {url}"
        refused = refused_before(self._memory, self.kept, key) if feature else None
        if refused is not None:
            return refused, None
        seen = seen_before(self._memory.get(key) or self.kept.get(key), page=True)
        status, response_headers, body = self._call(
            "GET", url, headers=conditional(seen))
        if status == 304 and seen is not None:
            self.kept[key] = seen.kept
            return Answer(200, seen.data["items"]), seen.data.get("next")
        data = parse_json(body)
        if status != 200:
            answer = Answer(status, data, _message(data, status))
            if feature:
                self._remember_refusal(key, answer)
            return answer, None
        if unwrap is not None:
            data = data.get(unwrap) if isinstance(data, dict) else None
            data = data if isinstance(data, list) else []
        following = next_link(_header(response_headers, "link"))
        etag = _header(response_headers, "etag")
        if etag:
            self.kept[key] = Remembered(etag, json.dumps({"items": data, "next": following}))
        return Answer(200, data), following

    def _remember_refusal(self, key: str, answer: Answer) -> None:
        if answer.status in (403, 404) and not _rate_limited(answer.data):
            remember_refusal(self.kept, key, answer)

    def graphql(self, query: str, variables: Mapping[str, Any]) -> tuple[Any, list[dict[str, Any]]]:
        """`(data, errors)`: a partial answer keeps its data; errors say which parts failed."""
        status, _, body = self._call("POST", self._requester.graphql_url,
                                     payload={"query": query, "variables": dict(variables)})
        data = parse_json(body)
        if status != 200 or not isinstance(data, dict):
            raise ApiError(f"GraphQL request failed: {_message(data, status)}", status)
        errors = [e for e in data.get("errors") or [] if isinstance(e, dict)]
        return data.get("data"), errors

    def stream(self, path: str) -> Iterator[bytes]:
        """The body of a download (a tarball), from where the API redirects.

        The redirect is followed here rather than by PyGithub, which refuses a
        location outside the API path (GitHub Enterprise serves archives from
        `/_codeload/` on the same host). The token is never sent along: the
        location carries its own short-lived access.
        """
        status, headers, body = self._call("GET", path)
        location = _header(headers, "location")
        if status not in (301, 302, 307) or not location:
            raise ApiError(f"download not offered ({_message(parse_json(body), status)})", status)
        try:
            response = self._downloads.get(location, stream=True,
                                           timeout=self._timeout, allow_redirects=True)
            response.raise_for_status()
            yield from response.iter_content(chunk_size=CHUNK_BYTES)
        except Exception as exc:  # requests' HTTPError and connection errors
            raise ApiError(f"download failed: {self.clean(exc)}") from None

    def close(self) -> None:
        self._github.close()
        self._downloads.close()

    def _call(self, verb: str, url: str, headers: Mapping[str, str] | None = None,
              payload: Any = None) -> tuple[int, dict[str, Any], str]:
        from github import GithubException

        self.requests.spend()
        try:
            status, response_headers, body = self._requester.requestJson(
                verb, url, headers=dict(headers or {}), input=payload)
        except GithubException as exc:
            if exc.status in (403, 404) and not _rate_limited(exc.data):
                # GithubRetry raises a plain refusal (a feature off, no permission) that it
                # found not worth retrying; it is an answer, not a failure.
                return exc.status, dict(exc.headers or {}), json.dumps(exc.data)
            raise ApiError(f"{self.clean(exc)}", exc.status) from None  # waits or retries spent
        except BodyTooLarge:
            raise
        except Exception as exc:  # connection refused or dropped after the retries
            raise ApiError(f"{type(exc).__name__}: {self.clean(exc)}") from None
        if status == 401:
            raise ApiError("the token was refused (HTTP 401 Bad credentials): it is wrong, "
                            "expired or revoked", 401)
        return status, response_headers, body

    def clean(self, error: Exception) -> str:
        return redacted(error, [self.token])


def _cap_connections(requester: Any, max_bytes: int) -> None:
    """Answers read through PyGithub's requester, at most `max_bytes` each, and every
    thread's request sent as that thread made it.

    PyGithub makes its `requests` session inside a connection object it creates itself,
    of the class the requester was given for the API's scheme (an attribute it keeps
    private); a subclass of that class caps the bodies of every session it makes. The
    requester shares that one object among the threads reading a fleet, and the object
    holds the request being made in attributes: `request()` sets them, `getresponse()`
    sends them. Two threads in between would each send a mix of both requests (a GraphQL
    query as a GET, a REST read answered for another path), so the subclass keeps those
    attributes per thread.
    """
    made = requester._Requester__connectionClass

    class Capped(made):  # type: ignore[misc, valid-type]
        verb, url, input, headers, stream = (_PerThread() for _ in range(5))

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self.calls = threading.local()
            super().__init__(*args, **kwargs)
            cap_bodies(self.session, max_bytes)

    requester._Requester__connectionClass = Capped


class _PerThread:
    """An attribute each thread sets and reads for itself (in the owner's `calls`)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        try:
            return getattr(instance.calls, self.name)
        except AttributeError:
            raise AttributeError(self.name) from None

    def __set__(self, instance: Any, value: Any) -> None:
        setattr(instance.calls, self.name, value)


def _download_session(retries: int) -> Any:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    session = requests.Session()
    adapter = HTTPAdapter(max_retries=Retry(total=retries, backoff_factor=0.5,
                                            status_forcelist=[429, 500, 502, 503, 504]))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _rate_limited(data: Any) -> bool:
    message = data.get("message") if isinstance(data, dict) else None
    return isinstance(message, str) and "rate limit" in message.lower()


def _message(data: Any, status: int) -> str:
    text = data.get("message") if isinstance(data, dict) else None
    return f"HTTP {status}: {text}" if text else f"HTTP {status}"


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return str(value)
    return None
