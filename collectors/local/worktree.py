"""The tracked files of a local clone, read defensively.

Only files git tracks are seen (no build output, no vendored virtualenvs).
A file is skipped, with the reason, when it is a symlink leading out of the
repository, larger than the limit, binary, or not text.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from scanner.collectors.tree import SkippedFile, file_text

_MISSING = "missing from the work tree or a broken symlink"


class WorkTree:
    def __init__(self, root: Path, tracked: Sequence[str], max_bytes: int) -> None:
        self.root = root
        self._paths = list(tracked)
        self._known = set(tracked)
        self.max_bytes = max_bytes
        self._inside = str(root).rstrip("/") + "/"
        # Each folder resolved once: a scan reads thousands of files in a few hundred folders.
        self._folders: dict[str, str | None] = {"": str(root)}

    def paths(self) -> Sequence[str]:
        return self._paths

    def has(self, path: str) -> bool:
        return path in self._known

    def read_text(self, path: str) -> str:
        if path not in self._known:
            raise SkippedFile("not tracked by git")
        resolved, status = self._resolved(path)
        if resolved != str(self.root) and not resolved.startswith(self._inside):
            raise SkippedFile("symlink pointing outside the repository; not followed")
        try:
            status = status or os.stat(resolved)
            if not stat.S_ISREG(status.st_mode):
                raise SkippedFile("not a regular file")
            size = status.st_size
            if size > self.max_bytes:
                raise SkippedFile(f"{size / 1_000_000:.0f} MB, over the "
                                  f"{self.max_bytes / 1_000_000:.0f} MB limit for parsing")
            data = _read(resolved, size, self.max_bytes)
        except OSError as exc:
            raise SkippedFile(f"cannot be read ({exc.strerror or exc})") from None
        return file_text(data)

    def _resolved(self, path: str) -> tuple[str, os.stat_result | None]:
        """The file's real path (symlinks followed), as `Path.resolve(strict=True)` gives
        it, from its folder's, resolved once for every file in it; with the file's status
        when it is no symlink (the one look at it that tells), so it is not asked again."""
        folder, _, name = path.rpartition("/")
        if folder not in self._folders:
            try:
                self._folders[folder] = str((self.root / folder).resolve(strict=True))
            except (OSError, RuntimeError):
                self._folders[folder] = None
        real_folder = self._folders[folder]
        if real_folder is None:
            raise SkippedFile(_MISSING)
        full = os.path.join(real_folder, name)
        try:
            status = os.lstat(full)
            if not stat.S_ISLNK(status.st_mode):
                return full, status
            return str(Path(full).resolve(strict=True)), None
        except (OSError, RuntimeError):
            raise SkippedFile(_MISSING) from None


def _read(path: str, size: int, limit: int) -> bytes:
    """Up to `limit` bytes of a file measured at `size`: a buffer of the file's size, not
    of the limit, for each of thousands of files, and one that grew since it was measured
    read on up to the limit.  A plain descriptor costs three system calls where a buffered
    file object costs seven; O_NONBLOCK keeps a file swapped for a named pipe since it was
    measured from holding the scan at `open`."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        data = os.read(descriptor, size + 1)
        if len(data) > size:
            data += os.read(descriptor, max(limit - len(data), 0))
        return data
    finally:
        os.close(descriptor)
