"""Capacity planning and scaling: which groups and scalable targets carry scaling
policies, and whether capacity follows a schedule or a usage forecast."""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner.collectors.cloud.aws.context import Context
from scanner.collectors.cloud.aws.inventory import Inventory
from scanner.collectors.cloud.aws.signals import Out

# Application Auto Scaling needs a namespace per call; these hold most scalable capacity.
NAMESPACES = ("ecs", "dynamodb", "rds", "lambda", "sagemaker")
PREDICTIVE = "PredictiveScaling"


@dataclass
class _Region:
    units: list[str] = field(default_factory=list)  # groups and targets
    scaled: list[str] = field(default_factory=list)
    scheduled: list[str] = field(default_factory=list)
    predictive: list[str] = field(default_factory=list)


def observe(c: Context, inventory: Inventory, out: Out) -> None:
    def read(region: str) -> _Region:
        found = _Region()
        groups = {g.name: g.arn for g in inventory.of("autoscaling-group")
                  if g.region == region}
        found.units += groups.values()
        if groups:
            for policy in c.reader.iterate("autoscaling", region, "describe_policies",
                                           "ScalingPolicies"):
                arn = groups.get(str(policy.get("AutoScalingGroupName")))
                if arn:
                    found.scaled.append(arn)
                    if policy.get("PolicyType") == PREDICTIVE:
                        found.predictive.append(str(policy.get("PolicyARN") or arn))
            for action in c.reader.iterate("autoscaling", region, "describe_scheduled_actions",
                                           "ScheduledUpdateGroupActions"):
                found.scheduled.append(str(action.get("ScheduledActionARN")
                                           or groups.get(str(action.get("AutoScalingGroupName")))))
        for namespace in NAMESPACES:
            _application(c, region, namespace, found)
        return found

    regions, gaps = c.per_region(read)
    units = [u for r in regions.values() for u in r.units]
    if gaps:
        out.lacking(["aws.autoscaling_share"], gaps[0])
    else:
        out.share("aws.autoscaling_share", sorted({s for r in regions.values() for s in r.scaled}),
                  units, "Auto Scaling groups and scalable targets have a scaling policy")
    if not units and not gaps:
        return  # nothing scales here, so neither schedules nor forecasts apply
    out.flag("aws.scheduled_scaling", [s for r in regions.values() for s in r.scheduled],
             units, gaps, yes="scheduled scaling actions exist",
             no="no scheduled scaling action")
    out.flag("aws.predictive_scaling", [s for r in regions.values() for s in r.predictive],
             units, gaps, yes="predictive scaling policies exist",
             no="no predictive scaling policy")


def _application(c: Context, region: str, namespace: str, found: _Region) -> None:
    targets = c.reader.pages("application-autoscaling", region, "describe_scalable_targets",
                             "ScalableTargets", ServiceNamespace=namespace)
    if not targets:
        return

    def name(item: dict[str, object]) -> str:
        return str(item.get("ScalableTargetARN") or
                   f"application-autoscaling target {namespace}/{item.get('ResourceId')} "
                   f"({item.get('ScalableDimension')}) in {region}")

    by_key = {(t.get("ResourceId"), t.get("ScalableDimension")): name(t) for t in targets}
    found.units += by_key.values()
    policies = c.reader.pages("application-autoscaling", region, "describe_scaling_policies",
                              "ScalingPolicies", ServiceNamespace=namespace)
    actions = c.reader.pages("application-autoscaling", region, "describe_scheduled_actions",
                             "ScheduledActions", ServiceNamespace=namespace)
    for policy in policies:
        target = by_key.get((policy.get("ResourceId"), policy.get("ScalableDimension")))
        if target:
            found.scaled.append(target)
            if policy.get("PolicyType") == PREDICTIVE:
                found.predictive.append(str(policy.get("PolicyARN") or target))
    found.scheduled += [str(a.get("ScheduledActionARN") or name(a)) for a in actions]
