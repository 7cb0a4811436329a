"""What the tests of the CI parsers share: the trees they parse, jobs by name, a job's
references, and what the tool catalogue recognises in jobs."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from scanner.collectors.ci.model import Job
from scanner.collectors.ci.tools import load_catalogue
from scanner.collectors.local.worktree import WorkTree

from gitrepo import GitRepo

# The `tree` fixture (tests/collectors/conftest.py): a committed repository with these files.
Tree = Callable[[dict[str, str]], WorkTree]
# The `make_repo` fixture (tests/conftest.py).
MakeRepo = Callable[..., GitRepo]


def by_name(jobs: list[Job]) -> dict[str, Job]:
    return {job.name: job for job in jobs}


def refs(job: Job) -> list[tuple[str, str, str]]:
    return [(r.kind, r.value, r.locator) for r in job.references]


def catalogue_hits(jobs: Iterable[Job]) -> set[tuple[str, str, str]]:
    """(job name, tool, category) for every tool the catalogue recognises in the jobs."""
    catalogue = load_catalogue()
    return {(hit.job.name if hit.job else "", hit.tool, hit.category)
            for job in jobs for hit in catalogue.match_job(job)}
