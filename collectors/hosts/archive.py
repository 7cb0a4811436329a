"""A repository snapshot from a Git host's archive (tarball), read as a tree of files.

GitHub's `/tarball/{ref}` and GitLab's `/repository/archive` give every file of a
commit in one request, which is how a whole organisation can be read without
cloning. The archive is unpacked defensively into a private temporary folder:
only regular files are written; links, devices, absolute paths and `..` are
skipped with a reason; a file over the size limit is listed but not written;
the whole archive is capped in bytes and in members.
"""

from __future__ import annotations

import io
import posixpath
import shutil
import tarfile
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from scanner.collectors.tree import SkippedFile, file_text

MAX_ARCHIVE_BYTES = 1_000_000_000
MAX_MEMBERS = 200_000


class ArchiveTooLarge(Exception):
    """The archive goes over the byte or member limit: the snapshot would be partial."""


class ArchiveTree:
    """The files of one archive, unpacked; use as a context manager to remove them."""

    def __init__(self, chunks: Iterable[bytes], max_file_bytes: int,
                 max_archive_bytes: int = MAX_ARCHIVE_BYTES) -> None:
        self.max_file_bytes = max_file_bytes
        self._folder = Path(tempfile.mkdtemp(prefix="maturity-archive-"))
        self._paths: list[str] = []
        self._skipped: dict[str, str] = {}
        try:
            self._unpack(io.BufferedReader(_Chunks(chunks)), max_archive_bytes)
        except BaseException:
            self.close()
            raise
        self._paths.sort()
        self._known = set(self._paths)

    def __enter__(self) -> ArchiveTree:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        shutil.rmtree(self._folder, ignore_errors=True)

    def paths(self) -> Sequence[str]:
        return self._paths

    def has(self, path: str) -> bool:
        return path in self._known

    def read_text(self, path: str) -> str:
        if path not in self._known:
            raise SkippedFile("not in the repository snapshot")
        if path in self._skipped:
            raise SkippedFile(self._skipped[path])
        data = (self._folder / path).read_bytes()
        return file_text(data)

    def _unpack(self, stream: IO[bytes], max_archive_bytes: int) -> None:
        written = 0
        try:
            with tarfile.open(fileobj=stream, mode="r|*") as archive:
                for count, member in enumerate(archive):
                    if count >= MAX_MEMBERS:
                        raise ArchiveTooLarge(f"more than {MAX_MEMBERS:,} entries")
                    path = _inner_path(member.name)
                    if path is None or member.isdir():
                        continue
                    if member.issym() or member.islnk():
                        self._skip(path, "a link in the archive; not followed")
                    elif not member.isfile():
                        self._skip(path, "not a regular file")
                    elif member.size > self.max_file_bytes:
                        self._skip(path, f"{member.size / 1_000_000:.0f} MB, over the "
                                   f"{self.max_file_bytes / 1_000_000:.0f} MB limit for parsing")
                    else:
                        written += member.size
                        if written > max_archive_bytes:
                            raise ArchiveTooLarge(
                                f"over {max_archive_bytes / 1_000_000:.0f} MB of files")
                        self._write(path, archive.extractfile(member))
        except tarfile.TarError as exc:
            raise ArchiveTooLarge(f"not a readable archive ({exc})") from None

    def _skip(self, path: str, reason: str) -> None:
        self._paths.append(path)
        self._skipped[path] = reason

    def _write(self, path: str, source: IO[bytes] | None) -> None:
        target = self._folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as handle:
            if source is not None:
                shutil.copyfileobj(source, handle)
        self._paths.append(path)


def _inner_path(name: str) -> str | None:
    """The repository path of a member: without the archive's top folder; None if unsafe."""
    parts = name.replace("\\", "/").split("/", 1)
    if len(parts) < 2 or not parts[1]:
        return None
    path = posixpath.normpath(parts[1])
    if path.startswith(("/", "../")) or path in (".", "..") or name.startswith("/"):
        return None
    return path


class _Chunks(io.RawIOBase):
    """A readable stream over an iterator of byte chunks, for streaming tar reading."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = chunk
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size
