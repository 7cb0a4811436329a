"""Datadog security monitoring: the detection rules enabled, and the services that a
rule or a recent security signal names."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from scanner.collectors.api import Answer
from scanner.collectors.monitoring import common
from scanner.collectors.monitoring.datadog.client import (
    DD,
    MAX_PAGES,
    Listing,
    Organisation,
    fields,
    listed,
)
from scanner.collectors.monitoring.endpoints import Endpoint
from scanner.lazy_patterns import lazy_compile

# Signals are cut sooner than the other lists (MAX_PAGES): a scan judges practice, it
# does not export an account.
MAX_SIGNAL_PAGES = 10
SERVICE_IN_QUERY = lazy_compile(r"(?<![\w@.-])@?service:([\w./-]+)")

RULES = Endpoint(DD, "/api/v2/security_monitoring/rules", (
    "data[].isEnabled", "data[].isDefault", "data[].tags", "data[].queries[].query",
    "meta.page.total_count"), ("page[size]", "page[number]"), items="data")
SIGNALS = Endpoint(DD, "/api/v2/security_monitoring/signals", (
    "data[].attributes.tags", "meta.page.after"),
    ("filter[from]", "filter[to]", "page[limit]", "page[cursor]"), items="data")


def rule_pages(org: Organisation) -> Iterator[Answer]:
    seen = 0
    for page in range(MAX_PAGES):
        answer = RULES.get(org.api, {"page[size]": 100, "page[number]": page})
        yield answer
        data = fields(answer.data)
        rules = listed(data, "data")
        seen += len(rules)
        total = ((data.get("meta") or {}).get("page") or {}).get("total_count")
        if not answer.ok or not rules or (isinstance(total, int) and seen >= total):
            return


def signal_pages(org: Organisation) -> Iterator[Answer]:
    params: dict[str, Any] = {
        "filter[from]": (org.now - timedelta(days=org.window)).isoformat(),
        "filter[to]": org.now.isoformat(), "page[limit]": 1000}
    for _ in range(MAX_SIGNAL_PAGES):
        answer = SIGNALS.get(org.api, params)
        yield answer
        data = fields(answer.data)
        page = (data.get("meta") or {}).get("page")
        after = page.get("after") if isinstance(page, Mapping) else None
        if not answer.ok or not after or not data.get("data"):
            return
        params = {**params, "page[cursor]": after}


def emit_security(org: Organisation, rules: Listing, signals: Listing,
                  services: set[str]) -> None:
    if not rules.ok:
        return
    enabled = [r for r in rules.items if r.get("isEnabled", True)]
    where = f"{org.web}/security/rules"
    org.out.emit("monitoring.security_rules", len(enabled), [where],
                 f"{sum(1 for r in enabled if not r.get('isDefault'))} custom and "
                 f"{sum(1 for r in enabled if r.get('isDefault'))} default rules enabled")
    covered: set[str] = set()
    for rule in enabled:
        covered |= common.tag_values(rule.get("tags"), "service")
        for query in rule.get("queries") or []:
            text = str(query.get("query") or "") if isinstance(query, Mapping) else ""
            covered |= set(SERVICE_IN_QUERY.findall(text))
    for signal in signals.items:
        covered |= common.tag_values((signal.get("attributes") or {}).get("tags"), "service")
    if services:
        share = len(covered & services) / len(services)
        org.out.emit("monitoring.security_rules_services_share", round(share, 3),
                     [where, f"{org.web}/security"],
                     f"{len(covered & services)} of {len(services)} services have a "
                     "security rule or signal" + ("" if signals.ok else
                                                  " (signals not readable: rules only)"))
