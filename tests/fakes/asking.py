"""How the stand-ins' own tests ask them: one request with urllib, its reply kept whole,
error statuses returned rather than raised."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any


class Reply:
    def __init__(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.status = status
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)

    def links(self) -> dict[str, str]:
        found = re.findall(r'<([^>]+)>; rel="(\w+)"', self.headers.get("link", ""))
        return {rel: url for url, rel in found}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def ask(url: str, credentials: Mapping[str, str], *, method: str = "GET", data: Any = None,
        headers: Mapping[str, str] | None = None, redirects: bool = True) -> Reply:
    """One request sending `credentials` (headers), `data` as JSON; a redirect is followed
    unless `redirects` is False, when the redirect itself is the reply."""
    request = urllib.request.Request(url, method=method, headers=dict(headers or {}))
    for name, value in credentials.items():
        request.add_header(name, value)
    if data is not None:
        request.data = json.dumps(data).encode()
        request.add_header("Content-Type", "application/json")
    opener = urllib.request.build_opener(*([] if redirects else [_NoRedirect()]))
    try:
        with opener.open(request, timeout=10) as response:
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers), error.read())
