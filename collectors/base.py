"""What every collector is: an id, the signals it can emit, and `collect`.

A collector module keeps its heavy SDK imports inside `collect`, so that
listing collectors and their signals (`maturity signals`, rule validation)
stays fast.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from scanner.collectors.bounds import DEFAULT_MAX_RESPONSE_BYTES
from scanner.collectors.deadlines import REPOSITORY_SECONDS
from scanner.evidence import TRAIL, Evidence, SignalValue
from scanner.memory import NO_MEMORY, Memory, Remembered

# Re-exported (the `X as X` form says so to type checkers): collectors, plug-ins among
# them, report problems from here.
from scanner.problems import ERROR as ERROR  # noqa: PLC0414
from scanner.problems import WARNING as WARNING  # noqa: PLC0414
from scanner.problems import Problem as Problem  # noqa: PLC0414
from scanner.signals import SignalSpec
from scanner.spool import SpooledSet
from scanner.timeline import DeployTimeline, IncidentEvent
from scanner.validate import Where
from scanner.waivers import Waiver


@dataclass(frozen=True)
class Target:
    """Something to scan, as the config or command line named it."""

    collector: str
    label: str
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Shard:
    """One of `count` runs that collect one scan between them (`maturity scan --shard`).

    Entities are dealt out by a hash of their ids that every machine computes alike
    (Python's own `hash` of a string changes from one process to the next). A collector
    that declares `shards_by_repository` gets its shard in the target's `shard` option
    and reads only the repositories the shard owns; any other target is collected whole
    by the shard that owns `collector:label`.
    """

    index: int
    count: int

    def owns(self, key: str) -> bool:
        digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


MAX_LOCATORS = 5  # places kept per signal and entity; the evidence counts the rest


class Emitter:
    """Builds the evidence of one entity from one source.

    `locator_prefix` is prepended to file locators, for detectors that read a
    folder of the repository as if it were its root.  Locators come strongest
    first; at most MAX_LOCATORS are kept, with the number of places in all.
    """

    def __init__(self, entity: str, source: str, locator_prefix: str = "") -> None:
        self.entity = entity
        self.source = source
        self.locator_prefix = locator_prefix
        self.evidence: list[Evidence] = []

    def emit(self, signal: str, value: SignalValue, locators: Iterable[str] = (),
             note: str | None = None) -> None:
        if self.locator_prefix:
            locators = [self._prefixed(locator) for locator in locators]
        places = tuple(dict.fromkeys(locators))
        self.evidence.append(Evidence(self.entity, signal, value, self.source,
                                      places[:MAX_LOCATORS], note,
                                      occurrences=len(places) if len(places) > MAX_LOCATORS
                                      else None))

    def _prefixed(self, locator: str) -> str:
        """A file locator seen from the repository root; in a chain, every place but the
        tool's name at its end."""
        *places, last = locator.split(TRAIL)
        if places:
            return TRAIL.join([*(self._prefixed_place(p) for p in places), last])
        return self._prefixed_place(last)

    def _prefixed_place(self, locator: str) -> str:
        if "://" in locator or " " in locator.split(":", 1)[0]:
            return locator  # a URL, or words such as "commit 1a2b3c"
        return self.locator_prefix + locator


@dataclass
class Collected:
    evidence: list[Evidence] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    waivers: list[Waiver] = field(default_factory=list)  # from the scanned sources themselves
    # Everything to keep for the next scan of the same target (replaces what was kept).
    memory: dict[str, Remembered] = field(default_factory=dict)
    # Deployments or incidents other sources' evidence is joined with after collection.
    timeline: list[DeployTimeline | IncidentEvent] = field(default_factory=list)
    # Where each entity's repository stands in its target's listing (a Git host's): the
    # parts of a sharded scan are put back in the order one unsharded scan reads them.
    places: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """What was found (memory and places aside) as JSON data, to keep for a later scan;
        of a timeline, the deployments (a repository's)."""
        return {"entities": self.entities,
                "evidence": [item.to_dict() for item in self.evidence],
                "problems": [p.to_dict() for p in self.problems],
                "waivers": [w.to_dict() for w in self.waivers],
                "timeline": [t.to_dict() for t in self.timeline if isinstance(t, DeployTimeline)]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Collected:
        """Raises one of `scanner.memory.UNREADABLE` on data not as `to_dict` made it."""
        return cls(evidence=[Evidence.from_dict(item) for item in data["evidence"]],
                   problems=[Problem.from_dict(p) for p in data["problems"]],
                   entities=list(data["entities"]),
                   waivers=[Waiver.from_dict(w) for w in data["waivers"]],
                   timeline=[DeployTimeline.from_dict(t) for t in data["timeline"]])

    def absorb(self, found: Collected) -> None:
        """Take in what another part of the same target found (its memory aside)."""
        self.evidence += found.evidence
        self.problems += found.problems
        self.entities += found.entities
        self.waivers += found.waivers
        self.timeline += found.timeline
        self.places.update(found.places)


@dataclass(frozen=True)
class CollectSettings:
    """Settings every collector may read (from config, with defaults)."""

    production_pattern: str = r"(?i)^(prod|production|live)([-_ ].*)?$"
    max_file_bytes: int = 2_000_000
    history_days: int = 365
    # A Git-host repository unchanged since the last scan reuses what that scan read, for at
    # most this many days (0: never): some evidence moves without a push.
    reuse_days: int = 7
    # Seconds one repository's files and CI may take; what is not read by then is unknown.
    repository_seconds: float = REPOSITORY_SECONDS
    # An API answer longer than this fails its request rather than be held in memory.
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES


#: Progress inside one target: (target label, items done, items in all), e.g. repositories
#: of an organisation. Set by the scan when someone watches; collectors just report.
ItemProgress = Callable[[str, int, int], None]
_item_progress: list[ItemProgress] = []


def watch_items(hook: ItemProgress | None) -> None:
    _item_progress[:] = [hook] if hook else []


def report_items(target: str, done: int, total: int) -> None:
    for hook in _item_progress:
        hook(target, done, total)


class EvidenceSink(Protocol):
    """Where a collector may hand its evidence over as it goes (a Git host's repositories,
    one at a time), so that a large target is never in memory whole: items, and sets of
    them spooled already (scanner/spool.py). Set by the scan, in its own process only;
    without it, evidence stays in the Collected."""

    def __call__(self, evidence: list[Evidence], *, sets: Sequence[SpooledSet]) -> None: ...


_evidence_sinks: list[EvidenceSink] = []


def sink_evidence(sink: EvidenceSink | None) -> None:
    _evidence_sinks[:] = [sink] if sink else []


def hand_over(found: Collected, sets: Sequence[SpooledSet] = ()) -> None:
    """Give `found`'s evidence, and `sets` of more of it, to the scan's sink; without
    one, the sets' items join `found`'s evidence."""
    if not _evidence_sinks:
        found.evidence += [item for spooled in sets for item in spooled.evidence()]
    for sink in _evidence_sinks:
        sink(found.evidence, sets=sets)
        found.evidence = []


#: Where a collector may hand over what it keeps for its next scan of the target being
#: collected, as it goes (a Git host's, repository by repository). Set by the scan.
MemorySink = Callable[[Mapping[str, Remembered]], None]
_memory_sinks: list[MemorySink] = []


def sink_memory(sink: MemorySink | None) -> None:
    _memory_sinks[:] = [sink] if sink else []


def keep_for_next_scan(kept: dict[str, Remembered], found: Mapping[str, Remembered]) -> None:
    """What one part of the target gave to keep: to the scan's sink, else into `kept`."""
    if _memory_sinks:
        _memory_sinks[0](found)
    else:
        kept.update(found)


class Collector(Protocol):
    """A collector may also set `shards_by_repository = True` (a class variable, optional
    so that plug-ins written before sharding still fit): see `Shard`; and `forgetful =
    True` when it keeps nothing in the store's memory, so that its targets are collected
    before the store is open (scanner/collecting.py)."""

    id: ClassVar[str]
    title: ClassVar[str]
    signals: ClassVar[tuple[SignalSpec, ...]]

    @classmethod
    def configure_target(cls, raw: Any, where: Where, base: Path) -> Target:
        """One entry of `targets: {<id>: [...]}` in the config, checked; paths from `base`."""
        ...

    def collect(self, target: Target, settings: CollectSettings,
                memory: Memory = NO_MEMORY) -> Collected:
        """Observe one target. `memory` is what this collector kept from its last scan of
        the same target (empty on a first scan, or without a store)."""
        ...
