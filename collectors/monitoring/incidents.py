"""Incident timelines reduced to the numbers the rules read (no I/O).

Definitions:

- *Time to detect* (MTTD) runs from the start of customer impact to detection; a
  tool that records no impact start (PagerDuty: an incident starts when an alert
  triggers it) cannot measure it, and the signal is left out.
- *Time to acknowledge* runs from detection to the first acknowledgement.
- *Time to resolve* (MTTR) runs from detection to resolution.
- An incident is *measured* when it carries every timestamp its tool is expected
  to record (Datadog: impact start, detection, resolution; PagerDuty:
  acknowledgement and resolution). Only resolved incidents are judged: an open
  one cannot have a resolution time yet.
- Medians and 90th percentiles interpolate between the closest ranks (the
  inclusive method of `statistics.quantiles`); one value is its own percentile.
- A *significant* incident is one of the severities or priorities the target
  names; the post-mortem share counts resolved significant incidents with a
  post-mortem, and its timeliness the days from resolution to the post-mortem.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from scanner.collectors.base import Emitter
from scanner.collectors.monitoring.common import MAX_LOCATORS
from scanner.timeline import IncidentEvent

# Working hours for the off-hours page count: Monday to Friday, 08:00 to 18:00 local time.
WORK_START_HOUR = 8
WORK_END_HOUR = 18


@dataclass(frozen=True)
class IncidentRecord:
    id: str
    url: str
    created: datetime
    significant: bool
    services: tuple[str, ...] = ()
    impact_start: datetime | None = None
    detected: datetime | None = None
    acknowledged: datetime | None = None
    resolved: datetime | None = None
    closed: bool = False  # the tool says it is over (a resolution time may still be missing)
    high_urgency: bool = True
    postmortem_at: datetime | None = None
    postmortem_url: str | None = None
    has_postmortem: bool = False
    action_items: int | None = None  # None: not read

    @property
    def start(self) -> datetime:
        return self.detected or self.created


@dataclass(frozen=True)
class IncidentSummary:
    count: int
    resolved: int
    measured_share: float | None
    mttd_minutes_p50: float | None
    mttd_minutes_p90: float | None
    mtta_minutes_p50: float | None
    mttr_hours_p50: float | None
    mttr_hours_p90: float | None
    significant_resolved: int
    postmortem_share: float | None
    postmortem_days_p50: float | None
    action_items_share: float | None


def percentile(values: Sequence[float], fraction: float) -> float:
    """The `fraction` quantile (0.5 median, 0.9 p90) by linear interpolation."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    if fraction == 0.5:
        return float(statistics.median(ordered))
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return cuts[round(fraction * 100) - 1]


def summarise(records: Sequence[IncidentRecord], *, measures_detection: bool) -> IncidentSummary:
    resolved = [r for r in records if r.closed or r.resolved is not None]
    detect = [_minutes(r.detected - r.impact_start) for r in records
              if r.detected and r.impact_start and r.detected >= r.impact_start]
    acknowledge = [_minutes(r.acknowledged - r.start) for r in records
                   if r.acknowledged and r.acknowledged >= r.start]
    restore = [_minutes(r.resolved - r.start) / 60 for r in resolved
               if r.resolved and r.resolved >= r.start]
    if measures_detection:
        measured = [r for r in resolved if r.impact_start and r.detected and r.resolved]
    else:
        measured = [r for r in resolved if r.acknowledged and r.resolved]
    significant = [r for r in resolved if r.significant]
    written = [r for r in significant if r.has_postmortem]
    delays = [(r.postmortem_at - r.resolved).total_seconds() / 86400 for r in written
              if r.postmortem_at and r.resolved and r.postmortem_at >= r.resolved]
    with_items = [r for r in written if r.action_items is not None]
    return IncidentSummary(
        count=len(records),
        resolved=len(resolved),
        measured_share=_share(len(measured), len(resolved)),
        mttd_minutes_p50=_p(detect, 0.5) if measures_detection else None,
        mttd_minutes_p90=_p(detect, 0.9) if measures_detection else None,
        mtta_minutes_p50=_p(acknowledge, 0.5),
        mttr_hours_p50=_p(restore, 0.5),
        mttr_hours_p90=_p(restore, 0.9),
        significant_resolved=len(significant),
        postmortem_share=_share(len(written), len(significant)),
        postmortem_days_p50=_p(delays, 0.5),
        action_items_share=_share(sum(1 for r in with_items if r.action_items),
                                  len(with_items)),
    )


def emit_incidents(summary: IncidentSummary, records: Sequence[IncidentRecord], out: Emitter,
                   list_url: str, window_days: int) -> None:
    """The incident signals of one account: counts always, measures where they exist."""
    newest = sorted(records, key=lambda r: r.created, reverse=True)
    examples = [list_url, *(r.url for r in newest[:MAX_LOCATORS])]
    out.emit("incidents.count", summary.count, examples,
             f"{summary.count} incidents in the last {window_days} days, "
             f"{summary.resolved} resolved")
    if summary.measured_share is not None:
        out.emit("incidents.measured_share", round(summary.measured_share, 3), examples)
    for signal, value, unit in (
            ("incidents.mttd_minutes_p50", summary.mttd_minutes_p50, "minutes"),
            ("incidents.mttd_minutes_p90", summary.mttd_minutes_p90, "minutes"),
            ("incidents.mtta_minutes_p50", summary.mtta_minutes_p50, "minutes"),
            ("incidents.mttr_hours_p50", summary.mttr_hours_p50, "hours"),
            ("incidents.mttr_hours_p90", summary.mttr_hours_p90, "hours")):
        if value is not None:
            out.emit(signal, round(value, 3), examples, f"{value:.1f} {unit}")
    written = [r.postmortem_url or r.url for r in newest if r.significant and r.has_postmortem]
    if summary.postmortem_share is not None:
        out.emit("postmortems.incident_share", round(summary.postmortem_share, 3),
                 written[:MAX_LOCATORS] or examples,
                 f"{len(written)} of {summary.significant_resolved} resolved significant "
                 "incidents have a post-mortem")
    if summary.postmortem_days_p50 is not None:
        out.emit("postmortems.days_after_incident_p50", round(summary.postmortem_days_p50, 2),
                 written[:MAX_LOCATORS])
    if summary.action_items_share is not None:
        out.emit("postmortems.action_items_share", round(summary.action_items_share, 3),
                 written[:MAX_LOCATORS], "share of post-mortems whose incident has follow-up tasks")


def incident_events(records: Iterable[IncidentRecord], source: str,
                    repositories: Mapping[str, str]) -> list[IncidentEvent]:
    """The incidents of named services, to be joined with the Git hosts' deployments;
    `repositories` maps a service to its repository where the names differ."""
    return [IncidentEvent(source=source, service=service, started=record.start,
                          resolved=record.resolved, url=record.url,
                          repository=repositories.get(service))
            for record in records for service in record.services]


def off_hours_pages_per_week(records: Iterable[IncidentRecord], responders: int,
                             window_days: int, zone: tzinfo) -> float | None:
    """High-urgency incidents triggered outside working hours, per responder per week."""
    if responders <= 0:
        return None
    pages = sum(1 for r in records if r.high_urgency and _off_hours(r.created.astimezone(zone)))
    weeks = max(window_days / 7, 1.0)
    return pages / weeks / responders


def _off_hours(moment: datetime) -> bool:
    return moment.weekday() >= 5 or not WORK_START_HOUR <= moment.hour < WORK_END_HOUR


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60


def _p(values: Sequence[float], fraction: float) -> float | None:
    return percentile(values, fraction) if values else None


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None
