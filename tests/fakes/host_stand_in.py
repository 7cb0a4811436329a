"""What the Git-host stand-ins (`github_api`, `gitlab_api`) share: a threaded HTTP server on
127.0.0.1 whose port is known before it starts, a log of the requests it answered, faults
injected in order per path prefix (a status with its headers and body, or a dropped
connection), one token compared in constant time, clones over git's smart HTTP, offset
pages, weak ETags and GraphQL requests read. The payload pieces both build are in
`host_payloads`.

Each host's stand-in keeps its own routes, payloads, error bodies and headers. The
monitoring stand-ins use the simpler `loopback` server (JSON in and out, no bytes, no
dropped connections).
"""

from __future__ import annotations

import contextlib
import functools
import hmac
import itertools
import json
import math
import socket
import sys
import threading
import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Generic, Self, TypeVar
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit

from . import git_http
from . import graphql_engine as gql

MAX_PAGE_SIZE = 100


@dataclass
class Fault:
    path_prefix: str | None
    status: int
    headers: dict[str, str]
    body: Any
    times: int
    drop: bool = False

    def matches(self, path: str) -> bool:
        return self.path_prefix is None or path.startswith(self.path_prefix)


@dataclass
class Answer:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    cacheable: bool = False  # a JSON 200 to a GET: gets an ETag, may become 304
    drop: bool = False


