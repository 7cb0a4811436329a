"""The PagerDuty collector against a real HTTP stand-in for the PagerDuty REST API."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scanner import validate as v
from scanner.collectors.base import ERROR, Collected, CollectSettings
from scanner.collectors.monitoring.pagerduty import PagerDutyCollector
from scanner.evidence import Evidence

from fakes.pagerduty_api import FakePagerDuty

TOKEN = "u+pd_token_0123456789abcdefXYZ"
NOW = datetime.now(UTC).replace(microsecond=0)
ENTITY = "pagerduty:acme"


def ago(days: float = 0, hours: float = 0) -> datetime:
    return NOW - timedelta(days=days, hours=hours)


@pytest.fixture
def fake() -> Iterator[FakePagerDuty]:
    with FakePagerDuty(TOKEN) as server:
        yield server


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAGERDUTY_TOKEN", TOKEN)


def collect(fake: FakePagerDuty, **entry: Any) -> Collected:
    raw = {"api_url": fake.origin, **entry}
    target = PagerDutyCollector.configure_target(raw, v.Where("config.yaml"), Path("."))
    return PagerDutyCollector().collect(target, CollectSettings())


def signals(collected: Collected) -> dict[str, Evidence]:
    return {e.signal: e for e in collected.evidence if e.entity == ENTITY}


def test_a_realistic_timeline_gives_mtta_mttr_and_post_mortems(fake: FakePagerDuty) -> None:
    # (created days ago, minutes to acknowledge, minutes to resolve, priority, post-mortem)
    timeline = [(5, 4, 50, "P1", "Post-mortem: https://wiki.example.com/pm/1"),
                (9, 12, 180, "P1", None), (12, None, 30, "P2", None),
                (20, 2, 25, "P3", "postmortem written"), (33, 30, 1440, "P2", "RCA at "
                                                                         "https://x.example/2"),
                (40, 6, None, "P1", None)]
    acknowledge, restore = [], []
    for days, ack, end, priority, note in timeline:
        created = ago(days=days)
        resolved = created + timedelta(minutes=end) if end else None
        fake.add_incident(created, priority=priority,
                          acknowledged=created + timedelta(minutes=ack) if ack else None,
                          resolved=resolved, note=note,
                          noted_at=resolved + timedelta(days=2) if resolved else None)
        if ack:
            acknowledge.append(ack)
        if end:
            restore.append(end / 60)
    fake.add_incident(ago(days=200), acknowledged=ago(days=200), resolved=ago(days=199))
    collected = collect(fake)
    assert collected.entities == [ENTITY], collected.problems
    found = signals(collected)
    assert found["incidents.count"].value == 6
    assert found["incidents.measured_share"].value == round(4 / 5, 3)  # one never acknowledged
    assert found["incidents.mtta_minutes_p50"].value == statistics.median(acknowledge)
    assert found["incidents.mttr_hours_p50"].value == round(statistics.median(restore), 3)
    assert found["incidents.mttr_hours_p90"].value == pytest.approx(
        statistics.quantiles(restore, n=10, method="inclusive")[-1], abs=1e-3)
    assert "incidents.mttd_minutes_p50" not in found  # PagerDuty records no impact start
    # resolved P1/P2 incidents: 4; with a post-mortem note: 2
    assert found["postmortems.incident_share"].value == 0.5
    assert found["postmortems.days_after_incident_p50"].value == 2.0
    assert "https://wiki.example.com/pm/1" in found["postmortems.incident_share"].locators
    assert found["incidents.count"].locators[0] == "https://acme.pagerduty.com/incidents"
    assert "oncall.off_hours_pages_per_week" in found
    assert fake.count("/incidents/") == 4  # notes of resolved significant incidents only


def test_a_window_past_the_offset_cap_is_split(fake: FakePagerDuty) -> None:
    for n in range(10_250):
        created = ago(days=1 + n / 200)
        fake.add_incident(created, acknowledged=created + timedelta(minutes=5),
                          resolved=created + timedelta(minutes=65), urgency="low")
    collected = collect(fake, window_days=60)
    found = signals(collected)
    assert found["incidents.count"].value == 10_250
    assert found["incidents.mttr_hours_p50"].value == pytest.approx(65 / 60, abs=1e-3)
    assert found["incidents.measured_share"].value == 1.0
    offsets = [int(r.query["offset"][0]) for r in fake.requests if r.path == "/incidents"]
    assert max(offsets) + 100 <= 10_000 and all(r.status == 200 for r in fake.requests)
    assert not [p for p in collected.problems if p.severity == ERROR]


def test_long_windows_are_read_in_six_month_parts(fake: FakePagerDuty) -> None:
    fake.add_incident(ago(days=300), acknowledged=ago(days=300), resolved=ago(days=299))
    fake.add_incident(ago(days=10), acknowledged=ago(days=10), resolved=ago(days=9))
    found = signals(collect(fake, window_days=365))
    assert found["incidents.count"].value == 2
    assert fake.count("/incidents") >= 3 and all(r.status == 200 for r in fake.requests)


def test_rate_limits_are_waited_out(fake: FakePagerDuty) -> None:
    fake.add_incident(ago(days=3), acknowledged=ago(days=3), resolved=ago(days=2))
    fake.fail_next("/incidents", 429, {"ratelimit-limit": "960", "ratelimit-remaining": "0",
                                       "ratelimit-reset": "1"},
                   {"error": {"message": "Rate Limit Exceeded", "code": 2020}})
    fake.fail_next("/log_entries", 502, body=None)
    found = signals(collect(fake))
    assert found["incidents.count"].value == 1
    assert found["incidents.measured_share"].value == 1.0
    assert [r.status for r in fake.requests if r.path in ("/incidents", "/log_entries")][:4] == [
        429, 200, 502, 200]


def test_a_token_without_the_scope_leaves_the_account_without_evidence() -> None:
    with FakePagerDuty(TOKEN, scopes={"services.read"}) as scoped:
        scoped.add_incident(ago(days=3), resolved=ago(days=2))
        collected = collect(scoped)
    assert collected.entities == ["pagerduty:acme"] and not collected.evidence
    [problem] = collected.problems
    assert "incidents not readable: the token lacks the incidents.read scope" in problem.message
    assert problem.severity != ERROR


def test_a_refused_token_is_one_error_without_the_token(
        fake: FakePagerDuty, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAGERDUTY_TOKEN", "u+revoked_token_987")
    [problem] = collect(fake).problems
    assert problem.severity == ERROR and "PAGERDUTY_TOKEN was refused" in problem.message
    assert "revoked_token" not in problem.line()
    assert fake.count() == 1


def test_an_empty_account_counts_zero_and_measures_nothing(fake: FakePagerDuty) -> None:
    collected = collect(fake)
    found = signals(collected)
    assert found["incidents.count"].value == 0
    assert set(found) == {"incidents.count"}
    assert not collected.problems


def test_configuration_is_checked() -> None:
    where = v.Where("config.yaml")
    with pytest.raises(Exception, match="timezone"):
        PagerDutyCollector.configure_target({"timezone": "Mars/Olympus"}, where, Path("."))
    with pytest.raises(Exception, match="token_env"):
        PagerDutyCollector.configure_target({"token_env": "u+abc"}, where, Path("."))
    target = PagerDutyCollector.configure_target({}, where, Path("."))
    assert target.options["api_url"] == "https://api.pagerduty.com"
