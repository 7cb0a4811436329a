"""The DORA signals of a repository, and of each service of a monorepo, with the
deployment timelines incident tools are joined with (no I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from scanner.collectors.base import Emitter
from scanner.collectors.hosts.dora import Window, deploy_timeline, repository_dora, service_view
from scanner.collectors.hosts.records import HostRepository
from scanner.collectors.hosts.settings import HostSettings
from scanner.evidence import Evidence
from scanner.timeline import DeployTimeline


def dora_by_service(repo: HostRepository, evidence: Sequence[Evidence], settings: HostSettings,
                    now: datetime, source: str) -> tuple[list[Evidence], list[DeployTimeline]]:
    """DORA metrics of each service of a monorepo (deployments told apart by the service's
    name in their environment), and the deployment timelines of the repository and its
    services for incident tools to be joined with."""
    entity = f"repo:{repo.name}"
    timelines = [deploy_timeline(repo, settings, now, entity)]
    paths = next((e.value for e in evidence if e.entity == entity
                  and e.signal == "repo.services"), [])
    found: list[Evidence] = []
    for path in paths if isinstance(paths, list) else []:
        if str(path) in (".", ""):
            continue
        view = service_view(repo, str(path))
        if not view.deployments:
            continue
        out = Emitter(f"service:{view.name}", source)
        emit_dora(view, settings, now, out,
              f"deployments whose environment names '{str(path).rsplit('/', 1)[-1]}'")
        found += out.evidence
        timelines.append(deploy_timeline(view, settings, now, out.entity))
    return found, [t for t in timelines if t is not None]


def emit_dora(repo: HostRepository, settings: HostSettings, now: datetime, out: Emitter,
              scope: str | None = None) -> None:
    """The DORA signals `repo` decides (a repository, or one service's view of it: `scope`
    says which of its deployments count)."""
    metrics = repository_dora(repo, settings, now)
    if metrics.source is None:
        return
    where = list(metrics.evidence_urls) or [repo.url]
    source = metrics.source
    note = scope
    if source == "releases":
        note = "no production deployments on record: releases stand in for deployments"
    elif source == "deployments" and repo.deployment_source != "deployments":
        source = repo.deployment_source
        note = "; ".join(filter(None, [
            scope, "no deployments recorded by the host: deploy CI runs stand in for them"]))
    out.emit("dora.source", source, where, note)
    decided = {
        "dora.deployments": metrics.deployments,
        "dora.deployment_days_per_week": metrics.deployment_days_per_week,
        "dora.lead_time_hours_p50": metrics.lead_time_hours_p50,
        "dora.change_failure_rate": metrics.change_failure_rate,
        "dora.time_to_restore_hours": metrics.time_to_restore_hours,
    }
    whole = Window.ending(now, settings.window_days)
    for signal, value in decided.items():
        if value is not None:
            span = metrics.spans.get(signal)
            out.emit(signal, value, where, None if span is None else whole.shortfall(span))
