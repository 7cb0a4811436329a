"""Reference signals: how many third-party actions, reusable workflows and components CI
uses and how many are pinned to a commit, and which workflows declare their token's
permissions."""

from __future__ import annotations

from scanner.collectors.base import Emitter
from scanner.collectors.ci.model import GITLAB_COMPONENT, REUSABLE_WORKFLOW, Job
from scanner.collectors.ci.reading import CiReading
from scanner.collectors.ci.signals.findings import Output
from scanner.lazy_patterns import lazy_compile

PINNED = lazy_compile(r"^[0-9a-f]{40}$")


def emit(reading: CiReading, jobs: list[Job], output: Output) -> None:
    if output.content_known or jobs:
        _emit_pinning(jobs, output.out)
    declared = [(path, ok) for result in reading.results
                for path, ok in result.permissions_declared.items()]
    if declared:
        output.out.emit("ci.permissions.declared_share",
                        round(sum(1 for _, ok in declared if ok) / len(declared), 2),
                        [path for path, ok in declared if not ok] or [p for p, _ in declared])


def _emit_pinning(jobs: list[Job], out: Emitter) -> None:
    refs = {(ref.value, ref.version, ref.locator) for job in jobs for ref in job.references
            if ref.kind in ("action", REUSABLE_WORKFLOW, GITLAB_COMPONENT)}
    if not refs:
        out.emit("ci.references.third_party", 0)
        return
    unpinned = sorted(where for _, version, where in refs if not PINNED.match(version))
    out.emit("ci.references.third_party", len(refs))
    out.emit("ci.references.pinned_share", round(1 - len(unpinned) / len(refs), 2),
             unpinned or sorted(where for _, _, where in refs),
             f"{len(unpinned)} of {len(refs)} references not pinned to a commit SHA"
             if unpinned else None)

