"""What a Terraform / OpenTofu module declares: clouds, regions, default tags,
registry modules, spread over zones, and the facts its resource types establish.

Files (`*.tf`, `*.tofu`) are grouped by folder, one Terraform module each, and read
with `hcl`, not evaluated: a value that comes from a variable, a module output or a
function other than `merge` and `slice` is unknown, never a guess.  Locals holding
literals are resolved within their folder.  What a resource shows beyond its type is
read by `terraform_resources`.
"""

from __future__ import annotations

import posixpath
from typing import Any

from scanner.collectors.files.cloud_iac.findings import (
    AWS_REGION,
    GCP_REGION,
    Fact,
    Findings,
    as_text,
    distinct_count,
    literal_region,
)
from scanner.collectors.files.cloud_iac.hcl import Attr, Block, Call, Ref, parse_hcl
from scanner.collectors.files.cloud_iac.terraform_resources import ResourceChecks
from scanner.collectors.files.index import MAX_PARSE_BYTES, FileIndex, is_example
from scanner.lazy_patterns import lazy_compile

SUFFIXES = (".tf", ".tofu")

# Terraform provider (type) -> compute cloud.  CDNs, DNS and SaaS providers are left out.
PROVIDER_CLOUDS = {
    "aws": "aws", "awscc": "aws", "google": "google", "google-beta": "google",
    "azurerm": "azure", "azapi": "azure", "oci": "oracle", "alicloud": "alibaba", "ibm": "ibm",
    "digitalocean": "digitalocean", "hcloud": "hetzner",
}
REGISTRY_SOURCE = lazy_compile(r"^(?:[\w.-]+\.[a-z]{2,}/)?([\w-]+)/([\w-]+)/([\w-]+)$")

