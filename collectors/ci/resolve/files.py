"""The repository's files as the resolver reads them: each file read once and each
Makefile parsed once per repository; a file that cannot be read is noted."""

from __future__ import annotations

from scanner.collectors.ci.resolve import make
from scanner.collectors.tree import RepoTree, SkippedFile


class RepoFiles:
    """One repository's files, cached; `notes` says what was not followed and why."""

    def __init__(self, tree: RepoTree) -> None:
        self.tree = tree
        self.notes: list[tuple[str, str]] = []  # (locator, what was not followed and why)
        self._texts: dict[str, str | None] = {}
        self._makefiles: dict[str, make.Makefile | None] = {}
        self._paths: list[str] | None = None
        self._folders: dict[str, bool] = {}

    def has(self, path: str) -> bool:
        return self.tree.has(path)

    def text(self, path: str) -> str | None:
        """The file's text; None (and a note) when it cannot be read."""
        if path not in self._texts:
            try:
                self._texts[path] = self.tree.read_text(path)
            except SkippedFile as skipped:
                self.notes.append((path, f"a file CI runs or reads was not read: {skipped}"))
                self._texts[path] = None
        return self._texts[path]

    def all_paths(self) -> list[str]:
        if self._paths is None:
            self._paths = list(self.tree.paths())
        return self._paths

    def makefile(self, folder: str, name: str | None) -> make.Makefile | None:
        """The makefile `make` run in `folder` reads (`name` when `-f` names one)."""
        path = make.find_makefile(self.tree.has, folder, name)
        if path is None:
            return None
        if path not in self._makefiles:
            self._makefiles[path] = make.parse(path, folder, make.Files(
                self.text, self.tree.has, self.all_paths))
        return self._makefiles[path]

    def in_tree(self, directory: str | None) -> str | None:
        """A folder CI names that the repository does not have (`/workspace/src/app`, a clone
        path of Cloud Build's `dir`) is where the checkout sits: read from the root."""
        if not directory:
            return directory
        if directory not in self._folders:
            prefix = directory + "/"
            self._folders[directory] = any(p.startswith(prefix) for p in self.all_paths())
        return directory if self._folders[directory] else None
