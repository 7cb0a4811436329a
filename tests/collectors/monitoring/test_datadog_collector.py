"""The Datadog collector against a real HTTP stand-in for the Datadog API (tests/fakes)."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scanner import validate as v
from scanner.collectors.base import ERROR, Collected, CollectSettings
from scanner.collectors.monitoring.datadog import DatadogCollector
from scanner.evidence import Evidence

from fakes.datadog_api import FakeDatadog

API_KEY = "dd_api_key_0123456789abcdef0123456789"
APP_KEY = "dd_app_key_fedcba9876543210fedcba9876543210ab"
NOW = datetime.now(UTC).replace(microsecond=0)
ENTITY = "datadog:acme"


def ago(days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
    return NOW - timedelta(days=days, hours=hours, minutes=minutes)


def after(start: datetime, minutes: float | None) -> datetime | None:
    return None if minutes is None else start + timedelta(minutes=minutes)


@pytest.fixture
def fake() -> Iterator[FakeDatadog]:
    with FakeDatadog(API_KEY, APP_KEY) as server:
        yield server


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DD_API_KEY", API_KEY)
    monkeypatch.setenv("DD_APP_KEY", APP_KEY)


def collect(fake: FakeDatadog, **entry: Any) -> Collected:
    raw = {"site": "datadoghq.eu", "api_url": fake.origin, "name": "acme", **entry}
    target = DatadogCollector.configure_target(raw, v.Where("config.yaml"), Path("."))
    return DatadogCollector().collect(target, CollectSettings())


def signals(collected: Collected) -> dict[str, Evidence]:
    return {e.signal: e for e in collected.evidence if e.entity == ENTITY}


def organisation(fake: FakeDatadog) -> None:
    """Four services: checkout and search have SLOs, checkout's budget alert pages."""
    checkout = fake.add_slo("checkout availability", ["service:checkout", "env:prod",
                                                      "team:payments"])
    fake.add_slo("search latency", ["service:search", "env:prod"], history=None)
    fake.add_burn_alert(checkout, "Budget burning @pagerduty-payments",
                        ["service:checkout", "env:prod", "team:payments"])
    fake.add_monitor("cart errors", tags=["service:cart", "env:prod", "team:shop"])
    fake.add_monitor("profile cpu", tags=["service:profile"])
    fake.add_test("checkout journey", tags=["service:checkout"])
    fake.add_test("search api", test_type="api", subtype="multi", tags=["service:search"])
    fake.add_test("health", test_type="api", subtype="http", tags=["service:cart"])
    fake.add_test("old", status="paused", tags=["service:profile"])
    fake.add_rum_app("cart")
    fake.add_rule("Login brute force", "source:auth service:checkout @evt.name:login")
    fake.add_rule("Disabled", "service:profile", enabled=False)
    fake.add_rule("Default cloudtrail", "source:cloudtrail", default=True)
    fake.add_signal(["service:search", "env:prod"], ago(days=3))
    fake.add_host("web-1", ["env:prod", "service:checkout", "team:payments"])
    fake.add_host("web-2", ["env:prod"])


def test_an_organisation_gives_slo_security_experience_and_tag_evidence(
        fake: FakeDatadog) -> None:
    organisation(fake)
    collected = collect(fake)
    assert not [p for p in collected.problems if p.severity == ERROR], collected.problems
    assert collected.entities == [ENTITY]
    found = signals(collected)
    assert found["monitoring.services"].value == 4
    assert found["monitoring.slos"].value == 2
    assert found["monitoring.services_with_slos_share"].value == 0.5  # 2 of 4 services
    assert found["monitoring.slo_budget_tracked_share"].value == 0.5
    assert found["monitoring.slo_burn_alerts"].value is True
    assert found["monitoring.slo_gates"].value is True
    assert str(found["monitoring.slo_gates"].locator).startswith(
        "https://app.datadoghq.eu/monitors/")
    assert found["monitoring.security_rules"].value == 2
    assert found["monitoring.security_rules_services_share"].value == 0.5  # checkout, search
    assert found["monitoring.journeys_covered"].value == 3  # browser, multistep, one RUM app
    assert found["monitoring.ux_services_share"].value == 0.75  # checkout, search, cart
    # env, service and team: monitors 2 of 3, SLOs 1 of 2, hosts 1 of 2
    assert found["monitoring.tag_coverage"].value == round((2 / 3 + 1 / 2 + 1 / 2) / 3, 3)
    for item in collected.evidence:
        assert item.locators and all(loc.startswith("https://") for loc in item.locators)


