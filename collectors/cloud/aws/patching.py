"""Patching: SSM Patch Manager's view of the managed instances — compliant or not, how
long since each was last patched, and how many critical or security patches are
missing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from scanner.collectors.cloud.aws.api import Api
from scanner.collectors.cloud.aws.context import Context
from scanner.collectors.cloud.aws.signals import Out

BATCH = 50  # DescribeInstancePatchStates takes at most 50 instance ids
MANAGED = Api("ssm", "describe_instance_information", ("InstanceInformationList[].InstanceId",),
              items="InstanceInformationList")
PATCH_STATES = Api("ssm", "describe_instance_patch_states", tuple(
    f"InstancePatchStates[].{key}" for key in (
        "InstanceId", "MissingCount", "FailedCount", "OperationEndTime",
        "CriticalNonCompliantCount", "SecurityNonCompliantCount")), ("InstanceIds",),
    items="InstancePatchStates")


def observe(c: Context, out: Out) -> None:
    def read(region: str) -> list[tuple[str, Mapping[str, Any] | None]]:
        managed = [str(i["InstanceId"]) for i in c.reader.iterate(MANAGED, region)]
        states: dict[str, Mapping[str, Any]] = {}
        for start in range(0, len(managed), BATCH):
            for state in c.reader.pages(PATCH_STATES, region,
                                        InstanceIds=managed[start:start + BATCH]):
                states[str(state["InstanceId"])] = state
        return [(_arn(c, region, i), states.get(i)) for i in managed]

    regions, gaps = c.per_region(read)
    signals = ["aws.patch_compliance_share", "aws.patch_age_days_p90",
               "aws.patch_critical_missing"]
    if gaps:
        out.lacking(signals, gaps[0])
        return
    instances = [item for found in regions.values() for item in found]
    if not instances:
        return  # no managed instances: nothing Patch Manager could show
    compliant = [arn for arn, state in instances if state and not state.get("MissingCount")
                 and not state.get("FailedCount")]
    unreported = sum(1 for _, state in instances if state is None)
    out.share("aws.patch_compliance_share", compliant, [arn for arn, _ in instances],
              "managed instances have no missing or failed patches"
              + (f" ({unreported} never reported a patch state)" if unreported else ""))
    ages = sorted((c.now - when).total_seconds() / 86400 for _, state in instances
                  if state and isinstance(when := state.get("OperationEndTime"), datetime))
    if ages:
        oldest_first = sorted(((c.now - s["OperationEndTime"]).days, arn)
                              for arn, s in instances
                              if s and isinstance(s.get("OperationEndTime"), datetime))
        out.emit("aws.patch_age_days_p90", round(_p90(ages), 1),
                 [arn for _, arn in reversed(oldest_first)],
                 f"90% of {len(ages)} instances were patched within {_p90(ages):.0f} days")
    missing = [(int(s.get("CriticalNonCompliantCount") or 0)
                + int(s.get("SecurityNonCompliantCount") or 0), arn)
               for arn, s in instances if s]
    if missing:
        out.emit("aws.patch_critical_missing", sum(n for n, _ in missing),
                 [arn for n, arn in sorted(missing, reverse=True) if n] or
                 [arn for _, arn in missing],
                 f"{sum(n for n, _ in missing)} critical or security patches missing on "
                 f"{sum(1 for n, _ in missing if n)} of {len(missing)} instances")


def _arn(c: Context, region: str, instance: str) -> str:
    if instance.startswith("mi-"):
        return c.arn("ssm", region, f"managed-instance/{instance}")
    return c.arn("ec2", region, f"instance/{instance}")


def _p90(values: list[float]) -> float:
    return values[min(len(values) - 1, int(0.9 * len(values)))]
