"""A stand-in for the PagerDuty REST API (v2) on 127.0.0.1, with the payload shapes of
developer.pagerduty.com/api-reference.

Classic pagination (`limit` at most 100, `offset`, `more`, and `total` when asked with
`total=true`) and its limits: `offset + limit` beyond 10,000 and a `since`..`until` range
over six months are refused with 400, as PagerDuty does. Incidents are filtered by
`since`/`until` on `created_at` and by `statuses[]`; log entries by `created_at`, with
`is_overview=true` keeping the trigger, acknowledge and resolve entries. Authentication:
`Authorization: Token token=…`; an OAuth-style token may carry scopes, and is refused
(403) outside them. The token is compared, never logged.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from .loopback import Call, LoopbackServer, Reply

OVERVIEW = {"trigger_log_entry", "acknowledge_log_entry", "resolve_log_entry"}
WEB = "https://acme.pagerduty.com"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


class FakePagerDuty(LoopbackServer):
    def __init__(self, token: str, *, scopes: set[str] | None = None,
                 latency: float = 0.0) -> None:
        super().__init__(latency)
        self.token = token
        self.scopes = scopes
        self.incidents: list[dict[str, Any]] = []
        self.log_entries: list[dict[str, Any]] = []
        self.notes: dict[str, list[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        # Filtered lists by query, so paging through a large account stays cheap.
        self._matches: dict[tuple[str, ...], list[dict[str, Any]]] = {}

    def add_incident(self, created: datetime, *, acknowledged: datetime | None = None,
                     resolved: datetime | None = None, urgency: str = "high",
                     priority: str | None = None, service: str = "checkout",
                     acknowledged_by: str = "PUSER1", note: str | None = None,
                     noted_at: datetime | None = None) -> str:
        self._matches.clear()
        number = next(self._ids)
        incident_id = f"Q{number:07d}"
        status = "resolved" if resolved else "acknowledged" if acknowledged else "triggered"
        reference = {"id": incident_id, "type": "incident_reference",
                     "summary": f"[#{number}] incident", "self":
                     f"https://api.pagerduty.com/incidents/{incident_id}",
                     "html_url": f"{WEB}/incidents/{incident_id}"}
        self.incidents.append({
            "id": incident_id, "type": "incident", "summary": f"[#{number}] incident",
            "self": reference["self"], "html_url": reference["html_url"],
            "incident_number": number, "title": f"incident {number}",
            "created_at": iso(created), "updated_at": iso(resolved or acknowledged or created),
            "status": status, "incident_key": f"key{number}", "urgency": urgency,
            "resolved_at": iso(resolved) if resolved else None,
            "last_status_change_at": iso(resolved or acknowledged or created),
            "service": {"id": f"PSVC{service.upper()[:3]}", "type": "service_reference",
                        "summary": service,
                        "html_url": f"{WEB}/service-directory/PSVC{service.upper()[:3]}"},
            "assignments": [], "acknowledgements": [],
            "priority": {"id": f"PPRI{priority}", "type": "priority", "summary": priority,
                         "name": priority} if priority else None,
            "escalation_policy": {"id": "PEP1", "type": "escalation_policy_reference"},
            "teams": [], "alert_counts": {"all": 1, "triggered": 0, "resolved": 1},
            "is_mergeable": True, "conference_bridge": None})
        self._add_entry(incident_id, reference, "trigger_log_entry", created,
                        {"id": "PSVC", "type": "service_reference"})
        if acknowledged:
            self._add_entry(incident_id, reference, "acknowledge_log_entry", acknowledged,
                            {"id": acknowledged_by, "type": "user_reference"})
        if resolved:
            self._add_entry(incident_id, reference, "resolve_log_entry", resolved,
                            {"id": acknowledged_by, "type": "user_reference"})
            self._add_entry(incident_id, reference, "annotate_log_entry", resolved,
                            {"id": acknowledged_by, "type": "user_reference"})
        self.notes[incident_id] = [{
            "id": f"PNOTE{number}", "user": {"id": acknowledged_by, "type": "user_reference"},
            "channel": {"summary": "The PagerDuty website or APIs"}, "content": note,
            "created_at": iso(noted_at or resolved or created)}] if note else []
        return incident_id

    def _add_entry(self, incident_id: str, reference: dict[str, Any], kind: str, at: datetime,
                   agent: dict[str, Any]) -> None:
        self.log_entries.append({
            "id": f"L{next(self._ids):09d}", "type": kind, "summary": kind,
            "self": "https://api.pagerduty.com/log_entries/x", "html_url": None,
            "created_at": iso(at), "agent": agent, "channel": {"type": "web_ui"},
            "service": {"id": "PSVC", "type": "service_reference"},
            "incident": reference, "teams": [], "contexts": []})

    def answer(self, call: Call) -> Reply:
        if call.headers.get("Authorization") != f"Token token={self.token}":
            return Reply(401, {"error": {"message": "Authentication failed", "code": 2006}})
        if call.headers.get("Accept") != "application/vnd.pagerduty+json;version=2":
            return Reply(406, {"error": {"message": "Not Acceptable", "code": 2001}})
        if call.path == "/abilities":
            return self._scoped("abilities.read") or Reply(200, {"abilities": ["teams"]})
        if call.path == "/incidents":
            return self._scoped("incidents.read") or self._list(
                call, "incidents", self._matching(call, self._incidents))
        if call.path == "/log_entries":
            return self._scoped("incidents.read") or self._list(
                call, "log_entries", self._matching(call, self._entries))
        if call.path == "/services":
            return self._scoped("services.read") or Reply(200, {"services": [{
                "id": "PSVC", "type": "service", "html_url": f"{WEB}/service-directory/PSVC",
                "name": "checkout"}], "limit": 1, "offset": 0, "more": False, "total": None})
        parts = call.path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "incidents" and parts[2] == "notes":
            if parts[1] not in self.notes:
                return Reply(404, {"error": {"message": "Not Found", "code": 2100}})
            return self._scoped("incidents.read") or Reply(200, {"notes": self.notes[parts[1]]})
        return Reply(404, {"error": {"message": "Not Found", "code": 2100}})

    def _matching(self, call: Call, select: Any) -> list[dict[str, Any]] | Reply:
        key = (call.path, call.param("since") or "", call.param("until") or "",
               call.param("is_overview") or "", *sorted(call.query.get("statuses[]") or []))
        if key not in self._matches:
            found = select(call)
            if isinstance(found, Reply):
                return found
            self._matches[key] = found
        return self._matches[key]

    def _scoped(self, scope: str) -> Reply | None:
        if self.scopes is None or scope in self.scopes:
            return None
        return Reply(403, {"error": {"message": "Access Denied", "code": 2010,
                                     "errors": [f"Missing scope: {scope}"]}})

    def _window(self, call: Call) -> tuple[datetime, datetime] | Reply:
        until = _time(call.param("until")) or datetime.now(UTC)
        since = _time(call.param("since")) or until - timedelta(days=30)
        if until - since > timedelta(days=180):
            return Reply(400, {"error": {"message": "Invalid Input Provided", "code": 2001,
                                         "errors": ["Date Range must be less than 6 months."]}})
        return since, until

    def _incidents(self, call: Call) -> list[dict[str, Any]] | Reply:
        window = self._window(call)
        if isinstance(window, Reply):
            return window
        statuses = set(call.query.get("statuses[]") or ["triggered", "acknowledged",
                                                        "resolved"])
        return [i for i in self.incidents if i["status"] in statuses
                and window[0] <= _time(i["created_at"]) < window[1]]  # type: ignore[operator]

    def _entries(self, call: Call) -> list[dict[str, Any]] | Reply:
        window = self._window(call)
        if isinstance(window, Reply):
            return window
        overview = call.param("is_overview") == "true"
        return [e for e in self.log_entries if (not overview or e["type"] in OVERVIEW)
                and window[0] <= _time(e["created_at"]) < window[1]]  # type: ignore[operator]

    def _list(self, call: Call, key: str, found: list[dict[str, Any]] | Reply) -> Reply:
        if isinstance(found, Reply):
            return found
        limit, offset = min(call.number("limit", 25), 100), call.number("offset", 0)
        if offset + limit > 10_000:
            return Reply(400, {"error": {"message": "Invalid Input Provided", "code": 2001,
                                         "errors": ["Offset must be less than 10000."]}})
        page = found[offset:offset + limit]
        return Reply(200, {key: page, "limit": limit, "offset": offset,
                           "more": offset + limit < len(found),
                           "total": len(found) if call.param("total") == "true" else None})