# Facts that the mere presence of a Terraform resource type establishes.
TYPE_FACTS: dict[str, tuple[Fact, ...]] = {
    "aws_autoscaling_group": (("iac.autoscaling", "aws-asg"),),
    "aws_autoscaling_policy": (("iac.autoscaling", "aws-asg-policy"),),
    "aws_appautoscaling_target": (("iac.autoscaling", "aws-application-autoscaling"),),
    "aws_appautoscaling_policy": (("iac.autoscaling", "aws-application-autoscaling"),),
    "google_compute_autoscaler": (("iac.autoscaling", "gcp"),),
    "google_compute_region_autoscaler": (("iac.autoscaling", "gcp"),),
    "azurerm_monitor_autoscale_setting": (("iac.autoscaling", "azure"),),
    "aws_autoscaling_schedule": (("iac.scheduled_scaling", "scheduled"),),
    "aws_appautoscaling_scheduled_action": (("iac.scheduled_scaling", "scheduled"),),
    "aws_backup_plan": (("iac.backups", "aws-backup"),),
    "google_backup_dr_backup_plan": (("iac.backups", "gcp-backup"),),
    "google_backup_dr_backup_plan_association": (("iac.backups", "gcp-backup"),),
    "aws_backup_restore_testing_plan": (("iac.restore_tests", None),),
    "aws_fis_experiment_template": (("iac.chaos_experiments", None),),
    "azurerm_chaos_studio_experiment": (("iac.chaos_experiments", None),),
    "aws_guardduty_organization_configuration": (("iac.security_monitoring", "guardduty"),),
    "aws_securityhub_account": (("iac.security_monitoring", "securityhub"),),
    "aws_securityhub_organization_configuration": (("iac.security_monitoring", "securityhub"),),
    "aws_config_configuration_recorder": (("iac.security_monitoring", "aws-config"),),
    "aws_config_config_rule": (("iac.security_monitoring", "aws-config"),),
    "aws_config_conformance_pack": (("iac.security_monitoring", "aws-config"),),
    "aws_config_organization_managed_rule": (("iac.security_monitoring", "aws-config"),),
    "aws_config_organization_custom_rule": (("iac.security_monitoring", "aws-config"),),
    "aws_config_organization_conformance_pack": (("iac.security_monitoring", "aws-config"),),
    "datadog_security_monitoring_rule": (("iac.security_monitoring", "datadog-security-rules"),),
    "datadog_security_monitoring_rule_json": (
        ("iac.security_monitoring", "datadog-security-rules"),),
    "aws_inspector2_enabler": (("iac.vulnerability_scanning", "inspector"),),
    "aws_inspector2_organization_configuration": (("iac.vulnerability_scanning", "inspector"),),
    "aws_inspector_assessment_template": (("iac.vulnerability_scanning", "inspector"),),
    "datadog_service_level_objective": (("iac.slos", "datadog"),),
    "google_monitoring_slo": (("iac.slos", "gcp"),),
    "newrelic_service_level": (("iac.slos", "newrelic"),),
    "aws_applicationsignals_service_level_objective": (("iac.slos", "aws-application-signals"),),
    "awscc_applicationsignals_service_level_objective": (
        ("iac.slos", "aws-application-signals"),),
    "grafana_slo": (("iac.slos", "grafana"),),
    "dynatrace_slo": (("iac.slos", "dynatrace"),),
    "dynatrace_slo_v2": (("iac.slos", "dynatrace"),),
    "dynatrace_platform_slo": (("iac.slos", "dynatrace"),),
    "honeycombio_slo": (("iac.slos", "honeycomb"),),
    "honeycombio_burn_alert": (("iac.slo_alerts", None),),
    "datadog_synthetics_test": (("iac.synthetics", "datadog"),),
    "aws_synthetics_canary": (("iac.synthetics", "aws"),),
    "google_monitoring_uptime_check_config": (("iac.synthetics", "gcp"),),
    "azurerm_application_insights_standard_web_test": (("iac.synthetics", "azure"),),
    "azurerm_application_insights_web_test": (("iac.synthetics", "azure"),),
    "dynatrace_http_monitor": (("iac.synthetics", "dynatrace"),),
    "dynatrace_browser_monitor": (("iac.synthetics", "dynatrace"),),
    "datadog_rum_application": (("iac.rum", "datadog"),),
    "aws_rum_app_monitor": (("iac.rum", "aws"),),
    "newrelic_browser_application": (("iac.rum", "newrelic"),),
    "dynatrace_web_application": (("iac.rum", "dynatrace"),),
    "aws_s3_bucket_replication_configuration": (("iac.backup_copies", None),
                                                ("iac.multi_region", None)),
    "aws_db_instance_automated_backups_replication": (("iac.backup_copies", None),),
    "aws_dynamodb_global_table": (("iac.multi_region", None),),
    "aws_rds_global_cluster": (("iac.multi_region", None),),
    "aws_elasticache_global_replication_group": (("iac.multi_region", None),),
    "google_compute_region_instance_group_manager": (("iac.multi_az", None),),
}
PREFIX_FACTS: tuple[tuple[str, str, Fact], ...] = (
    # (prefix, suffix, fact)
    ("google_scc_", "", ("iac.security_monitoring", "gcp-scc")),
    ("azurerm_backup_policy_", "", ("iac.backups", "azure-backup")),
    ("azurerm_data_protection_backup_policy_", "", ("iac.backups", "azure-backup")),
    ("newrelic_synthetics_", "monitor", ("iac.synthetics", "newrelic")),
    ("checkly_", "_check", ("iac.synthetics", "checkly")),
    ("checkly_", "_check_suite", ("iac.synthetics", "checkly")),
    ("checkly_", "_monitor", ("iac.synthetics", "checkly")),
)
NOT_SYNTHETIC = frozenset({"checkly_heartbeat_monitor", "checkly_trigger_check"})
# Arguments naming zones; a list of two or more distinct entries spreads over zones.
ZONE_LISTS = frozenset({"availability_zones", "azs", "zones", "node_locations",
                        "distribution_policy_zones", "preferred_cache_cluster_azs"})
TRUE_MEANS_ZONES = frozenset({"multi_az", "multi_az_enabled", "zone_awareness_enabled",
                              "zone_redundant", "zone_balancing_enabled", "regional"})
AZ_DATA_SOURCES = ("data.aws_availability_zones.", "data.google_compute_zones.")


def _tag_key(key: str) -> str | None:
    key = key.strip()
    if not key or key.startswith(("(", "${")) or "${" in key:
        return None
    return key.lower()


