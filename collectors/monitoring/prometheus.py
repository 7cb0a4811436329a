"""A Prometheus server's loaded rules (`/api/v1/rules`): SLO recording rules, burn-rate
alerts, and whether those alerts page.

SLO rules are recognised by what the common generators write: Sloth's `slo:` recording
rules and `sloth_service` / `sloth_slo` labels, Pyrra's `slo` label and `…:burnrate…`
recordings. A burn alert pages when its labels say so (`severity: page|critical`, Sloth's
`sloth_severity: page`); Alertmanager's routing itself is not read. Servers that page
their rule groups (`group_limit`, answered with `groupNextToken`) are followed page by
page; older ones answer everything at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlparse

from scanner import validate as v
from scanner.collectors.base import ERROR, Collected, Emitter, Problem, Target
from scanner.collectors.monitoring import common
from scanner.collectors.monitoring.http import JsonApi
from scanner.collectors.monitoring.tool import ToolCollector
from scanner.collectors.sources import PROMETHEUS, SIGNALS
from scanner.lazy_patterns import lazy_compile
from scanner.signals import SignalSpec

TARGET_KEYS = ("url", "token_env", "name")
GROUP_LIMIT = 200
MAX_PAGES = 100
SLO_RECORDING = lazy_compile(r"(^|:)slo:|burn_?rate", re.IGNORECASE)
SLO_LABELS = ("sloth_slo", "sloth_id", "slo")
SERVICE_LABELS = ("service", "sloth_service")
PAGING = {"page", "pager", "critical"}


class PrometheusCollector(ToolCollector):
    id: ClassVar[str] = PROMETHEUS.id
    title: ClassVar[str] = PROMETHEUS.title
    signals: ClassVar[tuple[SignalSpec, ...]] = SIGNALS[PROMETHEUS]
    url_option: ClassVar[str] = "url"
    server: ClassVar[str] = "the Prometheus server"
    secrets_hold: ClassVar[Mapping[str, str]] = {
        "token_env": "the bearer token the Prometheus server expects"}

    @classmethod
    def configure_target(cls, raw: Any, where: v.Where, base: Path) -> Target:
        entry = {"url": raw} if isinstance(raw, str) else v.mapping(raw, where,
                                                                    "a mapping with url:")
        v.keys(entry, where, required=("url",), optional=TARGET_KEYS)
        options: dict[str, Any] = {"url": common.http_url(entry, "url", None, where)}
        if "token_env" in entry:
            options["token_env"] = common.env_name(entry, "token_env", "PROMETHEUS_TOKEN",
                                                   where)
        name = v.text(entry.get("name", urlparse(options["url"]).netloc), where.at("name"))
        return Target(cls.id, f"prometheus:{name}", options)

    def secret_options(self, options: Mapping[str, Any]) -> Sequence[str]:
        return ("token_env",) if "token_env" in options else ()

    def headers(self, secrets: Sequence[str]) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if secrets:
            headers["Authorization"] = f"Bearer {secrets[0]}"
        return headers

    def read(self, api: JsonApi, target: Target, collected: Collected) -> None:
        groups = _groups(api)
        if isinstance(groups, str):
            collected.problems.append(Problem(target.label, f"rules not readable: {groups}",
                                              ERROR, locator=f"{target.options['url']}/rules"))
            return
        collected.entities.append(target.label)
        out = Emitter(target.label, PrometheusCollector.id)
        _judge([r for g in groups for r in g.get("rules") or [] if isinstance(r, dict)],
               str(target.options["url"]), out)
        collected.evidence += out.evidence


def _groups(api: JsonApi) -> list[dict[str, Any]] | str:
    """Every rule group, or why they could not be read."""
    groups: list[dict[str, Any]] = []
    params: dict[str, Any] = {"group_limit": GROUP_LIMIT}
    for _ in range(MAX_PAGES):
        answer = api.get("/api/v1/rules", params)
        data = answer.data.get("data") if isinstance(answer.data, dict) else None
        if not answer.ok or not isinstance(data, dict):
            return answer.message or "not a Prometheus rules answer"
        groups += [g for g in data.get("groups") or [] if isinstance(g, dict)]
        following = data.get("groupNextToken")
        if not following:
            break
        params = {"group_limit": GROUP_LIMIT, "group_next_token": following}
    return groups


def _judge(rules: list[dict[str, Any]], url: str, out: Emitter) -> None:
    services: set[str] = set()
    slos: dict[str, set[str]] = {}  # SLO name -> the services it names
    alerts: list[dict[str, Any]] = []
    for rule in rules:
        labels = _labels(rule)
        named = {labels[k] for k in SERVICE_LABELS if labels.get(k)}
        services |= named
        is_slo = any(labels.get(k) for k in SLO_LABELS) or bool(
            SLO_RECORDING.search(str(rule.get("name") or "")))
        if rule.get("type") == "recording" and is_slo:
            key = next((labels[k] for k in SLO_LABELS if labels.get(k)), str(rule.get("name")))
            slos.setdefault(key, set()).update(named)
        elif rule.get("type") == "alerting" and (
                is_slo or SLO_RECORDING.search(str(rule.get("query") or ""))):
            alerts.append(rule)
    where = f"{url}/rules"
    out.emit("monitoring.slos", len(slos), [where],
             f"{len(slos)} SLOs in recording rules" + (f": {', '.join(sorted(slos)[:5])}"
                                                       if slos else ""))
    covered = set().union(*slos.values()) if slos else set()
    if services:
        out.emit("monitoring.services_with_slos_share",
                 round(len(covered & services) / len(services), 3), [where],
                 f"{len(covered & services)} of {len(services)} services named in rules "
                 "have SLO recording rules")
    out.emit("monitoring.slo_burn_alerts", bool(alerts), [f"{url}/alerts"],
             f"{len(alerts)} alerting rules on SLO burn")
    paging = [a for a in alerts if _pages(_labels(a))]
    out.emit("monitoring.slo_gates", bool(paging), [f"{url}/alerts"],
             f"{len(paging)} burn alerts are labelled to page"
             + (f": {', '.join(sorted({str(a.get('name')) for a in paging})[:5])}"
                if paging else ""))


def _labels(rule: Mapping[str, Any]) -> dict[str, str]:
    labels = rule.get("labels") or {}
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def _pages(labels: Mapping[str, str]) -> bool:
    return labels.get("severity", "").lower() in PAGING or \
        labels.get("sloth_severity", "").lower() == "page"
