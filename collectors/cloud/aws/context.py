"""What every area of an account scan reads from: the calls, the account, the settings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from scanner.collectors.cloud.aws.calls import Reader, Unanswered
from scanner.collectors.cloud.aws.session import Account
from scanner.collectors.cloud.aws.target import AccountTarget
from scanner.patterns import Pattern

T = TypeVar("T")
ENV_KEYS = ("env", "environment", "stage")


@dataclass(frozen=True)
class Context:
    reader: Reader
    account: Account
    target: AccountTarget
    regions: tuple[str, ...]  # the enabled regions that answered
    production: Pattern
    now: datetime

    def arn(self, service: str, region: str, resource: str) -> str:
        return f"arn:{self.account.partition}:{service}:{region}:{self.account.id}:{resource}"

    def per_region(self, read: Callable[[str], T]) -> tuple[dict[str, T], list[Unanswered]]:
        """`read` in every region; the regions that answered, and why the others did not."""
        found: dict[str, T] = {}
        gaps: list[Unanswered] = []
        for region in self.regions:
            try:
                found[region] = read(region)
            except Unanswered as gap:
                gaps.append(gap)
        return found, gaps

    def is_production(self, tags: Mapping[str, str]) -> bool:
        """Untagged resources count as production: only an environment tag that names
        another stage (dev, test) takes a resource out."""
        for key, value in tags.items():
            if key.lower() in ENV_KEYS:
                return bool(self.production.match(value))
        return True
