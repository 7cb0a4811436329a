"""Test signals: whether tests run before merge, which kinds of tests CI runs and at
which points of the lifecycle, and whether end-to-end tests run automatically."""

from __future__ import annotations

from scanner.collectors.ci.hits import places, test_points, test_regimes
from scanner.collectors.ci.model import BEFORE_MERGE
from scanner.collectors.ci.signals.findings import Findings, Output


def emit(found: Findings, output: Output) -> None:
    output.flag("ci.tests.before_merge", found.where(["tests", "e2e"], BEFORE_MERGE),
                "no test job runs before merge", ["tests", "e2e"])
    _emit_test_regimes(found, output)
    output.flag("ci.e2e.automatic", found.where(["e2e"]), "no automatic end-to-end tests",
                ["e2e"])


def _emit_test_regimes(found: Findings, output: Output) -> None:
    """Which kinds of tests run, and at which points of the lifecycle."""
    automatic = [h for h in found.hits if h.job and h.job.automatic]
    regimes = test_regimes(automatic)  # what CI runs, whenever it runs it
    points = test_points([h for h in automatic if h.job and h.job.file not in output.untimed_files],
                         found.deploy_jobs)
    for signal, hits, what in (("ci.tests.regimes", regimes, "kinds of automated tests"),
                               ("ci.tests.points", points, "points where tests run")):
        if hits:
            output.out.emit(signal, list(hits),
                            [places(group)[0] for group in hits.values()],
                            "; ".join(f"{name}: {len(group)} place(s)"
                                      for name, group in hits.items()))
        elif output.content_known and not output.untimed & {"tests", "e2e", "load_test"}:
            output.out.emit(signal, [], output.examined, f"no {what} found")
