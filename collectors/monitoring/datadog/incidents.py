"""Datadog incidents in the window, their post-mortems (incident attachments of type
postmortem, sent in `included` when asked for) and the follow-up tasks of those with
one."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from scanner.collectors.api import Answer, parse_time
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
from scanner.collectors.monitoring.incidents import (
    IncidentRecord,
    emit_incidents,
    incident_events,
    summarise,
)

CLOSED_STATES = ("resolved", "completed")
INCIDENT_PAGE = 100

INCIDENT_LIST = Endpoint(DD, "/api/v2/incidents", (
    "data[].id", "data[].type", "data[].relationships.attachments.data[].id",
    *(f"data[].attributes.{key}" for key in (
        "created", "is_test", "state", "public_id", "severity", "customer_impact_start",
        "detected", "resolved", "fields.services.value")),
    "included[].id", "included[].attributes.attachment_type", "included[].attributes.modified",
    "included[].attributes.attachment.documentUrl", "meta.pagination.next_offset"),
    ("page[size]", "page[offset]", "include"), items="data")
TODOS = Endpoint(DD, "/api/v2/incidents/{incident_id}/relationships/todos", ("data",))


def incident_pages(org: Organisation) -> Iterator[Answer]:
    offset = 0
    for _ in range(MAX_PAGES):
        answer = INCIDENT_LIST.get(org.api, {"page[size]": INCIDENT_PAGE,
                                             "page[offset]": offset,
                                             "include": "attachments"})
        yield answer
        data = fields(answer.data)
        following = ((data.get("meta") or {}).get("pagination") or {}).get("next_offset")
        if not answer.ok or len(listed(data, "data")) < INCIDENT_PAGE \
                or not isinstance(following, int) or following <= offset:
            return
        offset = following


def incident_services(incident: Mapping[str, Any]) -> set[str]:
    custom = (incident.get("attributes") or {}).get("fields") or {}
    value = (custom.get("services") or {}).get("value") if isinstance(custom, Mapping) \
        else None
    if isinstance(value, list):
        return {str(v) for v in value if v}
    return {value} if isinstance(value, str) and value else set()


def emit_incident_signals(org: Organisation, incidents: Listing) -> None:
    attachments = {str(i.get("id")): i for i in incidents.included}
    since = org.now - timedelta(days=org.window)
    severities = set(org.options["significant_severities"])
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
            url=f"{org.web}/incidents/{attributes.get('public_id') or item.get('id')}",
            created=created,
            significant=str(attributes.get("severity") or "").upper() in severities,
            services=tuple(sorted(incident_services(item))),
            impact_start=parse_time(attributes.get("customer_impact_start")),
            detected=parse_time(attributes.get("detected")),
            resolved=parse_time(attributes.get("resolved")),
            closed=state in CLOSED_STATES,
            has_postmortem=postmortem is not None,
            postmortem_at=postmortem[0] if postmortem else None,
            postmortem_url=postmortem[1] if postmortem else None))
    records = _with_action_items(org, records)
    summary = summarise(records, measures_detection=True)
    emit_incidents(summary, records, org.out, f"{org.web}/incidents", org.window)
    org.collected.timeline += incident_events(records, org.out.entity,
                                              org.options["services"])


def _with_action_items(org: Organisation, records: list[IncidentRecord]
                       ) -> list[IncidentRecord]:
    """Follow-up tasks (incident todos) of the significant incidents with a post-mortem."""
    wanted = common.follow_ups(
        [r for r in records if r.significant and r.has_postmortem], lambda r: r.id,
        ceiling=int(org.options["max_follow_ups"]),
        listing="the incidents with a post-mortem",
        what="incidents", into=org.collected, label=org.target.label)

    def todos(record: IncidentRecord) -> int | None:
        answer = TODOS.get(org.api, incident_id=record.id)
        data = answer.data.get("data") if answer.ok and isinstance(answer.data, Mapping) \
            else None
        return len(data) if isinstance(data, list) else None

    counts = dict(zip((r.id for r in wanted),
                      common.read_each(wanted, todos, workers=int(org.options["workers"])),
                      strict=True))
    return [replace(r, action_items=counts[r.id]) if r.id in counts else r for r in records]


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
