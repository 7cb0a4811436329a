"""What the monitoring stand-ins share: a threaded HTTP server on 127.0.0.1, a log of the
requests it answered, and faults injected in order per path prefix (status codes with
their headers and bodies, e.g. a 429 with `Retry-After`, or a 503)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple, Self
from urllib.parse import parse_qs, urlsplit


class Logged(NamedTuple):
    method: str
    path: str
    query: dict[str, list[str]]
    status: int


@dataclass
class Fault:
    path_prefix: str
    status: int
    headers: dict[str, str]
    body: Any
    times: int


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: Any

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def number(self, name: str, default: int) -> int:
        return int(self.param(name) or default)


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class LoopbackServer:
    """Subclasses implement `answer(call)`; tests read `requests` and inject faults, and
    serve one in a `with` block."""

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self._faults: list[Fault] = []
        self._log: list[Logged] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def answer(self, call: Call) -> Reply:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> Self:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self._serve))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def origin(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def fail_next(self, path_prefix: str, status: int, headers: Mapping[str, str] | None = None,
                  body: Any = None, times: int = 1) -> None:
        with self._lock:
            self._faults.append(Fault(path_prefix, status, dict(headers or {}), body, times))

    @property
    def requests(self) -> list[Logged]:
        with self._lock:
            return list(self._log)

    def count(self, path_prefix: str = "/") -> int:
        return sum(1 for r in self.requests if r.path.startswith(path_prefix))

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        call = Call(method, parts.path, parse_qs(parts.query), handler.headers,
                    json.loads(raw) if raw else None)
        if self.latency:
            threading.Event().wait(self.latency)
        reply = self._take_fault(call.path) or self._safe_answer(call)
        with self._lock:
            self._log.append(Logged(method, call.path, call.query, reply.status))
        body = b"" if reply.body is None else json.dumps(reply.body).encode()
        handler.send_response(reply.status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)

    def _safe_answer(self, call: Call) -> Reply:
        try:
            return self.answer(call)
        except Exception as exc:  # a bug in the fake shows as a 500 the test will see
            return Reply(500, {"errors": [f"fake failed: {type(exc).__name__}: {exc}"]})

    def _take_fault(self, path: str) -> Reply | None:
        with self._lock:
            for fault in self._faults:
                if path.startswith(fault.path_prefix) and fault.times > 0:
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                    return Reply(fault.status, fault.body, fault.headers)
        return None


def _handler(serve: Callable[[BaseHTTPRequestHandler, str], None]
             ) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes; without this, delayed ACKs add
        # tens of milliseconds to every answer on a kept-alive connection.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            serve(self, "GET")

        def do_POST(self) -> None:
            serve(self, "POST")

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the fake keeps its own log, and never prints a header."""

    return Handler
