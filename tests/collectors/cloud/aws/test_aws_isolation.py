"""Listings read to their last page, and each signal waiting only on the calls that
decide it: a refused call leaves its own signals without evidence, named by its IAM
action, and every other signal decided."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from scanner.collectors.base import ERROR, Collected, CollectSettings, Target
from scanner.collectors.cloud.aws import calls
from scanner.collectors.cloud.aws.collector import AwsCollector
from scanner.collectors.cloud.aws.target import AccountTarget

import aws_estate as estate

ACCOUNT = "666666666666"
REGION = "eu-west-1"


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAMATURITYTEST0004")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", estate.SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def account() -> Iterator[estate.Builder]:
    with mock_aws():
        builder = estate.Builder(estate.account_session(ACCOUNT, REGION), REGION)
        builder.build(estate.Shape())
        builder.trail("isolation-trail")
        yield builder


def scan(**answers: estate.Answer) -> tuple[Collected, dict[str, Any], str]:
    canned = {"rum.ListAppMonitors": estate.refuse("404", 404),
              "application-signals.ListServiceLevelObjectives": estate.refuse("404", 404),
              "ssm-incidents.ListIncidentRecords": estate.refuse("404", 404),
              **estate.patch_states(1, 1), **estate.restore_tests(1),
              **estate.selections("arn:aws:rds:*"), **answers}
    target = AccountTarget(role_arn=estate.role_arn(ACCOUNT), regions=(REGION,))
    with estate.answering(canned):
        found = AwsCollector().collect(Target("aws", target.label, target.to_options()),
                                       CollectSettings())
    assert all(p.severity != ERROR for p in found.problems), found.problems
    return (found, {e.signal: e.value for e in found.evidence},
            " | ".join(p.message for p in found.problems))


def test_canaries_are_read_past_the_first_page_of_twenty(account: estate.Builder) -> None:
    _, seen, _ = scan(**estate.canaries(45))
    assert seen["aws.synthetics_canaries"] == 45
    assert seen["aws.journeys_covered"] == 23  # the running ones, no RUM


def test_resilience_hub_apps_are_read_past_the_first_page_of_a_hundred(
        account: estate.Builder) -> None:
    hub = account.client("resiliencehub")
    for n in range(130):
        hub.create_app(name=f"app-{n}")
    _, seen, _ = scan()
    assert seen["aws.resilience_hub_apps"] == 131  # and the estate's own


def test_a_listing_longer_than_the_page_bound_is_cut_with_a_note(
        account: estate.Builder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(calls, "MAX_PAGES", 2)
    _, seen, notes = scan(**estate.canaries(45))
    assert seen["aws.synthetics_canaries"] == 40
    assert f"synthetics:DescribeCanaries in {REGION} has more than 2 pages" in notes
    monkeypatch.setattr(calls, "MAX_PAGES", 3)  # exactly the three pages there are
    _, seen, notes = scan(**estate.canaries(45))
    assert seen["aws.synthetics_canaries"] == 45 and "DescribeCanaries" not in notes


def test_a_refused_selection_read_leaves_cross_region_copies_decided(
        account: estate.Builder) -> None:
    _, seen, notes = scan(**{"backup.ListBackupSelections":
                             estate.refuse("AccessDeniedException")})
    assert seen["aws.backup_cross_region"] is True  # GetBackupPlan alone decides it
    assert "aws.backup_coverage_share" not in seen
    assert "no evidence for aws.backup_coverage_share: access denied to " \
        "backup:ListBackupSelections" in notes


def test_a_refused_plan_read_leaves_coverage_decided(account: estate.Builder) -> None:
    _, seen, notes = scan(**{"backup.GetBackupPlan": estate.refuse("AccessDeniedException")})
    assert seen["aws.backup_coverage_share"] == round(2 / 5, 3)  # RDS of 5 stateful
    assert "aws.backup_cross_region" not in seen
    assert "no evidence for aws.backup_cross_region: access denied to backup:GetBackupPlan" \
        in notes


def test_refused_detail_reads_keep_the_resources_counted(account: estate.Builder) -> None:
    _, counted, _ = scan()
    _, seen, notes = scan(**{
        "dynamodb.DescribeContinuousBackups": estate.refuse("AccessDeniedException"),
        "rds.DescribeGlobalClusters": estate.refuse("AccessDeniedException"),
        "s3.GetBucketReplication": estate.refuse("AccessDenied")})
    assert seen["aws.resources"] == counted["aws.resources"]
    assert seen["aws.databases_multi_az_share"] == counted["aws.databases_multi_az_share"]
    assert "aws.native_backups_share" not in seen
    assert "dynamodb:DescribeContinuousBackups" in notes
    # No replication found and replication not read: neither "none" nor "one region".
    assert "aws.replication" not in seen and "aws.multi_region" not in seen
    assert "rds:DescribeGlobalClusters" in notes or "s3:GetReplicationConfiguration" in notes
    assert {"aws.native_backups_share", "aws.replication", "aws.multi_region"} <= set(counted)


def test_a_refused_trail_status_costs_only_the_trail_signal(account: estate.Builder) -> None:
    _, seen, notes = scan(**{"cloudtrail.GetTrailStatus": estate.refuse("AccessDeniedException")})
    assert "aws.cloudtrail_multi_region" not in seen
    assert "cloudtrail:GetTrailStatus" in notes
    assert seen["aws.failed_login_alarm"] is True  # the rest of the area completed


def test_refused_scheduled_actions_leave_the_scaling_policies_decided(
        account: estate.Builder) -> None:
    _, seen, notes = scan(**{"autoscaling.DescribeScheduledActions":
                             estate.refuse("AccessDenied")})
    assert seen["aws.autoscaling_share"] == round(2 / 3, 3)  # 1 of 2 groups + table target
    assert seen["aws.predictive_scaling"] is False
    assert "aws.scheduled_scaling" not in seen
    assert "no evidence for aws.scheduled_scaling: access denied to " \
        "autoscaling:DescribeScheduledActions" in notes


def test_a_long_listing_does_not_become_unbounded_detail_calls(
        account: estate.Builder) -> None:
    """Each listed table is a describe call: past the account's max_requests nothing more
    is sent, and what was not asked is named, not counted as absent."""
    dynamodb = account.client("dynamodb")
    for n in range(150):
        dynamodb.create_table(TableName=f"t{n}", BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[{"AttributeName": "k",
                                                     "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}])
    target = AccountTarget(role_arn=estate.role_arn(ACCOUNT), regions=(REGION,),
                           max_requests=120)
    with estate.answering({"rum.ListAppMonitors": estate.refuse("404", 404)}):
        found = AwsCollector().collect(Target("aws", target.label, target.to_options()),
                                       CollectSettings())
    notes = [p.message for p in found.problems]
    assert any("DynamoDB tables not counted (dynamodb:DescribeTable in eu-west-1 not "
               "asked: the account's budget of requests was spent (max_requests on the "
               "account target raises it)" in note for note in notes), notes
    assert all(p.severity != ERROR for p in found.problems)  # the account still counts
