"""`maturity scan --config` over Datadog, PagerDuty and Prometheus, end to end."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fakes.datadog_api import FakeDatadog
from fakes.pagerduty_api import FakePagerDuty
from fakes.prometheus_api import FakePrometheus, alerting, recording

API_KEY = "dd_end_to_end_api_key_0123456789abcdef"
APP_KEY = "dd_end_to_end_app_key_fedcba9876543210"
PD_TOKEN = "u+pd_end_to_end_token_ABCDEF"
NOW = datetime.now(UTC).replace(microsecond=0)
Cli = Callable[..., Any]
Servers = tuple[FakeDatadog, FakePagerDuty, FakePrometheus]


@pytest.fixture
def servers() -> Iterator[Servers]:
    with FakeDatadog(API_KEY, APP_KEY) as datadog, FakePagerDuty(PD_TOKEN) as pagerduty, \
            FakePrometheus() as prometheus:
        slo = datadog.add_slo("checkout", ["service:checkout", "env:prod", "team:pay"])
        datadog.add_burn_alert(slo, "@pagerduty-pay", ["service:checkout", "env:prod",
                                                       "team:pay"])
        datadog.add_test("checkout journey", tags=["service:checkout"])
        datadog.add_rule("brute force", "service:checkout")
        start = NOW - timedelta(days=4)
        datadog.add_incident("checkout down", created=start, severity="SEV-1",
                             impact_start=start - timedelta(minutes=8), detected=start,
                             resolved=start + timedelta(hours=2),
                             postmortem_at=start + timedelta(days=2), todos=1)
        pagerduty.add_incident(start, acknowledged=start + timedelta(minutes=3),
                               resolved=start + timedelta(hours=1), priority="P1",
                               note="post-mortem https://wiki.example.com/pm/9")
        prometheus.add_group("slo", [
            recording("slo:sli_error:ratio_rate5m", {"sloth_service": "api",
                                                     "sloth_slo": "availability"}),
            alerting("ApiBurn", {"sloth_slo": "availability", "sloth_severity": "page"},
                     "slo:sli_error:ratio_rate5m > 0.0144")])
        yield datadog, pagerduty, prometheus


def config(tmp_path: Path, servers: Servers) -> Path:
    datadog, pagerduty, prometheus = servers
    path = tmp_path / "config.yaml"
    path.write_text(
        "targets:\n"
        "  datadog:\n"
        f"    - site: datadoghq.eu\n      api_url: {datadog.origin}\n      name: acme\n"
        "      api_key_env: ACME_DD_API_KEY\n      app_key_env: ACME_DD_APP_KEY\n"
        "  pagerduty:\n"
        f"    - token_env: ACME_PD_TOKEN\n      api_url: {pagerduty.origin}\n"
        "  prometheus:\n"
        f"    - url: {prometheus.origin}\n      name: prom\n")
    return path


def env(**overrides: str) -> dict[str, str]:
    return {"ACME_DD_API_KEY": API_KEY, "ACME_DD_APP_KEY": APP_KEY, "ACME_PD_TOKEN": PD_TOKEN,
            **overrides}


def subcompetency(document: dict[str, Any], wanted: str) -> dict[str, Any]:
    return next(s for c in document["competencies"] for s in c["subcompetencies"]
                if s["id"] == wanted)


def test_monitoring_tools_are_scanned_scored_and_stored_without_their_keys(
        cli: Cli, servers: Servers, tmp_path: Path) -> None:
    result = cli("scan", "--config", str(config(tmp_path, servers)), "--format", "json",
                 env=env())
    assert result.code == 0, result.err
    document = json.loads(result.out)
    entities = json.dumps(document["entities"])
    for entity in ("datadog:acme", "pagerduty:acme", "prometheus:prom"):
        assert entity in entities
    assert subcompetency(document, "slos")["stage"] != "unknown"
    assert subcompetency(document, "incident_management")["stage"] != "unknown"
    assert subcompetency(document, "post_mortems")["stage"] != "unknown"
    store = tmp_path / "store" / "maturity.db"
    for text in (result.out, result.err, store.read_bytes().decode("latin-1")):
        for secret in (API_KEY, APP_KEY, PD_TOKEN):
            assert secret not in text


def test_a_wrong_key_fails_its_target_only(cli: Cli, servers: Servers, tmp_path: Path) -> None:
    result = cli("scan", "--config", str(config(tmp_path, servers)), "--format", "json",
                 env=env(ACME_DD_APP_KEY="dd_wrong_app_key_123456"))
    assert result.code == 3, result.err
    errors = [line for line in result.err.splitlines() if "datadog:acme" in line]
    assert len(errors) == 1 and "application key in ACME_DD_APP_KEY was refused" in errors[0]
    assert "dd_wrong_app_key_123456" not in result.err + result.out
    assert "Traceback" not in result.err
    assert "pagerduty:acme" in json.dumps(json.loads(result.out)["entities"])
