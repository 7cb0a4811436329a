"""The payload pieces both Git-host stand-ins (`github_api`, `gitlab_api`) build: options
checked against a spec, times, a head's stand-in commit, and tarballs shaped like `git
archive`."""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

REQUIRED: Any = object()  # in a spec: a key the item must give
# When a repository was created unless a test says: a minute later for each id.
DEFAULT_CREATED = datetime(2024, 1, 1, tzinfo=UTC)


class HostedRepository:
    """What a stand-in's repository (a GitHub repository, a GitLab project) derives from
    its files and head, over the fields its dataclass declares."""

    id: int
    files: dict[str, str | bytes]
    head_sha: str | None
    created_at: datetime | None

    @property
    def full_name(self) -> str:
        """owner/name, group/…/project."""
        raise NotImplementedError

    @property
    def is_empty(self) -> bool:
        """No commit at all: the host gives no head and no archive."""
        return not self.files and self.head_sha is None

    @property
    def sha(self) -> str:
        """The default branch's head: `head_sha`, or a stable hash of the files."""
        return self.head_sha or files_sha(self.full_name, self.files)

    @property
    def created(self) -> datetime:
        return when(self.created_at, "created_at") or DEFAULT_CREATED + timedelta(
            minutes=self.id)


def spec(kind: str, item: Mapping[str, Any], known: Mapping[str, Any]) -> dict[str, Any]:
    """`item` with defaults filled in; an unknown or missing required key is an error."""
    if not isinstance(item, Mapping):
        raise TypeError(f"{kind}: expected a dict, got {type(item).__name__}")
    unknown = set(item) - set(known)
    if unknown:
        raise ValueError(f"{kind}: unknown key(s) {sorted(unknown)}; known: {sorted(known)}")
    out = {}
    for key, default in known.items():
        if key in item:
            out[key] = item[key]
        elif default is REQUIRED:
            raise ValueError(f"{kind}: {key!r} is required")
        else:
            out[key] = list(default) if isinstance(default, list) else default
    return out


def when(value: Any, what: str) -> datetime | None:
    """A time option: a timezone-aware datetime or an ISO string (None: not given)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_datetime(value)
    if not isinstance(value, datetime):
        raise TypeError(f"{what}: expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None:
        raise ValueError(f"{what}: use a timezone-aware datetime")
    return value


def parse_datetime(value: Any, scalar: str = "DateTime") -> datetime:
    """An ISO time (UTC when it names no zone); `scalar` names the GraphQL type it is."""
    if not isinstance(value, str):
        raise TypeError(f"{scalar} must be a string")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def stable_id(text: str) -> int:
    return int(hashlib.sha1(text.encode()).hexdigest()[:7], 16)


def files_sha(name: str, files: Mapping[str, str | bytes]) -> str:
    """A head's stand-in commit: a stable hash of the repository's name and files."""
    digest = hashlib.sha1(name.encode())
    for path in sorted(files):
        content = files[path]
        digest.update(path.encode() + b"\0")
        digest.update(content.encode() if isinstance(content, str) else content)
    return digest.hexdigest()


def tarball(files: Mapping[str, str | bytes], *, sha: str, top: str, mtime: int,
            owner: str | None = None) -> bytes:
    """A gzip tarball shaped like `git archive`: a pax header with the commit, one top
    folder; `owner` names each entry's user and group (GitHub's `root`), else none."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT,
                      pax_headers={"comment": sha}) as archive:
        written: set[str] = set()

        def owned(info: tarfile.TarInfo) -> tarfile.TarInfo:
            if owner is not None:
                info.uname = info.gname = owner
            return info

        def add_folder(path: str) -> None:
            if path in written:
                return
            written.add(path)
            info = tarfile.TarInfo(f"{path}/")
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o775, mtime
            archive.addfile(owned(info))

        add_folder(top)
        for path in sorted(files):
            parts = path.strip("/").split("/")
            for depth in range(1, len(parts)):
                add_folder("/".join([top, *parts[:depth]]))
            content = files[path]
            data = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo("/".join([top, *parts]))
            info.size, info.mode, info.mtime = len(data), 0o664, mtime
            archive.addfile(owned(info), io.BytesIO(data))
    return buffer.getvalue()
