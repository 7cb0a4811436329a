"""Incidents from an incident tool joined with a Git host's production deployments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scanner.evidence import Evidence
from scanner.spool import EvidenceSpool
from scanner.timeline import (
    Deploy,
    DeployTimeline,
    IncidentEvent,
    blamed_index,
    link_incidents,
)

T0 = datetime(2026, 11, 1, 9, tzinfo=UTC)


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def timeline(*deploys: Deploy, restores: tuple[float, ...] = ()) -> DeployTimeline:
    return DeployTimeline("repo:github.com/acme/checkout-api",
                          ("github.com/acme/checkout-api", "acme/checkout-api", "checkout-api"),
                          deploys, restores, T0 - timedelta(days=90), 24.0)


def incident(at: float, resolved: float | None, service: str = "Checkout API",
             repository: str | None = None) -> IncidentEvent:
    return IncidentEvent("pagerduty:acme", service, hours(at),
                         None if resolved is None else hours(resolved),
                         f"https://acme.pagerduty.com/incidents/Q{int(at)}", repository)


def test_an_incident_is_blamed_on_the_latest_recent_deployment_only() -> None:
    deployed = [hours(0), hours(10), hours(50)]
    assert blamed_index(hours(12), deployed, 24) == 1
    assert blamed_index(hours(40), deployed, 24) is None  # 30 h after the last one
    assert blamed_index(hours(-1), deployed, 24) is None  # before any


def test_change_failure_rate_and_restore_time_count_the_incidents() -> None:
    linked = link_incidents(
        [timeline(Deploy(hours(0), False, "d0"), Deploy(hours(10), True, "d1"),
                  Deploy(hours(30), False, "d2"), Deploy(hours(100), False, "d3"),
                  restores=(4.0,))],
        [incident(12, 14), incident(31, 32), incident(33, None), incident(200, 203,
                                                                          service="billing")])
    by_signal = {e.signal: e for e in linked.evidence}
    # d1 failed on its own and had an incident; d2 had two: 2 of 4 failed
    assert by_signal["dora.change_failure_rate"].value == 0.5
    # restores: the host's 4 h, then 2 h and 1 h (the open incident has none)
    assert by_signal["dora.time_to_restore_hours"].value == 2.0
    assert "https://acme.pagerduty.com/incidents/Q31" in \
        by_signal["dora.time_to_restore_hours"].locators
    assert "3 incidents of Checkout API from pagerduty:acme" in \
        str(by_signal["dora.change_failure_rate"].note)
    assert linked.unmatched_services == {"pagerduty:acme": ["billing"]}


def test_a_mapped_service_joins_a_repository_called_otherwise() -> None:
    deploys = (Deploy(hours(0), False, "d0"), Deploy(hours(5), False, "d1"))
    unmapped = link_incidents([timeline(*deploys)], [incident(1, 2, service="payments")])
    assert unmapped.evidence == []
    mapped = link_incidents([timeline(*deploys)],
                            [incident(1, 2, service="payments", repository="acme/checkout-api")])
    assert {e.signal: e.value for e in mapped.evidence} == {
        "dora.change_failure_rate": 0.5, "dora.time_to_restore_hours": 1.0}


def test_incidents_before_the_window_do_not_count() -> None:
    old = incident(-24 * 100, -24 * 100 + 1)
    assert link_incidents([timeline(Deploy(hours(0), False, "d0"))], [old]).evidence == []


def test_linked_evidence_replaces_what_the_host_derived_alone() -> None:
    host = [Evidence("repo:x", "dora.change_failure_rate", 0.0, "github"),
            Evidence("repo:x", "dora.deployments", 4, "github")]
    joined = EvidenceSpool(host)
    joined.replace([Evidence("repo:x", "dora.change_failure_rate", 0.5, "timeline")])
    assert sorted((e.signal, e.value, e.source) for e in joined) == [
        ("dora.change_failure_rate", 0.5, "timeline"), ("dora.deployments", 4, "github")]
