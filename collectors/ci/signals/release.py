"""Release signals: whether releases are published automatically (how often changes reach
users is `scanner.collectors.cadence`: it needs the history)."""

from __future__ import annotations

from scanner.collectors.ci.hits import drafted
from scanner.collectors.ci.model import (
    AFTER_MERGE,
    DEFAULT_BRANCH,
    MANUAL,
    PUSH,
    RELEASE,
    TAG,
    Job,
)
from scanner.collectors.ci.signals.findings import Findings, Output

# Tools that publish the version the build file declares (a snapshot between releases).
SNAPSHOT_PUBLISHERS = frozenset({"maven-deploy", "gradle-publish"})


def emit(found: Findings, snapshot: str | None, output: Output) -> None:
    """`snapshot`: where the build file declares a snapshot version (`file:line`), if it
    does."""
    to_drafts = drafted(found.jobs)
    # Where releases are drafted, what runs when a release is published waits for the
    # person who publishes the draft.
    released = [h for h in found.where(["packaging"], AFTER_MERGE)
                if h.job and h.job.file not in to_drafts
                and not (to_drafts and h.job.triggers <= {RELEASE, MANUAL})]
    snapshots = [h for h in released if snapshot and h.tool in SNAPSHOT_PUBLISHERS
                 and h.job and not _release_only(h.job)]
    output.flag("ci.release.automatic", [h for h in released if h not in snapshots],
                "no release is published automatically (drafts wait for a person" + (
                    f"; {snapshots[0].trail} publishes development builds, since the "
                    f"version in {snapshot} is a snapshot)" if snapshots else ")"),
                ["packaging"])


def _release_only(job: Job) -> bool:
    """A job run for tags or releases and not for every push: it publishes a release."""
    return bool(job.triggers & {TAG, RELEASE}) and not job.triggers & {PUSH, DEFAULT_BRANCH}
