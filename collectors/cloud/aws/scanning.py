"""Vulnerability and misconfiguration scanning: Inspector per resource type and region,
ECR scanning of images, AWS Config recorders and rules, Security Hub."""

from __future__ import annotations

from collections.abc import Mapping
from fnmatch import fnmatchcase
from typing import Any

from scanner.collectors.cloud.aws.api import Api
from scanner.collectors.cloud.aws.calls import Unanswered
from scanner.collectors.cloud.aws.context import Context
from scanner.collectors.cloud.aws.inventory import Inventory
from scanner.collectors.cloud.aws.signals import Out, console

INSPECTED = {"ec2-instance": "ec2", "ecr-repository": "ecr", "lambda-function": "lambda"}
# Answers that mean "not turned on here", as opposed to "could not ask".
NOT_ENABLED = ("InvalidAccessException", "ResourceNotFoundException",
               "NoSuchConfigurationRecorderException")
INSPECTOR = Api("inspector2", "batch_get_account_status", (
    "accounts[].accountId", *(f"accounts[].resourceState.{key}.status"
                              for key in INSPECTED.values())), ("accountIds",))
REGISTRY_SCANNING = Api("ecr", "get_registry_scanning_configuration", (
    "scanningConfiguration.rules[].scanFrequency",
    "scanningConfiguration.rules[].repositoryFilters[].filter"))
RECORDERS = Api("config", "describe_configuration_recorders", ("ConfigurationRecorders",))
RECORDER_STATUS = Api("config", "describe_configuration_recorder_status",
                      ("ConfigurationRecordersStatus[].recording",))
CONFIG_RULES = Api("config", "describe_config_rules", ("ConfigRules[].ConfigRuleArn",),
                   items="ConfigRules")
HUB = Api("securityhub", "describe_hub")


def observe(c: Context, inventory: Inventory, out: Out) -> None:
    _inspector(c, inventory, out)
    _images(c, inventory, out)
    _config(c, out)
    hubs, gaps = c.per_region(lambda region: _enabled(
        lambda: c.reader.call(HUB, region)))
    out.everywhere("aws.securityhub_all_regions", hubs, gaps,
                   lambda r: console(r, f"securityhub/home?region={r}"), "Security Hub")


def _enabled(call: Any) -> bool:
    try:
        call()
    except Unanswered as gap:
        if gap.code in NOT_ENABLED:
            return False
        raise
    return True


def _inspector(c: Context, inventory: Inventory, out: Out) -> None:
    def read(region: str) -> dict[str, bool]:
        answer = c.reader.call(INSPECTOR, region, accountIds=[c.account.id])
        state: dict[str, Any] = next((a.get("resourceState") or {}
                                      for a in answer.get("accounts") or []
                                      if a.get("accountId") == c.account.id), {})
        return {kind: (state.get(key) or {}).get("status") == "ENABLED"
                for kind, key in INSPECTED.items()}

    enabled, gaps = c.per_region(read)
    if gaps:
        out.lacking(["aws.inspector_coverage_share"], gaps[0])
        return
    resources = inventory.of(*INSPECTED)
    covered = [r.arn for r in resources if enabled.get(r.region, {}).get(r.kind)]
    out.share("aws.inspector_coverage_share", covered, [r.arn for r in resources],
              f"EC2 instances, ECR repositories and Lambda functions are in a region where "
              f"Inspector scans their type; {inventory.counted()}")


def _images(c: Context, inventory: Inventory, out: Out) -> None:
    repositories = inventory.of("ecr-repository")
    if not repositories:
        return
    wanted = tuple(sorted({r.region for r in repositories}))

    def read(region: str) -> list[Mapping[str, Any]]:
        if region not in wanted:
            return []
        answer = c.reader.call(REGISTRY_SCANNING, region)
        config = answer.get("scanningConfiguration") or {}
        return [rule for rule in config.get("rules") or []
                if rule.get("scanFrequency") in ("SCAN_ON_PUSH", "CONTINUOUS_SCAN")]

    rules, gaps = c.per_region(read)
    if gaps:
        out.lacking(["aws.image_scan_share"], gaps[0])
        return
    scanned = [r.arn for r in repositories if r.scan_on_push or any(
        fnmatchcase(r.name, f.get("filter", "")) for rule in rules.get(r.region, [])
        for f in rule.get("repositoryFilters") or [])]
    out.share("aws.image_scan_share", scanned, [r.arn for r in repositories],
              "ECR repositories scan images on push or under a registry scanning rule")


def _config(c: Context, out: Out) -> None:
    def recording(region: str) -> bool:
        recorders = c.reader.call(RECORDERS, region)
        if not recorders.get("ConfigurationRecorders"):
            return False
        status = c.reader.call(RECORDER_STATUS, region)
        return any(s.get("recording") for s in status.get("ConfigurationRecordersStatus") or [])

    on, gaps = c.per_region(recording)
    out.everywhere("aws.config_recording_all_regions", on, gaps,
                   lambda r: console(r, f"config/home?region={r}#/dashboard"),
                   "AWS Config recording")
    rules, gaps = c.per_region(lambda region: [
        str(rule.get("ConfigRuleArn")) for rule in c.reader.iterate(CONFIG_RULES, region)])
    found = [arn for v in rules.values() for arn in v]
    out.count("aws.config_rules", len(found),
              found or [console(r, f"config/home?region={r}#/rules") for r in c.regions],
              gaps, f"{len(found)} AWS Config rules")
