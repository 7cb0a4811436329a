"""The JSON-over-HTTP client the monitoring collectors share.

Each tool authenticates with headers built from secrets in the environment; the
client keeps those secrets out of every message it produces. It waits out rate
limits (`Retry-After`, or the reset headers Datadog and PagerDuty send, and a
bucket reported empty before the next request is sent), retries server errors and
dropped connections with backoff, and counts its requests against the target's
budget. An answer is read up to a size: a longer one fails its request. A server that
cannot be reached is one plain line ("cannot reach the Prometheus server at
http://prometheus:9090: connection refused (6 attempts)"), not the transport's own text,
which names connection pools and retry objects nobody configured.
"""

from __future__ import annotations

import os
import socket
import ssl
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from scanner.collectors.api import Answer, ApiError, parse_json, redacted
from scanner.collectors.bounds import DEFAULT_MAX_RESPONSE_BYTES, Budget, cap_bodies
from scanner.credentials import redact

if TYPE_CHECKING:
    import requests

# Names the tools give the seconds left until a rate-limit window resets.
RESET_HEADERS = ("x-ratelimit-reset", "ratelimit-reset")
REMAINING_HEADERS = ("x-ratelimit-remaining", "ratelimit-remaining")
# Requests one target may send in all, retries included (configurable on the target).
DEFAULT_MAX_REQUESTS = 5_000


@dataclass(frozen=True)
class HttpSettings:
    timeout_seconds: float = 30.0
    retries: int = 5
    backoff_seconds: float = 0.5
    # A rate limit that asks for a longer pause fails the request rather than stall the scan.
    max_wait_seconds: float = 120.0
    pool_size: int = 8
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    max_requests: int = DEFAULT_MAX_REQUESTS


class Unreachable(ApiError):
    """No answer from the server after every attempt: refused, unresolvable, timed out."""


