"""The folder a command runs in: paths joined onto it, and where `cd` leaves it."""

from __future__ import annotations

import posixpath

from scanner.lazy_patterns import lazy_compile

_REPO_ROOT = lazy_compile(r"^\$\(\s*git\s+rev-parse\s+--show-toplevel\s*\)")


def join(directory: str | None, path: str) -> str:
    """`path` under `directory` (None: the root), normalised; "" for the root itself."""
    joined = posixpath.normpath(posixpath.join(directory or "", path))
    return "" if joined == "." else joined


def folder_of(locator: str) -> str:
    """The folder of the file a locator points into (`ci/run.sh:3` -> `ci`)."""
    return posixpath.dirname(locator.rsplit(":", 1)[0])


def changed(directory: str | None, args: list[str], script_folder: str) -> str | None:
    """The folder after `cd ARGS`: None when it cannot be known (computed, absolute)."""
    target = next((a for a in args if not a.startswith("-")), "")
    if not target or target == "~" or target.startswith("/"):
        return None
    if _REPO_ROOT.match(target):
        return join("", target[target.index(")") + 1:].lstrip("/"))
    if (target.startswith("$(dirname") and ("$0" in target or "BASH_SOURCE" in target)
            and ")" in target) or target.startswith("${0%/*}"):
        return join(script_folder, target[target.index(")" if target.startswith("$(") else
                                                       "}") + 1:].lstrip("/"))
    if "$" in target or "`" in target:
        return None
    joined = join(directory, target)
    return None if joined.startswith("..") else joined
