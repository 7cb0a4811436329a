"""GitLab's own DORA metrics (Ultimate): read from the project's answer when the window
fits GitLab's range, and preferred over the metrics computed from deployments."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from scanner.collectors.base import Emitter

# GitLab's DORA metrics cover at most 180 days at a time.
DORA_MAX_DAYS = 180
DORA_NOTES = {
    "dora.deployments": "successful deployments to production-tier environments",
    "dora.deployment_days_per_week": "days with a successful deployment to a production-tier "
                                     "environment",
    "dora.lead_time_hours_p50": "median time from a merge request's merge to its production "
                                "deployment (the computed metric starts at the first commit)",
    "dora.change_failure_rate": "incidents per production deployment",
    "dora.time_to_restore_hours": "median time incidents stayed open",
}


@dataclass(frozen=True)
class DoraApi:
    """What GitLab's DORA API (Ultimate) says for the window; None where it has no data."""

    deployments: int | None = None
    deployment_days_per_week: float | None = None
    lead_time_hours_p50: float | None = None
    change_failure_rate: float | None = None
    time_to_restore_hours: float | None = None

    def values(self) -> dict[str, float | int]:
        found = {"dora.deployments": self.deployments,
                 "dora.deployment_days_per_week": self.deployment_days_per_week,
                 "dora.lead_time_hours_p50": self.lead_time_hours_p50,
                 "dora.change_failure_rate": self.change_failure_rate,
                 "dora.time_to_restore_hours": self.time_to_restore_hours}
        return {signal: value for signal, value in found.items() if value is not None}


def offered(project: Mapping[str, Any], days: int, notes: list[str]) -> DoraApi | None:
    """GitLab's own DORA metrics (Ultimate) over `days`, or None, with a note: then they are
    computed."""
    if days > DORA_MAX_DAYS:
        notes.append(f"GitLab's DORA metrics cover at most {DORA_MAX_DAYS} days: DORA metrics "
                     f"over {days} days are computed from deployments")
        return None
    dora = project.get("dora")
    if not isinstance(dora, dict):
        notes.append("GitLab's DORA metrics not offered (an Ultimate feature, or the token may "
                     "not read them): DORA metrics are computed from deployments")
        return None
    return dora_metrics(dora, days)


def dora_metrics(dora: Mapping[str, Any], window_days: int) -> DoraApi:
    """GitLab's DORA metrics for the window: deployments by day (counted as deployment days,
    as the shared metric counts them) and, over the whole window, the median seconds of
    lead time and time to restore and the change failure ratio."""
    daily = [row for row in dora.get("daily") or [] if isinstance(row, dict)]
    counts = [float(row.get("deploymentFrequency") or 0) for row in daily]
    days = sum(1 for count in counts if count > 0)
    whole = next((row for row in dora.get("whole") or [] if isinstance(row, dict)), {})
    # No deployment at all is no data: the computed metrics may still use releases.
    counted = sum(counts) > 0
    return DoraApi(
        deployments=round(sum(counts)) if counted else None,
        deployment_days_per_week=round(days / (max(window_days, 1) / 7), 2) if counted else None,
        lead_time_hours_p50=_hours(_number_or_none(whole.get("leadTimeForChanges"))),
        change_failure_rate=_ratio(_number_or_none(whole.get("changeFailureRate"))),
        time_to_restore_hours=_hours(_number_or_none(whole.get("timeToRestoreService"))))


def prefer(out: Emitter, dora: DoraApi, project_url: str) -> None:
    """The DORA API's numbers replace the computed ones they cover (GitLab counts from its
    own deployment and incident records); each says so in its note."""
    values = dora.values()
    if not values:
        return
    where = f"{project_url}/-/analytics/ci_cd?tab=deployment-frequency"
    index = {item.signal: position for position, item in enumerate(out.evidence)}
    for signal, value in values.items():
        note = f"from GitLab's DORA API: {DORA_NOTES[signal]}"
        if signal in index:
            item = out.evidence[index[signal]]
            out.evidence[index[signal]] = replace(
                item, value=value, note=note,
                locators=tuple(dict.fromkeys((where, *item.locators)))[:5])
        else:
            out.emit(signal, value, [where], note)
    note = "deployments; numbers from GitLab's DORA API where it has data"
    if "dora.source" in index:
        item = out.evidence[index["dora.source"]]
        out.evidence[index["dora.source"]] = replace(item, value="deployments", note=note)
    else:
        out.emit("dora.source", "deployments", [where], note)


def _number_or_none(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else None


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def _ratio(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
