"""One scan collected by shards on several machines, then judged once.

`maturity scan --shard I/N --scan-id ID` collects shard I of N into the shared
PostgreSQL store. Entities are dealt out by a stable hash of their ids across every
target: a Git host's organisation is listed by every shard, and each reads only the
repositories it owns; any other target (a clone, a cloud account, a monitoring tool)
is collected whole by the shard owning `collector:label` (see `Shard`).
`maturity finalize ID` puts the parts back in the order one unsharded scan collects
them and judges them as that scan would: the same assessment. A shard that has not
reported makes the scan partial, with a line naming it and why.

Every shard and finalize of one scan id must read the same config with the same
scanner version and agree on N; the first shard to arrive records them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from scanner import __version__
from scanner.collecting import collect_all, memory_key
from scanner.collectors import registry
from scanner.collectors.base import ERROR, Collected, Problem, Shard, Target
from scanner.config import Config
from scanner.errors import UserError
from scanner.evidence import Evidence, now_utc
from scanner.memory import NO_MEMORY, Memory
from scanner.scan import ScanResult, assessed, kept_memory, load_engine, scan_fingerprint
from scanner.spool import EvidenceSpool
from scanner.store.lock import lock_holder, shard_lock_name
from scanner.store.shards import (
    PlacedSet,
    Report,
    ShardedScan,
    join,
    placed_sets,
    reported,
    reported_shards,
    save_part,
    sharded_scan,
    stored_already,
)
from scanner.store.store import Store, describe_url, sqlite_file
from scanner.timeline import DeployTimeline, IncidentEvent
from scanner.waivers import Waiver

MAX_SHARDS = 10_000
_SCAN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
# How often finalize --wait looks for shards that have not reported yet.
_POLL_SECONDS = 2.0


def parse_shard(text: str) -> Shard:
    """`--shard I/N`: shard I of N, numbered from 0 as Kubernetes' JOB_COMPLETION_INDEX
    and a matrix of `range(N)` are."""
    found = re.fullmatch(r"\s*(\d{1,5})\s*/\s*(\d{1,5})\s*", text)
    if found is None:
        raise UserError(f"--shard {text[:40]}: give I/N, shard I of N numbered from 0 "
                        "(e.g. --shard 0/4)")
    index, count = int(found[1]), int(found[2])
    if not 1 <= count <= MAX_SHARDS:
        raise UserError(f"--shard {index}/{count}: N must be from 1 to {MAX_SHARDS:,}")
    if index >= count:
        raise UserError(f"--shard {index}/{count}: there is no shard {index} of {count}; "
                        f"shards are numbered from 0 to {count - 1}")
    return Shard(index, count)


def checked_scan_id(text: str) -> str:
    if not _SCAN_ID.fullmatch(text):
        raise UserError(f"--scan-id {text[:70]!r}: use 1 to 64 letters, digits and . _ : - "
                        "(starting with a letter or digit), the same for every shard")
    return text


def shared_store(url: str, what: str) -> Store:
    """The store a sharded scan is kept in: only PostgreSQL is shared by machines."""
    if sqlite_file(url) is not None:
        raise UserError(f"{what} needs a shared PostgreSQL store, and {describe_url(url)} is a "
                        "SQLite file that shards on other machines cannot reach; give --db "
                        "postgresql://USER@HOST/DATABASE (or $MATURITY_DB, or store.url)")
    return Store(url)


# --- a shard -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ShardRun:
    """What one shard collected: its targets (with their index in the config) and each
    one's findings, and what the collectors keep for the shard's next run."""

    shard: Shard
    started: datetime
    targets: list[tuple[int, Target]]
    collected: list[Collected]
    memory: list[tuple[str, str]]  # targets whose memory the spool replaces
    # The evidence, each entity tagged with its target's place in `targets`, and what
    # collectors handed over to keep as they went.
    spool: EvidenceSpool

    @property
    def problems(self) -> list[Problem]:
        return [p for found in self.collected for p in found.problems]

    @property
    def entities(self) -> int:
        return sum(len(found.entities) for found in self.collected)


def begin(store: Store, config: Config, scan_id: str, shard: Shard) -> None:
    """Join the sharded scan `scan_id` (recording it, for the first shard to arrive), or
    refuse one begun by another config, scanner version or number of shards."""
    fingerprint = scan_fingerprint(config, config.targets)
    if sharded_scan(store, scan_id) is None and stored_already(store, scan_id):
        raise UserError(f"--scan-id {scan_id}: a scan of that id is stored in "
                        f"{describe_url(store.url)} already; give the shards an id of their own")
    found = join(store, ShardedScan(scan_id, fingerprint, __version__, shard.count))
    same_scan(found, fingerprint, config)
    if found.shard_count != shard.count:
        raise UserError(f"--shard {shard}: scan {scan_id} was begun with {found.shard_count} "
                        f"shards; give every shard of one scan the same N (or this run a new "
                        "--scan-id)")


def same_scan(found: ShardedScan, fingerprint: str, config: Config) -> None:
    if found.tool_version != __version__:
        raise UserError(f"scan {found.id} was begun by maturity-scanner {found.tool_version} "
                        f"and this is {__version__}: every shard and finalize of a scan must "
                        "run the same version; run this version's shards under a new --scan-id")
    if found.config_fingerprint != fingerprint:
        this = f"{config.path} is {fingerprint}" if config.path else "no --config was given"
        raise UserError(f"scan {found.id} was begun by shards of another config (fingerprint "
                        f"{found.config_fingerprint}; {this}): every shard and finalize of a "
                        "scan must read the same --config; give this config's shards a scan id "
                        "of their own")


def shard_targets(targets: Sequence[Target], shard: Shard) -> list[tuple[int, Target]]:
    """The targets `shard` collects, with their index among all: every target a collector
    splits by repository (told which shard it is), and the other targets it owns."""
    mine = []
    for index, target in enumerate(targets):
        if getattr(registry.load(target.collector), "shards_by_repository", False):
            mine.append((index, replace(target, options={**target.options, "shard": shard})))
        elif shard.owns(f"{target.collector}:{target.label}"):
            mine.append((index, target))
    return mine


def collect_shard(config: Config, targets: Sequence[Target], shard: Shard, *,
                  progress: Any = None, workers: int | None = None,
                  recall: Callable[[str, str], Memory] | None = None) -> ShardRun:
    """Collect what `shard` owns of `targets` (the config's); `recall` gives what a
    collector kept of a target (collector id, label) from its last run."""
    started = now_utc()
    mine = shard_targets(targets, shard)
    collecting = [target for _, target in mine]
    memories = [recall(*memory_key(t)) if recall else NO_MEMORY for t in collecting]
    spool = EvidenceSpool()
    collected = collect_all(collecting, config.collect, progress, workers, memories,
                            spool=spool)
    kept = kept_memory(collecting, collected, memories, spool)
    return ShardRun(shard, started, mine, collected, kept, spool)


def save_shard(store: Store, scan_id: str, run: ShardRun) -> None:
    """The shard's part, in place of any its earlier run stored: each target's evidence
    sets with their places, and what else it found there."""
    parts: list[dict[str, Any]] = []
    for (index, _), found in zip(run.targets, run.collected, strict=True):
        parts.append({
            "target": index, "entities": found.entities,
            "problems": [[place, p.to_dict()] for place, p in _placed(found)],
            "waivers": [w.to_dict() for w in found.waivers],
            "deployments": [t.to_dict() for t in found.timeline
                            if isinstance(t, DeployTimeline)],
            "incidents": [t.to_dict() for t in found.timeline if isinstance(t, IncidentEvent)],
        })
    spool = run.spool
    # Each spooled entity with its target's index in the config and its place there.
    placed = (PlacedSet(index, found.places.get(entity, 0), entity)
              for position, ((index, _), found) in enumerate(
                  zip(run.targets, run.collected, strict=True))
              for entity in spool.tagged(position))
    save_part(store, scan_id, run.shard.index, started=run.started, body={"targets": parts},
              spool=spool, sets=placed, memory=spool.keeping(run.memory))


def _placed(found: Collected) -> list[tuple[int, Problem]]:
    """Each problem with the place of the repository it is about; one about the whole
    target takes the place of the problem before it (-1 before any), so that it stays
    where one unsharded scan reports it."""
    place = -1
    placed = []
    for problem in found.problems:
        place = found.places.get(problem.target, place)
        placed.append((place, problem))
    return placed


# --- finalize ------------------------------------------------------------------------------

def opened(store: Store, config: Config, scan_id: str) -> ShardedScan:
    """The sharded scan `scan_id`, checked against the config finalize was given."""
    found = sharded_scan(store, scan_id)
    if found is None:
        raise UserError(f"no sharded scan '{scan_id}' in {describe_url(store.url)}; its shards "
                        f"record it: maturity scan --config CONFIG --shard I/N --scan-id "
                        f"{scan_id}")
    same_scan(found, scan_fingerprint(config, config.targets), config)
    return found


def wait_for_shards(store: Store, scan: ShardedScan, seconds: float,
                    waiting: Callable[[list[int]], None]) -> None:
    """Until every shard has reported, or `seconds` have passed; `waiting` is told which
    shards it waits for, once."""
    deadline = time.monotonic() + seconds
    told = False
    while (missing := _missing(store, scan)) and time.monotonic() < deadline:
        if not told:
            waiting(missing)
            told = True
        time.sleep(min(_POLL_SECONDS, max(0.0, deadline - time.monotonic())))


def finalize(store: Store, config: Config, scan: ShardedScan) -> ScanResult:
    """Judge the shards' parts as one scan under the sharded scan's id."""
    reports = reported(store, scan.id)
    unreported = _unreported(store, scan, {r.shard for r in reports})
    if not reports:
        raise UserError(f"no shard of scan {scan.id} has reported yet: "
                        + "; ".join(f"{p.target} {p.message}" for p in unreported))
    spool = EvidenceSpool()
    collected = merged(config.targets, reports, placed_sets(store, scan.id), spool)
    collected.append(Collected(problems=unreported))
    started = min(datetime.fromisoformat(r.started_at) for r in reports)
    return assessed(load_engine(config), config, config.targets, collected, started=started,
                    scan_id=scan.id, spool=spool, recall_units=store.judged_units)


def merged(targets: Sequence[Target], reports: Iterable[Report],
           sets: Iterable[tuple[int, list[dict[str, Any]]]], spool: EvidenceSpool
           ) -> list[Collected]:
    """One Collected per target, made of every shard's part of it, its evidence in `spool`
    (`sets` come target by target). Each shard lists a Git host's organisation itself, so
    what the listing told them all (a warning about it) is said once."""
    found = [Collected() for _ in targets]
    problems: list[dict[Problem, int]] = [{} for _ in targets]
    for report in reports:
        for part in report.body["targets"]:
            into, index = found[part["target"]], part["target"]
            for place, problem in part["problems"]:
                problems[index].setdefault(Problem.from_dict(problem), place)
            into.entities += part["entities"]
            into.waivers += [Waiver.from_dict(w) for w in part["waivers"]]
            into.timeline += [DeployTimeline.from_dict(t) for t in part["deployments"]]
            into.timeline += [IncidentEvent.from_dict(t) for t in part["incidents"]]
    for _, items in sets:
        spool.add(Evidence.from_dict(item) for item in items)
    for into, placed in zip(found, problems, strict=True):
        into.problems = sorted(placed, key=placed.__getitem__)  # stable: shard by shard
    return found


def _missing(store: Store, scan: ShardedScan) -> list[int]:
    done = reported_shards(store, scan.id)
    return [index for index in range(scan.shard_count) if index not in done]


def _unreported(store: Store, scan: ShardedScan, done: set[int]) -> list[Problem]:
    """An error for each shard that has not reported, saying whether it is still running."""
    problems = []
    for index in range(scan.shard_count):
        if index in done:
            continue
        running = lock_holder(store, shard_lock_name(scan.id, index))
        why = (f"has not reported yet: it is running ({running}); finalize again once it "
               "has, or wait for it with --wait") if running else (
               "did not report: it failed, was stopped before storing its part, or never "
               f"started; run it again (--shard {index}/{scan.shard_count} --scan-id "
               f"{scan.id}), then finalize again")
        problems.append(Problem(f"shard {index}/{scan.shard_count}", why, ERROR))
    return problems
