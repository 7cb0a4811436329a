"""Platform management and the data model: how much of the estate infrastructure code
owns (a CloudFormation stack or the configured IaC tag), and how much carries the
required tag keys."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from scanner.collectors.cloud.aws.context import Context
from scanner.collectors.cloud.aws.inventory import Inventory
from scanner.collectors.cloud.aws.signals import Out, console


def observe(c: Context, inventory: Inventory, out: Out) -> None:
    resources = inventory.resources
    arns = [r.arn for r in resources]
    out.emit("aws.resources", len(resources),
             [console(c.account.home, "resource-groups/tag-editor/find-resources")],
             f"{len(resources)} resources {inventory.counted()}")
    if inventory.stack_gaps and not c.target.iac_tags:
        out.lacking(["aws.iac_managed_share"], inventory.stack_gaps[0])
    else:
        marks = ["a CloudFormation stack", *(f"tag {t}" for t in c.target.iac_tags)]
        managed = [r.arn for r in resources
                   if inventory.in_stack(r) or iac_tagged(r.tags, c.target.iac_tags)]
        out.share("aws.iac_managed_share", managed, arns,
                  f"resources belong to {' or carry '.join(marks)}; {inventory.counted()}")
    if inventory.tag_gaps:
        out.lacking(["aws.required_tags_share"], inventory.tag_gaps[0])
    elif c.target.required_tags:
        wanted = c.target.required_tags
        tagged = [r.arn for r in resources if has_keys(r.tags, wanted)]
        out.share("aws.required_tags_share", tagged, arns,
                  f"resources carry every required tag key ({', '.join(wanted)}); "
                  f"{inventory.counted()}")


def iac_tagged(tags: Mapping[str, str], marks: Sequence[str]) -> bool:
    """`key` marks by presence, `key=value` by value (case-insensitive keys)."""
    lowered = {k.lower(): v for k, v in tags.items()}
    for mark in marks:
        key, has_value, value = mark.partition("=")
        if key.lower() in lowered and (not has_value or lowered[key.lower()] == value):
            return True
    return False


def has_keys(tags: Mapping[str, str], keys: Sequence[str]) -> bool:
    present = {k.lower() for k, v in tags.items() if v}
    return all(key.lower() in present for key in keys)
