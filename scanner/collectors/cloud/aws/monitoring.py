"""Security monitoring: GuardDuty in every region, a multi-region CloudTrail trail with
log validation that is logging, and an alarm on failed console logins."""

from __future__ import annotations

from typing import Any

from scanner.collectors.cloud.aws.context import Context
from scanner.collectors.cloud.aws.signals import Out, console

FAILED_LOGIN_MARKS = ("Failed authentication", "errorMessage")


def observe(c: Context, out: Out) -> None:
    def guardduty(region: str) -> bool:
        detectors = c.reader.pages("guardduty", region, "list_detectors", "DetectorIds")
        return any(c.reader.call("guardduty", region, "get_detector",
                                 DetectorId=d).get("Status") == "ENABLED" for d in detectors)

    on, gaps = c.per_region(guardduty)
    out.everywhere("aws.guardduty_all_regions", on, gaps,
                   lambda r: console(r, f"guardduty/home?region={r}"), "GuardDuty")
    _trails(c, out)
    _failed_logins(c, out)


def _trails(c: Context, out: Out) -> None:
    listed, gaps = c.per_region(lambda region: c.reader.call(
        "cloudtrail", region, "describe_trails", includeShadowTrails=True)
        .get("trailList") or [])
    trails = {str(t["TrailARN"]): t for found in listed.values() for t in found}
    good = []
    for arn, trail in trails.items():
        if trail.get("IsMultiRegionTrail") and trail.get("LogFileValidationEnabled"):
            home = str(trail.get("HomeRegion") or c.account.home)
            status = c.reader.call("cloudtrail", home, "get_trail_status", Name=arn)
            if status.get("IsLogging"):
                good.append(arn)
    out.flag("aws.cloudtrail_multi_region", good,
             list(trails) or [console(r, "cloudtrail/home#/trails") for r in c.regions], gaps,
             yes="a multi-region trail with log file validation is logging",
             no=f"none of {len(trails)} trails is multi-region, validated and logging")


def _failed_logins(c: Context, out: Out) -> None:
    def read(region: str) -> list[str]:
        metrics: set[tuple[str, str]] = set()
        for item in c.reader.iterate("logs", region, "describe_metric_filters",
                                     "metricFilters"):
            if _failed_login_filter(item):
                metrics |= {(str(t.get("metricNamespace")), str(t.get("metricName")))
                            for t in item.get("metricTransformations") or []}
        if not metrics:
            return []
        return [str(a.get("AlarmArn")) for a in c.reader.iterate(
            "cloudwatch", region, "describe_alarms", "MetricAlarms")
            if (a.get("Namespace"), a.get("MetricName")) in metrics]

    alarms, gaps = c.per_region(read)
    found = [arn for v in alarms.values() for arn in v]
    out.flag("aws.failed_login_alarm", found,
             [console(r, "cloudwatch/home#alarmsV2:") for r in c.regions], gaps,
             yes="an alarm watches a metric filter on failed console logins",
             no="no alarm on a failed console login metric filter")


def _failed_login_filter(item: dict[str, Any]) -> bool:
    pattern = str(item.get("filterPattern") or "")
    return "ConsoleLogin" in pattern and any(m in pattern for m in FAILED_LOGIN_MARKS)
