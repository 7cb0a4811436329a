"""The account's resources, counted by describe calls region by region, with their tags
and whether a CloudFormation stack owns them.

The tagging API alone cannot count resources (untagged ones never appear in it), so each
kind is listed by its own service; tags from the tagging API fill in what the listings
leave out.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from scanner.collectors.cloud.aws.api import Api
from scanner.collectors.cloud.aws.calls import UNREACHABLE, Unanswered
from scanner.collectors.cloud.aws.context import Context

KINDS = {
    "ec2-instance": "EC2 instances",
    "autoscaling-group": "Auto Scaling groups",
    "load-balancer": "load balancers",
    "rds-instance": "RDS instances",
    "rds-cluster": "RDS clusters",
    "elasticache-group": "ElastiCache replication groups",
    "dynamodb-table": "DynamoDB tables",
    "s3-bucket": "S3 buckets",
    "lambda-function": "Lambda functions",
    "ecr-repository": "ECR repositories",
}
DATABASES = ("rds-instance", "rds-cluster", "elasticache-group")
CFN_TAG = "aws:cloudformation:stack-name"
# Details that a call of their own decides: its failure leaves only them unknown.
BACKUPS = "backups"
REPLICATION = "replication"

INSTANCES = Api("ec2", "describe_instances", (
    "Reservations[].Instances[].InstanceId", "Reservations[].Instances[].State.Name",
    "Reservations[].Instances[].Tags[].Key", "Reservations[].Instances[].Tags[].Value"),
    items="Reservations")
GROUPS = Api("autoscaling", "describe_auto_scaling_groups", (
    "AutoScalingGroups[].AutoScalingGroupARN", "AutoScalingGroups[].AutoScalingGroupName",
    "AutoScalingGroups[].AvailabilityZones", "AutoScalingGroups[].Tags[].Key",
    "AutoScalingGroups[].Tags[].Value"), items="AutoScalingGroups")
LOAD_BALANCERS = Api("elbv2", "describe_load_balancers", (
    "LoadBalancers[].LoadBalancerArn", "LoadBalancers[].AvailabilityZones"),
    items="LoadBalancers")
GLOBAL_CLUSTERS = Api("rds", "describe_global_clusters", (
    "GlobalClusters[].GlobalClusterMembers[].DBClusterArn",), items="GlobalClusters")
DB_CLUSTERS = Api("rds", "describe_db_clusters", (
    "DBClusters[].DBClusterArn", "DBClusters[].DBClusterIdentifier", "DBClusters[].MultiAZ",
    "DBClusters[].BackupRetentionPeriod", "DBClusters[].TagList[].Key",
    "DBClusters[].TagList[].Value"), items="DBClusters")
DB_INSTANCES = Api("rds", "describe_db_instances", (
    "DBInstances[].DBInstanceArn", "DBInstances[].DBInstanceIdentifier",
    "DBInstances[].DBClusterIdentifier", "DBInstances[].MultiAZ",
    "DBInstances[].BackupRetentionPeriod", "DBInstances[].TagList[].Key",
    "DBInstances[].TagList[].Value"), items="DBInstances")
CACHES = Api("elasticache", "describe_replication_groups", (
    "ReplicationGroups[].ARN", "ReplicationGroups[].ReplicationGroupId",
    "ReplicationGroups[].MultiAZ"), items="ReplicationGroups")
TABLES = Api("dynamodb", "list_tables", items="TableNames")
TABLE = Api("dynamodb", "describe_table", ("Table.TableArn", "Table.Replicas"),
            ("TableName",))
TABLE_BACKUPS = Api("dynamodb", "describe_continuous_backups", (
    "ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus",),
    ("TableName",))
FUNCTIONS = Api("lambda", "list_functions", ("Functions[].FunctionArn",
                                             "Functions[].FunctionName"), items="Functions")
REPOSITORIES = Api("ecr", "describe_repositories", (
    "repositories[].repositoryArn", "repositories[].repositoryName",
    "repositories[].imageScanningConfiguration.scanOnPush"), items="repositories")
BUCKETS = Api("s3", "list_buckets", ("Buckets[].Name",), items="Buckets")
BUCKET_LOCATION = Api("s3", "get_bucket_location", ("LocationConstraint",), ("Bucket",))
BUCKET_REPLICATION = Api("s3", "get_bucket_replication", (
    "ReplicationConfiguration.Rules[].Status",), ("Bucket",))
STACKS = Api("cloudformation", "list_stacks", ("StackSummaries[].StackId",
                                               "StackSummaries[].StackStatus"),
             items="StackSummaries")
STACK_RESOURCES = Api("cloudformation", "list_stack_resources", (
    "StackResourceSummaries[].PhysicalResourceId",), ("StackName",),
    items="StackResourceSummaries")
TAGGED = Api("resourcegroupstaggingapi", "get_resources", (
    "ResourceTagMappingList[].ResourceARN", "ResourceTagMappingList[].Tags[].Key",
    "ResourceTagMappingList[].Tags[].Value"), items="ResourceTagMappingList")


@dataclass(frozen=True)
class Resource:
    arn: str
    kind: str
    region: str
    name: str  # how CloudFormation names it (its physical id)
    tags: Mapping[str, str] = field(default_factory=dict)
    multi_az: bool | None = None  # None: zones do not apply to this kind
    backups: bool | None = None  # RDS automated backups, DynamoDB point-in-time recovery
    replicated: str | None = None  # the kind of cross-region replication, if any
    scan_on_push: bool | None = None


@dataclass
class Inventory:
    resources: list[Resource] = field(default_factory=list)
    # (kind, region) listings that failed: their resources are not counted.
    gaps: list[tuple[str, Unanswered]] = field(default_factory=list)
    stack_members: set[str] | None = None  # physical ids in CloudFormation stacks
    stack_gaps: list[Unanswered] = field(default_factory=list)
    tag_gaps: list[Unanswered] = field(default_factory=list)
    # Calls for one detail (BACKUPS, REPLICATION) that failed: the resources are counted,
    # that detail of theirs is unknown.
    detail_gaps: dict[str, list[Unanswered]] = field(default_factory=dict)
    regions: tuple[str, ...] = ()

    def of(self, *kinds: str) -> list[Resource]:
        return [r for r in self.resources if r.kind in kinds]

    def counted(self) -> str:
        """How the denominator of a share was counted, in words."""
        kinds = sorted({KINDS[r.kind] for r in self.resources})
        text = (f"counted by describe calls ({', '.join(kinds) or 'nothing found'}) in "
                f"{', '.join(self.regions)}")
        missing = sorted({f"{KINDS[kind]} in {gap.region or 'all regions'}"
                          for kind, gap in self.gaps})
        if missing:
            text += f"; not counted: {', '.join(missing)}"
        return text

    def in_stack(self, resource: Resource) -> bool:
        members = self.stack_members or set()
        return (CFN_TAG in resource.tags or resource.arn in members
                or resource.name in members)


def _tags(items: Any, key: str = "Key", value: str = "Value") -> dict[str, str]:
    return {str(t[key]): str(t.get(value) or "") for t in items or [] if key in t}


class _Lister:
    def __init__(self, context: Context) -> None:
        self.c = context
        self.reader = context.reader
        self.detail_gaps: dict[str, list[Unanswered]] = {}
        self._lock = threading.Lock()

    def _detail(self, detail: str, gap: Unanswered) -> None:
        with self._lock:
            self.detail_gaps.setdefault(detail, []).append(gap)

    def ec2(self, region: str) -> list[Resource]:
        found = []
        for reservation in self.reader.iterate(INSTANCES, region):
            for item in reservation.get("Instances") or []:
                if (item.get("State") or {}).get("Name") in ("terminated", "shutting-down"):
                    continue
                found.append(Resource(self.c.arn("ec2", region, f"instance/{item['InstanceId']}"),
                                      "ec2-instance", region, item["InstanceId"],
                                      _tags(item.get("Tags"))))
        return found

    def autoscaling(self, region: str) -> list[Resource]:
        return [Resource(g["AutoScalingGroupARN"], "autoscaling-group", region,
                         g["AutoScalingGroupName"], _tags(g.get("Tags")),
                         multi_az=len(g.get("AvailabilityZones") or []) > 1)
                for g in self.reader.iterate(GROUPS, region)]

    def load_balancers(self, region: str) -> list[Resource]:
        return [Resource(lb["LoadBalancerArn"], "load-balancer", region, lb["LoadBalancerArn"],
                         multi_az=len(lb.get("AvailabilityZones") or []) > 1)
                for lb in self.reader.iterate(LOAD_BALANCERS, region)]

    def rds(self, region: str) -> list[Resource]:
        found = []
        global_members = self._global_members(region)
        for cluster in self.reader.iterate(DB_CLUSTERS, region):
            if not cluster.get("DBClusterArn"):
                continue
            found.append(Resource(
                cluster["DBClusterArn"], "rds-cluster", region, cluster["DBClusterIdentifier"],
                _tags(cluster.get("TagList")), multi_az=bool(cluster.get("MultiAZ")),
                backups=int(cluster.get("BackupRetentionPeriod") or 0) > 0,
                replicated="aurora-global-database"
                if cluster["DBClusterArn"] in global_members else None))
        for db in self.reader.iterate(DB_INSTANCES, region):
            if db.get("DBClusterIdentifier"):
                continue  # judged with its cluster
            found.append(Resource(
                db["DBInstanceArn"], "rds-instance", region, db["DBInstanceIdentifier"],
                _tags(db.get("TagList")), multi_az=bool(db.get("MultiAZ")),
                backups=int(db.get("BackupRetentionPeriod") or 0) > 0))
        return found

    def elasticache(self, region: str) -> list[Resource]:
        return [Resource(g.get("ARN") or self.c.arn("elasticache", region,
                                                    f"replicationgroup:{g['ReplicationGroupId']}"),
                         "elasticache-group", region, g["ReplicationGroupId"],
                         multi_az=str(g.get("MultiAZ", "")).lower() == "enabled")
                for g in self.reader.iterate(CACHES, region)]

    def _global_members(self, region: str) -> set[str]:
        """Aurora clusters in a global database that spans regions."""
        members: set[str] = set()
        try:
            for cluster in self.reader.iterate(GLOBAL_CLUSTERS, region):
                listed = cluster.get("GlobalClusterMembers") or []
                if len(listed) > 1:
                    members |= {str(m.get("DBClusterArn")) for m in listed}
        except Unanswered as gap:
            self._detail(REPLICATION, gap)
        return members

    def dynamodb(self, region: str) -> list[Resource]:
        found = []
        for name in self.reader.iterate(TABLES, region):
            table = self.reader.call(TABLE, region, TableName=name)["Table"]
            found.append(Resource(
                table["TableArn"], "dynamodb-table", region, name,
                backups=self._recovery(region, name),
                replicated="dynamodb-global-table" if table.get("Replicas") else None))
        return found

    def _recovery(self, region: str, table: str) -> bool | None:
        """Point-in-time recovery of a table; None when it could not be read."""
        try:
            backups = self.reader.call(TABLE_BACKUPS, region, TableName=table)
        except Unanswered as gap:
            self._detail(BACKUPS, gap)
            return None
        recovery = ((backups.get("ContinuousBackupsDescription") or {})
                    .get("PointInTimeRecoveryDescription") or {})
        return bool(recovery.get("PointInTimeRecoveryStatus") == "ENABLED")

    def lambdas(self, region: str) -> list[Resource]:
        return [Resource(f["FunctionArn"], "lambda-function", region, f["FunctionName"])
                for f in self.reader.iterate(FUNCTIONS, region)]

    def ecr(self, region: str) -> list[Resource]:
        return [Resource(r["repositoryArn"], "ecr-repository", region, r["repositoryName"],
                         scan_on_push=bool((r.get("imageScanningConfiguration") or {})
                                           .get("scanOnPush")))
                for r in self.reader.iterate(REPOSITORIES, region)]

    def s3(self, regions: tuple[str, ...]) -> list[Resource]:
        home = self.c.account.home
        found = []
        for bucket in self.reader.iterate(BUCKETS, home):
            name = bucket["Name"]
            where = self.reader.call(BUCKET_LOCATION, home, Bucket=name)
            region = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(
                where.get("LocationConstraint"), str(where.get("LocationConstraint")))
            if region not in regions:
                continue
            found.append(Resource(f"arn:{self.c.account.partition}:s3:::{name}", "s3-bucket",
                                  region, name,
                                  replicated="s3-replication" if self._replicates(name)
                                  else None))
        return found

    def _replicates(self, bucket: str) -> bool:
        """Whether a bucket replicates; a refused read is a replication gap (the bucket
        still counts), and no configuration at all is a plain no."""
        try:
            rules = self.reader.call(BUCKET_REPLICATION, self.c.account.home, Bucket=bucket)
        except Unanswered as gap:
            if "NotFound" not in gap.code:
                self._detail(REPLICATION, replace_region(gap))
            return False
        return any(r.get("Status") == "Enabled" for r in
                   (rules.get("ReplicationConfiguration") or {}).get("Rules") or [])


def read_inventory(context: Context, pool: ThreadPoolExecutor) -> Inventory:
    lister = _Lister(context)
    per_region: dict[str, Callable[[str], list[Resource]]] = {
        "ec2-instance": lister.ec2, "autoscaling-group": lister.autoscaling,
        "load-balancer": lister.load_balancers, "rds-instance": lister.rds,
        "elasticache-group": lister.elasticache, "dynamodb-table": lister.dynamodb,
        "lambda-function": lister.lambdas, "ecr-repository": lister.ecr,
    }
    # EC2 goes first in each region: a region that does not answer it is left out.
    first = {region: pool.submit(lister.ec2, region) for region in context.regions}
    inventory = Inventory()
    live = []
    for region, future in first.items():
        try:
            inventory.resources += future.result()
            live.append(region)
        except Unanswered as gap:
            if gap.kind != UNREACHABLE:
                inventory.gaps.append(("ec2-instance", gap))
                live.append(region)
    inventory.regions = tuple(live)
    jobs = {(kind, region): pool.submit(read, region)
            for kind, read in per_region.items() if kind != "ec2-instance"
            for region in live}
    buckets = pool.submit(lister.s3, inventory.regions)
    stacks = {region: pool.submit(_stack_members, context, region) for region in live}
    tags = {region: pool.submit(_tagged, context, region) for region in live}
    for (kind, _), future in jobs.items():
        try:
            inventory.resources += future.result()
        except Unanswered as gap:
            inventory.gaps.append((kind, gap))
    try:
        inventory.resources += buckets.result()
    except Unanswered as gap:
        inventory.gaps.append(("s3-bucket", replace_region(gap)))
    members: set[str] = set()
    for stack_job in stacks.values():
        try:
            members |= stack_job.result()
        except Unanswered as gap:
            inventory.stack_gaps.append(gap)
    inventory.stack_members = members
    found_tags: dict[str, dict[str, str]] = {}
    for tag_job in tags.values():
        try:
            found_tags.update(tag_job.result())
        except Unanswered as gap:
            inventory.tag_gaps.append(gap)
    inventory.resources = [replace(r, tags={**found_tags.get(r.arn, {}), **r.tags})
                           for r in inventory.resources]
    inventory.detail_gaps = lister.detail_gaps
    return inventory


def replace_region(gap: Unanswered) -> Unanswered:
    """Buckets are listed once for the account: their gap is not one region's."""
    return Unanswered(gap.kind, gap.service, "", gap.operation, gap.reason, code=gap.code)


def _stack_members(context: Context, region: str) -> set[str]:
    reader = context.reader
    members: set[str] = set()
    live = [s for s in reader.iterate(STACKS, region)
            if s.get("StackStatus") != "DELETE_COMPLETE"]
    for stack in live:
        for item in reader.iterate(STACK_RESOURCES, region, StackName=stack["StackId"]):
            if item.get("PhysicalResourceId"):
                members.add(str(item["PhysicalResourceId"]))
    return members


def _tagged(context: Context, region: str) -> dict[str, dict[str, str]]:
    return {str(item["ResourceARN"]): _tags(item.get("Tags"))
            for item in context.reader.iterate(TAGGED, region)}
