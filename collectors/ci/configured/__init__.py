"""Analysers and signers that a tool run by CI switches on from its configuration.

CI often runs a tool whose configuration decides what it does: golangci-lint runs
gosec when `.golangci.yml` enables it, super-linter runs the validators its
`VALIDATE_*` variables leave on, Maven runs the plugins its POM binds to the phases the
CI command reaches, chart-releaser signs charts when told to.  Each finding becomes a
job of its own, with the triggers of the CI job that runs the tool; its references
(kind `configured`, `<tool>:<setting>`) point at the configuration line and carry the
chain from CI (`ci.yml:30 → Taskfile.yml:12 → .golangci.yml:40`), so that the
catalogue decides what each setting is (gosec is SAST) and citing shows where it is.

A configuration file that cannot be read costs only what it would have switched on,
with a note naming the file.
"""

from __future__ import annotations

from collections.abc import Callable

from scanner.collectors.ci.configured import chart_releaser, golangci, maven, super_linter
from scanner.collectors.ci.configured.context import Context
from scanner.collectors.ci.model import Job, Reference
from scanner.collectors.ci.reading import CiReading
from scanner.collectors.ci.tools import Catalogue
from scanner.collectors.tree import RepoTree

MAX_FOUND_PER_JOB = 200

#: A reader: the settings one reference's tool switches on (`tools`: the catalogue's tools
#: recognised in that reference); [] for a reference it does not concern.
Reader = Callable[[Context, Job, Reference, frozenset[str]], list[Reference]]
READERS: tuple[Reader, ...] = (golangci.enabled, super_linter.validators, maven.plugins,
                               chart_releaser.signing)


def read(tree: RepoTree, catalogue: Catalogue, reading: CiReading) -> None:
    """Add to `reading` a job for what each CI job switches on through configuration
    files, and a note for each such file that could not be read."""
    context = Context(tree)
    for job in list(reading.jobs):
        found: list[Reference] = []
        for reference in job.references:
            tools = frozenset(m.tool for m in catalogue.match_reference(reference,
                                                                         job.variables))
            for reader in READERS:
                found += reader(context, job, reference, tools)
        unique = tuple(dict.fromkeys(found))[:MAX_FOUND_PER_JOB]
        if unique:
            reading.extra_jobs.append(Job(job.system, job.file, f"{job.name} (configured)",
                                          job.locator, job.triggers, unique,
                                          variables=job.variables))
    reading.notes += context.notes
