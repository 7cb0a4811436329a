"""A Datadog organisation read through its API: SLOs and their budgets, monitors, synthetic
tests, RUM applications, security rules and signals, hosts' tags, incidents and their
post-mortems.

The keys are checked first (`/api/v1/validate` for the API key, `/api/v2/validate_keys`
for both), so a wrong key is named. Every later list is read on its own: one the
application key may not read (a scoped key without that scope) leaves its signals
without evidence and says which scope is missing; the rest is still judged.

Here the target is configured and the lists are read in turn, then judged area by area;
`client` reads the API, and each area has a module of its own (`slos`, `experience`,
`security`, `tags`, `incidents`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from scanner import validate as v
from scanner.collectors.base import Collected, Target
from scanner.collectors.monitoring import common
from scanner.collectors.monitoring.datadog.client import Listing, Organisation
from scanner.collectors.monitoring.datadog.experience import (
    RUM,
    TESTS,
    emit_experience,
    rum_pages,
    test_pages,
)
from scanner.collectors.monitoring.datadog.incidents import (
    INCIDENT_LIST,
    emit_incident_signals,
    incident_pages,
    incident_services,
)
from scanner.collectors.monitoring.datadog.security import (
    RULES,
    SIGNALS,
    emit_security,
    rule_pages,
    signal_pages,
)
from scanner.collectors.monitoring.datadog.slos import (
    MONITORS,
    SLOS,
    emit_slos,
    monitor_pages,
    slo_pages,
)
from scanner.collectors.monitoring.datadog.tags import HOSTS, emit_tags, host_pages
from scanner.collectors.monitoring.http import JsonApi
from scanner.collectors.monitoring.tool import ToolCollector
from scanner.collectors.sources import DATADOG
from scanner.collectors.sources import SIGNALS as DECLARED
from scanner.signals import SignalSpec

TARGET_KEYS = ("site", "api_url", "web_url", "name", "api_key_env", "app_key_env",
               "window_days", "tag_keys", "significant_severities", *common.READING_KEYS)
DEFAULT_SITE = "datadoghq.com"
DEFAULT_TAG_KEYS = ("env", "service", "team")
DEFAULT_SEVERITIES = ("SEV-0", "SEV-1", "SEV-2")


class DatadogCollector(ToolCollector):
    id: ClassVar[str] = DATADOG.id
    title: ClassVar[str] = DATADOG.title
    signals: ClassVar[tuple[SignalSpec, ...]] = DECLARED[DATADOG]
    server: ClassVar[str] = "the Datadog API"
    secrets_hold: ClassVar[Mapping[str, str]] = {
        "api_key_env": "the Datadog organisation's API key",
        "app_key_env": "a read-only Datadog application key"}

    @classmethod
    def configure_target(cls, raw: Any, where: v.Where, base: Path) -> Target:
        entry = v.mapping(raw or {}, where, "a mapping with site: or api_url:")
        v.keys(entry, where, optional=TARGET_KEYS)
        site = v.text(entry.get("site", DEFAULT_SITE), where.at("site")).strip().lower()
        site = site.removeprefix("https://").removeprefix("app.").removeprefix("api.")
        if not re.fullmatch(r"[a-z0-9.-]+\.[a-z]+", site):
            raise where.at("site").problem(f"'{site}' is not a Datadog site such as "
                                           "datadoghq.com or datadoghq.eu")
        options: dict[str, Any] = {
            "site": site,
            "api_url": common.http_url(entry, "api_url", f"https://api.{site}", where),
            "web_url": common.http_url(entry, "web_url", _web_url(site), where),
            "api_key_env": common.env_name(entry, "api_key_env", "DD_API_KEY", where),
            "app_key_env": common.env_name(entry, "app_key_env", "DD_APP_KEY", where),
            "window_days": common.window_days(entry, where),
            "tag_keys": [k.lower() for k in common.texts(entry, "tag_keys", DEFAULT_TAG_KEYS,
                                                          where)],
            "significant_severities": [s.upper() for s in common.texts(
                entry, "significant_severities", DEFAULT_SEVERITIES, where)],
            **common.reading(entry, where),
        }
        options["name"] = v.text(entry.get("name", site), where.at("name"))
        return Target(cls.id, f"datadog:{options['name']}", options)

    def secret_options(self, options: Mapping[str, Any]) -> Sequence[str]:
        return ("api_key_env", "app_key_env")

    def headers(self, secrets: Sequence[str]) -> dict[str, str]:
        api_key, app_key = secrets
        return {"DD-API-KEY": api_key, "DD-APPLICATION-KEY": app_key,
                "Accept": "application/json"}

    def read(self, api: JsonApi, target: Target, collected: Collected) -> None:
        org = Organisation(api, target, collected)
        if not org.keys_valid():
            return
        collected.entities.append(target.label)
        slos = org.listing(SLOS, "SLOs", "slos_read", slo_pages(org))
        monitors = org.listing(MONITORS, "monitors", "monitors_read", monitor_pages(org))
        tests = org.listing(TESTS, "synthetic tests", "synthetics_read", test_pages(org))
        rum = org.listing(RUM, "RUM applications", "rum_apps_read", rum_pages(org))
        rules = org.listing(RULES, "security rules", "security_monitoring_rules_read",
                            rule_pages(org))
        signals = org.listing(SIGNALS, "security signals",
                              "security_monitoring_signals_read", signal_pages(org))
        hosts = org.listing(HOSTS, "hosts", "hosts_read", host_pages(org))
        incidents = org.listing(INCIDENT_LIST, "incidents", "incident_read",
                                incident_pages(org), included=True)
        services = _services(slos, monitors, tests, incidents)
        if slos.ok or monitors.ok:
            org.out.emit("monitoring.services", len(services), [f"{org.web}/apm/services"],
                         f"services named by tags: {', '.join(sorted(services)[:10])}"
                         if services else "no service tags on monitors, SLOs or tests")
        emit_slos(org, slos, monitors, services)
        emit_security(org, rules, signals, services)
        emit_experience(org, tests, rum, services)
        emit_tags(org, slos, monitors, hosts)
        if incidents.ok:
            emit_incident_signals(org, incidents)
        collected.evidence += org.out.evidence


def _services(slos: Listing, monitors: Listing, tests: Listing,
              incidents: Listing) -> set[str]:
    """Services named by the service tags of SLOs, monitors and tests, and by the
    services field of incidents."""
    found: set[str] = set()
    for listing in (slos, monitors, tests):
        for item in listing.items:
            found |= common.tag_values(item.get("tags"), "service")
    for incident in incidents.items:
        found |= incident_services(incident)
    return found


def _web_url(site: str) -> str:
    """The web app of a site: app.datadoghq.com, app.datadoghq.eu, us3.datadoghq.com…"""
    return f"https://app.{site}" if site.count(".") == 1 else f"https://{site}"
