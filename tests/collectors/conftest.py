from __future__ import annotations

from collections.abc import Callable

import pytest

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
