"""Security monitoring: GuardDuty in every region, a multi-region CloudTrail trail with
log validation that is logging, and an alarm on failed console logins."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.collectors.cloud.aws.api import Api
from scanner.collectors.cloud.aws.calls import Unanswered
from scanner.collectors.cloud.aws.context import Context
from scanner.collectors.cloud.aws.signals import Out, console

FAILED_LOGIN_MARKS = ("Failed authentication", "errorMessage")
DETECTORS = Api("guardduty", "list_detectors", items="DetectorIds")
DETECTOR = Api("guardduty", "get_detector", ("Status",), ("DetectorId",))
TRAILS = Api("cloudtrail", "describe_trails", (
    "trailList[].TrailARN", "trailList[].IsMultiRegionTrail",
    "trailList[].LogFileValidationEnabled", "trailList[].HomeRegion"),
    ("includeShadowTrails",))
TRAIL_STATUS = Api("cloudtrail", "get_trail_status", ("IsLogging",), ("Name",))
METRIC_FILTERS = Api("logs", "describe_metric_filters", (
    "metricFilters[].filterPattern", "metricFilters[].metricTransformations[].metricNamespace",
    "metricFilters[].metricTransformations[].metricName"), items="metricFilters")
ALARMS = Api("cloudwatch", "describe_alarms", (
    "MetricAlarms[].AlarmArn", "MetricAlarms[].Namespace", "MetricAlarms[].MetricName"),
    items="MetricAlarms")


def observe(c: Context, out: Out) -> None:
    def guardduty(region: str) -> bool:
        detectors = c.reader.pages(DETECTORS, region)
        return any(c.reader.call(DETECTOR, region, DetectorId=d).get("Status") == "ENABLED"
                   for d in detectors)

    on, gaps = c.per_region(guardduty)
    out.everywhere("aws.guardduty_all_regions", on, gaps,
                   lambda r: console(r, f"guardduty/home?region={r}"), "GuardDuty")
    _trails(c, out)
    _failed_logins(c, out)


def _trails(c: Context, out: Out) -> None:
    listed, gaps = c.per_region(lambda region: c.reader.call(
        TRAILS, region, includeShadowTrails=True).get("trailList") or [])
    trails = {str(t["TrailARN"]): t for found in listed.values() for t in found}
    good = []
    unread: list[Unanswered] = list(gaps)
    for arn, trail in trails.items():
        if trail.get("IsMultiRegionTrail") and trail.get("LogFileValidationEnabled"):
            home = str(trail.get("HomeRegion") or c.account.home)
            try:
                status = c.reader.call(TRAIL_STATUS, home, Name=arn)
            except Unanswered as gap:
                unread.append(gap)  # this trail might be the one that is logging
                continue
            if status.get("IsLogging"):
                good.append(arn)
    out.flag("aws.cloudtrail_multi_region", good,
             list(trails) or [console(r, "cloudtrail/home#/trails") for r in c.regions], unread,
             yes="a multi-region trail with log file validation is logging",
             no=f"none of {len(trails)} trails is multi-region, validated and logging")


def _failed_logins(c: Context, out: Out) -> None:
    def read(region: str) -> list[str]:
        metrics: set[tuple[str, str]] = set()
        for item in c.reader.iterate(METRIC_FILTERS, region):
            if _failed_login_filter(item):
                metrics |= {(str(t.get("metricNamespace")), str(t.get("metricName")))
                            for t in item.get("metricTransformations") or []}
        if not metrics:
            return []
        return [str(a.get("AlarmArn")) for a in c.reader.iterate(ALARMS, region)
            if (a.get("Namespace"), a.get("MetricName")) in metrics]

    alarms, gaps = c.per_region(read)
    found = [arn for v in alarms.values() for arn in v]
    out.flag("aws.failed_login_alarm", found,
             [console(r, "cloudwatch/home#alarmsV2:") for r in c.regions], gaps,
             yes="an alarm watches a metric filter on failed console logins",
             no="no alarm on a failed console login metric filter")


def _failed_login_filter(item: Mapping[str, Any]) -> bool:
    pattern = str(item.get("filterPattern") or "")
    return "ConsoleLogin" in pattern and any(m in pattern for m in FAILED_LOGIN_MARKS)
