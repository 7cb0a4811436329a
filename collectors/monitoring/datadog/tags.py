"""How well Datadog's objects are tagged: the share of monitors, SLOs and hosts that carry
every tag key the target requires (hosts are read for this alone)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
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

HOSTS = Endpoint(DD, "/api/v1/hosts", ("host_list[].tags_by_source.*", "total_matching"),
                 ("start", "count"), items="host_list")


def host_pages(org: Organisation) -> Iterator[Answer]:
    seen = 0
    for _ in range(MAX_PAGES):
        answer = HOSTS.get(org.api, {"start": seen, "count": 1000})
        yield answer
        data = fields(answer.data)
        hosts = listed(data, "host_list")
        seen += len(hosts)
        total = data.get("total_matching")
        if not answer.ok or not hosts or not isinstance(total, int) or seen >= total:
            return


def emit_tags(org: Organisation, slos: Listing, monitors: Listing, hosts: Listing) -> None:
    required = set(org.options["tag_keys"])
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
        org.out.emit("monitoring.tag_coverage", round(sum(values) / len(values), 3),
                     [f"{org.web}/monitors/manage", f"{org.web}/infrastructure"],
                     f"carrying {', '.join(sorted(required))}: {'; '.join(shares)}")


def _host_tags(host: Mapping[str, Any]) -> list[str]:
    by_source = host.get("tags_by_source") or {}
    return [str(t) for tags in by_source.values() if isinstance(tags, list) for t in tags] \
        if isinstance(by_source, Mapping) else []
