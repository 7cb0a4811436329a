"""Runbooks: runbook, playbook and on-call documents."""

from __future__ import annotations

from scanner.collectors.base import Emitter
from scanner.collectors.files.index import FileIndex
from scanner.collectors.files.practices.reading import (
    INDEX_STEMS,
    MARKDOWN_SUFFIXES,
    MAX_LOCATORS,
    TEMPLATE_FOLDER,
    TEMPLATE_WORD,
    base_name,
    bounded_text,
    folder_names,
    is_doc,
    is_own,
    stem,
)
from scanner.collectors.repo_files import SOURCE_SUFFIXES
from scanner.lazy_patterns import lazy_compile

RUNBOOK_FOLDERS = frozenset({"runbooks", "runbook", "oncall", "on-call"})
PLAYBOOK_FOLDERS = frozenset({"playbooks", "playbook"})
RUNBOOK_NAME = lazy_compile(r"(?i)run[-_ ]?book")
# Folder names that are also product names (grafana/oncall's Helm chart is `helm/oncall/`):
# such a folder holding code or configuration is a component, not on-call documentation.
PRODUCT_NAMES = frozenset({"oncall", "on-call"})
CODE_OR_CONFIG = (*SOURCE_SUFFIXES, ".yml", ".yaml", ".json", ".toml", ".tpl")


def _prefixes(path: str) -> list[str]:
    """`a/b/c.md` -> [`a`, `a/b`]: each folder of a path, as a path."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[:i + 1]) for i in range(len(parts))]


def _folders_with_code(files: FileIndex) -> set[str]:
    """Folders holding source code or configuration somewhere below them."""
    found: set[str] = set()
    for path in files.paths():
        if path.endswith(CODE_OR_CONFIG):
            found.update(_prefixes(path))
    return found


def runbook_documents(files: FileIndex, out: Emitter) -> None:
    candidates: list[tuple[str, bool]] = []  # (path, an index file that counts only alone)
    with_code = _folders_with_code(files)
    for path in sorted(files.paths()):
        folders = folder_names(path)
        if not is_doc(path) or not is_own(path) or TEMPLATE_WORD.search(base_name(path)) \
                or any(f in TEMPLATE_FOLDER for f in folders):
            continue  # templates (a runbook template, a Helm chart's NOTES.txt) are no runbooks
        index = stem(path) in INDEX_STEMS
        if RUNBOOK_NAME.search(base_name(path)) or any(
                f in RUNBOOK_FOLDERS and not (f in PRODUCT_NAMES and prefix in with_code)
                for f, prefix in zip(folders, _prefixes(path), strict=False)):
            candidates.append((path, index))
        elif any(f in PLAYBOOK_FOLDERS for f in folders) and not index \
                and path.lower().endswith(MARKDOWN_SUFFIXES):
            candidates.append((path, False))
    candidates = [(path, index) for path, index in candidates
                  if bounded_text(files, path) is not None]
    pages = [path for path, index in candidates if not index]
    runbooks = [path for path, index in candidates
                if not index or not any(page.startswith(path.rpartition("/")[0] + "/")
                                        for page in pages)]
    out.emit("runbooks.count", len(runbooks), runbooks[:MAX_LOCATORS],
             None if runbooks else "no runbook, playbook or on-call documents")
