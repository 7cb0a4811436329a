"""What CloudFormation and SAM templates (YAML or JSON) declare.

A template is a document whose `Resources` hold `AWS::` types (or that names an
`AWSTemplateFormatVersion`); a Serverless Framework file's `resources` section is raw
CloudFormation too.  Intrinsic functions are not evaluated, except that `!Select`
over `!GetAZs` names a zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.collectors.files.cloud_iac.findings import (
    AWS_REGION,
    FAILED_LOGIN,
    Fact,
    Findings,
    as_number,
    distinct_count,
    is_false,
    is_true,
    literal_region,
)
from scanner.collectors.files.index import FileIndex, is_example
from scanner.yaml_source import LineDict, LineList, Tagged

SUFFIXES = (".yml", ".yaml", ".json", ".template")
# Facts that the mere presence of a CloudFormation resource type establishes.
TYPE_FACTS: dict[str, tuple[Fact, ...]] = {
    "AWS::AutoScaling::AutoScalingGroup": (("iac.autoscaling", "aws-asg"),),
    "AWS::AutoScaling::ScalingPolicy": (("iac.autoscaling", "aws-asg-policy"),),
    "AWS::AutoScaling::ScheduledAction": (("iac.scheduled_scaling", "scheduled"),),
    "AWS::ApplicationAutoScaling::ScalableTarget": (
        ("iac.autoscaling", "aws-application-autoscaling"),),
    "AWS::ApplicationAutoScaling::ScalingPolicy": (
        ("iac.autoscaling", "aws-application-autoscaling"),),
    "AWS::Backup::BackupPlan": (("iac.backups", "aws-backup"),),
    "AWS::Backup::RestoreTestingPlan": (("iac.restore_tests", None),),
    "AWS::FIS::ExperimentTemplate": (("iac.chaos_experiments", None),),
    "AWS::SecurityHub::Hub": (("iac.security_monitoring", "securityhub"),),
    "AWS::SecurityHub::HubV2": (("iac.security_monitoring", "securityhub"),),
    "AWS::Config::ConfigurationRecorder": (("iac.security_monitoring", "aws-config"),),
    "AWS::Config::ConfigRule": (("iac.security_monitoring", "aws-config"),),
    "AWS::Config::ConformancePack": (("iac.security_monitoring", "aws-config"),),
    "AWS::Config::OrganizationConfigRule": (("iac.security_monitoring", "aws-config"),),
    "AWS::Config::OrganizationConformancePack": (("iac.security_monitoring", "aws-config"),),
    "AWS::Inspector::AssessmentTemplate": (("iac.vulnerability_scanning", "inspector"),),
    "AWS::ApplicationSignals::ServiceLevelObjective": (
        ("iac.slos", "aws-application-signals"),),
    "AWS::Synthetics::Canary": (("iac.synthetics", "aws"),),
    "AWS::RUM::AppMonitor": (("iac.rum", "aws"),),
    "AWS::DynamoDB::GlobalTable": (("iac.multi_region", None),),
    "AWS::RDS::GlobalCluster": (("iac.multi_region", None),),
    "AWS::ElastiCache::GlobalReplicationGroup": (("iac.multi_region", None),),
}


def _is_template(document: Any) -> bool:
    if not isinstance(document, dict):
        return False
    resources = document.get("Resources")
    typed = isinstance(resources, dict) and any(
        isinstance(r, dict) and isinstance(r.get("Type"), str) and r["Type"].startswith("AWS::")
        for r in resources.values())
    return typed or ("AWSTemplateFormatVersion" in document and isinstance(resources, dict))


def _function(value: Any, name: str) -> Any:
    """The argument of `!Name x` / `{"Fn::Name": x}`, or None."""
    if isinstance(value, Tagged) and value.tag == f"!{name}":
        return value.value if value.value is not None else ""
    if isinstance(value, dict) and len(value) == 1 and f"Fn::{name}" in value:
        return value[f"Fn::{name}"]
    return None


def _zone_key(value: Any) -> str | None:
    """A subnet's zone as something comparable: a literal, or `select:N` of !GetAZs."""
    if isinstance(value, str):
        return value
    selected = _function(value, "Select")
    if isinstance(selected, list) and len(selected) == 2 \
            and _function(selected[1], "GetAZs") is not None:
        return f"select:{selected[0]}"
    return None


