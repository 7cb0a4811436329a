"""Capacity planning and scaling: which groups and scalable targets carry scaling
policies, and whether capacity follows a schedule or a usage forecast.

Each signal waits only on the calls that decide it: the share on the scalable targets
and the policies, predictive scaling on the policies, scheduled scaling on the
scheduled actions. Application Auto Scaling's policies and actions are read only in the
namespaces that have targets, so those reads depend on the targets too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.collectors.cloud.aws.api import Api
from scanner.collectors.cloud.aws.calls import Unanswered
from scanner.collectors.cloud.aws.context import Context
from scanner.collectors.cloud.aws.inventory import Inventory
from scanner.collectors.cloud.aws.signals import Out

# Application Auto Scaling needs a namespace per call; these hold most scalable capacity.
NAMESPACES = ("ecs", "dynamodb", "rds", "lambda", "sagemaker")
PREDICTIVE = "PredictiveScaling"

GROUP_POLICIES = Api("autoscaling", "describe_policies", (
    "ScalingPolicies[].AutoScalingGroupName", "ScalingPolicies[].PolicyType",
    "ScalingPolicies[].PolicyARN"), items="ScalingPolicies")
GROUP_SCHEDULES = Api("autoscaling", "describe_scheduled_actions", (
    "ScheduledUpdateGroupActions[].ScheduledActionARN",
    "ScheduledUpdateGroupActions[].AutoScalingGroupName"), items="ScheduledUpdateGroupActions")
TARGETS = Api("application-autoscaling", "describe_scalable_targets", (
    "ScalableTargets[].ScalableTargetARN", "ScalableTargets[].ResourceId",
    "ScalableTargets[].ScalableDimension"), ("ServiceNamespace",), items="ScalableTargets")
TARGET_POLICIES = Api("application-autoscaling", "describe_scaling_policies", (
    "ScalingPolicies[].ResourceId", "ScalingPolicies[].ScalableDimension",
    "ScalingPolicies[].PolicyType", "ScalingPolicies[].PolicyARN"), ("ServiceNamespace",),
    items="ScalingPolicies")
TARGET_SCHEDULES = Api("application-autoscaling", "describe_scheduled_actions", (
    "ScheduledActions[].ScheduledActionARN",), ("ServiceNamespace",), items="ScheduledActions")

Key = tuple[Any, Any]  # (ResourceId, ScalableDimension) of a scalable target


@dataclass
class _Found:
    units: list[str] = field(default_factory=list)  # groups and targets
    scaled: list[str] = field(default_factory=list)
    scheduled: list[str] = field(default_factory=list)
    predictive: list[str] = field(default_factory=list)
    # Which reads failed, by what they decide.
    target_gaps: list[Unanswered] = field(default_factory=list)
    policy_gaps: list[Unanswered] = field(default_factory=list)
    schedule_gaps: list[Unanswered] = field(default_factory=list)


def observe(c: Context, inventory: Inventory, out: Out) -> None:
    found = _Found()
    for region in c.regions:
        groups = {g.name: g.arn for g in inventory.of("autoscaling-group")
                  if g.region == region}
        found.units += groups.values()
        if groups:
            _groups(c, region, groups, found)
        for namespace in NAMESPACES:
            _application(c, region, namespace, found)
    share_gaps = [*found.target_gaps, *found.policy_gaps]
    if share_gaps:
        out.lacking(["aws.autoscaling_share"], share_gaps[0])
    else:
        out.share("aws.autoscaling_share", sorted(set(found.scaled)), found.units,
                  "Auto Scaling groups and scalable targets have a scaling policy")
    if not found.units and not found.target_gaps:
        return  # nothing scales here, so neither schedules nor forecasts apply
    out.flag("aws.scheduled_scaling", found.scheduled, found.units,
             [*found.target_gaps, *found.schedule_gaps], yes="scheduled scaling actions exist",
             no="no scheduled scaling action")
    out.flag("aws.predictive_scaling", found.predictive, found.units, share_gaps,
             yes="predictive scaling policies exist", no="no predictive scaling policy")


def _groups(c: Context, region: str, groups: Mapping[str, str], found: _Found) -> None:
    _policies(c, region, GROUP_POLICIES, lambda p: groups.get(str(p.get("AutoScalingGroupName"))),
              found)
    try:
        found.scheduled += [str(action.get("ScheduledActionARN")
                                or groups.get(str(action.get("AutoScalingGroupName"))))
                            for action in c.reader.iterate(GROUP_SCHEDULES, region)]
    except Unanswered as gap:
        found.schedule_gaps.append(gap)


def _application(c: Context, region: str, namespace: str, found: _Found) -> None:
    try:
        targets = c.reader.pages(TARGETS, region, ServiceNamespace=namespace)
    except Unanswered as gap:
        found.target_gaps.append(gap)
        return
    if not targets:
        return

    def name(item: Mapping[str, Any]) -> str:
        return str(item.get("ScalableTargetARN") or
                   f"application-autoscaling target {namespace}/{item.get('ResourceId')} "
                   f"({item.get('ScalableDimension')}) in {region}")

    by_key: dict[Key, str] = {(t.get("ResourceId"), t.get("ScalableDimension")): name(t)
                              for t in targets}
    found.units += by_key.values()
    _policies(c, region, TARGET_POLICIES,
              lambda p: by_key.get((p.get("ResourceId"), p.get("ScalableDimension"))), found,
              ServiceNamespace=namespace)
    try:
        found.scheduled += [str(a["ScheduledActionARN"])  # required by the API's model
                            for a in c.reader.iterate(TARGET_SCHEDULES, region,
                                                      ServiceNamespace=namespace)]
    except Unanswered as gap:
        found.schedule_gaps.append(gap)


def _policies(c: Context, region: str, api: Api,
              unit: Callable[[Mapping[str, Any]], str | None], found: _Found,
              **params: Any) -> None:
    """Scaling policies of either service, each matched to the group or target it scales."""
    try:
        for policy in c.reader.iterate(api, region, **params):
            scaled = unit(policy)
            if scaled:
                found.scaled.append(scaled)
                if policy.get("PolicyType") == PREDICTIVE:
                    found.predictive.append(str(policy.get("PolicyARN") or scaled))
    except Unanswered as gap:
        found.policy_gaps.append(gap)
