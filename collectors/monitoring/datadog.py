"""A Datadog organisation read through its API: SLOs and their budgets, monitors, synthetic
tests, RUM applications, security rules and signals, hosts' tags, incidents and their
post-mortems.

The keys are checked first (`/api/v1/validate` for the API key, `/api/v2/validate_keys`
for both), so a wrong key is named. Every later list is read on its own: one the
application key may not read (a scoped key without that scope) leaves its signals
without evidence and says which scope is missing; the rest is still judged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from scanner import validate as v
from scanner.collectors.api import Answer, parse_time
from scanner.collectors.base import ERROR, Collected, Emitter, Problem, Target
from scanner.collectors.monitoring import common
from scanner.collectors.monitoring.endpoints import Endpoint
from scanner.collectors.monitoring.http import JsonApi
from scanner.collectors.monitoring.incidents import (
    IncidentRecord,
    emit_incidents,
    incident_events,
    summarise,
)
from scanner.collectors.monitoring.signals import DATADOG_MONITORING, DETECTION, INCIDENTS
from scanner.collectors.monitoring.tool import ToolCollector
from scanner.evidence import now_utc
from scanner.signals import SignalSpec

TARGET_KEYS = ("site", "api_url", "web_url", "name", "api_key_env", "app_key_env",
               "window_days", "tag_keys", "significant_severities", *common.READING_KEYS)
DEFAULT_SITE = "datadoghq.com"
DEFAULT_TAG_KEYS = ("env", "service", "team")
DEFAULT_SEVERITIES = ("SEV-0", "SEV-1", "SEV-2")
# Lists longer than these are cut: a scan judges practice, it does not export an account.
MAX_PAGES = 200
MAX_SIGNAL_PAGES = 10
SLO_HISTORY_DAYS = 30
SLO_ALERT = re.compile(r"\b(burn_rate|error_budget)\s*\(")
# Notification handles that reach an on-call person rather than a channel or an inbox.
PAGING_HANDLE = re.compile(r"@(pagerduty|opsgenie|oncall|victorops|splunk_oncall|xmatters|"
                           r"incident)[-\w.]*", re.IGNORECASE)
SERVICE_IN_QUERY = re.compile(r"(?<![\w@.-])@?service:([\w./-]+)")
JOURNEY_TYPES = ("browser", "mobile")
CLOSED_STATES = ("resolved", "completed")

DD = "datadog"
VALIDATE = Endpoint(DD, "/api/v1/validate", ("valid",))
VALIDATE_KEYS = Endpoint(DD, "/api/v2/validate_keys")
SLOS = Endpoint(DD, "/api/v1/slo", ("data[].id", "data[].tags"), ("limit", "offset"),
                items="data")
SLO_HISTORY = Endpoint(DD, "/api/v1/slo/{slo_id}/history", ("data.overall.sli_value",),
                       ("from_ts", "to_ts"))
MONITORS = Endpoint(DD, "/api/v1/monitor", ("[].id", "[].type", "[].query", "[].message",
                                            "[].tags"), ("page", "page_size"), items="")
TESTS = Endpoint(DD, "/api/v1/synthetics/tests", (
    "tests[].public_id", "tests[].status", "tests[].type", "tests[].subtype", "tests[].tags"),
    ("page_size", "page_number"), items="tests")
RUM = Endpoint(DD, "/api/v2/rum/applications", ("data[].attributes.name",), items="data")
RULES = Endpoint(DD, "/api/v2/security_monitoring/rules", (
    "data[].isEnabled", "data[].isDefault", "data[].tags", "data[].queries[].query",
    "meta.page.total_count"), ("page[size]", "page[number]"), items="data")
SIGNALS = Endpoint(DD, "/api/v2/security_monitoring/signals", (
    "data[].attributes.tags", "meta.page.after"),
    ("filter[from]", "filter[to]", "page[limit]", "page[cursor]"), items="data")
HOSTS = Endpoint(DD, "/api/v1/hosts", ("host_list[].tags_by_source.*", "total_matching"),
                 ("start", "count"), items="host_list")
# Post-mortems are incident attachments of type postmortem, sent in `included` when asked.
INCIDENT_LIST = Endpoint(DD, "/api/v2/incidents", (
    "data[].id", "data[].type", "data[].relationships.attachments.data[].id",
    *(f"data[].attributes.{key}" for key in (
        "created", "is_test", "state", "public_id", "severity", "customer_impact_start",
        "detected", "resolved", "fields.services.value")),
    "included[].id", "included[].attributes.attachment_type", "included[].attributes.modified",
    "included[].attributes.attachment.documentUrl", "meta.pagination.next_offset"),
    ("page[size]", "page[offset]", "include"), items="data")
TODOS = Endpoint(DD, "/api/v2/incidents/{incident_id}/relationships/todos", ("data",))


@dataclass
class _Listing:
    """What one list gave: its items (and the related objects sent with them), or why it
    could not be read."""

    items: list[Mapping[str, Any]] = field(default_factory=list)
    included: list[Mapping[str, Any]] = field(default_factory=list)
    refused: str | None = None

    @property
    def ok(self) -> bool:
        return self.refused is None


class DatadogCollector(ToolCollector):
    id: ClassVar[str] = "datadog"
    title: ClassVar[str] = "Datadog API (SLOs, monitors, synthetics, RUM, security, incidents)"
    signals: ClassVar[tuple[SignalSpec, ...]] = (*DATADOG_MONITORING, *INCIDENTS, *DETECTION)

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

    def unset(self, variables: str) -> str:
        return (f"environment variable {variables} not set; export the organisation's API "
                "key and an application key that can read it")

    def headers(self, secrets: Sequence[str]) -> dict[str, str]:
        api_key, app_key = secrets
        return {"DD-API-KEY": api_key, "DD-APPLICATION-KEY": app_key,
                "Accept": "application/json"}

    def read(self, api: JsonApi, target: Target, collected: Collected) -> None:
        _Organisation(api, target, collected).read()


class _Organisation:
    def __init__(self, api: JsonApi, target: Target, collected: Collected) -> None:
        self.api, self.target, self.collected = api, target, collected
        self.options = target.options
        self.web = str(self.options["web_url"])
        self.window = int(self.options["window_days"])
        self.now = now_utc()
        self.out = Emitter(target.label, DatadogCollector.id)

    def read(self) -> None:
        if not self._keys_valid():
            return
        self.collected.entities.append(self.target.label)
        slos = self._list(SLOS, "SLOs", "slos_read", self._slos)
        monitors = self._list(MONITORS, "monitors", "monitors_read", self._monitors)
        tests = self._list(TESTS, "synthetic tests", "synthetics_read", self._synthetics)
        rum = self._list(RUM, "RUM applications", "rum_apps_read", self._rum)
        rules = self._list(RULES, "security rules", "security_monitoring_rules_read",
                           self._rules)
        signals = self._list(SIGNALS, "security signals", "security_monitoring_signals_read",
                             self._signals)
        hosts = self._list(HOSTS, "hosts", "hosts_read", self._hosts)
        incidents = self._list(INCIDENT_LIST, "incidents", "incident_read", self._incidents)
        services = _services(slos, monitors, tests, incidents)
        if slos.ok or monitors.ok:
            self.out.emit("monitoring.services", len(services), [f"{self.web}/apm/services"],
                          f"services named by tags: {', '.join(sorted(services)[:10])}"
                          if services else "no service tags on monitors, SLOs or tests")
        self._emit_slos(slos, monitors, services)
        self._emit_security(rules, signals, services)
        self._emit_experience(tests, rum, services)
        self._emit_tags(slos, monitors, hosts)
        if incidents.ok:
            self._emit_incidents(incidents)
        self.collected.evidence += self.out.evidence

    # --- reading ---

    def _keys_valid(self) -> bool:
        api_key, app_key = str(self.options["api_key_env"]), str(self.options["app_key_env"])
        first = VALIDATE.get(self.api)
        if first.status in (401, 403) or (first.ok and isinstance(first.data, Mapping)
                                          and first.data.get("valid") is False):
            self._fail(f"the API key in {api_key} was refused ({first.message or 'not valid'}); "
                       f"check it belongs to the organisation on {self.options['site']}")
            return False
        if not first.ok:
            self._fail(f"the API key cannot be checked: {first.message}")
            return False
        second = VALIDATE_KEYS.get(self.api)
        if second.status in (401, 403):
            self._fail(f"the application key in {app_key} was refused ({second.message}); "
                       f"the API key in {api_key} is valid")
            return False
        return True

    def _list(self, endpoint: Endpoint, what: str, scope: str,
              read: Callable[[], Iterator[Answer]]) -> _Listing:
        listing = _Listing()
        for answer in read():
            if not answer.ok and answer.status == 404 and listing.items:
                break  # a later page gone since the first was read: keep what came before
            if not answer.ok:
                reason = f"the application key lacks the {scope} scope" \
                    if answer.status in (401, 403) else "refused"
                message = f"{what} not readable: {reason} ({answer.message})"
                self.collected.problems.append(Problem(self.target.label, message,
                                                       locator=self.web))
                return _Listing(refused=message)
            listing.items += endpoint.items_of(answer.data)
            if endpoint is INCIDENT_LIST and isinstance(answer.data, Mapping):
                listing.included += _items(answer.data, "included")
        return listing

    def _slos(self) -> Iterator[Answer]:
        yield from self._offset_pages(SLOS, "limit", "offset", 1000)

    def _monitors(self) -> Iterator[Answer]:
        for page in range(MAX_PAGES):
            answer = MONITORS.get(self.api, {"page": page, "page_size": 1000})
            yield answer
            if not answer.ok or not isinstance(answer.data, list) or len(answer.data) < 1000:
                return

    def _synthetics(self) -> Iterator[Answer]:
        for page in range(MAX_PAGES):
            answer = TESTS.get(self.api, {"page_size": 100, "page_number": page})
            yield answer
            tests = answer.data.get("tests") if isinstance(answer.data, Mapping) else None
            if not answer.ok or not isinstance(tests, list) or len(tests) < 100:
                return

    def _rum(self) -> Iterator[Answer]:
        yield RUM.get(self.api)

    def _rules(self) -> Iterator[Answer]:
        seen = 0
        for page in range(MAX_PAGES):
            answer = RULES.get(self.api, {"page[size]": 100, "page[number]": page})
            yield answer
            data = answer.data if isinstance(answer.data, Mapping) else {}
            rules = _items(data, "data")
            seen += len(rules)
            total = ((data.get("meta") or {}).get("page") or {}).get("total_count")
            if not answer.ok or not rules or (isinstance(total, int) and seen >= total):
                return

    def _signals(self) -> Iterator[Answer]:
        params: dict[str, Any] = {
            "filter[from]": (self.now - timedelta(days=self.window)).isoformat(),
            "filter[to]": self.now.isoformat(), "page[limit]": 1000}
        for _ in range(MAX_SIGNAL_PAGES):
            answer = SIGNALS.get(self.api, params)
            yield answer
            data = answer.data if isinstance(answer.data, Mapping) else {}
            page = (data.get("meta") or {}).get("page")
            after = page.get("after") if isinstance(page, Mapping) else None
            if not answer.ok or not after or not data.get("data"):
                return
            params = {**params, "page[cursor]": after}

    def _hosts(self) -> Iterator[Answer]:
        seen = 0
        for _ in range(MAX_PAGES):
            answer = HOSTS.get(self.api, {"start": seen, "count": 1000})
            yield answer
            data = answer.data if isinstance(answer.data, Mapping) else {}
            hosts = _items(data, "host_list")
            seen += len(hosts)
            total = data.get("total_matching")
            if not answer.ok or not hosts or not isinstance(total, int) or seen >= total:
                return

    def _incidents(self) -> Iterator[Answer]:
        offset = 0
        for _ in range(MAX_PAGES):
            answer = INCIDENT_LIST.get(self.api, {"page[size]": 100, "page[offset]": offset,
                                              "include": "attachments"})
            yield answer
            data = answer.data if isinstance(answer.data, Mapping) else {}
            following = ((data.get("meta") or {}).get("pagination") or {}).get("next_offset")
            if not answer.ok or len(_items(data, "data")) < 100 \
                    or not isinstance(following, int) or following <= offset:
                return
            offset = following

    def _offset_pages(self, endpoint: Endpoint, size_name: str, offset_name: str,
                      size: int) -> Iterator[Answer]:
        offset = 0
        for _ in range(MAX_PAGES):
            answer = endpoint.get(self.api, {size_name: size, offset_name: offset})
            yield answer
            if not answer.ok or len(endpoint.items_of(answer.data)) < size:
                return
            offset += size

    # --- judging ---

    def _emit_slos(self, slos: _Listing, monitors: _Listing, services: set[str]) -> None:
        if not slos.ok:
            return
        listed = slos.items
        where = f"{self.web}/slo/manage"
        self.out.emit("monitoring.slos", len(listed), [where])
        covered = set().union(*(common.tag_values(s.get("tags"), "service") for s in listed))
        if services:
            self.out.emit("monitoring.services_with_slos_share",
                          round(len(covered & services) / len(services), 3), [where],
                          f"{len(covered & services)} of {len(services)} services have an SLO")
        followed = common.follow_ups(
            listed, common.item_id, ceiling=int(self.options["max_follow_ups"]),
            listing="the SLOs", what="SLOs", into=self.collected,
            label=self.target.label)
        if followed:
            self._emit_history(followed)
        if not monitors.ok:
            return
        alerts = [m for m in monitors.items if str(m.get("type")) == "slo alert"
                  or SLO_ALERT.search(str(m.get("query") or ""))]
        links = [f"{self.web}/monitors/{m.get('id')}" for m in alerts[:common.MAX_LOCATORS]]
        self.out.emit("monitoring.slo_burn_alerts", bool(alerts),
                      links or [f"{self.web}/monitors/manage"],
                      f"{len(alerts)} monitors alert on SLO burn rate or error budget")
        paging = [m for m in alerts if PAGING_HANDLE.search(str(m.get("message") or ""))]
        self.out.emit("monitoring.slo_gates", bool(paging),
                      [f"{self.web}/monitors/{m.get('id')}" for m in paging[:5]]
                      or links or [f"{self.web}/monitors/manage"],
                      f"{len(paging)} SLO alerts notify an on-call handle")

    def _emit_history(self, slos: list[Mapping[str, Any]]) -> None:
        """Error-budget history of every SLO, read a few at a time."""
        end = int(self.now.timestamp())
        start = end - SLO_HISTORY_DAYS * 86400

        def history(slo: Mapping[str, Any]) -> bool | None:
            answer = SLO_HISTORY.get(self.api, {"from_ts": start, "to_ts": end},
                                     slo_id=str(slo.get("id")))
            if not answer.ok or not isinstance(answer.data, Mapping):
                return None
            overall = (answer.data.get("data") or {}).get("overall") or {}
            return overall.get("sli_value") is not None

        tracked = [result for result in common.read_each(
            slos, history, workers=int(self.options["workers"]), progress=self.target.label)
            if result is not None]
        if tracked:
            self.out.emit("monitoring.slo_budget_tracked_share",
                          round(sum(tracked) / len(tracked), 3), [f"{self.web}/slo/manage"],
                          f"{sum(tracked)} of {len(tracked)} SLOs have budget history over "
                          f"{SLO_HISTORY_DAYS} days")
        elif slos:
            self.collected.problems.append(Problem(
                self.target.label, "SLO history not readable (slos_read)", locator=self.web))

    def _emit_security(self, rules: _Listing, signals: _Listing, services: set[str]) -> None:
        if not rules.ok:
            return
        enabled = [r for r in rules.items if r.get("isEnabled", True)]
        where = f"{self.web}/security/rules"
        self.out.emit("monitoring.security_rules", len(enabled), [where],
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
            self.out.emit("monitoring.security_rules_services_share", round(share, 3),
                          [where, f"{self.web}/security"],
                          f"{len(covered & services)} of {len(services)} services have a "
                          "security rule or signal" + ("" if signals.ok else
                                                       " (signals not readable: rules only)"))

    def _emit_experience(self, tests: _Listing, rum: _Listing, services: set[str]) -> None:
        if not tests.ok and not rum.ok:
            return
        live = [t for t in tests.items if str(t.get("status", "live")) == "live"]
        journeys = [t for t in live if str(t.get("type")) in JOURNEY_TYPES
                    or str(t.get("subtype")) == "multi"]
        apps = rum.items
        locators = [f"{self.web}/synthetics/details/{t.get('public_id')}"
                    for t in journeys[:common.MAX_LOCATORS]]
        locators += [f"{self.web}/rum/list"] if apps else []
        note = f"{len(journeys)} journey tests of {len(live)} live synthetic tests, " \
            f"{len(apps)} RUM applications" + ("" if tests.ok and rum.ok else
                                             " (one of the two lists not readable)")
        self.out.emit("monitoring.journeys_covered", len(journeys) + len(apps),
                      locators or [f"{self.web}/synthetics/tests"], note)
        covered = set().union(*(common.tag_values(t.get("tags"), "service") for t in live))
        covered |= {str((a.get("attributes") or {}).get("name") or "") for a in apps}
        if services:
            self.out.emit("monitoring.ux_services_share",
                          round(len(covered & services) / len(services), 3),
                          [f"{self.web}/synthetics/tests"],
                          f"{len(covered & services)} of {len(services)} services have a live "
                          "synthetic test or a RUM application named after them")

    def _emit_tags(self, slos: _Listing, monitors: _Listing, hosts: _Listing) -> None:
        required = set(self.options["tag_keys"])
        shares: list[str] = []
        values: list[float] = []
        for what, listing, tags in (
                ("monitors", monitors, lambda m: m.get("tags")),
                ("SLOs", slos, lambda s: s.get("tags")),
                ("hosts", hosts, _host_tags)):
            objects = listing.items
            if not listing.ok or not objects:
                continue
            carrying = sum(1 for o in objects if required <= common.tag_keys(tags(o)))
            values.append(carrying / len(objects))
            shares.append(f"{what} {carrying}/{len(objects)}")
        if values:
            self.out.emit("monitoring.tag_coverage", round(sum(values) / len(values), 3),
                          [f"{self.web}/monitors/manage", f"{self.web}/infrastructure"],
                          f"carrying {', '.join(sorted(required))}: {'; '.join(shares)}")

    def _emit_incidents(self, incidents: _Listing) -> None:
        attachments = {str(i.get("id")): i for i in incidents.included}
        since = self.now - timedelta(days=self.window)
        severities = set(self.options["significant_severities"])
        records: list[IncidentRecord] = []
        for item in incidents.items:
            if str(item.get("type")) != "incidents":
                continue
            attributes = item.get("attributes") or {}
            created = parse_time(attributes.get("created"))
            if created is None or created < since or attributes.get("is_test"):
                continue
            state = str(attributes.get("state") or "").lower()
            postmortem = _postmortem(item, attachments)
            records.append(IncidentRecord(
                id=common.item_id(item),
                url=f"{self.web}/incidents/{attributes.get('public_id') or item.get('id')}",
                created=created,
                significant=str(attributes.get("severity") or "").upper() in severities,
                services=tuple(sorted(_incident_services(item))),
                impact_start=parse_time(attributes.get("customer_impact_start")),
                detected=parse_time(attributes.get("detected")),
                resolved=parse_time(attributes.get("resolved")),
                closed=state in CLOSED_STATES,
                has_postmortem=postmortem is not None,
                postmortem_at=postmortem[0] if postmortem else None,
                postmortem_url=postmortem[1] if postmortem else None))
        records = self._with_action_items(records)
        summary = summarise(records, measures_detection=True)
        emit_incidents(summary, records, self.out, f"{self.web}/incidents", self.window)
        self.collected.timeline += incident_events(records, self.out.entity,
                                                   self.options["services"])

    def _with_action_items(self, records: list[IncidentRecord]) -> list[IncidentRecord]:
        """Follow-up tasks (incident todos) of the significant incidents with a post-mortem."""
        wanted = common.follow_ups(
            [r for r in records if r.significant and r.has_postmortem], lambda r: r.id,
            ceiling=int(self.options["max_follow_ups"]),
            listing="the incidents with a post-mortem",
            what="incidents", into=self.collected, label=self.target.label)

        def todos(record: IncidentRecord) -> int | None:
            answer = TODOS.get(self.api, incident_id=record.id)
            data = answer.data.get("data") if answer.ok and isinstance(answer.data, Mapping) \
                else None
            return len(data) if isinstance(data, list) else None

        counts = dict(zip((r.id for r in wanted),
                          common.read_each(wanted, todos, workers=int(self.options["workers"])),
                          strict=True))
        return [replace(r, action_items=counts[r.id]) if r.id in counts else r for r in records]

    def _fail(self, message: str) -> None:
        self.collected.problems.append(Problem(self.target.label, message, ERROR,
                                               locator=f"{self.web}/organization-settings"))


def _services(slos: _Listing, monitors: _Listing, tests: _Listing,
              incidents: _Listing) -> set[str]:
    """Services named by the service tags of SLOs, monitors and tests, and by the
    services field of incidents."""
    found: set[str] = set()
    for listing in (slos, monitors, tests):
        for item in listing.items:
            found |= common.tag_values(item.get("tags"), "service")
    for incident in incidents.items:
        found |= _incident_services(incident)
    return found


def _incident_services(incident: Mapping[str, Any]) -> set[str]:
    fields = (incident.get("attributes") or {}).get("fields") or {}
    value = (fields.get("services") or {}).get("value") if isinstance(fields, Mapping) \
        else None
    if isinstance(value, list):
        return {str(v) for v in value if v}
    return {value} if isinstance(value, str) and value else set()


def _host_tags(host: Mapping[str, Any]) -> list[str]:
    by_source = host.get("tags_by_source") or {}
    return [str(t) for tags in by_source.values() if isinstance(tags, list) for t in tags] \
        if isinstance(by_source, Mapping) else []


def _postmortem(item: Mapping[str, Any], attachments: Mapping[str, Mapping[str, Any]]
                ) -> tuple[datetime | None, str | None] | None:
    """(when, link) of the incident's post-mortem attachment; None without one."""
    relationships = item.get("relationships") or {}
    linked = (relationships.get("attachments") or {}).get("data") or []
    for reference in linked if isinstance(linked, list) else []:
        attachment = attachments.get(str((reference or {}).get("id")))
        details = (attachment or {}).get("attributes") or {}
        if str(details.get("attachment_type")) == "postmortem":
            document = details.get("attachment") or {}
            return parse_time(details.get("modified")), document.get("documentUrl")
    return None


def _web_url(site: str) -> str:
    """The web app of a site: app.datadoghq.com, app.datadoghq.eu, us3.datadoghq.com…"""
    return f"https://app.{site}" if site.count(".") == 1 else f"https://{site}"


def _items(data: Mapping[str, Any], key: str) -> list[Any]:
    found = data.get(key)
    return found if isinstance(found, list) else []
