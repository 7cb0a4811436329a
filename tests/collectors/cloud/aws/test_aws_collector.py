"""The AWS collector against moto estates: what each account shows, and how refused,
unanswered and throttled calls leave only their own signals without evidence."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from scanner.collectors.base import ERROR, Collected, CollectSettings, Target
from scanner.collectors.cloud.aws.collector import AwsCollector
from scanner.collectors.cloud.aws.target import AccountTarget
from scanner.validate import Where

import aws_estate as estate

PROD, DEV = "111111111111", "222222222222"
REGIONS = ("eu-west-1", "us-east-1")


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAMATURITYTEST0001")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", estate.SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def fleet() -> Iterator[None]:
    """Production: tagged, security on, half the databases Multi-AZ, in two regions.
    Development: one region, nothing tagged, no security services."""
    with mock_aws():
        for region in REGIONS:
            estate.Builder(estate.account_session(PROD, region), region).build(
                estate.Shape(predictive=region == "us-east-1"), prefix=f"shop-{region}")
        estate.Builder(estate.account_session(PROD, "eu-west-1"), "eu-west-1").trail("prod-trail")
        estate.Builder(estate.account_session(DEV, "eu-west-1"), "eu-west-1").build(
            estate.Shape(tagged=False, security=False, databases=1, multi_az_databases=0,
                         scalable_tables=0), prefix="dev")
        yield


UNANSWERED = {"rum.ListAppMonitors": estate.refuse("404", 404),
              "application-signals.ListServiceLevelObjectives": estate.refuse("404", 404),
              "ssm-incidents.ListIncidentRecords": estate.refuse("404", 404)}


def scan(account: str, regions: tuple[str, ...] = REGIONS, **options: Any) -> Collected:
    target = AccountTarget(role_arn=estate.role_arn(account), regions=regions, **options)
    return AwsCollector().collect(Target("aws", target.label, target.to_options()),
                                  CollectSettings())


def values(collected: Collected) -> dict[str, Any]:
    return {e.signal: e.value for e in collected.evidence}


def answered(**extra: estate.Answer) -> dict[str, estate.Answer]:
    return {**UNANSWERED, **estate.patch_states(3, 1), **estate.restore_tests(4),
            **estate.selections("arn:aws:rds:*"), **estate.experience(2, 1, 3), **extra}


def test_a_production_account_in_two_regions(fleet: None) -> None:
    with estate.answering(answered()):
        found = scan(PROD)
    seen = values(found)
    assert found.entities == [f"aws:{PROD}"]
    # 2 regions x (2 instances, 2 groups, 1 load balancer, 2 databases, 1 table,
    # 2 buckets (one of them a stack's), 1 function, 2 repositories) + the trail's bucket
    assert seen["aws.resources"] == 27
    assert seen["aws.iac_managed_share"] == round(2 / 27, 3)
    assert seen["aws.multi_az_share"] == round(6 / 10, 3)  # group 0, LB, db 0 per region
    assert seen["aws.databases_multi_az_share"] == 0.5
    assert seen["aws.multi_region"] is True
    assert seen["aws.autoscaling_share"] == round(4 / 6, 3)  # 1 of 2 groups + table target
    assert seen["aws.scheduled_scaling"] is True and seen["aws.predictive_scaling"] is True
    assert seen["aws.guardduty_all_regions"] is True
    assert seen["aws.cloudtrail_multi_region"] is True
    assert seen["aws.failed_login_alarm"] is True
    assert seen["aws.securityhub_all_regions"] is True
    assert seen["aws.config_recording_all_regions"] is True
    assert seen["aws.inspector_coverage_share"] == 1.0
    assert seen["aws.image_scan_share"] == 0.5
    assert seen["aws.backup_coverage_share"] == round(4 / 10, 3)  # RDS of 10 stateful
    assert seen["aws.backup_cross_region"] is True
    assert seen["aws.native_backups_share"] == round(4 / 6, 3)
    assert seen["aws.patch_compliance_share"] == 0.75
    assert seen["aws.patch_critical_missing"] == 2
    assert seen["aws.restore_tests_90d"] == 8
    assert seen["aws.fis_templates"] == 2 and seen["aws.fis_experiments_90d"] == 2
    assert seen["aws.resilience_hub_apps"] == 2
    for item in found.evidence:
        assert item.entity == f"aws:{PROD}"
        assert item.locators or item.value == [], item.signal
        assert all(loc.startswith(("arn:aws:", "https://")) for loc in item.locators), item


def test_a_bare_account_has_no_evidence_where_there_is_nothing_to_measure(fleet: None) -> None:
    with estate.answering({**UNANSWERED, **estate.patch_states(0, 0)}):
        found = scan(DEV, ("eu-west-1",))
    seen = values(found)
    assert seen["aws.required_tags_share"] == 0.0
    assert seen["aws.guardduty_all_regions"] is False
    assert seen["aws.multi_region"] is False
    assert seen["aws.databases_multi_az_share"] == 0.0
    # No managed instances: patching is absent, not a failing zero.
    assert not {"aws.patch_compliance_share", "aws.patch_age_days_p90"} & set(seen)


def test_calls_moto_does_not_answer_are_no_evidence_with_a_note(fleet: None) -> None:
    """Without canned answers: SSM patch states, backup selections and restore jobs,
    RUM, Application Signals and Incident Manager are not implemented by moto."""
    with estate.answering(UNANSWERED):
        found = scan(PROD)
    seen = values(found)
    missing = {"aws.patch_compliance_share", "aws.restore_tests_90d", "aws.slos",
               "aws.incidents", "aws.backup_coverage_share", "aws.restore_testing_plans"}
    assert not missing & set(seen)
    notes = " | ".join(p.message for p in found.problems)
    for action in ("ssm:DescribeInstanceInformation", "backup:ListRestoreJobs",
                   "backup:ListBackupSelections", "rum:ListAppMonitors",
                   "ssm-incidents:ListIncidentRecords"):
        assert action in notes
    assert all(p.severity != ERROR for p in found.problems)
    assert seen["aws.guardduty_all_regions"] is True  # the rest completed
    assert "aws.journeys_covered" not in seen  # no canaries, and RUM unanswered


def test_access_denied_in_one_region_names_the_permission(fleet: None) -> None:
    denied = estate.refuse("AccessDeniedException")
    with estate.answering(answered(**{"guardduty.ListDetectors": denied})):
        found = scan(PROD)
    seen = values(found)
    assert "aws.guardduty_all_regions" not in seen
    lines = [p.message for p in found.problems if "guardduty" in p.message]
    assert len(lines) == 1 and "guardduty:ListDetectors" in lines[0]
    assert "access denied" in lines[0]
    assert seen["aws.cloudtrail_multi_region"] is True


def test_throttling_is_retried(fleet: None) -> None:
    with estate.throttling("/experimentTemplates", times=2), estate.answering(answered()):
        found = scan(PROD, ("eu-west-1",))
    assert values(found)["aws.fis_templates"] == 1


def test_a_missing_profile_is_one_error_line(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    target = AccountTarget(profile="nope", regions=("eu-west-1",))
    found = AwsCollector().collect(Target("aws", target.label, target.to_options()),
                                   CollectSettings())
    assert [p.severity for p in found.problems] == [ERROR]
    assert "profile 'nope' is not configured" in found.problems[0].message
    assert not found.evidence and not found.entities


def test_a_region_not_enabled_is_skipped_with_one_line(fleet: None) -> None:
    with estate.answering(answered()):
        found = scan(PROD, ("eu-west-1", "ap-east-1"))
    lines = [p.message for p in found.problems if "ap-east-1" in p.message]
    assert lines == [f"region ap-east-1 is not enabled in account {PROD}; skipped"]
    assert values(found)["aws.guardduty_all_regions"] is True


def test_the_secret_key_appears_nowhere(fleet: None) -> None:
    with estate.answering(answered(**{"ec2.DescribeInstances": estate.refuse(
            "AuthFailure", 401)})):
        found = scan(PROD)
    text = repr(found.evidence) + repr(found.problems)
    assert estate.SECRET not in text


def test_config_entries_are_checked() -> None:
    where = Where("config.yaml")
    target = AwsCollector.configure_target(
        {"role_arn": estate.role_arn(PROD), "regions": ["eu-west-1"],
         "endpoint_url": "http://127.0.0.1:5000", "iac_tags": ["managed-by=terraform"]},
        where.at("targets.aws[0]"), Path("."))
    assert target.label == f"aws/{PROD}/{estate.ROLE}"
    for bad, message in (({"role_arn": "arn:aws:iam::1:user/x"}, "not an IAM role ARN"),
                         ({"regions": ["mars-1"]}, "not a region name"),
                         ({"profile": "p", "token": "x"}, "unknown key")):
        with pytest.raises(Exception, match=message):
            AwsCollector.configure_target(bad, where, Path("."))
