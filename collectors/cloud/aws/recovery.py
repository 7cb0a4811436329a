"""Disaster recovery: backup plans and the share of stateful resources they select,
copies to another region or account, restore tests, and the databases' own recovery
(RDS automated backups, DynamoDB point-in-time recovery)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from fnmatch import fnmatchcase
from typing import Any

from scanner.collectors.cloud.aws.api import Api
from scanner.collectors.cloud.aws.calls import Unanswered
from scanner.collectors.cloud.aws.context import Context
from scanner.collectors.cloud.aws.inventory import BACKUPS, Inventory, Resource
from scanner.collectors.cloud.aws.signals import Out, console

STATEFUL = ("ec2-instance", "rds-instance", "rds-cluster", "dynamodb-table")
NATIVE = ("rds-instance", "rds-cluster", "dynamodb-table")
WINDOW = timedelta(days=90)
TAG_PREFIX = "aws:ResourceTag/"
PLANS = Api("backup", "list_backup_plans", ("BackupPlansList[].BackupPlanId",
                                            "BackupPlansList[].BackupPlanArn"),
            items="BackupPlansList")
PLAN = Api("backup", "get_backup_plan", (
    "BackupPlan.Rules[].CopyActions[].DestinationBackupVaultArn",), ("BackupPlanId",))
SELECTIONS = Api("backup", "list_backup_selections", ("BackupSelectionsList[].SelectionId",),
                 ("BackupPlanId",), items="BackupSelectionsList")
SELECTION = Api("backup", "get_backup_selection", tuple(
    f"BackupSelection.{path}" for path in (
        "Resources", "NotResources", "ListOfTags[].ConditionKey",
        "ListOfTags[].ConditionValue",
        *(f"Conditions.{op}[].{key}" for op in ("StringEquals", "StringNotEquals",
                                                "StringLike", "StringNotLike")
          for key in ("ConditionKey", "ConditionValue")))),
    ("BackupPlanId", "SelectionId"))
RESTORE_TESTING_PLANS = Api("backup", "list_restore_testing_plans", (
    "RestoreTestingPlans[].RestoreTestingPlanArn", "RestoreTestingPlans[].LastExecutionTime"),
    items="RestoreTestingPlans")
RESTORE_JOBS = Api("backup", "list_restore_jobs", (
    "RestoreJobs[].Status", "RestoreJobs[].RestoreJobId", "RestoreJobs[].CreatedResourceArn",
    "RestoreJobs[].CreatedBy.RestoreTestingPlanArn"), ("ByCreatedAfter",), items="RestoreJobs")


@dataclass(frozen=True)
class _Plan:
    id: str
    arn: str
    region: str


def observe(c: Context, inventory: Inventory, out: Out) -> None:
    """Coverage needs the plans' selections, cross-region copies only the plans' rules:
    a refused selection read leaves the copies decided, and the other way round."""
    listed, gaps = c.per_region(lambda region: [
        _Plan(str(p["BackupPlanId"]), str(p.get("BackupPlanArn") or p["BackupPlanId"]), region)
        for p in c.reader.iterate(PLANS, region)])
    plans = [p for found in listed.values() for p in found]
    _coverage(c, inventory, out, plans, gaps)
    _copies(c, out, plans, gaps)
    databases = inventory.of(*NATIVE)
    backup_gaps = inventory.detail_gaps.get(BACKUPS, [])
    if backup_gaps:
        out.lacking(["aws.native_backups_share"], backup_gaps[0])
    else:
        out.share("aws.native_backups_share", [r.arn for r in databases if r.backups],
                  [r.arn for r in databases], "RDS databases keep automated backups or "
                  f"DynamoDB tables have point-in-time recovery; {inventory.counted()}")
    _restores(c, out)


def _coverage(c: Context, inventory: Inventory, out: Out, plans: Sequence[_Plan],
              gaps: Sequence[Unanswered]) -> None:
    def selections(plan: _Plan) -> list[dict[str, Any]]:
        return [{**c.reader.call(SELECTION, plan.region, BackupPlanId=plan.id,
                                 SelectionId=item["SelectionId"]).get("BackupSelection", {}),
                 "region": plan.region}
                for item in c.reader.iterate(SELECTIONS, plan.region, BackupPlanId=plan.id)]

    chosen: list[Mapping[str, Any]] = []
    try:
        for plan in plans:
            chosen += selections(plan)
    except Unanswered as gap:
        gaps = [*gaps, gap]
    if gaps:
        out.lacking(["aws.backup_coverage_share"], gaps[0])
        return
    stateful = inventory.of(*STATEFUL)
    covered = [r.arn for r in stateful if any(selects(s, r) for s in chosen)]
    out.share("aws.backup_coverage_share", covered, [r.arn for r in stateful],
              f"EC2 instances, RDS instances and clusters and DynamoDB tables are selected "
              f"by one of {len(plans)} backup plans; {inventory.counted()}")


def _copies(c: Context, out: Out, plans: Sequence[_Plan], gaps: Sequence[Unanswered]) -> None:
    """Plans with a rule that copies to a vault in another region or account: one such
    plan settles it; "none" needs every plan read."""
    copying: list[str] = []
    unread = list(gaps)
    for plan in plans:
        try:
            rules = (c.reader.call(PLAN, plan.region, BackupPlanId=plan.id)
                     .get("BackupPlan") or {}).get("Rules") or []
        except Unanswered as gap:
            unread.append(gap)
            continue
        if any(_elsewhere(c, plan.region, str(copy.get("DestinationBackupVaultArn", "")))
               for rule in rules for copy in rule.get("CopyActions") or []):
            copying.append(plan.arn)
    if not plans and not unread:
        return  # no plan: nothing that could copy
    out.flag("aws.backup_cross_region", sorted(copying), [p.arn for p in plans], unread,
             yes=f"{len(copying)} of {len(plans)} backup plans copy to another region or "
                 "account",
             no=f"none of {len(plans)} backup plans copies to another region or account")


def _elsewhere(c: Context, region: str, vault: str) -> bool:
    parts = vault.split(":")
    return len(parts) > 4 and (parts[3] != region or parts[4] != c.account.id)


def _restores(c: Context, out: Out) -> None:
    testing, gaps = c.per_region(lambda region: c.reader.pages(RESTORE_TESTING_PLANS, region))
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
        (region, job) for job in c.reader.iterate(RESTORE_JOBS, region, ByCreatedAfter=since)])
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