def test_an_slo_alert_that_only_posts_to_a_channel_does_not_gate(fake: FakeDatadog) -> None:
    slo = fake.add_slo("api", ["service:api"])
    fake.add_burn_alert(slo, "Budget burning @slack-sre", ["service:api"])
    found = signals(collect(fake))
    assert found["monitoring.slo_burn_alerts"].value is True
    assert found["monitoring.slo_gates"].value is False


def test_incident_timeline_gives_mttd_mttr_and_post_mortems(fake: FakeDatadog) -> None:
    # (impact start, detected, resolved) as offsets from `created`, in minutes
    timeline = [(-30, -5, 90), (-10, 0, 45), (-120, -60, 600), (None, 0, 240),
                (-4, -1, 30), (-20, -2, None)]
    detect, restore = [], []
    measured = resolved = 0
    for n, (impact, detected, end) in enumerate(timeline):
        created = ago(days=10 + n)
        severity = "SEV-1" if n < 3 else "SEV-3"
        fake.add_incident(f"outage {n}", created=created, severity=severity,
                          impact_start=after(created, impact),
                          detected=after(created, detected), resolved=after(created, end),
                          services=["checkout"],
                          postmortem_at=after(created, end + 3 * 24 * 60)
                          if n in (0, 1) and end else None,
                          todos=2 if n == 0 else 0)
        if impact is not None:
            detect.append(detected - impact)
        if end is not None:
            resolved += 1
            restore.append((end - detected) / 60)
            measured += impact is not None
    fake.add_incident("long ago", created=ago(days=400), resolved=ago(days=399))
    found = signals(collect(fake, significant_severities=["SEV-1"]))
    assert found["incidents.count"].value == 6
    assert found["incidents.measured_share"].value == round(measured / resolved, 3)
    assert found["incidents.mttd_minutes_p50"].value == statistics.median(detect)
    assert found["incidents.mttd_minutes_p90"].value == pytest.approx(
        statistics.quantiles(detect, n=10, method="inclusive")[-1], abs=1e-3)
    assert found["incidents.mttr_hours_p50"].value == round(statistics.median(restore), 3)
    assert found["incidents.mttr_hours_p90"].value == pytest.approx(
        statistics.quantiles(restore, n=10, method="inclusive")[-1], abs=1e-3)
    assert found["postmortems.incident_share"].value == round(2 / 3, 3)
    assert found["postmortems.days_after_incident_p50"].value == 3.0
    assert found["postmortems.action_items_share"].value == 0.5
    assert str(found["postmortems.incident_share"].locator).startswith(
        "https://docs.example.com/pm/")
    assert found["incidents.count"].locators[0] == "https://app.datadoghq.eu/incidents"


def test_pages_of_every_list_are_followed(fake: FakeDatadog) -> None:
    for n in range(1030):
        fake.add_slo(f"slo {n}", [f"service:s{n % 7}"])
    for n in range(1001):
        fake.add_monitor(f"m {n}", tags=[f"service:s{n % 7}"])
    for n in range(130):
        fake.add_test(f"t {n}")
        fake.add_rule(f"r {n}", f"service:s{n % 3}")
        fake.add_incident(f"i {n}", created=ago(days=1), resolved=ago(hours=20),
                          detected=ago(days=1), impact_start=ago(days=1, minutes=5))
    for n in range(1500):
        fake.add_signal([f"service:s{n % 5}"], ago(days=1))
        fake.add_host(f"h{n}", ["env:prod"])
    found = signals(collect(fake, workers=16, max_follow_ups=2000))
    assert found["monitoring.slos"].value == 1030
    assert found["monitoring.journeys_covered"].value == 130
    assert found["monitoring.security_rules"].value == 130
    assert found["monitoring.security_rules_services_share"].value == round(5 / 7, 3)
    assert found["incidents.count"].value == 130
    assert fake.count("/api/v1/slo/") == 1030  # one history each
    assert [r.query.get("offset") for r in fake.requests if r.path == "/api/v1/slo"] == [
        ["0"], ["1000"]]
    assert fake.count("/api/v1/monitor") == 2
    assert fake.count("/api/v1/synthetics/tests") == 2
    assert fake.count("/api/v2/security_monitoring/rules") == 2
    assert fake.count("/api/v2/security_monitoring/signals") == 2
    assert fake.count("/api/v1/hosts") == 2
    assert fake.count("/api/v2/incidents") == 2