class _Template:
    """What one template declares, resource by resource; `_<type>` (the type's `::` made
    `_`) reads what a resource type shows beyond its presence."""

    def __init__(self, found: Findings, path: str, document: Mapping[str, Any]) -> None:
        self.found = found
        self.path = path
        self.document = document
        self.subnet_zones: dict[str, str] = {}

    def at(self, mapping: Any, key: Any) -> str:
        if isinstance(mapping, LineDict):
            return f"{self.path}:{mapping.line_of(key)}"
        return self.path

    def scan(self) -> None:
        resources = self.document.get("Resources")
        if not isinstance(resources, dict):
            return
        first = next(iter(resources), None)
        self.found.add("iac.clouds", "aws", self.at(resources, first) if first else self.path)
        for logical_id, resource in resources.items():
            if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
                continue
            kind = resource["Type"]
            where = self.at(resources, logical_id)
            properties = resource.get("Properties")
            props: Mapping[str, Any] = properties if isinstance(properties, dict) else {}
            self.found.facts(TYPE_FACTS.get(kind, ()), where)
            if kind.startswith("AWS::InspectorV2::"):
                self.found.add("iac.vulnerability_scanning", "inspector", where)
            self.zones(props)
            check = getattr(self, "_" + kind.replace("::", "_"), None) \
                if kind.startswith("AWS::") else None
            if callable(check):
                check(props, where)

    def zones(self, props: Mapping[str, Any]) -> None:
        zones = props.get("AvailabilityZones")
        if (isinstance(zones, list) and distinct_count(zones) >= 2) or \
                _function(zones, "GetAZs") is not None:
            self.found.add("iac.multi_az", None, self.at(props, "AvailabilityZones"))
        for key in ("MultiAZ", "MultiAZEnabled"):
            if is_true(props.get(key)):
                self.found.add("iac.multi_az", None, self.at(props, key))
        for key in ("DeploymentMode", "DeploymentType"):
            mode = props.get(key)
            if isinstance(mode, str) and "MULTI_AZ" in mode.upper():
                self.found.add("iac.multi_az", None, self.at(props, key))

    def _AWS_AutoScaling_AutoScalingGroup(self, props: Mapping[str, Any], where: str) -> None:
        subnets = props.get("VPCZoneIdentifier")
        if isinstance(subnets, list) and distinct_count(subnets) >= 2:
            self.found.add("iac.multi_az", None, self.at(props, "VPCZoneIdentifier"))

    def _AWS_AutoScaling_ScalingPolicy(self, props: Mapping[str, Any], where: str) -> None:
        if props.get("PolicyType") == "PredictiveScaling":
            self.found.add("iac.scheduled_scaling", "predictive", self.at(props, "PolicyType"))
        elif "PredictiveScalingConfiguration" in props:
            self.found.add("iac.scheduled_scaling", "predictive",
                           self.at(props, "PredictiveScalingConfiguration"))

    def _AWS_ApplicationAutoScaling_ScalableTarget(self, props: Mapping[str, Any],
                                                   where: str) -> None:
        actions = props.get("ScheduledActions")
        if isinstance(actions, list) and actions:
            self.found.add("iac.scheduled_scaling", "scheduled",
                           self.at(props, "ScheduledActions"))

    def _AWS_Backup_BackupPlan(self, props: Mapping[str, Any], where: str) -> None:
        plan = props.get("BackupPlan")
        rules = plan.get("BackupPlanRule") if isinstance(plan, dict) else None
        for rule in rules if isinstance(rules, list) else []:
            copies = rule.get("CopyActions") if isinstance(rule, dict) else None
            if isinstance(copies, list) and copies:
                self.found.add("iac.backup_copies", None, self.at(rule, "CopyActions"))

    def _AWS_GuardDuty_Detector(self, props: Mapping[str, Any], where: str) -> None:
        if not is_false(props.get("Enable")):
            self.found.add("iac.security_monitoring", "guardduty", where)

    def _AWS_CloudTrail_Trail(self, props: Mapping[str, Any], where: str) -> None:
        if not is_false(props.get("IsLogging")):
            self.found.add("iac.security_monitoring", "cloudtrail", where)

    def _AWS_Logs_MetricFilter(self, props: Mapping[str, Any], where: str) -> None:
        pattern = props.get("FilterPattern")
        text = pattern if isinstance(pattern, str) else repr(pattern)
        if "ConsoleLogin" in text and FAILED_LOGIN.search(text):
            self.found.add("iac.security_monitoring", "failed-login-alarm",
                           self.at(props, "FilterPattern"))

    def _AWS_ECR_Repository(self, props: Mapping[str, Any], where: str) -> None:
        scanning = props.get("ImageScanningConfiguration")
        if isinstance(scanning, dict) and is_true(scanning.get("ScanOnPush")):
            self.found.add("iac.vulnerability_scanning", "ecr-scan-on-push",
                           self.at(scanning, "ScanOnPush"))

    def _AWS_ECR_RegistryScanningConfiguration(self, props: Mapping[str, Any],
                                               where: str) -> None:
        if props.get("ScanType") == "ENHANCED":
            self.found.add("iac.vulnerability_scanning", "ecr-enhanced",
                           self.at(props, "ScanType"))
        rules = props.get("Rules")
        for rule in rules if isinstance(rules, list) else []:
            if isinstance(rule, dict) and rule.get("ScanFrequency") == "SCAN_ON_PUSH":
                self.found.add("iac.vulnerability_scanning", "ecr-scan-on-push",
                               self.at(rule, "ScanFrequency"))

    def _AWS_RDS_DBInstance(self, props: Mapping[str, Any], where: str) -> None:
        self.retention(props)
        if isinstance(props.get("AutomaticBackupReplicationRegion"), str):
            self.found.add("iac.backup_copies", None,
                           self.at(props, "AutomaticBackupReplicationRegion"))

    def _AWS_RDS_DBCluster(self, props: Mapping[str, Any], where: str) -> None:
        self.retention(props)

    def retention(self, props: Mapping[str, Any]) -> None:
        if (as_number(props.get("BackupRetentionPeriod")) or 0) > 0:
            self.found.add("iac.backups", "rds-automated", self.at(props, "BackupRetentionPeriod"))

    def _AWS_DynamoDB_Table(self, props: Mapping[str, Any], where: str) -> None:
        self.pitr(props)

    def _AWS_DynamoDB_GlobalTable(self, props: Mapping[str, Any], where: str) -> None:
        replicas = props.get("Replicas")
        for replica in replicas if isinstance(replicas, list) else []:
            if not isinstance(replica, dict):
                continue
            self.pitr(replica)
            if (region := literal_region(replica.get("Region"), AWS_REGION)) is not None:
                self.found.add("iac.regions", region, self.at(replica, "Region"))

    def pitr(self, props: Mapping[str, Any]) -> None:
        pitr = props.get("PointInTimeRecoverySpecification")
        if isinstance(pitr, dict) and is_true(pitr.get("PointInTimeRecoveryEnabled")):
            self.found.add("iac.backups", "dynamodb-pitr",
                           self.at(pitr, "PointInTimeRecoveryEnabled"))

    def _AWS_S3_Bucket(self, props: Mapping[str, Any], where: str) -> None:
        if isinstance(props.get("ReplicationConfiguration"), dict):
            locator = self.at(props, "ReplicationConfiguration")
            self.found.add("iac.backup_copies", None, locator)
            self.found.add("iac.multi_region", None, locator)

    def _AWS_CloudFormation_StackSet(self, props: Mapping[str, Any], where: str) -> None:
        groups = props.get("StackInstancesGroup")
        for group in groups if isinstance(groups, list) else []:
            regions = group.get("Regions") if isinstance(group, dict) else None
            for index, region in enumerate(regions if isinstance(regions, list) else []):
                if (literal := literal_region(region, AWS_REGION)) is not None:
                    locator = f"{self.path}:{regions.line_of(index)}" \
                        if isinstance(regions, LineList) else self.at(group, "Regions")
                    self.found.add("iac.regions", literal, locator)

    def _AWS_OpenSearchService_Domain(self, props: Mapping[str, Any], where: str) -> None:
        self.zone_awareness(props.get("ClusterConfig"))

    def _AWS_Elasticsearch_Domain(self, props: Mapping[str, Any], where: str) -> None:
        self.zone_awareness(props.get("ElasticsearchClusterConfig"))

    def zone_awareness(self, config: Any) -> None:
        if not isinstance(config, dict):
            return
        for key in ("ZoneAwarenessEnabled", "MultiAZWithStandbyEnabled"):
            if is_true(config.get(key)):
                self.found.add("iac.multi_az", None, self.at(config, key))

    def _AWS_EC2_Subnet(self, props: Mapping[str, Any], where: str) -> None:
        zone = _zone_key(props.get("AvailabilityZone"))
        if zone is not None:
            self.subnet_zones.setdefault(zone, where)
            if len(self.subnet_zones) >= 2:
                for locator in self.subnet_zones.values():
                    self.found.add("iac.multi_az", None, locator)


def read_cloudformation(files: FileIndex, found: Findings) -> list[str]:
    """Read every template of the tree into `found`; the files read, each once, in order."""
    looked: list[str] = []
    for path in files.with_suffix(*SUFFIXES):
        if is_example(path) or path.startswith(".github/"):
            continue
        text = files.text(path)
        if text is None or ("AWS::" not in text and "AWSTemplateFormatVersion" not in text):
            continue
        for document in files.yaml(path):
            template = document
            if isinstance(document, dict) and not _is_template(document):
                template = document.get("resources")  # Serverless Framework: raw CloudFormation
            if _is_template(template):
                looked.append(path)
                _Template(found, path, template).scan()
    return list(dict.fromkeys(looked))