@dataclass
class Call:
    """One request as a stand-in reads it (header names in lower case)."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: Mapping[str, str]
    body: bytes

    def param(self, name: str, default: str | None = None) -> str | None:
        return next((value for key, value in self.query if key == name), default)


Logged = TypeVar("Logged")


class HostStandIn(ABC, Generic[Logged]):
    """A Git host for one token on 127.0.0.1; use as a context manager or start()/stop().

    A host's stand-in serves each request in `serve`, logs what `logged` makes of it, and
    says how it answers what every host answers alike: its own error bodies and the
    headers it sends with every answer.
    """

    name: ClassVar[str]  # in the thread's name and the reports of the stand-in's own failures
    server_version: ClassVar[str]  # the `Server` header
    methods: ClassVar[tuple[str, ...]]  # the HTTP methods it reads requests of
    json_type: ClassVar[str]  # the Content-Type of its JSON answers

    def __init__(self, token: str, latency: float) -> None:
        self._tokens = [token]
        self.latency = latency
        self.server_errors: list[str] = []
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._log: list[Logged] = []
        self._ids = itertools.count(1)
        # The socket is bound here, so the port (and every URL) is known from the start.
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self._port: int = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    # --- what a host says -----------------------------------------------------------------

    @abstractmethod
    def serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        """Answer one request (`_received` reads it, `_finish` answers and logs it)."""

    @abstractmethod
    def logged(self, call: Any, answer: Answer) -> Logged:
        """What the log keeps of an answered request."""

    @abstractmethod
    def error_body(self, status: int) -> Any:
        """The body of a fault injected without one."""

    @abstractmethod
    def crashed(self, error: Exception) -> Answer:
        """The answer when the stand-in itself fails (a bug the test will see as a 500)."""

    @abstractmethod
    def headers(self, call: Any) -> dict[str, str]:
        """Headers sent with every answer, before the answer's own."""

    def text_type(self, body: bytes) -> str:
        """The Content-Type of a fault's body given as bytes."""
        return "text/plain"

    def faulted(self, fault: Fault, path: str) -> bool:
        """Whether an injected fault answers a request for `path`."""
        return fault.matches(path)

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> Self:
        """Serve in a daemon thread (the socket is bound already: URLs work before this)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever,
                                            name=f"fake-{self.name.lower()}", daemon=True,
                                            kwargs={"poll_interval": 0.05})
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def set_token(self, token: str) -> None:
        """Accept only this token from now on (the old one answers 401, as when it expires)."""
        self._tokens = [token]

    def accept_token(self, token: str) -> int:
        """Accept this token as well (another account's, as the shards of a scan may each
        have): its number, by which the log names the requests made with it."""
        self._tokens.append(token)
        return len(self._tokens) - 1

    # --- faults ---------------------------------------------------------------------------

    def fail_next(self, path_prefix: str | None, status: int,
                  headers: Mapping[str, str] | None = None, body: Any = None,
                  times: int = 1) -> None:
        """The next `times` requests whose path starts with `path_prefix` (None: any API
        request) get this answer instead. Faults are used in the order they were added;
        `body` is JSON-encoded unless bytes (None: the host's own error body)."""
        if body is None:
            body = self.error_body(status)
        with self._lock:
            self._faults.append(Fault(path_prefix, status, dict(headers or {}), body, times))

    def drop_connection(self, path_prefix: str | None = None, times: int = 1) -> None:
        """Close the socket without answering."""
        with self._lock:
            self._faults.append(Fault(path_prefix, 0, {}, None, times, drop=True))

    def pending_faults(self) -> int:
        with self._lock:
            return sum(fault.times for fault in self._faults)

    # --- accounting -----------------------------------------------------------------------

    @property
    def requests(self) -> list[Logged]:
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    # --- request handling -----------------------------------------------------------------

    def _received(self, handler: BaseHTTPRequestHandler
                  ) -> tuple[SplitResult, list[tuple[str, str]], dict[str, str], bytes]:
        """The request's target, query, headers (names in lower case) and body."""
        target = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in handler.headers.items()}
        return target, parse_qsl(target.query, keep_blank_values=True), headers, body

    def _token_is(self, given: str) -> bool:
        return self._token_number(given) is not None

    def _token_number(self, given: str) -> int | None:
        """Which accepted token `given` is (by number, so that no log holds a token)."""
        found = [hmac.compare_digest(given.encode(), token.encode()) for token in self._tokens]
        return found.index(True) if any(found) else None

    def _take_fault(self, path: str) -> Answer | None:
        with self._lock:
            fault = next((f for f in self._faults if self.faulted(f, path)), None)
            if fault is None:
                return None
            fault.times -= 1
            if fault.times <= 0:
                self._faults.remove(fault)
        if fault.drop:
            return Answer(0, drop=True)
        if isinstance(fault.body, bytes):
            answer = Answer(fault.status, fault.body, {"Content-Type": self.text_type(fault.body)})
        else:
            answer = json_answer(fault.status, fault.body, self.json_type)
        answer.headers.update(fault.headers)
        return answer

    def _guarded(self, route: Callable[[Any], Answer], call: Call) -> Answer:
        try:
            return route(call)
        except Exception as error:
            report = "".join(traceback.format_exception(error))
            with self._lock:
                self.server_errors.append(report)
            sys.stderr.write(f"fake {self.name} failed on {call.method} {call.path}:\n{report}")
            return self.crashed(error)

    def _clone(self, call: Call, git_dir: str | None, service_path: str, *, missing: Answer,
               refused: Answer) -> Answer:
        """Smart HTTP for `git clone` of the repository at `git_dir` (None: none to clone),
        the token being the Basic password."""
        if not git_dir:
            return missing
        if not any(git_http.basic_password_is(call.headers.get("authorization"), token)
                   for token in self._tokens):
            return refused
        reply = git_http.serve(git_dir, service_path, method=call.method, query=call.query,
                               headers=call.headers, body=call.body)
        return Answer(reply.status, reply.body, reply.headers)

    def _finish(self, handler: BaseHTTPRequestHandler, call: Call, answer: Answer) -> None:
        with self._lock:
            self._log.append(self.logged(call, answer))
        if answer.drop:
            handler.close_connection = True
            with contextlib.suppress(OSError):
                handler.connection.shutdown(socket.SHUT_RDWR)
            return
        handler.send_response(answer.status)
        for name, value in {**self.headers(call), **answer.headers}.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(answer.body)))
        handler.end_headers()
        if answer.body and call.method != "HEAD":
            handler.wfile.write(answer.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512
    allow_reuse_address = True


def _handler(stand_in: HostStandIn[Any]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = stand_in.server_version
        sys_version = ""

        def log_message(self, *args: Any) -> None:
            """Silent: request lines would go to stderr (and never carry the token anyway)."""

    for method in stand_in.methods:
        setattr(Handler, f"do_{method}",
                lambda handler, method=method: stand_in.serve(handler, method))
    return Handler


# --- pages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One page of a list as offset pagination (`page`, `per_page`) serves it."""

    number: int
    size: int
    last: int
    items: list[Any]

    @classmethod
    def of(cls, call: Call, items: Sequence[Any], default_size: int) -> Page:
        """The page `call` asks for; `per_page` is capped at 100 silently, as both hosts do."""

        def number(name: str, default: int) -> int:
            try:
                return int(call.param(name) or default)
            except ValueError:
                return default

        size = min(MAX_PAGE_SIZE, max(1, number("per_page", default_size)))
        page = max(1, number("page", 1))
        return cls(page, size, max(1, math.ceil(len(items) / size)),
                   list(items[(page - 1) * size:page * size]))


def page_url(prefix: str, query: Sequence[tuple[str, str]], number: int) -> str:
    """`prefix` with the request's query, asking for page `number`."""
    rest = [(k, v) for k, v in query if k != "page"] + [("page", str(number))]
    return f"{prefix}?{urlencode(rest)}"


def link_header(links: Sequence[tuple[str, str]]) -> str:
    """An RFC 8288 `Link` header of (URL, rel) pairs."""
    return ", ".join(f'<{url}>; rel="{rel}"' for url, rel in links)


# --- answers ------------------------------------------------------------------------------


def dumps(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


def json_answer(status: int, data: Any, content_type: str, cacheable: bool = False) -> Answer:
    return Answer(status, dumps(data), {"Content-Type": content_type},
                  cacheable=cacheable and status == 200)


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether an `If-None-Match` header names `etag` (weakly: `W/` aside) or `*`."""
    if not header:
        return False
    wanted = etag.removeprefix("W/")
    return any(tag.strip() == "*" or tag.strip().removeprefix("W/") == wanted
               for tag in header.split(","))


@functools.lru_cache(maxsize=64)
def parsed(query: str) -> gql.Document:
    """Parsed once per distinct query text (a scan sends the same query for every repo)."""
    return gql.parse(query)


@dataclass(frozen=True)
class GraphqlRequest:
    query: Any  # a str when the request is well formed
    variables: dict[str, Any]
    operation_name: Any


def graphql_request(body: bytes) -> GraphqlRequest | None:
    """What a GraphQL POST asks (variables that are not an object count as none); None
    when its body is not JSON."""
    try:
        payload = json.loads(body or b"null")
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return GraphqlRequest(None, {}, None)
    variables = payload.get("variables")
    return GraphqlRequest(payload.get("query"),
                          variables if isinstance(variables, dict) else {},
                          payload.get("operationName"))
