"""What a Terraform resource shows beyond its presence, one method per resource type.

`ResourceChecks` holds what one Terraform module (one folder) has found so far and
resolves its locals; the module reader (`terraform`) calls `_<resource type>` for each
resource whose type has such a method here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from scanner.collectors.files.cloud_iac.findings import (
    AWS_REGION,
    FAILED_LOGIN,
    GCP_REGION,
    Findings,
    as_number,
    as_text,
    is_false,
    literal_region,
)
from scanner.collectors.files.cloud_iac.hcl import Attr, Block, Ref
from scanner.lazy_patterns import lazy_compile

AZURE_LOCATION = lazy_compile(r"^[a-z][a-z0-9]*$")  # not [a-z]+[a-z0-9]*: quadratic
DEFENDER_CONTAINERS = frozenset({"containers", "containerregistry", "kubernetesservice"})


def _azure_location(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    location = re.sub(r"\s+", "", value).lower()
    return location if AZURE_LOCATION.match(location) else None


class ResourceChecks:
    """What one Terraform module (one folder) declares, resource type by resource type."""

    def __init__(self, found: Findings, local_values: Mapping[str, Attr]) -> None:
        self.found = found
        self.local_values = local_values
        self.subnet_zones: dict[str, str] = {}  # literal zone -> first subnet

    def resolve(self, value: Any, depth: int = 0) -> Any:
        if isinstance(value, Ref) and value.path.startswith("local.") and depth < 10:
            name = value.path[len("local."):]
            if name in self.local_values:
                return self.resolve(self.local_values[name].value, depth + 1)
        return value

    def attr(self, block: Block, name: str) -> Any:
        attr = block.attrs.get(name)
        return None if attr is None else self.resolve(attr.value)

    def retention(self, block: Block) -> None:
        attr = block.attrs.get("backup_retention_period")
        if attr is not None and (as_number(self.resolve(attr.value)) or 0) > 0:
            self.found.add("iac.backups", "rds-automated", block.at(attr))

    # One method per resource type that needs more than its presence.

    def _aws_guardduty_detector(self, block: Block) -> None:
        if not is_false(self.attr(block, "enable")):
            self.found.add("iac.security_monitoring", "guardduty", block.where)

    def _aws_cloudtrail(self, block: Block) -> None:
        if not is_false(self.attr(block, "enable_logging")):
            self.found.add("iac.security_monitoring", "cloudtrail", block.where)

    def _aws_cloudwatch_log_metric_filter(self, block: Block) -> None:
        pattern = block.attrs.get("pattern")
        if pattern is None:
            return
        text = as_text(self.resolve(pattern.value)) or pattern.raw
        if "ConsoleLogin" in text and FAILED_LOGIN.search(text):
            self.found.add("iac.security_monitoring", "failed-login-alarm", block.at(pattern))

    def _azurerm_security_center_subscription_pricing(self, block: Block) -> None:
        tier = as_text(self.attr(block, "tier")) or ""
        if tier.lower() != "standard":
            return
        self.found.add("iac.security_monitoring", "azure-defender", block.where)
        resource_type = as_text(self.attr(block, "resource_type")) or "VirtualMachines"
        if resource_type.lower() in DEFENDER_CONTAINERS:
            self.found.add("iac.vulnerability_scanning", "azure-defender-containers",
                           block.where)

    def _azurerm_kubernetes_cluster(self, block: Block) -> None:
        for defender in block.children("microsoft_defender"):
            self.found.add("iac.vulnerability_scanning", "azure-defender-containers",
                           defender.where)

    def _aws_ecr_repository(self, block: Block) -> None:
        for scanning in block.children("image_scanning_configuration"):
            attr = scanning.attrs.get("scan_on_push")
            if attr is not None and self.resolve(attr.value) is True:
                self.found.add("iac.vulnerability_scanning", "ecr-scan-on-push",
                               scanning.at(attr))

    def _aws_ecr_registry_scanning_configuration(self, block: Block) -> None:
        attr = block.attrs.get("scan_type")
        if attr is not None and self.resolve(attr.value) == "ENHANCED":
            self.found.add("iac.vulnerability_scanning", "ecr-enhanced", block.at(attr))
        for rule in block.children("rule"):
            frequency = rule.attrs.get("scan_frequency")
            if frequency is not None and self.resolve(frequency.value) == "SCAN_ON_PUSH":
                self.found.add("iac.vulnerability_scanning", "ecr-scan-on-push",
                               rule.at(frequency))

    def _google_project_service(self, block: Block) -> None:
        if self.attr(block, "service") == "containerscanning.googleapis.com":
            self.found.add("iac.vulnerability_scanning", "gcp-container-scanning", block.where)

    def _datadog_monitor(self, block: Block) -> None:
        if self.attr(block, "type") == "slo alert":
            self.found.add("iac.slo_alerts", None, block.where)

    def _google_monitoring_alert_policy(self, block: Block) -> None:
        for inner in block.walk():
            for attr in inner.attrs.values():
                if "select_slo_burn_rate" in attr.raw:
                    self.found.add("iac.slo_alerts", None, inner.at(attr))
                    return

    def _grafana_slo(self, block: Block) -> None:
        for alerting in block.children("alerting"):
            if alerting.children("fastburn") or alerting.children("slowburn"):
                self.found.add("iac.slo_alerts", None, alerting.where)

    def _aws_autoscaling_policy(self, block: Block) -> None:
        attr = block.attrs.get("policy_type")
        if attr is not None and self.resolve(attr.value) == "PredictiveScaling":
            self.found.add("iac.scheduled_scaling", "predictive", block.at(attr))
        for predictive in block.children("predictive_scaling_configuration"):
            self.found.add("iac.scheduled_scaling", "predictive", predictive.where)

    def _azurerm_monitor_autoscale_setting(self, block: Block) -> None:
        for inner in block.walk():
            if inner.type in ("recurrence", "fixed_date"):
                self.found.add("iac.scheduled_scaling", "scheduled", inner.where)

    def _aws_backup_plan(self, block: Block) -> None:
        for rule in block.children("rule"):
            for copy in rule.children("copy_action"):
                self.found.add("iac.backup_copies", None, copy.where)

    def _aws_db_instance(self, block: Block) -> None:
        self.retention(block)

    def _aws_rds_cluster(self, block: Block) -> None:
        self.retention(block)

    def _aws_dynamodb_table(self, block: Block) -> None:
        for pitr in block.children("point_in_time_recovery"):
            attr = pitr.attrs.get("enabled")
            if attr is not None and self.resolve(attr.value) is True:
                self.found.add("iac.backups", "dynamodb-pitr", pitr.at(attr))
        for replica in block.children("replica"):
            self.found.add("iac.multi_region", None, replica.where)
            attr = replica.attrs.get("region_name")
            if attr is not None and (literal := literal_region(self.resolve(attr.value),
                                                               AWS_REGION)) is not None:
                self.found.add("iac.regions", literal, replica.at(attr))

    def _aws_s3_bucket(self, block: Block) -> None:
        for replication in block.children("replication_configuration"):
            self.found.add("iac.backup_copies", None, replication.where)
            self.found.add("iac.multi_region", None, replication.where)

    def _aws_subnet(self, block: Block) -> None:
        zone = as_text(self.attr(block, "availability_zone"))
        if zone:
            self.subnet_zones.setdefault(zone, block.where)
            if len(self.subnet_zones) >= 2:
                for where in self.subnet_zones.values():
                    self.found.add("iac.multi_az", None, where)

    def _google_sql_database_instance(self, block: Block) -> None:
        for settings in block.children("settings"):
            for backup in settings.children("backup_configuration"):
                attr = backup.attrs.get("enabled")
                if attr is not None and self.resolve(attr.value) is True:
                    self.found.add("iac.backups", "gcp-backup", backup.at(attr))

    def _google_compute_resource_policy(self, block: Block) -> None:
        for schedule in block.children("snapshot_schedule_policy"):
            self.found.add("iac.backups", "gcp-backup", schedule.where)

    def _google_container_cluster(self, block: Block) -> None:
        attr = block.attrs.get("location")
        if attr is not None and literal_region(self.resolve(attr.value), GCP_REGION) is not None:
            self.found.add("iac.multi_az", None, block.at(attr))  # a regional cluster

    def _google_redis_instance(self, block: Block) -> None:
        attr = block.attrs.get("tier")
        if attr is not None and self.resolve(attr.value) == "STANDARD_HA":
            self.found.add("iac.multi_az", None, block.at(attr))

    def _azurerm_resource_group(self, block: Block) -> None:
        attr = block.attrs.get("location")
        if attr is not None and (location := _azure_location(self.resolve(attr.value))):
            self.found.add("iac.regions", location, block.at(attr))

    def _azurerm_cosmosdb_account(self, block: Block) -> None:
        locations = block.children("geo_location")
        names = {repr(self.attr(b, "location")) for b in locations}
        if len(locations) >= 2 and len(names) >= 2:
            self.found.add("iac.multi_region", None, locations[1].where)

    def _azurerm_recovery_services_vault(self, block: Block) -> None:
        attr = block.attrs.get("cross_region_restore_enabled")
        if attr is not None and self.resolve(attr.value) is True:
            self.found.add("iac.backup_copies", None, block.at(attr))