def test_rate_limits_and_server_errors_are_waited_out(fake: FakeDatadog) -> None:
    organisation(fake)
    fake.fail_next("/api/v1/slo", 429, {"X-RateLimit-Limit": "60", "X-RateLimit-Period": "60",
                                        "X-RateLimit-Remaining": "0",
                                        "X-RateLimit-Reset": "1", "X-RateLimit-Name": "slo"},
                   {"errors": ["Too many requests"]})
    fake.fail_next("/api/v1/monitor", 503, body={"errors": ["Service Unavailable"]}, times=2)
    started = datetime.now(UTC)
    found = signals(collect(fake))
    assert (datetime.now(UTC) - started).total_seconds() >= 1
    assert found["monitoring.slos"].value == 2
    assert found["monitoring.slo_burn_alerts"].value is True
    statuses = [r.status for r in fake.requests if r.path in ("/api/v1/slo", "/api/v1/monitor")]
    assert statuses == [429, 200, 503, 503, 200]


def test_a_key_without_a_scope_leaves_those_signals_without_evidence(
        fake: FakeDatadog) -> None:
    with FakeDatadog(API_KEY, APP_KEY, scopes={"monitors_read", "incident_read"}) as scoped:
        organisation(scoped)
        scoped.add_incident("x", created=ago(days=2), detected=ago(days=2),
                            resolved=ago(days=1))
        collected = collect(scoped)
    found = signals(collected)
    assert "monitoring.slos" not in found and "monitoring.services_with_slos_share" not in found
    assert found["incidents.count"].value == 1
    assert found["monitoring.tag_coverage"].value == round(2 / 3, 3)  # monitors only
    lines = [p.line() for p in collected.problems]
    assert any("SLOs not readable: the application key lacks the slos_read scope" in line
               for line in lines), lines
    assert not [p for p in collected.problems if p.severity == ERROR]


@pytest.mark.parametrize(("api_key", "app_key", "wrong"), [
    ("dd_wrong_api_key_000000000000", APP_KEY, "the API key in DD_API_KEY was refused"),
    (API_KEY, "dd_wrong_app_key_111111111111", "the application key in DD_APP_KEY was refused"),
])
def test_a_wrong_key_is_named(fake: FakeDatadog, monkeypatch: pytest.MonkeyPatch,
                              api_key: str, app_key: str, wrong: str) -> None:
    organisation(fake)
    monkeypatch.setenv("DD_API_KEY", api_key)
    monkeypatch.setenv("DD_APP_KEY", app_key)
    collected = collect(fake)
    assert not collected.evidence and not collected.entities
    [problem] = collected.problems
    assert problem.severity == ERROR and wrong in problem.message
    assert api_key not in problem.line() and app_key not in problem.line()
    assert fake.count("/api/v1/slo") == 0


def test_an_empty_organisation_says_so_without_inventing_shares(fake: FakeDatadog) -> None:
    collected = collect(fake)
    found = signals(collected)
    assert found["monitoring.slos"].value == 0
    assert found["incidents.count"].value == 0
    assert found["monitoring.journeys_covered"].value == 0
    for absent in ("monitoring.services_with_slos_share", "monitoring.tag_coverage",
                   "incidents.mttr_hours_p50", "incidents.measured_share",
                   "postmortems.incident_share"):
        assert absent not in found
    assert not collected.problems


def test_unset_keys_are_one_error_naming_the_variables(
        fake: FakeDatadog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DD_APP_KEY")
    [problem] = collect(fake).problems
    assert "DD_APP_KEY" in problem.message and problem.severity == ERROR
    assert fake.requests == []


def test_sites_give_their_api_and_web_hosts() -> None:
    where = v.Where("config.yaml")
    eu = DatadogCollector.configure_target({"site": "datadoghq.eu"}, where, Path("."))
    us3 = DatadogCollector.configure_target({"site": "us3.datadoghq.com"}, where, Path("."))
    assert (eu.options["api_url"], eu.options["web_url"]) == (
        "https://api.datadoghq.eu", "https://app.datadoghq.eu")
    assert (us3.options["api_url"], us3.options["web_url"]) == (
        "https://api.us3.datadoghq.com", "https://us3.datadoghq.com")
    assert eu.label == "datadog:datadoghq.eu"
    with pytest.raises(Exception, match="api_key_env"):
        DatadogCollector.configure_target({"api_key_env": "dd 123 secret"}, where, Path("."))
