"""The tracked files of a local clone, read defensively.

Only files git tracks are seen (no build output, no vendored virtualenvs).
A file is skipped, with the reason, when it is a symlink leading out of the
repository, larger than the limit, binary, or not text.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from scanner.collectors.tree import SkippedFile, file_text


class WorkTree:
    def __init__(self, root: Path, tracked: Sequence[str], max_bytes: int) -> None:
        self.root = root
        self._paths = list(tracked)
        self._known = set(tracked)
        self.max_bytes = max_bytes

    def paths(self) -> Sequence[str]:
        return self._paths

    def has(self, path: str) -> bool:
        return path in self._known

    def read_text(self, path: str) -> str:
        if path not in self._known:
            raise SkippedFile("not tracked by git")
        full = self.root / path
        try:
            resolved = full.resolve(strict=True)
        except (OSError, RuntimeError):
            raise SkippedFile("missing from the work tree or a broken symlink") from None
        if not resolved.is_relative_to(self.root):
            raise SkippedFile("symlink pointing outside the repository; not followed")
        try:
            size = resolved.stat().st_size
            if not resolved.is_file():
                raise SkippedFile("not a regular file")
            if size > self.max_bytes:
                raise SkippedFile(f"{size / 1_000_000:.0f} MB, over the "
                                  f"{self.max_bytes / 1_000_000:.0f} MB limit for parsing")
            with open(resolved, "rb") as handle:
                data = handle.read(self.max_bytes + 1)
        except OSError as exc:
            raise SkippedFile(f"cannot be read ({exc.strerror or exc})") from None
        return file_text(data)

    def is_symlink(self, path: str) -> bool:
        return os.path.islink(self.root / path)
