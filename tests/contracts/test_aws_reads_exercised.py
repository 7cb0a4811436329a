"""The declared-read guard binds the AWS collector only where its code runs: here one
account holds something for every branch that reads an answer (a global Aurora
database, a Multi-AZ cache, bucket replication, registry scanning rules, scheduled and
predictive scaling, backup selections with tag conditions, restore jobs without the
resource they made), and every key declared must be read by the scan. A declaration no
code reads, or a branch no test reaches, fails here."""

from __future__ import annotations

import pytest
from moto import mock_aws

from scanner.collectors.base import CollectSettings, Target
from scanner.collectors.cloud.aws.api import CATALOGUE
from scanner.collectors.cloud.aws.collector import AwsCollector
from scanner.collectors.cloud.aws.target import AccountTarget
from scanner.collectors.declared import EACH

import aws_estate as estate

ACCOUNT = "777777777777"
REGIONS = ("eu-west-1", "us-east-1")
TAG = "aws:ResourceTag/"
# Reads this scenario cannot reach, and why that is no gap in what the guard sees.
UNREACHED = {
    ("application-autoscaling.describe_scaling_policies", "ScalingPolicies[].PolicyARN"):
        "moto refuses PredictiveScaling policies for Application Auto Scaling; the same "
        "code (scaling._policies) reads it for Auto Scaling groups",
}


def _extras(builder: estate.Builder, region: str, prefix: str) -> None:
    rds = builder.client("rds")
    if region == REGIONS[0]:
        rds.create_global_cluster(GlobalClusterIdentifier="orders", Engine="aurora-postgresql")
    rds.create_db_cluster(DBClusterIdentifier=f"{prefix}-aurora", Engine="aurora-postgresql",
                          MasterUsername="admin", MasterUserPassword="password123",
                          GlobalClusterIdentifier="orders",
                          Tags=[{"Key": "env", "Value": "prod"}])
    if region != REGIONS[0]:
        return
    builder.client("elasticache").create_replication_group(
        ReplicationGroupId="sessions", ReplicationGroupDescription="sessions",
        MultiAZEnabled=True, AutomaticFailoverEnabled=True, NumCacheClusters=2,
        CacheNodeType="cache.t3.micro", Engine="redis")
    s3 = builder.client("s3")
    for name in ("replicated-source", "replicated-copy"):
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_replication(Bucket="replicated-source", ReplicationConfiguration={
        "Role": "arn:aws:iam::1:role/replication", "Rules": [{
            "ID": "all", "Status": "Enabled", "Prefix": "",
            "Destination": {"Bucket": "arn:aws:s3:::replicated-copy"}}]})
    builder.client("ecr").put_registry_scanning_configuration(scanType="ENHANCED", rules=[{
        "scanFrequency": "CONTINUOUS_SCAN",
        "repositoryFilters": [{"filter": f"{prefix}/*", "filterType": "WILDCARD"}]}])
    builder.client("application-autoscaling").put_scheduled_action(
        ServiceNamespace="dynamodb", ScheduledActionName="nightly",
        ResourceId=f"table/{prefix}-table-0",
        ScalableDimension="dynamodb:table:ReadCapacityUnits", Schedule="cron(0 1 * * ? *)",
        ScalableTargetAction={"MinCapacity": 1, "MaxCapacity": 10})


def test_every_declared_read_is_made_by_a_scan(monkeypatch: pytest.MonkeyPatch,
                                               reads_made: set[tuple[str, str]]) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAMATURITYTEST0005")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", estate.SECRET)
    tagged = {"ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "env",
                              "ConditionValue": "prod"}],
              "NotResources": ["arn:aws:rds:*:*:db:scratch-*"],
              "Conditions": {
                  "StringEquals": [{"ConditionKey": f"{TAG}env", "ConditionValue": "prod"}],
                  "StringNotEquals": [{"ConditionKey": f"{TAG}env", "ConditionValue": "dev"}],
                  "StringLike": [{"ConditionKey": f"{TAG}service", "ConditionValue": "a*"}],
                  "StringNotLike": [{"ConditionKey": f"{TAG}team", "ConditionValue": "x*"}]}}
    answers = {**estate.patch_states(1, 1), **estate.restore_tests(2),
               **estate.selections("arn:aws:rds:*", **tagged),
               **estate.experience(1, 1, 1), **estate.canaries(3)}
    with mock_aws():
        for region in REGIONS:
            builder = estate.Builder(estate.account_session(ACCOUNT, region), region)
            prefix = f"a{region[:2]}"
            builder.build(estate.Shape(predictive=True), prefix=prefix)
            _extras(builder, region, prefix)
        builder.trail("exercised-trail")
        target = AccountTarget(role_arn=estate.role_arn(ACCOUNT), regions=REGIONS)
        with estate.answering(answers):
            found = AwsCollector().collect(Target("aws", target.label, target.to_options()),
                                           CollectSettings())
    assert found.evidence and not [p for p in found.problems if "failed" in p.message]
    unread = {api.name: missing for api in CATALOGUE.values()
              if (missing := [path for path in api.reads
                              if (api.name, path.removesuffix(EACH)) not in reads_made
                              and (api.name, path) not in UNREACHED])}
    assert not unread, f"declared but never read by the scan: {unread}"
