"""AWS estates built in moto for the collector's tests and benchmark, and canned answers
(validated against botocore's own output shapes) for the calls moto does not answer."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore import handlers
from botocore.awsrequest import AWSResponse
from botocore.validate import ParamValidator

ROLE = "maturity-read"
SECRET = "moto-secret-key-DO-NOT-PRINT-0123456789"
NOW = datetime.now(UTC)


def role_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:role/{ROLE}"


def account_session(account: str, region: str, endpoint_url: str | None = None) -> Any:
    """A session inside `account` (moto maps an assumed role's keys to its account)."""
    sts = boto3.client("sts", region_name=region, endpoint_url=endpoint_url)
    found = sts.assume_role(RoleArn=role_arn(account), RoleSessionName="build")["Credentials"]
    return boto3.session.Session(aws_access_key_id=found["AccessKeyId"],
                                 aws_secret_access_key=found["SecretAccessKey"],
                                 aws_session_token=found["SessionToken"], region_name=region)


@dataclass(frozen=True)
class Shape:
    """How much of everything one region of an account holds."""

    groups: int = 2
    scaled_groups: int = 1
    databases: int = 2
    multi_az_databases: int = 1
    tables: int = 1
    buckets: int = 1
    functions: int = 1
    repositories: int = 2
    instances: int = 2
    tagged: bool = True
    security: bool = True
    predictive: bool = False
    scalable_tables: int = 1


class Builder:
    def __init__(self, session: Any, region: str, endpoint_url: str | None = None) -> None:
        self.session, self.region, self.endpoint = session, region, endpoint_url

    def client(self, name: str, region: str | None = None) -> Any:
        return self.session.client(name, region_name=region or self.region,
                                   endpoint_url=self.endpoint)

    def build(self, shape: Shape, prefix: str = "app") -> None:
        tags = [{"Key": "service", "Value": prefix}, {"Key": "env", "Value": "prod"},
                {"Key": "team", "Value": "platform"}] if shape.tagged else []
        ec2 = self.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24",
                                     AvailabilityZone=zones[i])["Subnet"]["SubnetId"]
                   for i in range(2)]
        image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        if shape.instances:
            ec2.run_instances(ImageId=image, MinCount=shape.instances,
                              MaxCount=shape.instances, InstanceType="t3.micro",
                              SubnetId=subnets[0], TagSpecifications=[
                                  {"ResourceType": "instance", "Tags": tags}] if tags else [])
        self._groups(shape, prefix, image, subnets, tags)
        elb = self.client("elbv2")
        elb.create_load_balancer(Name=f"{prefix}-lb", Subnets=subnets, Tags=tags or [
            {"Key": "owner", "Value": "nobody"}])
        rds = self.client("rds")
        for i in range(shape.databases):
            rds.create_db_instance(DBInstanceIdentifier=f"{prefix}-db-{i}", Engine="postgres",
                                   DBInstanceClass="db.t3.micro", AllocatedStorage=20,
                                   MasterUsername="admin", MasterUserPassword="password123",
                                   MultiAZ=i < shape.multi_az_databases,
                                   BackupRetentionPeriod=7 if i == 0 else 0, Tags=tags)
        dynamodb = self.client("dynamodb")
        for i in range(shape.tables):
            name = f"{prefix}-table-{i}"
            dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                                  AttributeDefinitions=[{"AttributeName": "id",
                                                         "AttributeType": "S"}],
                                  KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                  Tags=tags)
            dynamodb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={
                "PointInTimeRecoveryEnabled": True})
            if i < shape.scalable_tables:
                self._scalable_table(name)
        s3 = self.client("s3")
        for i in range(shape.buckets):
            name = f"{prefix}-{self.region}-bucket-{i}"
            location = {} if self.region == "us-east-1" else {
                "CreateBucketConfiguration": {"LocationConstraint": self.region}}
            s3.create_bucket(Bucket=name, **location)
            if tags:
                s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tags})
        self._functions(shape, prefix, tags)
        ecr = self.client("ecr")
        for i in range(shape.repositories):
            ecr.create_repository(repositoryName=f"{prefix}/image-{i}",
                                  imageScanningConfiguration={"scanOnPush": i == 0})
        self._stack(prefix)
        self._backups(prefix)
        if shape.security:
            self._security()

    def _groups(self, shape: Shape, prefix: str, image: str, subnets: list[str],
                tags: list[dict[str, str]]) -> None:
        ec2, autoscaling = self.client("ec2"), self.client("autoscaling")
        template = ec2.create_launch_template(LaunchTemplateName=f"{prefix}-lt",
                                              LaunchTemplateData={"ImageId": image,
                                                                  "InstanceType": "t3.micro"})
        for i in range(shape.groups):
            name = f"{prefix}-asg-{i}"
            autoscaling.create_auto_scaling_group(
                AutoScalingGroupName=name, MinSize=0, MaxSize=2, DesiredCapacity=0,
                LaunchTemplate={"LaunchTemplateId":
                                template["LaunchTemplate"]["LaunchTemplateId"]},
                VPCZoneIdentifier=",".join(subnets if i == 0 else subnets[:1]),
                Tags=[{**t, "PropagateAtLaunch": True, "ResourceId": name,
                       "ResourceType": "auto-scaling-group"} for t in tags])
            if i < shape.scaled_groups:
                autoscaling.put_scaling_policy(
                    AutoScalingGroupName=name, PolicyName="cpu", PolicyType="TargetTrackingScaling",
                    TargetTrackingConfiguration={"TargetValue": 50.0,
                                                 "PredefinedMetricSpecification": {
                                                     "PredefinedMetricType":
                                                     "ASGAverageCPUUtilization"}})
                if shape.predictive:
                    autoscaling.put_scaling_policy(
                        AutoScalingGroupName=name, PolicyName="forecast",
                        PolicyType="PredictiveScaling", PredictiveScalingConfiguration={
                            "MetricSpecifications": [{
                                "TargetValue": 40.0, "PredefinedMetricPairSpecification": {
                                    "PredefinedMetricType": "ASGCPUUtilization"}}],
                            "Mode": "ForecastAndScale"})
                autoscaling.put_scheduled_update_group_action(
                    AutoScalingGroupName=name, ScheduledActionName="black-friday",
                    Recurrence="0 6 * 11 5", DesiredCapacity=2)

    def _scalable_table(self, table: str) -> None:
        scaling = self.client("application-autoscaling")
        resource = f"table/{table}"
        dimension = "dynamodb:table:ReadCapacityUnits"
        scaling.register_scalable_target(ServiceNamespace="dynamodb", ResourceId=resource,
                                         ScalableDimension=dimension, MinCapacity=1,
                                         MaxCapacity=50)
        scaling.put_scaling_policy(
            PolicyName="reads", ServiceNamespace="dynamodb", ResourceId=resource,
            ScalableDimension=dimension, PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": 70.0, "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "DynamoDBReadCapacityUtilization"}})

    def _functions(self, shape: Shape, prefix: str, tags: list[dict[str, str]]) -> None:
        if not shape.functions:
            return
        iam = self.client("iam")
        name = f"{prefix}-{self.region}-lambda"
        role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action":
                                                    "sts:AssumeRole", "Principal": {
                                                        "Service": "lambda.amazonaws.com"}}]}))
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("handler.py", "def handler(event, context):\n    return 1\n")
        for i in range(shape.functions):
            self.client("lambda").create_function(
                FunctionName=f"{prefix}-fn-{i}", Runtime="python3.12",
                Role=role["Role"]["Arn"], Handler="handler.handler",
                Code={"ZipFile": code.getvalue()},
                Tags={t["Key"]: t["Value"] for t in tags})

    def _stack(self, prefix: str) -> None:
        template = {"Resources": {"Queue": {"Type": "AWS::S3::Bucket", "Properties": {
            "BucketName": f"{prefix}-{self.region}-stack-bucket"}}}}
        self.client("cloudformation").create_stack(StackName=f"{prefix}-stack",
                                                   TemplateBody=json.dumps(template))

    def _backups(self, prefix: str) -> None:
        backup = self.client("backup")
        backup.create_backup_vault(BackupVaultName="main")
        account = self.session.client("sts", endpoint_url=self.endpoint).get_caller_identity()[
            "Account"]
        plan = backup.create_backup_plan(BackupPlan={"BackupPlanName": f"{prefix}-daily",
                                                     "Rules": [{
            "RuleName": "daily", "TargetBackupVaultName": "main",
            "ScheduleExpression": "cron(0 5 ? * * *)",
            "CopyActions": [{"DestinationBackupVaultArn":
                             f"arn:aws:backup:us-west-2:{account}:backup-vault:dr"}]}]})
        assert plan["BackupPlanId"]

    def _security(self) -> None:
        self.client("guardduty").create_detector(Enable=True)
        account = self.session.client("sts", endpoint_url=self.endpoint).get_caller_identity()[
            "Account"]
        self.client("inspector2").enable(accountIds=[account],
                                         resourceTypes=["EC2", "ECR", "LAMBDA"])
        self.client("securityhub").enable_security_hub()
        config = self.client("config")
        config.put_configuration_recorder(ConfigurationRecorder={
            "name": "default", "roleARN": "arn:aws:iam::123456789012:role/config"})
        config.put_delivery_channel(DeliveryChannel={"name": "default",
                                                     "s3BucketName": "config-bucket"})
        config.start_configuration_recorder(ConfigurationRecorderName="default")
        config.put_config_rule(ConfigRule={"ConfigRuleName": "encrypted-volumes", "Source": {
            "Owner": "AWS", "SourceIdentifier": "ENCRYPTED_VOLUMES"}})
        logs = self.client("logs")
        logs.create_log_group(logGroupName="trail")
        logs.put_metric_filter(
            logGroupName="trail", filterName="console-failures",
            filterPattern='{ ($.eventName = ConsoleLogin) && ($.errorMessage = '
                          '"Failed authentication") }',
            metricTransformations=[{"metricName": "ConsoleLoginFailures",
                                    "metricNamespace": "Security", "metricValue": "1"}])
        self.client("cloudwatch").put_metric_alarm(
            AlarmName="console-failures", Namespace="Security",
            MetricName="ConsoleLoginFailures", Statistic="Sum", Period=300,
            EvaluationPeriods=1, Threshold=3, ComparisonOperator="GreaterThanThreshold")
        fis = self.client("fis")
        template = fis.create_experiment_template(
            clientToken="t1", description="stop an instance", roleArn="arn:aws:iam::1:role/fis",
            stopConditions=[{"source": "none"}],
            actions={"stop": {"actionId": "aws:ec2:stop-instances"}})
        fis.start_experiment(clientToken="run-1",
                             experimentTemplateId=template["experimentTemplate"]["id"])
        self.client("resiliencehub").create_app(name="checkout")

    def trail(self, bucket: str) -> None:
        """One multi-region trail for the whole account (created in its home region)."""
        self.client("s3").create_bucket(Bucket=bucket) if self.region == "us-east-1" else \
            self.client("s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={
                "LocationConstraint": self.region})
        cloudtrail = self.client("cloudtrail")
        cloudtrail.create_trail(Name="org", S3BucketName=bucket, IsMultiRegionTrail=True,
                                EnableLogFileValidation=True)
        cloudtrail.start_logging(Name="org")


