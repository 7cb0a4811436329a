"""A PagerDuty account read through its REST API: incidents, their acknowledge and
resolve times, post-mortem links in their notes, and the pages responders get
outside working hours.

PagerDuty pages with `offset` and `limit`, and refuses an offset past 10,000; a
window holding more incidents or log entries than that is split in halves until
each part fits. Acknowledge and resolve times come from the account's log entries
(`is_overview=true`, one list for the whole window rather than one request per
incident). PagerDuty has no public post-mortem API: a post-mortem counts when a note
on the incident links or names one (`postmortem_pattern`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scanner import patterns
from scanner import validate as v
from scanner.collectors.api import Answer, parse_time
from scanner.collectors.base import ERROR, WARNING, Collected, Emitter, Problem, Target
from scanner.collectors.monitoring import common
from scanner.collectors.monitoring.endpoints import Endpoint
from scanner.collectors.monitoring.http import JsonApi
from scanner.collectors.monitoring.incidents import (
    IncidentRecord,
    emit_incidents,
    incident_events,
    off_hours_pages_per_week,
    summarise,
)
from scanner.collectors.monitoring.tool import ToolCollector
from scanner.collectors.sources import PAGERDUTY, SIGNALS
from scanner.evidence import now_utc
from scanner.signals import SignalSpec

TARGET_KEYS = ("api_url", "token_env", "account", "window_days", "significant_priorities",
               "timezone", "postmortem_pattern", *common.READING_KEYS)
DEFAULT_API_URL = "https://api.pagerduty.com"
DEFAULT_PRIORITIES = ("P1", "P2")
DEFAULT_POSTMORTEM = r"(?i)post-?mortem|retrospective|incident review|\bpir\b|\brca\b"
PAGE = 100
OFFSET_CAP = 10_000
# PagerDuty refuses a `since`..`until` range longer than six months.
MAX_RANGE = timedelta(days=179)
MIN_SPLIT = timedelta(minutes=1)

PD = "pagerduty"
ABILITIES = Endpoint(PD, "/abilities")
_PAGING = ("since", "until", "limit", "offset", "total", "time_zone")
INCIDENT_LIST = Endpoint(PD, "/incidents", (
    "total", "more", *(f"incidents[].{key}" for key in (
        "id", "html_url", "created_at", "status", "priority.summary", "urgency", "resolved_at",
        "last_status_change_at", "service.summary"))), ("statuses[]", *_PAGING),
    items="incidents")
LOG_ENTRIES = Endpoint(PD, "/log_entries", (
    "total", "more", *(f"log_entries[].{key}" for key in (
        "type", "created_at", "incident.id", "agent.id", "agent.type"))),
    ("is_overview", *_PAGING), items="log_entries")
NOTES = Endpoint(PD, "/incidents/{id}/notes", ("notes[].content", "notes[].created_at"),
                 items="notes")
SERVICES = Endpoint(PD, "/services", ("services[].html_url",), ("limit",), items="services")


class _Refused(Exception):
    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.message)
        self.answer = answer


class PagerDutyCollector(ToolCollector):
    id: ClassVar[str] = PAGERDUTY.id
    title: ClassVar[str] = PAGERDUTY.title
    signals: ClassVar[tuple[SignalSpec, ...]] = SIGNALS[PAGERDUTY]
    server: ClassVar[str] = "the PagerDuty API"
    secrets_hold: ClassVar[Mapping[str, str]] = {
        "token_env": "a read-only PagerDuty REST API key (or an OAuth token with "
                     "incidents.read)"}

    @classmethod
    def configure_target(cls, raw: Any, where: v.Where, base: Path) -> Target:
        entry = v.mapping(raw or {}, where, "a mapping with token_env:")
        v.keys(entry, where, optional=TARGET_KEYS)
        options: dict[str, Any] = {
            "api_url": common.http_url(entry, "api_url", DEFAULT_API_URL, where),
            "token_env": common.env_name(entry, "token_env", "PAGERDUTY_TOKEN", where),
            "window_days": common.window_days(entry, where),
            "significant_priorities": [p.upper() for p in common.texts(
                entry, "significant_priorities", DEFAULT_PRIORITIES, where)],
            "postmortem_pattern": v.text(entry.get("postmortem_pattern", DEFAULT_POSTMORTEM),
                                         where.at("postmortem_pattern")),
            "timezone": v.text(entry.get("timezone", "UTC"), where.at("timezone")),
            **common.reading(entry, where),
        }
        patterns.checked(options["postmortem_pattern"], where.at("postmortem_pattern"))
        try:
            ZoneInfo(options["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise where.at("timezone").problem(
                f"'{options['timezone']}' is not a time zone such as Europe/Berlin") from None
        if "account" in entry:
            options["account"] = v.text(entry["account"], where.at("account"))
        label = options.get("account") or urlparse(options["api_url"]).netloc
        return Target(cls.id, f"pagerduty:{label}", options)

    def secret_options(self, options: Mapping[str, Any]) -> Sequence[str]:
        return ("token_env",)

    def headers(self, secrets: Sequence[str]) -> dict[str, str]:
        return {"Authorization": f"Token token={secrets[0]}",
                "Accept": "application/vnd.pagerduty+json;version=2"}

    def read(self, api: JsonApi, target: Target, collected: Collected) -> None:
        _Account(api, target, collected).read()


class _Account:
    def __init__(self, api: JsonApi, target: Target, collected: Collected) -> None:
        self.api, self.target, self.collected = api, target, collected
        self.options = target.options
        self.window = int(self.options["window_days"])
        self.now = now_utc()
        self.since = self.now - timedelta(days=self.window)

    def read(self) -> None:
        abilities = ABILITIES.get(self.api)
        if abilities.status == 401:
            self.collected.problems.append(Problem(
                self.target.label, f"the token in {self.options['token_env']} was refused "
                f"({abilities.message}): it is wrong, expired or revoked", ERROR))
            return
        try:
            incidents = list(self._windowed(INCIDENT_LIST, {
                "statuses[]": ["triggered", "acknowledged", "resolved"],
                "time_zone": "UTC"}))
        except _Refused as exc:
            # The account is still there to judge: its incident signals have no evidence.
            self.collected.entities.append(f"pagerduty:{self._account([])}")
            self._refused("incidents", "incidents.read", exc.answer)
            return
        account = self._account(incidents)
        entity = f"pagerduty:{account}"
        self.collected.entities.append(entity)
        out = Emitter(entity, PagerDutyCollector.id)
        logs: list[Mapping[str, Any]] | None
        try:
            logs = list(self._windowed(LOG_ENTRIES, {"is_overview": "true", "time_zone": "UTC"}))
        except _Refused as exc:
            self._refused("log entries (acknowledge times)", "incidents.read", exc.answer)
            logs = None
        records = self._records(incidents, logs or [])
        records = self._with_postmortems(records)
        summary = summarise(records, measures_detection=False)
        if logs is None:
            summary = replace(summary, measured_share=None, mtta_minutes_p50=None)
        web = _web(incidents, account, str(self.options["api_url"]))
        emit_incidents(summary, records, out, f"{web}/incidents", self.window)
        self.collected.timeline += incident_events(records, entity, self.options["services"])
        if logs is not None and records:
            responders = {str((e.get("agent") or {}).get("id")) for e in logs
                          if str(e.get("type")) == "acknowledge_log_entry"
                          and str((e.get("agent") or {}).get("type")) == "user_reference"}
            pages = off_hours_pages_per_week(records, len(responders), self.window,
                                             ZoneInfo(str(self.options["timezone"])))
            if pages is not None:
                out.emit("oncall.off_hours_pages_per_week", round(pages, 3),
                         [f"{web}/incidents"],
                         f"high-urgency incidents outside 08:00-18:00 on weekdays "
                         f"({self.options['timezone']}), over {len(responders)} responders "
                         "who acknowledged incidents")
        self.collected.evidence += out.evidence

    # --- reading ---

    def _windowed(self, endpoint: Endpoint, params: Mapping[str, Any]
                  ) -> Iterator[Mapping[str, Any]]:
        """Every item of `path` in the scan window, in parts PagerDuty can page through."""
        start = self.since
        while start < self.now:
            end = min(start + MAX_RANGE, self.now)
            yield from self._range(endpoint, params, start, end)
            start = end

    def _range(self, endpoint: Endpoint, params: Mapping[str, Any], start: datetime,
               end: datetime) -> Iterator[Mapping[str, Any]]:
        offset = 0
        query = {**params, "since": start.isoformat(), "until": end.isoformat(),
                 "limit": PAGE, "total": "true"}
        while True:
            answer = endpoint.get(self.api, {**query, "offset": offset})
            if not answer.ok:
                raise _Refused(answer)
            data = answer.data if isinstance(answer.data, Mapping) else {}
            total = data.get("total")
            if offset == 0 and isinstance(total, int) and total > OFFSET_CAP \
                    and end - start > MIN_SPLIT:
                middle = start + (end - start) / 2
                yield from self._range(endpoint, params, start, middle)
                yield from self._range(endpoint, params, middle, end)
                return
            items = endpoint.items_of(data)
            yield from items
            offset += len(items)
            if not data.get("more") or not items or offset + PAGE > OFFSET_CAP:
                if data.get("more") and offset + PAGE > OFFSET_CAP:
                    self.collected.problems.append(Problem(
                        self.target.label, f"{endpoint.items} between {start:%Y-%m-%d %H:%M} and "
                        f"{end:%H:%M} exceed PagerDuty's {OFFSET_CAP} offset cap; the rest of "
                        "that minute is not read"))
                return

    def _records(self, incidents: list[Mapping[str, Any]], logs: list[Mapping[str, Any]]
                 ) -> list[IncidentRecord]:
        acknowledged: dict[str, datetime] = {}
        resolved: dict[str, datetime] = {}
        for entry in logs:
            about = str((entry.get("incident") or {}).get("id"))
            moment = parse_time(entry.get("created_at"))
            if moment is None:
                continue
            kind = str(entry.get("type"))
            if kind == "acknowledge_log_entry" and (
                    about not in acknowledged or moment < acknowledged[about]):
                acknowledged[about] = moment
            elif kind == "resolve_log_entry":
                resolved[about] = moment
        priorities = set(self.options["significant_priorities"])
        records: list[IncidentRecord] = []
        for incident in {str(i.get("id")): i for i in incidents}.values():
            created = parse_time(incident.get("created_at"))
            if created is None:
                continue
            key = common.item_id(incident)
            status = str(incident.get("status"))
            priority = str((incident.get("priority") or {}).get("summary") or "").upper()
            urgency = str(incident.get("urgency") or "high")
            end = parse_time(incident.get("resolved_at")) or resolved.get(key)
            if end is None and status == "resolved":
                end = parse_time(incident.get("last_status_change_at"))
            records.append(IncidentRecord(
                id=key, url=str(incident.get("html_url") or ""), created=created,
                significant=priority in priorities if priority else urgency == "high",
                services=tuple(filter(None, [str((incident.get("service") or {}).get(
                    "summary") or "")])),
                detected=created, acknowledged=acknowledged.get(key), resolved=end,
                closed=status == "resolved", high_urgency=urgency == "high"))
        return records

    def _with_postmortems(self, records: list[IncidentRecord]) -> list[IncidentRecord]:
        """Reads the notes of resolved significant incidents for a post-mortem link."""
        wanted = common.follow_ups(
            [r for r in records if r.significant and r.closed], lambda r: r.id,
            ceiling=int(self.options["max_follow_ups"]),
            listing="the resolved significant incidents",
            what="incidents", into=self.collected, label=self.target.label)
        pattern = patterns.compiled(str(self.options["postmortem_pattern"]))

        def notes(record: IncidentRecord) -> tuple[datetime | None, str | None] | None:
            answer = NOTES.get(self.api, id=record.id)
            found = answer.data.get("notes") if answer.ok and isinstance(answer.data, Mapping) \
                else None
            for note in found if isinstance(found, list) else []:
                content = str((note or {}).get("content") or "")
                if pattern.search(content):
                    link = re.search(r"https?://\S+", content)
                    return parse_time(note.get("created_at")), \
                        link.group(0).rstrip(").,") if link else None
            return None

        found = dict(zip((r.id for r in wanted), common.read_each(
            wanted, notes, workers=int(self.options["workers"]), progress=self.target.label),
            strict=True))
        return [replace(r, has_postmortem=found[r.id] is not None,
                        postmortem_at=(found[r.id] or (None, None))[0],
                        postmortem_url=(found[r.id] or (None, None))[1])
                if r.id in found else r for r in records]

    def _account(self, incidents: list[Mapping[str, Any]]) -> str:
        """The account's subdomain, as its web links show it; from one service when no
        incident has any."""
        if "account" in self.options:
            return str(self.options["account"])
        links = [str(i.get("html_url") or "") for i in incidents[:1]]
        if not any(links):
            services = SERVICES.get(self.api, {"limit": 1})
            listed = services.data.get("services") if services.ok and \
                isinstance(services.data, Mapping) else None
            links = [str(s.get("html_url") or "") for s in listed or []
                     if isinstance(s, Mapping)]
        host = urlparse(links[0]).hostname if links and links[0] else None
        if host and host.endswith(".pagerduty.com"):
            return host.removesuffix(".pagerduty.com")
        return host or str(urlparse(str(self.options["api_url"])).netloc)

    def _refused(self, what: str, scope: str, answer: Answer) -> None:
        reason = f"the token lacks the {scope} scope" if answer.status == 403 else "refused"
        self.collected.problems.append(Problem(
            self.target.label, f"{what} not readable: {reason} ({answer.message})",
            WARNING))


def _web(incidents: list[Mapping[str, Any]], account: str, api_url: str) -> str:
    """The account's web app, where the incident links point."""
    for incident in incidents[:1]:
        parsed = urlparse(str(incident.get("html_url") or ""))
        if parsed.scheme and parsed.netloc:
            return f"{parsed.scheme}://{parsed.netloc}"
    return f"https://{account}.pagerduty.com" if "." not in account else api_url
