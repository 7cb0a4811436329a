"""A meddling proxy in front of an API, served over real HTTP on 127.0.0.1: it refuses
every request with 403 and, as some corporate proxies and debugging gateways do, echoes
the request's headers (credentials included) in the error body.

`body(call)` shapes the refusal as the API behind it would word it (GitHub and GitLab's
`message`, Datadog's `errors`, PagerDuty's `error.message`); `headers_seen(call)` is the
echo itself, one `Name: value` per header.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .loopback import Call, LoopbackServer, Reply


def headers_seen(call: Call) -> str:
    return "; ".join(f"{name}: {value}" for name, value in call.headers.items())


class EchoingProxy(LoopbackServer):
    def __init__(self, body: Callable[[Call], Any]) -> None:
        super().__init__()
        self._body = body

    def answer(self, call: Call) -> Reply:
        return Reply(403, self._body(call))
