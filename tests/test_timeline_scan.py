"""A scan of a GitHub organisation and a PagerDuty account: incidents join deployments."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from scanner.store.store import Store, database_url

from documents import mappings
from fakes.github_api import FakeGitHub
from fakes.pagerduty_api import FakePagerDuty

GH_TOKEN = "ghp_timeline_secret_0123456789"
PD_TOKEN = "u+pd_timeline_secret_ABCDEF"
NOW = datetime.now(UTC).replace(microsecond=0)
Cli = Callable[..., Any]


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def evidence_items(document: Any) -> Iterator[dict[str, Any]]:
    return (node for node in mappings(document) if "signal" in node and "entity" in node)


def test_incidents_of_a_repositorys_service_count_in_its_change_failure_rate(
        cli: Cli, tmp_path: Path) -> None:
    with FakeGitHub(GH_TOKEN) as github, FakePagerDuty(PD_TOKEN) as pagerduty:
        github.add_repo("acme", "checkout", {"app.py": "print(1)\n"}, deployments=[
            {"environment": "production", "created_at": ago(d), "state": "SUCCESS",
             "status_at": ago(d)} for d in (20, 10, 5, 2)])
        # two hours after the deployment of 10 days ago, resolved three hours later
        pagerduty.add_incident(ago(10) + timedelta(hours=2),
                               acknowledged=ago(10) + timedelta(hours=2, minutes=5),
                               resolved=ago(10) + timedelta(hours=5), service="checkout")
        pagerduty.add_incident(ago(3), resolved=ago(3) + timedelta(hours=1), service="billing")
        config = tmp_path / "config.yaml"
        config.write_text(
            "targets:\n  github:\n"
            f"    - org: acme\n      base_url: {github.base_url}\n      token_env: GH\n"
            f"  pagerduty:\n    - token_env: PD\n      api_url: {pagerduty.origin}\n")
        result = cli("scan", "--config", str(config), "--format", "json",
                     env={"GH": GH_TOKEN, "PD": PD_TOKEN})
    assert result.code == 0, result.err
    # time to restore decides deployment remediation: the report cites the incident
    restore = next(item for item in evidence_items(json.loads(result.out))
                   if item["entity"] == "repo:127.0.0.1/acme/checkout"
                   and item["signal"] == "dora.time_to_restore_hours")
    assert restore["value"] == 3.0
    assert "1 incidents of checkout from pagerduty:" in restore["note"]
    assert "/incidents/" in restore["locator"]
    assert "incidents of billing matched no scanned repository" in result.out  # a warning
    # no rule reads the change failure rate yet; the store keeps it for trends
    store = Store(database_url(str(tmp_path / "store" / "maturity.db")))
    rows = [(e.value, e.source) for e in store.evidence(store.resolve_id(None))
            if e.entity == "repo:127.0.0.1/acme/checkout"
            and e.signal == "dora.change_failure_rate"]
    assert rows == [(0.25, "timeline")]  # one of four deployments was followed by one
