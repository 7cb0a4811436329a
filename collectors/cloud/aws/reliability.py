"""Reliability: production spread over availability zones and regions, and data
replicated to another region (S3 replication, DynamoDB global tables, Aurora global
databases)."""

from __future__ import annotations

from scanner.collectors.cloud.aws.context import Context
from scanner.collectors.cloud.aws.inventory import DATABASES, KINDS, REPLICATION, Inventory
from scanner.collectors.cloud.aws.signals import Out


def observe(c: Context, inventory: Inventory, out: Out) -> None:
    production = [r for r in inventory.resources if c.is_production(r.tags)]
    scope = ("production resources (an env, environment or stage tag naming another stage "
             f"takes a resource out); {inventory.counted()}")
    zoned = [r for r in production if r.multi_az is not None]
    out.share("aws.multi_az_share", [r.arn for r in zoned if r.multi_az],
              [r.arn for r in zoned],
              f"databases, caches, Auto Scaling groups and load balancers span several "
              f"availability zones; {scope}")
    databases = [r for r in zoned if r.kind in DATABASES]
    out.share("aws.databases_multi_az_share", [r.arn for r in databases if r.multi_az],
              [r.arn for r in databases], f"RDS instances and clusters and ElastiCache groups "
              f"are Multi-AZ; {scope}")
    if not production:
        return
    replicated = [r for r in inventory.resources if r.replicated]
    kinds = sorted({str(r.replicated) for r in replicated})
    unread = inventory.detail_gaps.get(REPLICATION, [])
    if kinds or not unread:
        out.emit("aws.replication", kinds, [r.arn for r in replicated],
                 f"cross-region replication: {', '.join(kinds) or 'none found'}"
                 + (f" (at least: {unread[0].describe()})" if unread else ""))
    else:
        out.lacking(["aws.replication"], unread[0])
    regions = sorted({r.region for r in production})
    spread = len(regions) > 1 or bool(replicated)
    if not spread and (inventory.gaps or unread):
        why = (f"{KINDS[inventory.gaps[0][0]]} not counted ({inventory.gaps[0][1].describe()})"
               if inventory.gaps else f"replication not read ({unread[0].describe()})")
        out.note(f"no evidence for aws.multi_region: {why}")
        return
    by_region = {region: next(r.arn for r in production if r.region == region)
                 for region in regions}
    out.emit("aws.multi_region", spread, [*[r.arn for r in replicated], *by_region.values()],
             f"production resources in {', '.join(regions)}"
             + (f"; replicated across regions: {', '.join(kinds)}" if kinds else ""))
