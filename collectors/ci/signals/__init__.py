"""Source-neutral CI signals from parsed pipelines.

The same function serves every CI system and every source of CI files (a local
clone, a Git host's archive).  Positives always count.  A negative is claimed
only where nothing unread could hide what it denies: an unreadable file or
configuration from outside the repository leaves every negative unsaid; a CI
system read as plain commands leaves unsaid only what depends on when its jobs
run, and only for the tools it shows.  A negative cites what was examined.

Each family of signals has its module (`scanning`, `testing`, `deploy` with
`gates`, `release`, `references`); this one finds the tools once and has the
families emit in the reports' order.
"""

from __future__ import annotations

from scanner.collectors.base import Emitter
from scanner.collectors.build_facts import BuildFacts
from scanner.collectors.ci.hits import (
    e2e_by_name,
    find_hits,
    inferred_from_names,
    publishing_by_name,
    suites_run,
    tests_by_name,
    workflows_only,
)
from scanner.collectors.ci.reading import CiReading
from scanner.collectors.ci.signals import deploy, references, release, scanning, testing
from scanner.collectors.ci.signals.findings import Findings, Output
from scanner.collectors.ci.signals.specs import SIGNALS
from scanner.collectors.ci.signals.summary import CiSummary, summarise
from scanner.collectors.ci.tools import Catalogue
from scanner.patterns import Pattern

__all__ = ["SIGNALS", "CiSummary", "emit_ci_signals"]


def emit_ci_signals(reading: CiReading, catalogue: Catalogue, production: Pattern,
                    out: Emitter, facts: BuildFacts | None = None) -> CiSummary:
    """Emit the CI signals and say what kept negatives unsaid; `facts` are what the files
    say about the tests, versions and languages CI works on."""
    facts = facts or BuildFacts()
    jobs = reading.jobs
    hits = workflows_only(find_hits(jobs, catalogue), facts.codeql_languages)
    hits += suites_run(hits, facts.suites)
    inferred, unrecognised = inferred_from_names(jobs, catalogue)
    hits += inferred
    gaps = reading.gaps(unrecognised, frozenset(h.locator for h in hits))
    files = reading.files
    systems = reading.systems
    output = Output(out, reading, gaps, hits)
    out.emit("ci.present", bool(systems), output.examined)
    out.emit("ci.systems", systems, output.examined)
    if output.content_known or jobs:
        out.emit("ci.jobs", len(jobs), output.examined)

    deploy_jobs = deploy.deploying_jobs(jobs, hits)
    hits += deploy.environment_hits(deploy_jobs, hits)
    hits += e2e_by_name(jobs, hits)
    hits += tests_by_name(jobs, hits)
    hits += publishing_by_name(jobs, hits)
    untimed = output.untimed_files
    output.untimed |= {h.category for h in hits if h.job and h.job.file in untimed}
    found = Findings(jobs, hits, deploy_jobs, untimed)
    scanning.emit(found, files, output)
    testing.emit(found, output)
    deployed = deploy.emit(found, production, output)
    release.emit(found, facts.snapshot_version, output)
    references.emit(reading, jobs, output)
    return summarise(gaps, found, deployed, output.content_known)
