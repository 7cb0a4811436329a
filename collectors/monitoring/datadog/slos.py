"""Datadog SLOs, their error-budget history, and the monitors that alert on their burn
and page someone when they do."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from scanner.collectors.api import Answer
from scanner.collectors.base import Problem
from scanner.collectors.monitoring import common
from scanner.collectors.monitoring.datadog.client import DD, MAX_PAGES, Listing, Organisation
from scanner.collectors.monitoring.endpoints import Endpoint
from scanner.lazy_patterns import lazy_compile

SLO_HISTORY_DAYS = 30
SLO_ALERT = lazy_compile(r"\b(burn_rate|error_budget)\s*\(")
# Notification handles that reach an on-call person rather than a channel or an inbox.
PAGING_HANDLE = lazy_compile(r"@(pagerduty|opsgenie|oncall|victorops|splunk_oncall|xmatters|"
                             r"incident)[-\w.]*", re.IGNORECASE)
SLO_PAGE = 1000
MONITOR_PAGE = 1000

SLOS = Endpoint(DD, "/api/v1/slo", ("data[].id", "data[].tags"), ("limit", "offset"),
                items="data")
SLO_HISTORY = Endpoint(DD, "/api/v1/slo/{slo_id}/history", ("data.overall.sli_value",),
                       ("from_ts", "to_ts"))
MONITORS = Endpoint(DD, "/api/v1/monitor", ("[].id", "[].type", "[].query", "[].message",
                                            "[].tags"), ("page", "page_size"), items="")


def slo_pages(org: Organisation) -> Iterator[Answer]:
    offset = 0
    for _ in range(MAX_PAGES):
        answer = SLOS.get(org.api, {"limit": SLO_PAGE, "offset": offset})
        yield answer
        if not answer.ok or len(SLOS.items_of(answer.data)) < SLO_PAGE:
            return
        offset += SLO_PAGE


def monitor_pages(org: Organisation) -> Iterator[Answer]:
    return org.numbered_pages(
        MONITORS, lambda page: {"page": page, "page_size": MONITOR_PAGE},
        lambda data: not isinstance(data, list) or len(data) < MONITOR_PAGE)


def emit_slos(org: Organisation, slos: Listing, monitors: Listing, services: set[str]) -> None:
    if not slos.ok:
        return
    listed = slos.items
    where = f"{org.web}/slo/manage"
    org.out.emit("monitoring.slos", len(listed), [where])
    covered = set().union(*(common.tag_values(s.get("tags"), "service") for s in listed))
    if services:
        org.out.emit("monitoring.services_with_slos_share",
                     round(len(covered & services) / len(services), 3), [where],
                     f"{len(covered & services)} of {len(services)} services have an SLO")
    followed = common.follow_ups(
        listed, common.item_id, ceiling=int(org.options["max_follow_ups"]),
        listing="the SLOs", what="SLOs", into=org.collected, label=org.target.label)
    if followed:
        _emit_history(org, followed)
    if not monitors.ok:
        return
    alerts = [m for m in monitors.items if str(m.get("type")) == "slo alert"
              or SLO_ALERT.search(str(m.get("query") or ""))]
    links = [f"{org.web}/monitors/{m.get('id')}" for m in alerts[:common.MAX_LOCATORS]]
    org.out.emit("monitoring.slo_burn_alerts", bool(alerts),
                 links or [f"{org.web}/monitors/manage"],
                 f"{len(alerts)} monitors alert on SLO burn rate or error budget")
    paging = [m for m in alerts if PAGING_HANDLE.search(str(m.get("message") or ""))]
    org.out.emit("monitoring.slo_gates", bool(paging),
                 [f"{org.web}/monitors/{m.get('id')}" for m in paging[:5]]
                 or links or [f"{org.web}/monitors/manage"],
                 f"{len(paging)} SLO alerts notify an on-call handle")


def _emit_history(org: Organisation, slos: list[Mapping[str, Any]]) -> None:
    """Error-budget history of every SLO, read a few at a time."""
    end = int(org.now.timestamp())
    start = end - SLO_HISTORY_DAYS * 86400

    def history(slo: Mapping[str, Any]) -> bool | None:
        answer = SLO_HISTORY.get(org.api, {"from_ts": start, "to_ts": end},
                                 slo_id=str(slo.get("id")))
        if not answer.ok or not isinstance(answer.data, Mapping):
            return None
        overall = (answer.data.get("data") or {}).get("overall") or {}
        return overall.get("sli_value") is not None

    tracked = [result for result in common.read_each(
        slos, history, workers=int(org.options["workers"]), progress=org.target.label)
        if result is not None]
    if tracked:
        org.out.emit("monitoring.slo_budget_tracked_share",
                     round(sum(tracked) / len(tracked), 3), [f"{org.web}/slo/manage"],
                     f"{sum(tracked)} of {len(tracked)} SLOs have budget history over "
                     f"{SLO_HISTORY_DAYS} days")
    elif slos:
        org.collected.problems.append(Problem(
            org.target.label, "SLO history not readable (slos_read)", locator=org.web))
