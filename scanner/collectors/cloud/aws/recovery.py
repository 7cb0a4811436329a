"""Disaster recovery: backup plans and the share of stateful resources they select,
copies to another region or account, restore tests, and the databases' own recovery
(RDS automated backups, DynamoDB point-in-time recovery)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from fnmatch import fnmatchcase
from typing import Any

from scanner.collectors.cloud.aws.context import Context
from scanner.collectors.cloud.aws.inventory import Inventory, Resource
from scanner.collectors.cloud.aws.signals import Out, console

STATEFUL = ("ec2-instance", "rds-instance", "rds-cluster", "dynamodb-table")
NATIVE = ("rds-instance", "rds-cluster", "dynamodb-table")
WINDOW = timedelta(days=90)
TAG_PREFIX = "aws:ResourceTag/"


@dataclass
class _Plans:
    plans: list[str] = field(default_factory=list)
    selections: list[Mapping[str, Any]] = field(default_factory=list)
    copies: list[str] = field(default_factory=list)  # plans copying out of region/account


def observe(c: Context, inventory: Inventory, out: Out) -> None:
    def read(region: str) -> _Plans:
        found = _Plans()
        for summary in c.reader.iterate("backup", region, "list_backup_plans",
                                        "BackupPlansList"):
            plan_id = summary["BackupPlanId"]
            arn = str(summary.get("BackupPlanArn") or plan_id)
            found.plans.append(arn)
            plan = c.reader.call("backup", region, "get_backup_plan", BackupPlanId=plan_id)
            for rule in (plan.get("BackupPlan") or {}).get("Rules") or []:
                for copy in rule.get("CopyActions") or []:
                    parts = str(copy.get("DestinationBackupVaultArn", "")).split(":")
                    if len(parts) > 4 and (parts[3] != region or parts[4] != c.account.id):
                        found.copies.append(arn)
            for item in c.reader.iterate("backup", region, "list_backup_selections",
                                         "BackupSelectionsList", BackupPlanId=plan_id):
                selection = c.reader.call("backup", region, "get_backup_selection",
                                          BackupPlanId=plan_id, SelectionId=item["SelectionId"])
                found.selections.append({**selection.get("BackupSelection", {}),
                                         "region": region})
        return found

    regions, gaps = c.per_region(read)
    plans = [p for r in regions.values() for p in r.plans]
    stateful = inventory.of(*STATEFUL)
    if gaps:
        out.lacking(["aws.backup_coverage_share", "aws.backup_cross_region"], gaps[0])
    else:
        selections = [s for r in regions.values() for s in r.selections]
        covered = [r.arn for r in stateful if any(selects(s, r) for s in selections)]
        out.share("aws.backup_coverage_share", covered, [r.arn for r in stateful],
                  f"EC2 instances, RDS instances and clusters and DynamoDB tables are selected "
                  f"by one of {len(plans)} backup plans; {inventory.counted()}")
        if plans:
            copies = sorted({p for r in regions.values() for p in r.copies})
            out.emit("aws.backup_cross_region", bool(copies), copies or plans,
                     f"{len(copies)} of {len(plans)} backup plans copy to another region "
                     "or account")
    databases = inventory.of(*NATIVE)
    out.share("aws.native_backups_share", [r.arn for r in databases if r.backups],
              [r.arn for r in databases], "RDS databases keep automated backups or DynamoDB "
              f"tables have point-in-time recovery; {inventory.counted()}")
    _restores(c, out)


def _restores(c: Context, out: Out) -> None:
    testing, gaps = c.per_region(lambda region: c.reader.pages(
        "backup", region, "list_restore_testing_plans", "RestoreTestingPlans"))
    plans = [p for found in testing.values() for p in found]
    last = max((p["LastExecutionTime"] for p in plans if p.get("LastExecutionTime")),
               default=None)
    out.count("aws.restore_testing_plans", len(plans),
              [str(p.get("RestoreTestingPlanArn")) for p in plans]
              or [console(r, "backup/home#/restoretesting") for r in c.regions], gaps,
              f"{len(plans)} restore-testing plans"
              + (f", last run {last:%Y-%m-%d}" if last else ""))
    since = c.now - WINDOW
    jobs, gaps = c.per_region(lambda region: [
        (region, job) for job in c.reader.iterate(
            "backup", region, "list_restore_jobs", "RestoreJobs", ByCreatedAfter=since)])
    done = [(region, job) for found in jobs.values() for region, job in found
            if job.get("Status") == "COMPLETED"]
    from_plans = sum(1 for _, job in done if (job.get("CreatedBy") or {})
                     .get("RestoreTestingPlanArn"))
    out.count("aws.restore_tests_90d", len(done),
              [_job_locator(c, region, job) for region, job in done]
              or [console(r, "backup/home#/jobs/restore") for r in c.regions], gaps,
              f"{len(done)} restore jobs completed since {since:%Y-%m-%d}, {from_plans} of "
              "them started by a restore-testing plan")


def _job_locator(c: Context, region: str, job: Mapping[str, Any]) -> str:
    return str(job.get("CreatedResourceArn")
               or console(region, f"backup/home#/jobs/restore/details/{job.get('RestoreJobId')}"))


def selects(selection: Mapping[str, Any], resource: Resource) -> bool:
    """Whether a backup selection (in its own region) picks a resource: listed ARNs and
    tag conditions must both hold where given."""
    if selection.get("region") != resource.region:
        return False
    arns: Sequence[str] = selection.get("Resources") or []
    tags: Sequence[Mapping[str, str]] = selection.get("ListOfTags") or []
    conditions: Mapping[str, Sequence[Mapping[str, str]]] = selection.get("Conditions") or {}
    if not arns and not tags and not any(conditions.values()):
        return False
    if arns and not any(fnmatchcase(resource.arn, p) for p in arns):
        return False
    if any(fnmatchcase(resource.arn, p) for p in selection.get("NotResources") or []):
        return False
    if tags and not any(resource.tags.get(t.get("ConditionKey", "")) == t.get("ConditionValue")
                        for t in tags):
        return False
    return all(_condition(op, item, resource.tags) for op, items in conditions.items()
               for item in items)


def _condition(op: str, item: Mapping[str, str], tags: Mapping[str, str]) -> bool:
    key = item.get("ConditionKey", "").removeprefix(TAG_PREFIX)
    value, wanted = tags.get(key), item.get("ConditionValue", "")
    if op == "StringEquals":
        return value == wanted
    if op == "StringNotEquals":
        return value != wanted
    if op == "StringLike":
        return value is not None and fnmatchcase(value, wanted)
    if op == "StringNotLike":
        return value is None or not fnmatchcase(value, wanted)
    return True

