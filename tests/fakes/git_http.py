"""Git's smart HTTP protocol for the fake hosts, answered by git's own `http-backend` (CGI)."""

from __future__ import annotations

import base64
import contextlib
import hmac
import re
import subprocess
from collections.abc import Mapping, Sequence
from typing import NamedTuple
from urllib.parse import urlencode

# `<path>.git/info/refs` and `<path>.git/git-upload-pack`: what `git clone` asks for.
GIT_PATH = re.compile(r"^/(.+?)\.git/(info/refs|git-upload-pack)$")


class GitReply(NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes


def basic_password_is(header: str | None, token: str) -> bool:
    """Whether an `Authorization: Basic` header carries `token` as its password."""
    scheme, _, given = (header or "").partition(" ")
    password = ""
    if scheme.lower() == "basic":
        with contextlib.suppress(ValueError):
            password = base64.b64decode(given).decode().partition(":")[2]
    return hmac.compare_digest(password.encode(), token.encode())


def serve(git_dir: str, service_path: str, *, method: str,
          query: Sequence[tuple[str, str]], headers: Mapping[str, str],
          body: bytes) -> GitReply:
    """Answer one smart-HTTP request for the repository at `git_dir` (headers lower-case)."""
    folder = git_dir.rstrip("/")
    root, _, name = folder.rpartition("/")
    environment = {"GIT_PROJECT_ROOT": root, "GIT_HTTP_EXPORT_ALL": "1",
                   "REQUEST_METHOD": method, "PATH_INFO": f"/{name}/{service_path}",
                   "QUERY_STRING": urlencode(list(query)),
                   "CONTENT_TYPE": headers.get("content-type", ""),
                   "CONTENT_LENGTH": str(len(body)),
                   "HTTP_GIT_PROTOCOL": headers.get("git-protocol", ""),
                   "PATH": "/usr/bin:/bin"}
    completed = subprocess.run(["git", "http-backend"], input=body, capture_output=True,
                               env=environment, check=False)
    head, _, payload = completed.stdout.partition(b"\r\n\r\n")
    answer_headers: dict[str, str] = {}
    status = 200
    for line in head.decode("latin-1").split("\r\n"):
        field, _, value = line.partition(":")
        if field.lower() == "status":
            status = int(value.split()[0])
        elif field:
            answer_headers[field] = value.strip()
    return GitReply(status, answer_headers, payload)
