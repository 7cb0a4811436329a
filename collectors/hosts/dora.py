"""The four DORA metrics of one repository, from host-neutral records (no I/O).

Definitions follow the anchors in SOURCES.md ("DORA metrics"):

- A *production deployment* is a `Deployment` with `production=True` (the caller
  sets it by matching the environment); it *happened* when its status is
  SUCCESS, at `finished_at` (or `created_at` when the host gave no end time).
- *Deployment frequency* counts deployment days (distinct UTC dates with a
  successful production deployment) per week of the window, not deployments.
- *Lead time for changes* runs from a change's first commit (its merge when the
  first commit is unknown) to the first successful production deployment at or
  after its merge: the deployment of its merge commit when one exists, else the
  first one after the merge (the commit range between consecutive deployments,
  which still holds after a squash merge rewrote the SHA). Changes not yet
  deployed are left out.
- *Change failure rate* is the share of production deployments that reached a
  final status and either failed or were followed by an incident soon after
  (`incident_attribution_hours`, and before the next deployment): an incident is
  blamed on at most one deployment, the latest before it.
- *Time to restore* is the median of the hours from a failed production
  deployment to the next successful one to the same environment, and from an
  incident issue's opening to its closing.

With no production deployments on record at all, published releases stand in
for deployment frequency only (`source="releases"`).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from scanner import patterns
from scanner.collectors.hosts.records import (
    FAILURE,
    SUCCESS,
    Deployment,
    HostRepository,
    Issue,
    MergedChange,
    Release,
)
from scanner.collectors.hosts.settings import HostSettings
from scanner.timeline import Deploy, DeployTimeline, blamed_index

SOURCE_DEPLOYMENTS = "deployments"
SOURCE_RELEASES = "releases"
MAX_EVIDENCE_URLS = 5
HOURS = 3600.0
DAY = 86400.0


@dataclass(frozen=True)
class DoraMetrics:
    """The metrics of one repository; None wherever the records cannot decide.

    `deployments` counts successful production deployments in the window (or
    published releases when `source` is "releases"). `spans`: the metrics (by signal)
    counted over less than the window, because the records they need were read only
    back to a later moment, with the span they cover.
    """

    source: str | None
    deployments: int | None
    deployment_days_per_week: float | None
    lead_time_hours_p50: float | None
    change_failure_rate: float | None
    time_to_restore_hours: float | None
    evidence_urls: tuple[str, ...] = ()
    spans: Mapping[str, Window] = field(default_factory=dict)


@dataclass(frozen=True)
class Window:
    """The time looked back over, closed at both ends."""

    since: datetime
    now: datetime

    @classmethod
    def ending(cls, now: datetime, days: int) -> Window:
        return cls(now - timedelta(days=days), now)

    def __contains__(self, moment: object) -> bool:
        return isinstance(moment, datetime) and self.since <= moment <= self.now

    @property
    def days(self) -> int:
        return round((self.now - self.since).total_seconds() / DAY)

    @property
    def weeks(self) -> float:
        return max((self.now - self.since).total_seconds(), DAY) / (7 * DAY)

    def cut(self, *moments: datetime | None) -> Window:
        """The part of the window after every moment given (the records read back to
        them only); the whole window when none is later than its start."""
        since = max([self.since, *(m for m in moments if m is not None)])
        return Window(min(since, self.now), self.now)

    def shortfall(self, part: Window) -> str | None:
        """What a note must say when `part` of this window is all that was read."""
        if part.since <= self.since:
            return None
        return (f"counted over the {part.days} days back to {part.since:%Y-%m-%d} only, not "
                f"the whole {self.days}: the request budget ran out before the records "
                "reached the window's start (request_budget)")


Cuts = Mapping[str, datetime]
UNDECIDED = DoraMetrics(None, None, None, None, None, None)


def deployed_at(deployment: Deployment) -> datetime:
    """When a deployment took effect: its final status, else its creation."""
    return deployment.finished_at or deployment.created_at


def is_incident(issue: Issue, settings: HostSettings) -> bool:
    """An issue carrying a label that matches `settings.incident_labels`."""
    return labelled(issue.labels, settings.incident_labels)


def labelled(labels: Iterable[str], pattern: str) -> bool:
    compiled = patterns.compiled(pattern)
    return any(compiled.search(label) for label in labels)


def repository_dora(repo: HostRepository, settings: HostSettings, now: datetime) -> DoraMetrics:
    """`compute_dora` over the parts of one repository that were read."""
    return compute_dora(deployments=repo.deployments, changes=repo.changes,
                        releases=repo.releases, issues=repo.issues, settings=settings, now=now,
                        read_since=repo.read_since)


def compute_dora(*, deployments: Sequence[Deployment] | None,
                 changes: Sequence[MergedChange] | None,
                 releases: Sequence[Release] | None,
                 issues: Sequence[Issue] | None,
                 settings: HostSettings, now: datetime,
                 read_since: Cuts | None = None) -> DoraMetrics:
    """The four metrics; a part passed as None was not read and decides nothing.

    Deployments not read decide nothing at all (releases would be a guess about
    a repository whose deployments nobody could see). `read_since`: kinds of records
    (deployments, changes, releases, issues) read only back to a moment; each metric
    counts over the part of the window that all the records it needs cover.
    """
    if deployments is None:
        return UNDECIDED
    window = Window.ending(now, settings.window_days)
    incidents = [i for i in issues or () if is_incident(i, settings)]
    production = sorted((d for d in deployments if d.production), key=deployed_at)
    cuts = read_since or {}
    if production:
        return _from_deployments(production, changes, incidents, settings, window, cuts=cuts)
    if releases is not None:
        published = [r for r in releases if r.published_at is not None and not r.draft
                     and not r.prerelease]
        if published:
            return _from_releases(published, incidents, window, cuts)
    return UNDECIDED


def _from_deployments(production: list[Deployment], changes: Sequence[MergedChange] | None,
                      incidents: list[Issue], settings: HostSettings,
                      window: Window, *, cuts: Cuts) -> DoraMetrics:
    shipped = window.cut(cuts.get("deployments"))
    led = shipped.cut(cuts.get("changes"))
    incidental = shipped.cut(cuts.get("issues"))
    succeeded = [d for d in production if d.status == SUCCESS]
    in_window = [d for d in succeeded if deployed_at(d) in shipped]
    final = [d for d in production if d.status in (SUCCESS, FAILURE)
             and deployed_at(d) in incidental]
    failed = failed_deployments(final, incidents, settings)
    restore = (restore_hours_after_failures(final, succeeded)
               + incident_restore_hours(incidents, incidental))
    urls = _first_urls(
        [d.url for d in reversed(in_window)][:3],
        [d.url for d in final if d in failed],
        [i.url for i in incidents if i.created_at in incidental],
    )
    spans = {"dora.deployments": shipped, "dora.deployment_days_per_week": shipped,
             "dora.lead_time_hours_p50": led, "dora.change_failure_rate": incidental,
             "dora.time_to_restore_hours": incidental}
    return DoraMetrics(
        source=SOURCE_DEPLOYMENTS,
        deployments=len(in_window),
        deployment_days_per_week=_per_week(deployment_days(map(deployed_at, in_window)),
                                           shipped),
        lead_time_hours_p50=_median(lead_times_hours(changes or (), succeeded, led)),
        change_failure_rate=round(len(failed) / len(final), 2) if final else None,
        time_to_restore_hours=_median(restore),
        evidence_urls=urls,
        spans={signal: span for signal, span in spans.items() if span != window},
    )


def _from_releases(published: list[Release], incidents: list[Issue],
                   window: Window, cuts: Cuts) -> DoraMetrics:
    """Releases stand in for deployments, for frequency only; incidents still time restores."""
    released = window.cut(cuts.get("releases"))
    incidental = window.cut(cuts.get("issues"))
    in_window = sorted((r for r in published if r.published_at in released),
                       key=lambda r: r.published_at or released.since)
    days = deployment_days(r.published_at for r in in_window if r.published_at is not None)
    spans = {"dora.deployments": released, "dora.deployment_days_per_week": released,
             "dora.time_to_restore_hours": incidental}
    return DoraMetrics(
        source=SOURCE_RELEASES,
        deployments=len(in_window),
        deployment_days_per_week=_per_week(days, released),
        lead_time_hours_p50=None,
        change_failure_rate=None,
        time_to_restore_hours=_median(incident_restore_hours(incidents, incidental)),
        evidence_urls=_first_urls([r.url for r in reversed(in_window)]),
        spans={signal: span for signal, span in spans.items() if span != window},
    )


def deployment_days(moments: Iterable[datetime]) -> set[date]:
    """The distinct UTC dates of these moments."""
    return {moment.astimezone(UTC).date() for moment in moments}


def lead_times_hours(changes: Iterable[MergedChange], succeeded: Sequence[Deployment],
                     window: Window) -> list[float]:
    """Hours from each change merged in the window to the production deployment that
    shipped it (`succeeded` sorted by time); changes not yet deployed are left out."""
    times: list[float] = []
    for change in changes:
        if change.merged_at not in window:
            continue
        shipped = shipping_deployment(change, succeeded)
        if shipped is not None:
            start = change.first_commit_at or change.merged_at
            times.append(_hours(deployed_at(shipped) - start))
    return times


def shipping_deployment(change: MergedChange,
                        succeeded: Sequence[Deployment]) -> Deployment | None:
    """The first successful production deployment at or after the merge: of the merge
    commit itself when one was deployed, else the first in time (squash-merge safe)."""
    after = [d for d in succeeded if deployed_at(d) >= change.merged_at]
    if change.merge_sha:
        by_sha = next((d for d in after if d.sha == change.merge_sha), None)
        if by_sha is not None:
            return by_sha
    return after[0] if after else None


def failed_deployments(final: Sequence[Deployment], incidents: Iterable[Issue],
                       settings: HostSettings) -> list[Deployment]:
    """Deployments (final status, in the window, sorted by time) that failed or were
    followed by an incident within the attribution window."""
    blamed = {id(d) for d in (blamed_deployment(i, final, settings) for i in incidents) if d}
    return [d for d in final if d.status == FAILURE or id(d) in blamed]


def blamed_deployment(incident: Issue, final: Sequence[Deployment],
                      settings: HostSettings) -> Deployment | None:
    """The latest deployment at or before the incident, if it was recent enough to blame."""
    index = blamed_index(incident.created_at, [deployed_at(d) for d in final],
                         settings.incident_attribution_hours)
    return None if index is None else final[index]


def service_view(repo: HostRepository, path: str) -> HostRepository:
    """The repository as one of its services sees it: the production deployments whose
    environment (or deploy run) names the service's folder, and nothing that cannot be
    told apart by service (merged changes, releases, issues)."""
    word = re.compile(rf"(?i)(^|[^a-z0-9]){re.escape(path.rstrip('/').rsplit('/', 1)[-1])}"
                      r"($|[^a-z0-9])")
    mine = [d for d in repo.deployments or () if word.search(d.environment)]
    return replace(repo, name=f"{repo.name}/{path}", deployments=mine, changes=None,
                   releases=None, issues=None)


def deploy_timeline(repo: HostRepository, settings: HostSettings, now: datetime,
                    entity: str) -> DeployTimeline | None:
    """The repository's final production deployments in the window, for incident tools'
    incidents to be joined with after collection (None without any)."""
    if repo.deployments is None:
        return None
    window = Window.ending(now, settings.window_days).cut(repo.read_since.get("deployments"))
    production = sorted((d for d in repo.deployments if d.production), key=deployed_at)
    final = [d for d in production if d.status in (SUCCESS, FAILURE)
             and deployed_at(d) in window]
    if not final:
        return None
    incidents = [i for i in repo.issues or () if is_incident(i, settings)]
    failed = {id(d) for d in failed_deployments(final, incidents, settings)}
    succeeded = [d for d in production if d.status == SUCCESS]
    path = repo.name.split("/", 1)[-1]
    return DeployTimeline(
        entity=entity, names=(repo.name, path, path.rsplit("/", 1)[-1]),
        deploys=tuple(Deploy(deployed_at(d), id(d) in failed, d.url) for d in final),
        restore_hours=tuple(restore_hours_after_failures(final, succeeded)
                            + incident_restore_hours(incidents, window)),
        since=window.since, attribution_hours=settings.incident_attribution_hours)


def restore_hours_after_failures(final: Sequence[Deployment],
                                 succeeded: Sequence[Deployment]) -> list[float]:
    """Hours from each failed deployment in the window to the next successful deployment
    to the same environment (failures not yet followed by one are left out)."""
    hours: list[float] = []
    for failure in (d for d in final if d.status == FAILURE):
        failed_at = deployed_at(failure)
        recovery = next((d for d in succeeded if d.environment == failure.environment
                         and deployed_at(d) > failed_at), None)
        if recovery is not None:
            hours.append(_hours(deployed_at(recovery) - failed_at))
    return hours


def incident_restore_hours(incidents: Iterable[Issue], window: Window) -> list[float]:
    """Hours from opening to closing of incident issues opened in the window and closed."""
    return [_hours(i.closed_at - i.created_at) for i in incidents
            if i.created_at in window and i.closed_at is not None]


def _per_week(days: set[date], window: Window) -> float | None:
    """Days per week of the window; None for a window with nothing in it to count over."""
    return round(len(days) / window.weeks, 2) if window.since < window.now else None


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / HOURS


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def _first_urls(*groups: Iterable[str]) -> tuple[str, ...]:
    """The URLs of the groups in order, without repeats or blanks, at most five."""
    urls = dict.fromkeys(url for group in groups for url in group if url)
    return tuple(urls)[:MAX_EVIDENCE_URLS]
