"""A stand-in for the Datadog API on 127.0.0.1, answering with the payload shapes of
docs.datadoghq.com/api (and the recorded answers in DataDog/datadog-api-client-python).

Pagination as each endpoint has it: SLOs `limit`/`offset` with `metadata.page.total_count`,
monitors `page`/`page_size` (a bare list), synthetic tests `page_size`/`page_number`,
security rules `page[size]`/`page[number]` with `meta.page.total_count`, security signals
a cursor (`meta.page.after`), hosts `start`/`count` with `total_matching`, incidents
`page[size]` (at most 100) / `page[offset]` with `meta.pagination.next_offset` and
attachments in `included`. Authentication: `DD-API-KEY` on every call; the application key
too except on `/api/v1/validate`; a scoped application key is refused (403) outside its
scopes. Keys are compared, never logged.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .loopback import Call, LoopbackServer, Reply

FORBIDDEN = {"errors": ["Forbidden"]}
SCOPES = {
    "/api/v1/slo": "slos_read",
    "/api/v1/monitor": "monitors_read",
    "/api/v1/synthetics": "synthetics_read",
    "/api/v2/rum": "rum_apps_read",
    "/api/v2/security_monitoring/rules": "security_monitoring_rules_read",
    "/api/v2/security_monitoring/signals": "security_monitoring_signals_read",
    "/api/v1/hosts": "hosts_read",
    "/api/v2/incidents": "incident_read",
}


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


@dataclass
class DatadogData:
    slos: list[dict[str, Any]] = field(default_factory=list)
    histories: dict[str, float | None] = field(default_factory=dict)
    monitors: list[dict[str, Any]] = field(default_factory=list)
    tests: list[dict[str, Any]] = field(default_factory=list)
    rum: list[dict[str, Any]] = field(default_factory=list)
    rules: list[dict[str, Any]] = field(default_factory=list)
    signals: list[dict[str, Any]] = field(default_factory=list)
    hosts: list[dict[str, Any]] = field(default_factory=list)
    incidents: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    todos: dict[str, int] = field(default_factory=dict)


class FakeDatadog(LoopbackServer):
    def __init__(self, api_key: str, app_key: str, *, scopes: set[str] | None = None,
                 latency: float = 0.0) -> None:
        super().__init__(latency)
        self.api_key, self.app_key = api_key, app_key
        self.scopes = scopes  # None: an unscoped key that reads everything
        self.data = DatadogData()
        self._ids = itertools.count(1)

    # --- building the organisation ---

    def add_slo(self, name: str, tags: list[str], *, history: float | None = 99.95) -> str:
        slo_id = f"{next(self._ids):032x}"
        self.data.slos.append({
            "id": slo_id, "name": name, "type": "metric", "tags": tags, "description": None,
            "thresholds": [{"timeframe": "30d", "target": 99.9, "target_display": "99.9",
                            "warning": 99.95}],
            "query": {"numerator": "sum:requests.ok{*}.as_count()",
                      "denominator": "sum:requests.total{*}.as_count()"},
            "monitor_ids": [], "monitor_tags": [], "groups": [],
            "created_at": 1700000000, "modified_at": 1700000000,
            "creator": {"email": "sre@example.com", "handle": "sre@example.com", "name": "SRE"}})
        self.data.histories[slo_id] = history
        return slo_id

    def add_monitor(self, name: str, *, query: str = "avg(last_5m):avg:cpu{*} > 90",
                    monitor_type: str = "metric alert", message: str = "",
                    tags: list[str] | None = None) -> int:
        monitor_id = next(self._ids)
        self.data.monitors.append({
            "id": monitor_id, "name": name, "type": monitor_type, "query": query,
            "message": message, "tags": tags or [], "options": {"thresholds": {}},
            "overall_state": "OK", "priority": None, "multi": False,
            "created": "2024-01-01T00:00:00+00:00", "modified": "2024-01-01T00:00:00+00:00",
            "restricted_roles": None})
        return monitor_id

    def add_burn_alert(self, slo_id: str, message: str, tags: list[str]) -> int:
        return self.add_monitor(
            "burn", monitor_type="slo alert", message=message, tags=tags,
            query=f'burn_rate("{slo_id}").over("30d").long_window("1h")'
                  '.short_window("5m") > 14.4')

    def add_test(self, name: str, *, test_type: str = "browser", subtype: str | None = None,
                 status: str = "live", tags: list[str] | None = None) -> str:
        public_id = f"abc-{next(self._ids):03d}-xyz"
        self.data.tests.append({
            "public_id": public_id, "name": name, "type": test_type, "subtype": subtype,
            "status": status, "tags": tags or [], "locations": ["aws:eu-central-1"],
            "message": "", "monitor_id": next(self._ids), "options": {"tick_every": 300},
            "config": {"assertions": []}, "creator": {"name": "SRE"}})
        return public_id

    def add_rum_app(self, name: str) -> None:
        app_id = f"{next(self._ids):08x}-rum"
        self.data.rum.append({"type": "rum_application", "id": app_id, "attributes": {
            "application_id": app_id, "name": name, "type": "browser", "org_id": 1,
            "hash": "h", "is_active": True, "created_at": 1700000000000,
            "created_by_handle": "sre@example.com", "updated_at": 1700000000000,
            "updated_by_handle": "sre@example.com"}})

    def add_rule(self, name: str, query: str, *, enabled: bool = True, default: bool = False,
                 tags: list[str] | None = None) -> None:
        self.data.rules.append({
            "id": f"r-{next(self._ids)}", "name": name, "type": "log_detection",
            "isEnabled": enabled, "isDefault": default, "isDeleted": False,
            "queries": [{"query": query, "aggregation": "count", "groupByFields": [],
                         "distinctFields": [], "name": ""}],
            "cases": [{"name": "", "status": "high", "condition": "a > 5",
                       "notifications": []}],
            "options": {"evaluationWindow": 300, "keepAlive": 3600,
                        "maxSignalDuration": 86400},
            "tags": tags or [], "message": "", "createdAt": 1700000000000,
            "creationAuthorId": 1, "version": 1, "hasExtendedTitle": False, "filters": []})

    def add_signal(self, tags: list[str], at: datetime) -> None:
        self.data.signals.append({"id": f"s-{next(self._ids)}", "type": "signal", "attributes": {
            "timestamp": iso(at), "message": "Brute force", "tags": tags,
            "custom": {"workflow": {"rule": {"name": "Brute force"}}}}})

    def add_host(self, name: str, tags: list[str]) -> None:
        self.data.hosts.append({
            "name": name, "host_name": name, "id": next(self._ids), "aliases": [name],
            "apps": ["agent"], "up": True, "is_muted": False, "last_reported_time": 1700000000,
            "sources": ["agent"], "tags_by_source": {"Datadog": tags[:1], "Users": tags[1:]},
            "meta": {"platform": "linux"}, "metrics": {"cpu": 1.0, "load": 0.1, "iowait": 0}})

    def add_incident(self, title: str, *, created: datetime, severity: str = "SEV-2",
                     impact_start: datetime | None = None, detected: datetime | None = None,
                     resolved: datetime | None = None, services: list[str] | None = None,
                     postmortem_at: datetime | None = None, todos: int = 0) -> str:
        number = next(self._ids)
        incident_id = f"{number:08x}-0000-5000-8000-000000000000"
        attachments = []
        if postmortem_at is not None:
            attachment_id = f"att-{number}"
            attachments.append({"type": "incident_attachments", "id": attachment_id})
            self.data.attachments.append({
                "type": "incident_attachments", "id": attachment_id,
                "attributes": {"attachment_type": "postmortem", "modified": iso(postmortem_at),
                               "attachment": {"documentUrl": f"https://docs.example.com/pm/"
                                                             f"{number}",
                                              "title": f"Post-mortem: {title}"}},
                "relationships": {"last_modified_by_user": {"data": None}}})
        self.data.todos[incident_id] = todos
        state = "resolved" if resolved else "active"
        self.data.incidents.append({
            "type": "incidents", "id": incident_id,
            "attributes": {
                "public_id": number, "title": title, "created": iso(created),
                "modified": iso(resolved or created), "detected": iso(detected),
                "declared": iso(created), "customer_impact_start": iso(impact_start),
                "customer_impact_end": iso(resolved), "customer_impacted": bool(impact_start),
                "customer_impact_scope": None, "resolved": iso(resolved),
                "severity": severity, "state": state, "is_test": False, "archived": None,
                "visibility": "organization", "case_id": None, "notification_handles": None,
                "time_to_detect": 0, "time_to_repair": 0, "time_to_internal_response": 0,
                "time_to_resolve": 0, "customer_impact_duration": 0,
                "fields": {"severity": {"type": "dropdown", "value": severity},
                           "state": {"type": "dropdown", "value": state},
                           "services": {"type": "autocomplete", "value": services},
                           "teams": {"type": "autocomplete", "value": None}}},
            "relationships": {
                "created_by_user": {"data": {"type": "users", "id": "u1"}},
                "commander_user": {"data": None},
                "integrations": {"data": []}, "attachments": {"data": attachments},
                "responders": {"data": []}, "impacts": {"data": []},
                "user_defined_fields": {"data": []}}})
        return incident_id

    # --- answering ---

    def answer(self, call: Call) -> Reply:
        if call.headers.get("DD-API-KEY") != self.api_key:
            return Reply(403, FORBIDDEN)
        if call.path == "/api/v1/validate":
            return Reply(200, {"valid": True})
        if call.headers.get("DD-APPLICATION-KEY") != self.app_key:
            return Reply(403, FORBIDDEN)
        if call.path == "/api/v2/validate_keys":
            return Reply(200, {"status": "ok"})
        scope = next((s for prefix, s in SCOPES.items() if call.path.startswith(prefix)), None)
        if self.scopes is not None and scope not in self.scopes:
            return Reply(403, {"errors": ["Failed permission authorization checks"]})
        route = {
            "/api/v1/slo": self._slos, "/api/v1/monitor": self._monitors,
            "/api/v1/synthetics/tests": self._tests, "/api/v2/rum/applications": self._rum,
            "/api/v2/security_monitoring/rules": self._rules,
            "/api/v2/security_monitoring/signals": self._signals,
            "/api/v1/hosts": self._hosts, "/api/v2/incidents": self._incidents,
        }.get(call.path)
        if route is not None:
            return route(call)
        parts = call.path.strip("/").split("/")
        if len(parts) == 5 and parts[:3] == ["api", "v1", "slo"] and parts[4] == "history":
            return self._history(call, parts[3])
        if len(parts) == 6 and parts[:3] == ["api", "v2", "incidents"] \
                and parts[4:] == ["relationships", "todos"]:
            return self._todos(parts[3])
        return Reply(404, {"errors": ["Not found"]})

    def _slos(self, call: Call) -> Reply:
        limit, offset = min(call.number("limit", 1000), 1000), call.number("offset", 0)
        total = len(self.data.slos)
        return Reply(200, {"data": self.data.slos[offset:offset + limit], "errors": [],
                           "metadata": {"page": {"total_count": total,
                                                 "total_filtered_count": total}}})

    def _history(self, call: Call, slo_id: str) -> Reply:
        if slo_id not in self.data.histories:
            return Reply(404, {"errors": ["SLO not found"]})
        value = self.data.histories[slo_id]
        start, end = call.number("from_ts", 0), call.number("to_ts", 0)
        overall = {"sli_value": value, "span_precision": 2, "precision": {"30d": 2},
                   "name": "", "preview": False,
                   "error_budget_remaining": {"30d": 50.0} if value is not None else {},
                   "errors": None if value is not None else [{"error_message": "no data"}]}
        return Reply(200, {"data": {"from_ts": start, "to_ts": end, "type": "metric",
                                    "type_id": 1, "overall": overall,
                                    "thresholds": {"30d": {"target": 99.9, "timeframe": "30d",
                                                           "target_display": "99.9"}},
                                    "series": {"numerator": {}, "denominator": {}}},
                           "errors": None})

    def _monitors(self, call: Call) -> Reply:
        size, page = min(call.number("page_size", 100), 1000), call.number("page", 0)
        return Reply(200, self.data.monitors[page * size:(page + 1) * size])

    def _tests(self, call: Call) -> Reply:
        size, page = min(call.number("page_size", 100), 100), call.number("page_number", 0)
        return Reply(200, {"tests": self.data.tests[page * size:(page + 1) * size]})

    def _rum(self, call: Call) -> Reply:
        return Reply(200, {"data": self.data.rum})

    def _rules(self, call: Call) -> Reply:
        size, page = min(call.number("page[size]", 10), 100), call.number("page[number]", 0)
        total = len(self.data.rules)
        return Reply(200, {"data": self.data.rules[page * size:(page + 1) * size],
                           "meta": {"page": {"total_count": total,
                                             "total_filtered_count": total}}})

    def _signals(self, call: Call) -> Reply:
        limit = min(call.number("page[limit]", 10), 1000)
        start = int(call.param("page[cursor]") or 0)
        page = self.data.signals[start:start + limit]
        after = str(start + limit) if start + limit < len(self.data.signals) else None
        meta: dict[str, Any] = {"page": {"after": after}} if after else {"page": {}}
        links = {"next": f"{self.origin}{call.path}?page[cursor]={after}"} if after else {}
        return Reply(200, {"data": page, "links": links, "meta": meta})

    def _hosts(self, call: Call) -> Reply:
        start, count = call.number("start", 0), min(call.number("count", 100), 1000)
        page = self.data.hosts[start:start + count]
        return Reply(200, {"host_list": page, "total_matching": len(self.data.hosts),
                           "total_returned": len(page)})

    def _incidents(self, call: Call) -> Reply:
        size = min(call.number("page[size]", 10), 100)
        offset = call.number("page[offset]", 0)
        page = self.data.incidents[offset:offset + size]
        reply: dict[str, Any] = {"data": page, "meta": {"pagination": {
            "offset": offset, "next_offset": offset + size, "size": len(page)}}}
        if "attachments" in (call.param("include") or "").split(","):
            wanted = {a["id"] for i in page for a in i["relationships"]["attachments"]["data"]}
            reply["included"] = [a for a in self.data.attachments if a["id"] in wanted]
        return Reply(200, reply)

    def _todos(self, incident_id: str) -> Reply:
        count = self.data.todos.get(incident_id)
        if count is None:
            return Reply(404, {"errors": ["Incident not found"]})
        todos = [{"type": "incident_todos", "id": f"{incident_id}-todo-{n}", "attributes": {
            "content": f"Follow-up {n}", "assignees": [], "completed": None, "due_date": None,
            "incident_id": incident_id}} for n in range(count)]
        return Reply(200, {"data": todos, "meta": {"pagination": {
            "offset": 0, "next_offset": count, "size": count}}})