class _ModuleReader(ResourceChecks):
    """What one Terraform module (one folder) declares, block by top-level block."""

    def top(self, block: Block) -> None:
        if block.type == "terraform":
            for providers in block.children("required_providers"):
                self.required_providers(providers)
        elif block.type == "provider" and block.labels:
            self.provider(block)
        elif block.type == "resource" and len(block.labels) >= 2:
            self.resource(block)
        elif block.type == "module" and block.labels:
            self.module(block)

    def required_providers(self, block: Block) -> None:
        for name, attr in block.attrs.items():
            value = attr.value
            source = as_text(value.get("source")) if isinstance(value, dict) else None
            kind = source.rsplit("/", 1)[-1].lower() if source else name
            if kind in PROVIDER_CLOUDS:
                self.found.add("iac.clouds", PROVIDER_CLOUDS[kind], block.at(attr))

    def provider(self, block: Block) -> None:
        name = block.labels[0]
        if name in PROVIDER_CLOUDS:
            self.found.add("iac.clouds", PROVIDER_CLOUDS[name], block.where)
        region = block.attrs.get("region")
        if region is not None and name in ("aws", "awscc", "google", "google-beta"):
            pattern = AWS_REGION if name in ("aws", "awscc") else GCP_REGION
            if (literal := literal_region(self.resolve(region.value), pattern)) is not None:
                self.found.add("iac.regions", literal, block.at(region))
        if name == "aws":
            for defaults in block.children("default_tags"):
                tags = defaults.attrs.get("tags")
                if tags is not None:
                    self.tag_keys(tags, block)
        elif name in ("google", "google-beta") and "default_labels" in block.attrs:
            self.tag_keys(block.attrs["default_labels"], block)

    def tag_keys(self, attr: Attr, block: Block) -> None:
        keys, unresolved = self.map_keys(attr.value)
        for key in keys:
            if (tag := _tag_key(key)) is not None:
                self.found.add("iac.default_tags", tag, block.at(attr))
        if unresolved:
            self.found.unresolved_tags.append(block.at(attr))

    def map_keys(self, value: Any, depth: int = 0) -> tuple[list[str], bool]:
        """Literal keys of a map (through locals and merge()), and whether some were unknown."""
        value = self.resolve(value)
        if isinstance(value, dict):
            return list(value), False
        if isinstance(value, Call) and value.name == "merge" and depth < 10:
            keys: list[str] = []
            unresolved = False
            for arg in value.args:
                more, unknown = self.map_keys(arg, depth + 1)
                keys.extend(more)
                unresolved = unresolved or unknown
            return keys, unresolved
        return [], True

    def resource(self, block: Block) -> None:
        kind = block.labels[0]
        prefix = kind.split("_", 1)[0]
        cloud = PROVIDER_CLOUDS.get(prefix)
        if cloud:
            self.found.add("iac.clouds", cloud, block.where)
        self.found.facts(TYPE_FACTS.get(kind, ()), block.where)
        for start, end, fact in PREFIX_FACTS:
            if kind.startswith(start) and kind.endswith(end) and kind not in NOT_SYNTHETIC:
                self.found.add(*fact, block.where)
        if cloud:
            self.zones(block)
            if prefix in ("aws", "google") and "region" in block.attrs:
                attr = block.attrs["region"]
                pattern = AWS_REGION if prefix == "aws" else GCP_REGION
                if (literal := literal_region(self.resolve(attr.value), pattern)) is not None:
                    self.found.add("iac.regions", literal, block.at(attr))
        check = getattr(self, "_" + kind, None) if kind[:1].isalpha() else None
        if callable(check):
            check(block)

    def zones(self, block: Block) -> None:
        """Arguments anywhere in a resource or module that spread it over zones."""
        for inner in block.walk():
            for name, attr in inner.attrs.items():
                if self.spreads(name, self.resolve(attr.value)):
                    self.found.add("iac.multi_az", None, inner.at(attr))

    def spreads(self, name: str, value: Any) -> bool:
        if name in TRUE_MEANS_ZONES:
            return value is True
        if name == "availability_type":
            return bool(value == "REGIONAL")
        if name in ("deployment_mode", "deployment_type"):
            return isinstance(value, str) and "MULTI_AZ" in value.upper()
        if name == "vpc_zone_identifier":
            return isinstance(value, list) and distinct_count(value) >= 2
        if name in ZONE_LISTS:
            return self.several_zones(value)
        return False

    def several_zones(self, value: Any) -> bool:
        if isinstance(value, list):
            return distinct_count(value) >= 2
        if isinstance(value, Ref):
            return value.path.startswith(AZ_DATA_SOURCES) and value.path.endswith(".names")
        if isinstance(value, Call) and value.name == "slice" and len(value.args) == 3:
            source, start, end = (self.resolve(arg) for arg in value.args)
            if isinstance(start, int) and isinstance(end, int) and end - start >= 2:
                return self.several_zones(source) or (
                    isinstance(source, Ref) and source.path.startswith(AZ_DATA_SOURCES))
        return False

    def module(self, block: Block) -> None:
        source = as_text(self.attr(block, "source")) or ""
        registry = REGISTRY_SOURCE.match(source.split("?", 1)[0].split("//", 1)[0])
        name = provider = ""
        if registry and not source.startswith((".", "/")) and "::" not in source:
            name, provider = registry.group(2).lower(), registry.group(3).lower()
            if provider in PROVIDER_CLOUDS:
                self.found.add("iac.clouds", PROVIDER_CLOUDS[provider], block.where)
        self.zones(block)
        if provider == "aws" and name == "autoscaling":
            self.found.add("iac.autoscaling", "aws-asg", block.where)
            for argument, kind in (("scaling_policies", "aws-asg-policy"),
                                   ("schedules", "scheduled")):
                attr = block.attrs.get(argument)
                value = None if attr is None else self.resolve(attr.value)
                if attr is not None and isinstance(value, dict | list) and value:
                    signal = "iac.autoscaling" if kind == "aws-asg-policy" \
                        else "iac.scheduled_scaling"
                    self.found.add(signal, kind, block.at(attr))
                    if "PredictiveScaling" in attr.raw:
                        self.found.add("iac.scheduled_scaling", "predictive", block.at(attr))
        if provider == "aws" and name == "backup":
            self.found.add("iac.backups", "aws-backup", block.where)
        self.retention(block)
        pitr = block.attrs.get("point_in_time_recovery_enabled")
        if pitr is not None and self.resolve(pitr.value) is True:
            self.found.add("iac.backups", "dynamodb-pitr", block.at(pitr))
        replicas = block.attrs.get("replica_regions")
        value = None if replicas is None else self.resolve(replicas.value)
        if replicas is not None and isinstance(value, list) and value:
            self.found.add("iac.multi_region", None, block.at(replicas))
            for item in value:
                if (literal := literal_region(item, AWS_REGION)) is not None:
                    self.found.add("iac.regions", literal, block.at(replicas))
        region = block.attrs.get("region")
        if region is not None and (literal := literal_region(
                self.resolve(region.value), AWS_REGION, GCP_REGION)) is not None:
            self.found.add("iac.regions", literal, block.at(region))


def read_terraform(files: FileIndex, found: Findings) -> list[str]:
    """Read every Terraform module of the tree into `found`; the files read, in order."""
    modules: dict[str, list[Block]] = {}
    for path in files.with_suffix(*SUFFIXES):
        if is_example(path) or "/.terraform/" in f"/{path}":
            continue
        text = files.text(path)
        if text is None:
            continue
        if len(text) > MAX_PARSE_BYTES:
            files.skipped.setdefault(path, "too large to read as Terraform")
            continue
        try:
            root = parse_hcl(text, path)
        except RecursionError:
            files.skipped.setdefault(path, "Terraform nested too deeply to read")
            continue
        modules.setdefault(posixpath.dirname(path), []).append(root)
    looked: list[str] = []
    for roots in modules.values():
        local_values: dict[str, Attr] = {}
        for root in roots:
            for block in root.children("locals"):
                local_values.update(block.attrs)
        module = _ModuleReader(found, local_values)
        for root in roots:
            looked.append(root.path)
            for block in root.blocks:
                module.top(block)
    return looked
