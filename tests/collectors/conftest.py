from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from scanner.collectors.base import Emitter
from scanner.collectors.files import Detector, register, unregister
from scanner.collectors.files.index import FileIndex
from scanner.collectors.local.git import GitRepo as LocalGit
from scanner.collectors.local.worktree import WorkTree

from gitrepo import GitRepo


@pytest.fixture
def tree(make_repo: Callable[..., GitRepo]) -> Callable[[dict[str, str]], WorkTree]:
    """A committed git repository with these files, read as the local collector reads it."""

    def build(files: dict[str, str]) -> WorkTree:
        repo = make_repo(files)
        local = LocalGit(repo.root)
        return WorkTree(local.root, local.tracked_files(), 2_000_000)

    return build


@pytest.fixture
def exploding_detector() -> Iterator[Callable[[str], None]]:
    """Registers, for one test, a detector that emits a signal, reads the file at the path
    it is given and raises, as a bug in a detector would."""

    def register_reading(path: str) -> None:
        def explode(files: FileIndex, out: Emitter) -> None:
            out.emit("ci.present", True)  # emitted before the failure: must not survive it
            files.text(path)
            raise KeyError("boom")

        register(Detector("exploding", (), explode))

    yield register_reading
    unregister("exploding")
