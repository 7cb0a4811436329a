"""User experience, SLOs and incidents: Synthetics canaries and RUM app monitors,
Application Signals SLOs, Incident Manager records with their detection and resolution
times."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from statistics import median
from typing import Any

from scanner.collectors.cloud.aws.api import Api
from scanner.collectors.cloud.aws.context import Context
from scanner.collectors.cloud.aws.signals import Out, console

# No paginator in botocore: the reader follows NextToken itself (20 canaries a page).
CANARIES = Api("synthetics", "describe_canaries", ("Canaries[].Name", "Canaries[].Status.State"),
               items="Canaries")
APP_MONITORS = Api("rum", "list_app_monitors", ("AppMonitorSummaries[].Name",),
                   items="AppMonitorSummaries")
SLOS = Api("application-signals", "list_service_level_objectives", ("SloSummaries[].Arn",),
           items="SloSummaries")
INCIDENT_RECORDS = Api("ssm-incidents", "list_incident_records", (
    "incidentRecordSummaries[].arn", "incidentRecordSummaries[].creationTime",
    "incidentRecordSummaries[].resolvedTime"), ("filters",), items="incidentRecordSummaries")


def observe(c: Context, out: Out) -> None:
    canaries, canary_gaps = c.per_region(lambda region: c.reader.pages(CANARIES, region))
    listed = [(region, item) for region, found in canaries.items() for item in found]
    arns = [c.arn("synthetics", region, f"canary:{item.get('Name')}") for region, item in listed]
    out.count("aws.synthetics_canaries", len(listed),
              arns or [console(r, "cloudwatch/home#synthetics:canary/list") for r in c.regions],
              canary_gaps, f"{len(listed)} Synthetics canaries")
    running = [arn for arn, (_, item) in zip(arns, listed, strict=True)
               if (item.get("Status") or {}).get("State") == "RUNNING"]
    monitors, rum_gaps = c.per_region(lambda region: [
        c.arn("rum", region, f"appmonitor/{m.get('Name')}")
        for m in c.reader.iterate(APP_MONITORS, region)])
    rum = [arn for found in monitors.values() for arn in found]
    out.count("aws.journeys_covered", len(running) + len(rum), [*running, *rum],
              [*canary_gaps, *rum_gaps],
              f"{len(running)} running canaries and {len(rum)} RUM app monitors")
    slos, gaps = c.per_region(lambda region: [
        str(s.get("Arn")) for s in c.reader.iterate(SLOS, region)])
    found = [arn for v in slos.values() for arn in v]
    out.count("aws.slos", len(found),
              found or [console(r, "cloudwatch/home#application-signals:slos") for r in c.regions],
              gaps, f"{len(found)} Application Signals SLOs")
    _incidents(c, out)


def _incidents(c: Context, out: Out) -> None:
    since = c.now - timedelta(days=c.target.window_days)
    window = [{"key": "creationTime", "condition": {"after": since}}]
    records, gaps = c.per_region(lambda region: c.reader.pages(INCIDENT_RECORDS, region,
                                                                filters=window))
    # A replication set shows the same records in each of its regions.
    unique: dict[str, Mapping[str, Any]] = {str(r.get("arn")): r for v in records.values()
                                         for r in v}
    out.count("aws.incidents", len(unique),
              list(unique) or [console(r, "systems-manager/incidents/home") for r in c.regions],
              gaps, f"{len(unique)} Incident Manager records since {since:%Y-%m-%d}")
    if gaps or not unique:
        return
    hours = {arn: (r["resolvedTime"] - r["creationTime"]).total_seconds() / 3600
             for arn, r in unique.items()
             if isinstance(r.get("resolvedTime"), datetime)
             and isinstance(r.get("creationTime"), datetime)}
    out.share("aws.incidents_measured_share", list(hours), list(unique),
              "incident records have both a creation (detection) and a resolution time")
    if hours:
        slowest = sorted(hours, key=lambda arn: hours[arn], reverse=True)
        out.emit("aws.incidents_mttr_hours_p50", round(median(hours.values()), 2), slowest,
                 f"median {median(hours.values()):.1f} hours from record to resolution over "
                 f"{len(hours)} resolved incidents")
