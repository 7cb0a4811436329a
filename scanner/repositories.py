"""Finding the git repositories in a folder of clones (`maturity scan --recursive`)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from scanner.errors import UserError

MAX_DEPTH = 6
SKIPPED_FOLDERS = frozenset({"node_modules", ".venv", "venv", "__pycache__", "vendor",
                             "target", "dist", "build"})


def find_repositories(folders: Iterable[Path]) -> list[Path]:
    """Every repository under the folders (a repository's own sub-folders are not searched),
    in a stable order; a folder that does not exist is an error."""
    found: list[Path] = []
    for folder in folders:
        if not folder.is_dir():
            raise UserError(f"{folder} is not a folder; --recursive needs folders of clones")
        pending = [(folder, 0)]
        while pending:
            current, depth = pending.pop()
            if (current / ".git").exists():
                found.append(current)
                continue
            if depth >= MAX_DEPTH:
                continue
            try:
                entries = sorted(os.scandir(current), key=lambda e: e.name, reverse=True)
            except OSError:
                continue
            for entry in entries:
                if entry.is_dir(follow_symlinks=False) and not entry.name.startswith(".") \
                        and entry.name not in SKIPPED_FOLDERS:
                    pending.append((Path(entry.path), depth + 1))
    if not found:
        raise UserError("no git repositories under " + ", ".join(str(f) for f in folders))
    return sorted(dict.fromkeys(found))
