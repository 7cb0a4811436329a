"""DORA metrics from host-neutral records: deployment days, lead time, failure rate, restore."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from scanner.collectors.hosts.dora import (
    UNDECIDED,
    DoraMetrics,
    compute_dora,
    repository_dora,
)
from scanner.collectors.hosts.records import (
    FAILURE,
    OTHER,
    SUCCESS,
    Deployment,
    HostRepository,
    Issue,
    MergedChange,
    Release,
)
from scanner.collectors.hosts.settings import HostSettings

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
SETTINGS = HostSettings(window_days=28)  # four weeks


def ago(days: float = 0, hours: float = 0) -> datetime:
    return NOW - timedelta(days=days, hours=hours)


def deploy(when: datetime, *, status: str = SUCCESS, sha: str | None = None,
           environment: str = "production", production: bool = True,
           name: str = "") -> Deployment:
    url = f"https://github.com/acme/api/deployments/{name or when.isoformat()}"
    return Deployment(environment, when - timedelta(minutes=10), when, status, sha, url,
                      production)


def change(number: int, merged: datetime, first_commit: datetime | None = None,
           sha: str | None = None) -> MergedChange:
    return MergedChange(number, f"https://github.com/acme/api/pull/{number}", "ana", merged,
                        first_commit, sha)


def incident(number: int, created: datetime, closed: datetime | None = None,
             labels: tuple[str, ...] = ("incident",)) -> Issue:
    return Issue(number, f"https://github.com/acme/api/issues/{number}", created, closed, labels)


def dora(deployments: Sequence[Deployment] | None, changes: Sequence[MergedChange] = (),
         releases: Sequence[Release] | None = None,
         issues: Sequence[Issue] | None = ()) -> DoraMetrics:
    return compute_dora(deployments=deployments, changes=changes, releases=releases,
                        issues=issues, settings=SETTINGS, now=NOW)


def test_deployment_days_count_a_day_once_and_only_successful_production_ones() -> None:
    same_day = ago(days=3).replace(hour=9)
    metrics = dora([
        deploy(same_day, name="a"), deploy(same_day + timedelta(hours=2), name="b"),
        deploy(ago(days=10), name="c"),
        deploy(ago(days=12), status=FAILURE, name="failed"),
        deploy(ago(days=13), status=OTHER, name="running"),
        deploy(ago(days=14), environment="staging", production=False, name="staging"),
        deploy(ago(days=40), name="before-window"),
    ])
    assert metrics.source == "deployments"
    assert metrics.deployments == 3
    assert metrics.deployment_days_per_week == 0.5  # 2 days over 4 weeks
    assert "https://github.com/acme/api/deployments/b" in metrics.evidence_urls
    assert len(metrics.evidence_urls) <= 5


def test_finished_at_is_the_deployment_time_and_created_at_stands_in() -> None:
    # Created late on one day, finished just after midnight UTC: the day it finished counts.
    late = datetime(2026, 11, 20, 23, 55, tzinfo=UTC)
    finished = Deployment("production", late, late + timedelta(minutes=10), SUCCESS, None,
                          "https://x/d/1", True)
    unfinished = Deployment("production", late, None, SUCCESS, None, "https://x/d/2", True)
    assert dora([finished, unfinished]).deployment_days_per_week == 0.5


def test_lead_time_by_merge_sha_from_the_first_commit() -> None:
    # The merge commit was deployed by the second deployment (the first shipped something
    # else): the SHA wins over time order.
    merged = ago(days=5)
    metrics = dora(
        [deploy(merged + timedelta(hours=1), sha="other"),
         deploy(merged + timedelta(hours=6), sha="abc123")],
        [change(1, merged, first_commit=merged - timedelta(hours=18), sha="abc123")],
    )
    assert metrics.lead_time_hours_p50 == 24.0


def test_lead_time_by_time_order_after_a_squash_merge() -> None:
    # A squash merge: the deployed SHA is unknown to the change, so the first production
    # deployment at or after the merge ships it. No first commit: the merge starts the clock.
    merged = ago(days=5)
    metrics = dora(
        [deploy(merged - timedelta(hours=1), sha="older"),
         deploy(merged + timedelta(hours=3), sha="squashed-elsewhere"),
         deploy(merged + timedelta(hours=30), sha="later")],
        [change(2, merged, sha="merge-sha-never-deployed")],
    )
    assert metrics.lead_time_hours_p50 == 3.0


def test_a_change_not_yet_deployed_is_left_out_of_lead_time() -> None:
    metrics = dora(
        [deploy(ago(days=4), sha="a")],
        [change(1, ago(days=5), first_commit=ago(days=6)),  # 48 h
         change(2, ago(days=2), first_commit=ago(days=3))],  # merged after the last deploy
    )
    assert metrics.lead_time_hours_p50 == 48.0


def test_lead_time_is_undecided_when_no_change_was_deployed() -> None:
    metrics = dora([deploy(ago(days=6))], [change(1, ago(days=2))])
    assert metrics.lead_time_hours_p50 is None
    assert metrics.deployments == 1


def test_change_failure_rate_counts_failed_deployments() -> None:
    metrics = dora([
        deploy(ago(days=9), name="ok1"),
        deploy(ago(days=8), status=FAILURE, name="bad"),
        deploy(ago(days=7, hours=-2), name="ok2"),
        deploy(ago(days=6), name="ok3"),
        deploy(ago(days=5), status=OTHER, name="cancelled"),  # no final status: not counted
    ])
    assert metrics.change_failure_rate == 0.25
    assert "https://github.com/acme/api/deployments/bad" in metrics.evidence_urls


def test_an_incident_is_blamed_only_on_a_deployment_shortly_before_it() -> None:
    deployments = [deploy(ago(days=20), name="first"), deploy(ago(days=10), name="second")]
    soon = incident(1, ago(days=10, hours=-5))  # 5 h after the second deployment
    three_days_later = incident(2, ago(days=17))  # 3 days after the first: nobody's fault
    not_an_incident = incident(3, ago(days=10, hours=-1), labels=("bug",))
    assert dora(deployments, issues=[three_days_later, not_an_incident]).change_failure_rate == 0.0
    assert dora(deployments, issues=[soon, three_days_later]).change_failure_rate == 0.5


def test_an_incident_is_blamed_on_the_latest_deployment_only() -> None:
    # Two deployments within the attribution window: only the latest before it is blamed.
    deployments = [deploy(ago(days=10, hours=10), name="a"), deploy(ago(days=10, hours=4),
                                                                    name="b")]
    assert dora(deployments, issues=[incident(1, ago(days=10))]).change_failure_rate == 0.5


def test_an_incident_before_any_deployment_in_the_window_is_not_blamed() -> None:
    # The deployment 3 h before the incident happened before the window: it is not counted,
    # and the incident is not moved onto a deployment in the window.
    deployments = [deploy(ago(days=28, hours=2), name="old"), deploy(ago(days=5), name="new")]
    metrics = dora(deployments, issues=[incident(1, ago(days=27, hours=23))])
    assert metrics.change_failure_rate == 0.0


def test_time_to_restore_from_a_failed_deployment_to_the_next_success() -> None:
    failed_at = ago(days=8)
    metrics = dora([
        deploy(failed_at, status=FAILURE, name="eu-bad"),
        deploy(failed_at + timedelta(hours=1), environment="production-us", name="us-ok"),
        deploy(failed_at + timedelta(hours=3), name="eu-ok"),  # same environment: the fix
    ])
    assert metrics.time_to_restore_hours == 3.0


def test_time_to_restore_from_incident_issues_closed_only() -> None:
    metrics = dora(
        [deploy(ago(days=15))],
        issues=[incident(1, ago(days=10), closed=ago(days=10, hours=-2)),
                incident(2, ago(days=9), closed=ago(days=9, hours=-6)),
                incident(3, ago(days=8), closed=None),  # still open
                incident(4, ago(days=40), closed=ago(days=20))],  # opened before the window
    )
    assert metrics.time_to_restore_hours == 4.0  # median of 2 h and 6 h


def test_time_to_restore_is_undecided_while_a_failure_is_unresolved() -> None:
    metrics = dora([deploy(ago(days=5)), deploy(ago(days=2), status=FAILURE)])
    assert metrics.time_to_restore_hours is None
    assert metrics.change_failure_rate == 0.5


def test_releases_stand_in_for_frequency_only_when_nothing_was_deployed_to_production() -> None:
    releases = [
        Release("v1.2.0", ago(days=2), "https://github.com/acme/api/releases/v1.2.0"),
        Release("v1.1.0", ago(days=9), "https://github.com/acme/api/releases/v1.1.0"),
        Release("v1.1.0-rc1", ago(days=10), "https://x/rc", prerelease=True),
        Release("v1.3.0", None, "https://x/draft", draft=True),
        Release("v1.0.0", ago(days=60), "https://x/old"),
    ]
    staging_only = [deploy(ago(days=1), environment="staging", production=False)]
    metrics = dora(staging_only, [change(1, ago(days=3))], releases,
                   issues=[incident(1, ago(days=4), closed=ago(days=4, hours=-1))])
    assert metrics.source == "releases"
    assert metrics.deployments == 2
    assert metrics.deployment_days_per_week == 0.5
    assert metrics.lead_time_hours_p50 is None
    assert metrics.change_failure_rate is None
    assert metrics.time_to_restore_hours == 1.0
    assert metrics.evidence_urls[0] == "https://github.com/acme/api/releases/v1.2.0"


def test_releases_on_record_but_none_in_the_window_give_zero_frequency() -> None:
    metrics = dora([], releases=[Release("v1", ago(days=200), "https://x/v1")])
    assert (metrics.source, metrics.deployments, metrics.deployment_days_per_week) == (
        "releases", 0, 0.0)


def test_undecidable_without_deployments_or_releases() -> None:
    assert dora(None, releases=[Release("v1", ago(days=2), "https://x/v1")]) == UNDECIDED
    assert dora([], releases=None) == UNDECIDED
    assert dora([], releases=[Release("v1", None, "https://x/d", draft=True)]) == UNDECIDED
    assert UNDECIDED.source is None and UNDECIDED.deployment_days_per_week is None


def test_no_final_deployment_in_the_window_leaves_the_failure_rate_undecided() -> None:
    metrics = dora([deploy(ago(days=1), status=OTHER), deploy(ago(days=90))])
    assert metrics.source == "deployments"
    assert metrics.deployments == 0
    assert metrics.deployment_days_per_week == 0.0
    assert metrics.change_failure_rate is None


def test_repository_dora_reads_the_repository_parts() -> None:
    repo = HostRepository("github.com/acme/api", "https://github.com/acme/api", "main", None,
                          deployments=[deploy(ago(days=1))],
                          changes=[change(1, ago(days=1, hours=2), sha="s")])
    metrics = repository_dora(repo, SETTINGS, NOW)
    assert metrics.lead_time_hours_p50 == 2.0
    assert metrics.change_failure_rate == 0.0
