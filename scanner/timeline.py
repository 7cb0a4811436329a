"""Deployments seen by a Git host and incidents seen by an incident tool, joined.

Each collector only sees its own side: a host knows a repository's production
deployments, PagerDuty or Datadog know the incidents of a service. Collectors hand
their side over as timelines; after collection, `link_incidents` attributes each
incident to the deployment of its service's repository that most plausibly
caused it and re-derives that repository's change failure rate and time to
restore, citing the incidents. The rule that blames a deployment is the one the
hosts use for their own incident issues (`blamed_index`).

An incident belongs to a repository when its tool's target maps its service to
the repository (`services:`), else when the service and the repository are
called the same (case, spaces, dashes and underscores aside).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from scanner.evidence import Evidence

SOURCE = "timeline"
CHANGE_FAILURE_RATE = "dora.change_failure_rate"
TIME_TO_RESTORE = "dora.time_to_restore_hours"
MAX_LOCATORS = 5


@dataclass(frozen=True)
class Deploy:
    """A production deployment that reached a final status."""

    at: datetime
    failed: bool  # failed, or blamed by the host for one of its own incident records
    url: str


@dataclass(frozen=True)
class DeployTimeline:
    """A repository's production deployments in the window, as its host saw them."""

    entity: str  # repo:<host>/<path>
    names: tuple[str, ...]  # what an incident tool may call it: full path, then short name
    deploys: tuple[Deploy, ...]  # oldest first
    restore_hours: tuple[float, ...]  # the host's own restore samples
    since: datetime
    attribution_hours: float

    def to_dict(self) -> dict[str, Any]:
        return {"entity": self.entity, "names": list(self.names),
                "deploys": [[d.at.isoformat(), d.failed, d.url] for d in self.deploys],
                "restore_hours": list(self.restore_hours), "since": self.since.isoformat(),
                "attribution_hours": self.attribution_hours}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeployTimeline:
        return cls(data["entity"], tuple(data["names"]),
                   tuple(Deploy(datetime.fromisoformat(at), failed, url)
                         for at, failed, url in data["deploys"]),
                   tuple(data["restore_hours"]), datetime.fromisoformat(data["since"]),
                   data["attribution_hours"])


@dataclass(frozen=True)
class IncidentEvent:
    """One incident of a service, as an incident tool recorded it."""

    source: str  # the tool's entity, e.g. pagerduty:acme
    service: str
    started: datetime
    resolved: datetime | None
    url: str
    repository: str | None = None  # set when the target maps the service to a repository

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "service": self.service,
                "started": self.started.isoformat(),
                "resolved": self.resolved.isoformat() if self.resolved else None,
                "url": self.url, "repository": self.repository}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IncidentEvent:
        return cls(data["source"], data["service"], datetime.fromisoformat(data["started"]),
                   datetime.fromisoformat(data["resolved"]) if data["resolved"] else None,
                   data["url"], data["repository"])


def blamed_index(moment: datetime, deployed: Sequence[datetime], hours: float) -> int | None:
    """The latest deployment (times sorted) at or before `moment`, if recent enough."""
    before = [index for index, at in enumerate(deployed) if at <= moment]
    if not before:
        return None
    latest = before[-1]
    return latest if moment - deployed[latest] <= timedelta(hours=hours) else None


@dataclass(frozen=True)
class Linked:
    evidence: list[Evidence]
    unmatched_services: dict[str, list[str]]  # tool entity -> services matching no repository


def link_incidents(timelines: Sequence[DeployTimeline],
                   incidents: Sequence[IncidentEvent]) -> Linked:
    """Change failure rate and time to restore of every repository some incident names."""
    evidence: list[Evidence] = []
    matched: set[int] = set()
    for timeline in timelines:
        mine = [(n, i) for n, i in enumerate(incidents)
                if _belongs(i, timeline) and i.started >= timeline.since]
        if not mine:
            continue
        matched.update(n for n, _ in mine)
        evidence += _derived(timeline, [i for _, i in mine])
    unmatched: dict[str, set[str]] = {}
    if timelines:
        for n, incident in enumerate(incidents):
            if n not in matched:
                unmatched.setdefault(incident.source, set()).add(incident.service)
    return Linked(evidence, {source: sorted(services) for source, services in unmatched.items()})


def _derived(timeline: DeployTimeline, incidents: list[IncidentEvent]) -> list[Evidence]:
    deployed = [d.at for d in timeline.deploys]
    blamed = {blamed_index(i.started, deployed, timeline.attribution_hours) for i in incidents}
    failed = [d for n, d in enumerate(timeline.deploys) if d.failed or n in blamed]
    restores = [*timeline.restore_hours,
                *((i.resolved - i.started).total_seconds() / 3600 for i in incidents
                  if i.resolved is not None and i.resolved >= i.started)]
    sources = sorted({i.source for i in incidents})
    services = sorted({i.service for i in incidents})
    newest = sorted(incidents, key=lambda i: i.started, reverse=True)
    cited = [i.url for i in newest if i.url][:MAX_LOCATORS]
    about = (f"{len(incidents)} incidents of {', '.join(services)} from {', '.join(sources)}"
             f" joined with the host's deployments")
    found: list[Evidence] = []
    if timeline.deploys:
        blamed_deploys = [d.url for d in failed if d.url]
        found.append(Evidence(
            timeline.entity, CHANGE_FAILURE_RATE, round(len(failed) / len(timeline.deploys), 2),
            SOURCE, tuple(dict.fromkeys([*blamed_deploys, *cited]))[:MAX_LOCATORS],
            f"{len(failed)} of {len(timeline.deploys)} production deployments failed or were "
            f"followed within {timeline.attribution_hours:g} h by an incident; {about}"))
    if restores:
        found.append(Evidence(
            timeline.entity, TIME_TO_RESTORE, round(statistics.median(restores), 2), SOURCE,
            tuple(cited), f"median of {len(restores)} restores (failed deployments and "
            f"incidents); {about}"))
    return found


def _belongs(incident: IncidentEvent, timeline: DeployTimeline) -> bool:
    if incident.repository:
        wanted = incident.repository.strip("/").lower()
        return any(name.lower() == wanted or name.lower().endswith("/" + wanted)
                   for name in timeline.names)
    service = _plain(incident.service)
    return bool(service) and any(_plain(name.rsplit("/", 1)[-1]) == service
                                 for name in timeline.names)


def _plain(name: str) -> str:
    return re.sub(r"[\s_\-.]+", "", name.lower())
