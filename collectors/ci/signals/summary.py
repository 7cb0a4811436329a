"""What the CI signals tell the rest of the analysis: whether and how CI delivers."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.collectors.ci.hits import places
from scanner.collectors.ci.model import DEFAULT_BRANCH, PUSH, RELEASE, TAG
from scanner.collectors.ci.reading import Gap
from scanner.collectors.ci.signals.deploy import Deployed
from scanner.collectors.ci.signals.findings import Findings

IMAGE_PUSH_TOOLS = frozenset({"container-push"})


@dataclass(frozen=True)
class CiSummary:
    """What the CI signals tell the rest of the analysis (`unknown()` when they failed)."""

    gaps: list[Gap]  # what kept negatives unsaid
    deploys: bool | None  # a deploy job was found; None when that cannot be said
    iac_applied: list[str] | None  # IaC kinds applied after merge; None when unknown
    delivers_on_merge: bool  # a deploy or publish job runs on pushes to the main line
    delivers_on_tag: bool  # a deploy or publish job runs on tags or releases
    deploy_places: tuple[str, ...] = ()  # where CI deploys, for `deployable`
    # CI deploys something other than a documentation or static site (a running service).
    deploys_service: bool | None = None
    pushes_images: bool = False  # CI publishes container images

    @classmethod
    def unknown(cls) -> CiSummary:
        """Nothing can be said: the CI signals could not be worked out."""
        return cls(gaps=[], deploys=None, iac_applied=None, delivers_on_merge=False,
                   delivers_on_tag=False)


def summarise(gaps: list[Gap], found: Findings, deployed: Deployed,
              content_known: bool) -> CiSummary:
    """The summary of what was found; `content_known`: no gap could hide a tool."""
    deploy_jobs, hits, kinds = found.deploy_jobs, found.hits, deployed.applied
    delivering = [job for job in deploy_jobs] + [
        h.job for h in hits if h.category == "packaging" and h.job]
    return CiSummary(gaps, True if deploy_jobs else (False if content_known else None),
                     kinds if kinds or content_known else None,
                     any(j.triggers & {PUSH, DEFAULT_BRANCH} for j in delivering),
                     any(j.triggers & {TAG, RELEASE} for j in delivering),
                     tuple(places(h for h in hits if h.category == "deploy")),
                     True if deployed.service_jobs else (False if content_known else None),
                     any(h.tool in IMAGE_PUSH_TOOLS for h in hits))