# --- answers for calls moto does not implement --------------------------------------------

Answer = Callable[[Mapping[str, Any]], tuple[int, dict[str, Any]]]


def patch_states(compliant: int, missing: int, days_ago: int = 5) -> dict[str, Answer]:
    """SSM: `compliant + missing` managed instances; the missing ones lack a critical patch."""
    ids = [f"i-{n:017x}" for n in range(compliant + missing)]
    end = NOW - timedelta(days=days_ago)

    def information(_: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, {"InstanceInformationList": [
            {"InstanceId": i, "PingStatus": "Online", "PlatformType": "Linux"} for i in ids]}

    def states(params: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, {"InstancePatchStates": [{
            "InstanceId": i, "PatchGroup": "default", "BaselineId": "pb-0123456789abcdef0",
            "OperationStartTime": end - timedelta(minutes=5), "OperationEndTime": end,
            "Operation": "Install", "MissingCount": 0 if ids.index(i) < compliant else 2,
            "FailedCount": 0, "CriticalNonCompliantCount": 0 if ids.index(i) < compliant else 1,
            "SecurityNonCompliantCount": 0} for i in params["InstanceIds"]]}

    return {"ssm.DescribeInstanceInformation": information,
            "ssm.DescribeInstancePatchStates": states}


def restore_tests(jobs: int) -> dict[str, Answer]:
    def plans(_: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, {"RestoreTestingPlans": [{
            "CreationTime": NOW - timedelta(days=200), "LastExecutionTime": NOW - timedelta(days=3),
            "RestoreTestingPlanArn": "arn:aws:backup:eu-west-1:111111111111:"
                                     "restore-testing-plan:weekly-abc",
            "RestoreTestingPlanName": "weekly", "ScheduleExpression": "cron(0 1 ? * 1 *)"}]}

    def listed(_: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, {"RestoreJobs": [{
            "RestoreJobId": f"job-{n}", "Status": "COMPLETED",
            "CreationDate": NOW - timedelta(days=7 * n + 1),
            # Every other job without the resource it made: located by its job id.
            **({"CreatedResourceArn": f"arn:aws:rds:eu-west-1:111111111111:db:restored-{n}"}
               if n % 2 == 0 else {}),
            "CreatedBy": {"RestoreTestingPlanArn": "arn:aws:backup:eu-west-1:111111111111:"
                                                   "restore-testing-plan:weekly-abc"}}
            for n in range(jobs)]}

    return {"backup.ListRestoreTestingPlans": plans, "backup.ListRestoreJobs": listed}


def experience(monitors: int, slos: int, incidents: int) -> dict[str, Answer]:
    def rum(_: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, {"AppMonitorSummaries": [{
            "Name": f"web-{n}", "Id": f"{n:08d}-0000-4000-8000-000000000000", "State": "ACTIVE"}
            for n in range(monitors)]}

    def objectives(_: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, {"SloSummaries": [{
            "Arn": f"arn:aws:application-signals:eu-west-1:111111111111:slo/checkout-{n}",
            "Name": f"checkout-{n}", "CreatedTime": NOW} for n in range(slos)]}

    def records(_: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, {"incidentRecordSummaries": [{
            "arn": f"arn:aws:ssm-incidents::111111111111:incident-record/plan/{n}",
            "title": f"outage {n}", "status": "RESOLVED", "impact": 2,
            "creationTime": NOW - timedelta(days=n + 1),
            "resolvedTime": NOW - timedelta(days=n + 1) + timedelta(hours=2 + n),
            "incidentRecordSource": {"createdBy": "alarm", "source": "aws.cloudwatch"}}
            for n in range(incidents)]}

    return {"rum.ListAppMonitors": rum,
            "application-signals.ListServiceLevelObjectives": objectives,
            "ssm-incidents.ListIncidentRecords": records}


def canaries(count: int, page: int = 20) -> dict[str, Answer]:
    """Synthetics canaries, `page` at a time with a NextToken, as DescribeCanaries pages
    (moto answers every canary at once)."""
    def listed(params: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        start = int(str(params.get("NextToken") or "page-0").removeprefix("page-"))
        body: dict[str, Any] = {"Canaries": [{
            "Id": f"{n:08d}-0000-4000-8000-000000000000", "Name": f"journey-{n}",
            "Status": {"State": "RUNNING" if n % 2 == 0 else "STOPPED"},
            "RuntimeVersion": "syn-nodejs-puppeteer-9.1"}
            for n in range(start, min(start + page, count))]}
        if start + page < count:
            body["NextToken"] = f"page-{start + page}"
        return 200, body

    return {"synthetics.DescribeCanaries": listed}


def selections(*patterns: str, **narrowed: Any) -> dict[str, Answer]:
    """AWS Backup selections (moto keeps none): every plan selects these ARN patterns,
    narrowed by `ListOfTags`, `Conditions` or `NotResources` when given."""
    def listed(params: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, {"BackupSelectionsList": [{
            "SelectionId": f"sel-{params['BackupPlanId']}", "SelectionName": "stateful",
            "BackupPlanId": params["BackupPlanId"], "IamRoleArn": "arn:aws:iam::1:role/b"}]}

    def one(params: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, {"BackupPlanId": params["BackupPlanId"],
                     "SelectionId": params["SelectionId"], "BackupSelection": {
                         "SelectionName": "stateful", "IamRoleArn": "arn:aws:iam::1:role/b",
                         "Resources": list(patterns), **narrowed}}

    return {"backup.ListBackupSelections": listed, "backup.GetBackupSelection": one}


def refuse(code: str, status: int = 403) -> Answer:
    def answer(_: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        return status, {"Error": {"Code": code, "Message": f"User is not authorized ({code})"}}
    return answer


@contextmanager
def answering(answers: Mapping[str, Answer]) -> Iterator[list[str]]:
    """Every boto3 session made inside answers these operations ('ssm.DescribeX') itself,
    after checking each answer against the operation's output shape; yields the list of
    operations called ('service.Operation'), whoever answered them. An answer the real
    shape would not allow fails the test when the block ends (the collector itself
    would only have seen a failed call)."""
    called: list[str] = []
    misshapen: list[str] = []

    def keep_params(params: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["api_params"] = dict(params)

    def before_call(model: Any, context: dict[str, Any], **_: Any) -> Any:
        service = model.service_model.service_name
        key = f"{service}.{model.name}"
        called.append(key)
        if key not in answers:
            return None
        status, body = answers[key](context.get("api_params") or {})
        if status < 300:
            report = ParamValidator().validate(body, model.output_shape)
            if report.has_errors():
                misshapen.append(f"{key}: {report.generate_report()}")
        return AWSResponse(f"https://{service}.amazonaws.com/", status, {}, None), body

    entries = [("before-parameter-build", keep_params), ("before-call", before_call)]
    handlers.BUILTIN_HANDLERS.extend(entries)
    try:
        yield called
    finally:
        for entry in entries:
            handlers.BUILTIN_HANDLERS.remove(entry)
    assert not misshapen, "\n".join(misshapen)


@contextmanager
def throttling(path: str, times: int) -> Iterator[None]:
    """The first `times` requests to a URL path get a throttling answer on the wire,
    below botocore's retry loop, as AWS sends it."""
    left = [times]

    def before_send(request: Any, **_: Any) -> Any:
        if left[0] > 0 and request.url.split("?")[0].endswith(path):
            left[0] -= 1
            return AWSResponse(request.url, 429, {"x-amzn-ErrorType": "ThrottlingException"},
                               _Raw(b'{"message": "Rate exceeded"}'))
        return None

    entry = ("before-send", before_send, handlers.REGISTER_FIRST)
    handlers.BUILTIN_HANDLERS.append(entry)
    try:
        yield
    finally:
        handlers.BUILTIN_HANDLERS.remove(entry)
    assert left[0] == 0, f"{path} was not called {times} times"


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body
