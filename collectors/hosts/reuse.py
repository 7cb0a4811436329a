"""A repository's whole contribution to the last scan, kept and given again while the
listing of its organisation or group shows it unchanged (see `Reuse`)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from scanner import __version__
from scanner.collectors.api import parse_time
from scanner.collectors.base import ERROR, Collected, CollectSettings
from scanner.memory import UNREADABLE, Memory, Remembered, packed, unpacked
from scanner.spool import SpooledSet, spooled_sets

REPOSITORY_KEY = "repository {name}"
# How a repository's contribution is kept; a body kept another way is never recalled.
BODY_FORMAT = 3


@dataclass
class RepositoryResult:
    """What one repository gave, and what to remember of it for the next scan. Once kept
    whole (`Reuse.remembered`), its evidence is in `sets`, spooled as it is kept: a
    repository recalled later is handed to the scan's spool without being serialised
    again."""

    collected: Collected = field(default_factory=Collected)
    remembered: dict[str, Remembered] = field(default_factory=dict)
    sets: list[SpooledSet] = field(default_factory=list)


@dataclass(frozen=True)
class Listed:
    """A repository as the listing of its organisation or group shows it, for free: its
    name (host/path) and the state of its source, the time it last changed first."""

    name: str
    state: tuple[str | bool | None, ...]
    # How long the time of the last change may stand still through further changes (GitLab
    # moves last_activity_at at most hourly): a read that soon after it may have missed some.
    granularity: timedelta = timedelta(0)


@dataclass(frozen=True)
class Reuse:
    """When a repository's whole contribution to the last scan stands for this one.

    It does while the listing shows the repository in the same state and it would be
    read the same way (target options, settings, scanner version), for at most `days`:
    deployments, alerts and the DORA window move without a push. A contribution with an
    error is never reused. Reused evidence keeps the time it was observed.
    """

    memory: Memory
    now: datetime
    days: int
    reading: str  # what besides the repository decides what reading it gives

    @classmethod
    def of(cls, memory: Memory, now: datetime, settings: CollectSettings,
           options: Mapping[str, Any]) -> Reuse:
        reading = json.dumps([__version__, BODY_FORMAT, asdict(replace(settings, reuse_days=0)),
                              dict(options)], sort_keys=True, default=str)
        return cls(memory, now, settings.reuse_days, reading)

    def recalled(self, listed: Listed) -> RepositoryResult | None:
        key = REPOSITORY_KEY.format(name=listed.name)
        before = self.memory.get(key)
        if before is None or self.days <= 0 or before.etag != self._token(listed):
            return None
        try:
            data = unpacked(before.body)
            collected = datetime.fromisoformat(data["collected_at"])
            changed = parse_time(listed.state[0])
            if (self.now - collected >= timedelta(days=self.days) or changed is None
                    or collected < changed + listed.granularity):
                return None
            kept = {name: self.memory[name] for name in data["memory"] if name in self.memory}
            return RepositoryResult(Collected.from_dict(data["found"]), {**kept, key: before},
                                    [thawed_set(kept_set) for kept_set in data["sets"]])
        except UNREADABLE:
            return None  # damaged in the store: the repository is read again

    def remembered(self, listed: Listed, result: RepositoryResult) -> RepositoryResult:
        """`result`, with what it gave kept whole for the next scan (its evidence moved
        into sets)."""
        token = self._token(listed)
        if token is None or any(p.severity == ERROR for p in result.collected.problems):
            return result
        result.sets += spooled_sets(result.collected.evidence)
        result.collected.evidence = []
        body = {"collected_at": self.now.isoformat(), "found": result.collected.to_dict(),
                "sets": [frozen_set(spooled) for spooled in result.sets],
                "memory": sorted(result.remembered)}
        result.remembered[REPOSITORY_KEY.format(name=listed.name)] = Remembered(
            token, packed(body))
        return result

    def _token(self, listed: Listed) -> str | None:
        """None when the listing does not say when the repository last changed."""
        if not listed.state or listed.state[0] is None:
            return None
        state = json.dumps([self.reading, *listed.state])
        return hashlib.sha256(state.encode()).hexdigest()


def frozen_set(spooled: SpooledSet) -> list[Any]:
    return [spooled.entity, spooled.digest, spooled.items,
            base64.b64encode(spooled.record).decode(), list(spooled.repositories)]


def thawed_set(data: list[Any]) -> SpooledSet:
    entity, digest, items, record, repositories = data
    return SpooledSet(entity, digest, items, base64.b64decode(record), tuple(repositories))

