"""The Prometheus collector against a stand-in for its rules API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scanner import validate as v
from scanner.collectors.base import ERROR, Collected, CollectSettings
from scanner.collectors.monitoring.prometheus import PrometheusCollector
from scanner.evidence import Evidence

from fakes.prometheus_api import FakePrometheus, alerting, recording

SLOTH = {"sloth_service": "checkout", "sloth_slo": "requests-availability",
         "sloth_id": "checkout-requests-availability"}


def collect(server: FakePrometheus, **entry: Any) -> Collected:
    target = PrometheusCollector.configure_target({"url": server.origin, **entry},
                                                  v.Where("config.yaml"), Path("."))
    return PrometheusCollector().collect(target, CollectSettings())


def signals(collected: Collected) -> dict[str, Evidence]:
    return {e.signal: e for e in collected.evidence}


def sloth_rules(server: FakePrometheus, severity: str) -> None:
    server.add_group("sloth-slo-sli-recordings-checkout-requests-availability", [
        recording("slo:sli_error:ratio_rate5m", {**SLOTH, "sloth_window": "5m"}),
        recording("slo:sli_error:ratio_rate1h", {**SLOTH, "sloth_window": "1h"})])
    server.add_group("sloth-slo-alerts-checkout-requests-availability", [
        alerting("CheckoutAvailabilityBurn", {**SLOTH, "sloth_severity": severity},
                 "(slo:sli_error:ratio_rate5m > (14.4 * 0.001))")])
    server.add_group("services", [
        alerting("SearchDown", {"service": "search", "severity": "page"}, "up == 0"),
        recording("job:http_requests:rate5m", {"service": "cart"})])


def test_sloth_rules_give_slos_burn_alerts_and_paging() -> None:
    with FakePrometheus() as server:
        sloth_rules(server, "page")
        collected = collect(server)
    found = signals(collected)
    assert collected.entities == [f"prometheus:{server.origin.removeprefix('http://')}"]
    assert found["monitoring.slos"].value == 1
    assert found["monitoring.services_with_slos_share"].value == round(1 / 3, 3)
    assert found["monitoring.slo_burn_alerts"].value is True
    assert found["monitoring.slo_gates"].value is True
    assert found["monitoring.slos"].locator == f"{server.origin}/rules"


def test_a_ticket_only_burn_alert_does_not_gate() -> None:
    with FakePrometheus() as server:
        sloth_rules(server, "ticket")
        found = signals(collect(server))
    assert found["monitoring.slo_burn_alerts"].value is True
    assert found["monitoring.slo_gates"].value is False


def test_pyrra_rules_and_paged_groups() -> None:
    with FakePrometheus() as server:
        for n in range(450):
            server.add_group(f"g{n:03d}", [recording(
                "http_requests:burnrate5m", {"slo": f"api-{n}", "service": f"svc{n % 9}"})])
        server.add_group("zz-alerts", [alerting(
            "ErrorBudgetBurn", {"slo": "api-1", "severity": "critical"},
            "http_requests:burnrate5m > 14")])
        found = signals(collect(server))
        pages = [r.query for r in server.requests]
    assert found["monitoring.slos"].value == 450
    assert found["monitoring.services_with_slos_share"].value == 1.0
    assert found["monitoring.slo_gates"].value is True
    assert len(pages) == 3 and "group_next_token" in pages[1]


def test_no_rules_and_a_refused_server() -> None:
    with FakePrometheus() as empty:
        found = signals(collect(empty))
    assert found["monitoring.slos"].value == 0 and found["monitoring.slo_burn_alerts"].value \
        is False
    assert "monitoring.services_with_slos_share" not in found
    with FakePrometheus(token="prom-secret-token") as guarded:
        collected = collect(guarded)
    [problem] = collected.problems
    assert problem.severity == ERROR and "unauthorized" in problem.message
    assert not collected.entities


def test_a_bearer_token_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROM_TOKEN", "prom-secret-token")
    with FakePrometheus(token="prom-secret-token") as guarded:
        sloth_rules(guarded, "page")
        collected = collect(guarded, token_env="PROM_TOKEN")
    assert signals(collected)["monitoring.slos"].value == 1
