"""What Datadog shows of the users' experience: synthetic tests that walk a journey
(browser, mobile, multistep) and RUM applications, and the services they watch."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.collectors.api import Answer
from scanner.collectors.monitoring import common
from scanner.collectors.monitoring.datadog.client import (
    DD,
    Listing,
    Organisation,
    fields,
    listed,
)
from scanner.collectors.monitoring.endpoints import Endpoint

JOURNEY_TYPES = ("browser", "mobile")
TEST_PAGE = 100

TESTS = Endpoint(DD, "/api/v1/synthetics/tests", (
    "tests[].public_id", "tests[].status", "tests[].type", "tests[].subtype", "tests[].tags"),
    ("page_size", "page_number"), items="tests")
RUM = Endpoint(DD, "/api/v2/rum/applications", ("data[].attributes.name",), items="data")


def test_pages(org: Organisation) -> Iterator[Answer]:
    return org.numbered_pages(
        TESTS, lambda page: {"page_size": TEST_PAGE, "page_number": page},
        lambda data: len(listed(fields(data), "tests")) < TEST_PAGE)


def rum_pages(org: Organisation) -> Iterator[Answer]:
    yield RUM.get(org.api)


def emit_experience(org: Organisation, tests: Listing, rum: Listing,
                    services: set[str]) -> None:
    if not tests.ok and not rum.ok:
        return
    live = [t for t in tests.items if str(t.get("status", "live")) == "live"]
    journeys = [t for t in live if str(t.get("type")) in JOURNEY_TYPES
                or str(t.get("subtype")) == "multi"]
    apps = rum.items
    locators = [f"{org.web}/synthetics/details/{t.get('public_id')}"
                for t in journeys[:common.MAX_LOCATORS]]
    locators += [f"{org.web}/rum/list"] if apps else []
    note = f"{len(journeys)} journey tests of {len(live)} live synthetic tests, " \
        f"{len(apps)} RUM applications" + ("" if tests.ok and rum.ok else
                                         " (one of the two lists not readable)")
    org.out.emit("monitoring.journeys_covered", len(journeys) + len(apps),
                 locators or [f"{org.web}/synthetics/tests"], note)
    covered = set().union(*(common.tag_values(t.get("tags"), "service") for t in live))
    covered |= {str((a.get("attributes") or {}).get("name") or "") for a in apps}
    if services:
        org.out.emit("monitoring.ux_services_share",
                     round(len(covered & services) / len(services), 3),
                     [f"{org.web}/synthetics/tests"],
                     f"{len(covered & services)} of {len(services)} services have a live "
                     "synthetic test or a RUM application named after them")