class JsonApi:
    def __init__(self, base_url: str, headers: Mapping[str, str], secrets: Sequence[str],
                 settings: HttpSettings = HttpSettings(), name: str = "the server") -> None:
        """`name` is how messages call the server: "the Prometheus server"."""
        # Imported here, not at load: listing the collectors' signals must stay fast.
        import requests
        from requests.adapters import HTTPAdapter

        self.base_url = base_url.rstrip("/")
        self.name = name
        self.settings = settings
        self._secrets = tuple(s for s in secrets if s)
        self._session = requests.Session()
        self._session.headers.update(headers)
        adapter = HTTPAdapter(pool_connections=settings.pool_size,
                              pool_maxsize=settings.pool_size, max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        cap_bodies(self._session, settings.max_response_bytes)
        self._lock = threading.Lock()
        self._not_before = 0.0
        self.requests = Budget(settings.max_requests)

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Answer:
        return self._call("GET", path, params, None)

    def post(self, path: str, body: Any) -> Answer:
        return self._call("POST", path, None, body)

    def close(self) -> None:
        self._session.close()

    def clean(self, text: object) -> str:
        return redacted(text, self._secrets)

    def url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        query = f"?{urlencode(list(params.items()), doseq=True)}" if params else ""
        return f"{self.base_url}{path}{query}"

    def _call(self, verb: str, path: str, params: Mapping[str, Any] | None,
              body: Any) -> Answer:
        import requests

        url = path if "://" in path else self.url(path, params)
        attempt = 0
        while True:
            self._wait_turn()
            self.requests.spend()
            try:
                response = self._session.request(verb, url, json=body,
                                                 timeout=self.settings.timeout_seconds)
            except requests.RequestException as exc:
                if attempt >= self.settings.retries:
                    raise self._unreachable(url, exc, attempt + 1) from None
                self._sleep(self._backoff(attempt))
                attempt += 1
                continue
            self._note_budget(response.headers)
            status = response.status_code
            if status == 429 or status >= 500:
                wait = self._wait_for(response) if status == 429 else self._backoff(attempt)
                if attempt >= self.settings.retries:
                    raise ApiError(self.clean(f"{verb} {path}: HTTP {status} after "
                                              f"{attempt + 1} attempts{_reason(response)}"),
                                   status)
                if wait > self.settings.max_wait_seconds:
                    raise ApiError(f"{verb} {path}: rate limited for {wait:.0f} s, longer than "
                                   f"the {self.settings.max_wait_seconds:.0f} s allowed", status)
                self._sleep(wait)
                attempt += 1
                continue
            data = parse_json(response.text)
            if 200 <= status < 300:
                return Answer(status, data)
            return Answer(status, data, self.clean(f"HTTP {status}{_reason(response)}"))

    def _unreachable(self, url: str, exc: BaseException, attempts: int) -> Unreachable:
        parts = urlsplit(url)
        tries = f" ({attempts} attempts)" if attempts > 1 else ""
        return Unreachable(self.clean(
            f"cannot reach {self.name} at {parts.scheme}://{parts.netloc}: "
            f"{why_unreachable(exc, self.settings.timeout_seconds)}{tries}"))

    def _backoff(self, attempt: int) -> float:
        return float(min(self.settings.backoff_seconds * 2 ** attempt, 30.0))

    def _wait_for(self, response: requests.Response) -> float:
        """Seconds a 429 asks for: `Retry-After` first, then the tool's reset header."""
        retry_after = response.headers.get("retry-after")
        if retry_after:
            seconds = _seconds(retry_after)
            if seconds is not None:
                return seconds
        for name in RESET_HEADERS:
            seconds = _seconds(response.headers.get(name) or "")
            if seconds is not None:
                return seconds
        return self.settings.backoff_seconds

    def _note_budget(self, headers: Mapping[str, str]) -> None:
        """An answer that says the budget is spent holds the next request until its reset."""
        for remaining_name, reset_name in zip(REMAINING_HEADERS, RESET_HEADERS, strict=True):
            remaining, reset = headers.get(remaining_name), _seconds(headers.get(reset_name) or "")
            if remaining is not None and remaining.strip() == "0" and reset is not None:
                pause = min(reset, self.settings.max_wait_seconds)
                with self._lock:
                    self._not_before = max(self._not_before, time.monotonic() + pause)

    def _wait_turn(self) -> None:
        with self._lock:
            wait = self._not_before - time.monotonic()
        if wait > 0:
            self._sleep(wait)

    def _sleep(self, seconds: float) -> None:
        time.sleep(max(seconds, 0.0))


def why_unreachable(exc: BaseException, timeout_seconds: float) -> str:
    """Why a request got no answer, in a few words, from the errors under the one
    `requests` raised (urllib3 wraps the socket's error in two of its own)."""
    import requests

    causes = list(_causes(exc))

    def found(*kinds: type[BaseException]) -> BaseException | None:
        return next((cause for cause in causes if isinstance(cause, kinds)), None)

    if found(ConnectionRefusedError):
        return "connection refused"
    if found(socket.gaierror):
        return "its host name does not resolve"
    if (untrusted := found(ssl.SSLCertVerificationError)) is not None:
        detail = getattr(untrusted, "verify_message", "") or "not trusted"
        return f"its TLS certificate was not accepted ({detail})"
    if found(ssl.SSLError, requests.exceptions.SSLError):
        return "the TLS handshake failed"
    if found(requests.exceptions.ConnectTimeout):
        return f"no connection within {timeout_seconds:g} s"
    if found(requests.exceptions.ReadTimeout, TimeoutError):
        return f"no answer within {timeout_seconds:g} s"
    if found(requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
        return "the answer was cut off"
    if found(requests.exceptions.TooManyRedirects):
        return "too many redirects"
    if found(requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema,
             requests.exceptions.MissingSchema):
        return "the URL is not one requests can follow"
    # http.client's RemoteDisconnected is a ConnectionResetError.
    if found(ConnectionResetError, ConnectionAbortedError, BrokenPipeError):
        return "the connection was dropped"
    failed = next((cause for cause in causes if isinstance(cause, OSError) and cause.errno), None)
    if failed is not None and failed.errno is not None:
        return os.strerror(failed.errno).lower()  # "no route to host", "network is unreachable"
    return f"no answer ({type(exc).__name__})"


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and what lies under it: causes, contexts, urllib3's `reason` and exceptions
    carried as arguments; each once, and not too deep to follow."""
    pending, seen = [exc], set[int]()
    while pending and len(seen) < 32:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [inner for inner in (getattr(current, "reason", None), current.__cause__,
                                        current.__context__, *current.args)
                    if isinstance(inner, BaseException)]


def _seconds(value: str) -> float | None:
    """A header's delay: seconds, or an HTTP date (Retry-After may be either)."""
    text = value.strip()
    if not text:
        return None
    try:
        return max(float(text), 0.0)
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(moment.timestamp() - time.time(), 0.0)


def _reason(response: requests.Response) -> str:
    """The tool's own words about a refusal, masked and then kept short: Datadog's `errors`
    list, PagerDuty's `error.message`, Prometheus' `error` (a cut first could leave part of
    a credential the words echo, which masking would no longer recognise)."""
    data = parse_json(response.text)
    words: str | None = None
    if isinstance(data, dict):
        errors, error = data.get("errors"), data.get("error")
        if isinstance(errors, list) and errors:
            words = "; ".join(str(e) for e in errors[:3])
        elif isinstance(error, dict):
            words = str(error.get("message") or "")
        elif isinstance(error, str):
            words = error
    return f": {redact(words)[:200]}" if words else ""
