"""AWS accounts: what they run, read-only, for the Operate and Observe & Respond cells.

One target is one account (a profile, or a role assumed through STS). Its enabled
regions are read in a pool of threads: first the resources (the denominators of every
share), then each area. A call that is refused or not answered leaves its signals out
with a note; only an account that cannot be reached at all is an error.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar

from scanner import patterns
from scanner import validate as v
from scanner.collectors.base import (
    ERROR,
    Collected,
    CollectSettings,
    Problem,
    Target,
    report_items,
)
from scanner.collectors.cloud.aws import (
    experience,
    governance,
    monitoring,
    patching,
    recovery,
    reliability,
    resilience,
    scaling,
    scanning,
)
from scanner.collectors.cloud.aws.calls import Reader
from scanner.collectors.cloud.aws.context import Context
from scanner.collectors.cloud.aws.inventory import Inventory, read_inventory
from scanner.collectors.cloud.aws.session import SetupFailed, identify, open_session
from scanner.collectors.cloud.aws.signals import Out
from scanner.collectors.cloud.aws.target import AccountTarget, parse_target
from scanner.collectors.sources import AWS, SIGNALS
from scanner.evidence import now_utc
from scanner.memory import NO_MEMORY, Memory
from scanner.signals import SignalSpec

Area = Callable[[Context, Inventory, Out], None]
AREAS: tuple[Area, ...] = (
    governance.observe, scaling.observe, reliability.observe, recovery.observe,
    scanning.observe,
    lambda c, _, out: resilience.observe(c, out),
    lambda c, _, out: patching.observe(c, out),
    lambda c, _, out: monitoring.observe(c, out),
    lambda c, _, out: experience.observe(c, out),
)


class AwsCollector:
    id: ClassVar[str] = AWS.id
    title: ClassVar[str] = AWS.title
    signals: ClassVar[tuple[SignalSpec, ...]] = SIGNALS[AWS]

    @classmethod
    def configure_target(cls, raw: Any, where: v.Where, base: Path) -> Target:
        account = parse_target(raw, where)
        return Target(cls.id, account.label, account.to_options())

    def collect(self, target: Target, settings: CollectSettings,
                memory: Memory = NO_MEMORY) -> Collected:
        collected = Collected()
        account_target = AccountTarget.from_options(target.options)
        try:
            session, secrets = open_session(account_target)
            account = identify(session, account_target, secrets)
        except SetupFailed as exc:
            collected.problems.append(Problem(target.label, str(exc), ERROR))
            return collected
        for note in account.notes:
            collected.problems.append(Problem(target.label, note))
        if not account.regions:
            collected.problems.append(Problem(target.label, "none of the configured regions "
                                              "is enabled in the account", ERROR))
            return collected
        reader = Reader(session, account_target, secrets)
        out = Out(account.entity, self.id)
        context = Context(reader, account, account_target, account.regions,
                          patterns.compiled(settings.production_pattern), now_utc())
        with ThreadPoolExecutor(max_workers=account_target.workers,
                                thread_name_prefix="aws") as pool:
            inventory = read_inventory(context, pool)
            for region, reason in sorted(reader.unreachable.items()):
                collected.problems.append(Problem(target.label, f"region {region} skipped: "
                                                  f"{reason}", locator=region))
            if not inventory.regions:
                collected.problems.append(Problem(target.label, "no region answered", ERROR))
                return collected
            context = Context(reader, account, account_target, inventory.regions,
                              context.production, context.now)
            total = len(AREAS)
            report_items(target.label, 0, total)
            futures = [pool.submit(area, context, inventory, out) for area in AREAS]
            for done, future in enumerate(futures, 1):
                future.result()
                report_items(target.label, done, total)
        collected.entities.append(account.entity)
        collected.evidence += out.evidence
        seen: set[str] = set()
        for note in [*reader.notes, *out.notes]:
            if note not in seen:
                seen.add(note)
                collected.problems.append(Problem(account.entity, secrets.scrub(note)))
        return collected
