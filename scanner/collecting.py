"""Collecting a scan's targets: one at a time in this process, or in worker processes.

Worker processes can start before the scan has loaded what only judging needs (its rules,
model, report code and store): reading a clone is mostly Python work, so on a machine of
two or more cores that loading then costs no time of its own (`collection`, `early`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, as_completed
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any

from scanner.collectors import registry
from scanner.collectors.base import (
    Collected,
    CollectSettings,
    Shard,
    Target,
    sink_evidence,
    sink_memory,
    watch_items,
)
from scanner.errors import UserError
from scanner.evidence import now_utc
from scanner.memory import NO_MEMORY, Memory
from scanner.printable import legible
from scanner.problems import ERROR, Problem
from scanner.spool import EvidenceSpool
from scanner.workers import Beside, WorkFailed, context, forks, worker_beside, worker_pool

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor


def memory_key(target: Target) -> tuple[str, str]:
    """Under what a target's collector memory is kept: its collector and label. A shard
    reading part of a target keeps its own, since each run replaces the memory of its
    label whole."""
    shard: Shard | None = target.options.get("shard")
    return target.collector, f"{target.label} [shard {shard}]" if shard else target.label


def early(targets: Sequence[Target]) -> bool:
    """Whether `targets` can be collected before the store is open: their collectors keep
    nothing in the store from one scan to the next (a collector says so with `forgetful =
    True`; a clone's reading is kept in the user's cache), so they need nothing it holds,
    and a clone's reading is worth a process of its own. An unknown collector id waits for
    the scan to say so. Only where a worker is forked (Linux): one started afresh (macOS,
    Windows) imports the scanner again, which costs more than it saves for one
    repository."""
    if not forks():
        return False
    try:
        return bool(targets) and all(
            getattr(registry.load(t.collector), "forgetful", False) for t in targets)
    except UserError:
        return False


class Collection:
    """Targets being collected; `results` waits for them (see `collection`)."""

    def __init__(self, targets: Sequence[Target], memories: Sequence[Memory],
                 settings: CollectSettings, progress: Any,
                 pool: ProcessPoolExecutor | None, *,
                 alone: Beside[Collected] | None = None) -> None:
        self.targets = list(targets)
        self.memories = list(memories)
        self.started = now_utc()
        self._settings = settings
        self._progress = progress
        self._pool = pool
        self._alone = alone  # the one target, collected in a forked copy
        self._futures: dict[Future[Collected], int] = {}
        if pool is not None:
            self._futures = {pool.submit(collect_one, target, settings, dict(memory)): index
                             for index, (target, memory)
                             in enumerate(zip(targets, memories, strict=True))}

    def results(self, spool: EvidenceSpool | None = None) -> list[Collected]:
        """Every target's Collected, in the targets' order. With a `spool`, the evidence
        goes into it as it comes, in that order and tagged with each target's index, and
        not into the Collected; so does what a collector keeps for its next scan of a
        target, under its memory_key."""
        if self._alone is not None:
            return self._collected_alone(self._alone, spool)
        if not self._futures:
            return self._one_at_a_time(spool)
        by_target: dict[int, Collected] = {}
        ready = 0  # the targets before this one are spooled: evidence keeps the targets' order
        for future in as_completed(self._futures):
            index = self._futures[future]
            try:
                by_target[index] = future.result()
            except Exception as exc:  # a worker died (killed, out of memory)
                by_target[index] = Collected(problems=[Problem(
                    self.targets[index].label,
                    f"collection failed: {type(exc).__name__}: {exc}", ERROR)])
            while ready in by_target:
                _spooled(spool, by_target[ready], ready)
                ready += 1
            if self._progress:
                self._progress(self.targets[index])
        if self._pool is not None:  # the workers are done: they need not wait for the scan
            self._pool.shutdown()
        return [by_target[index] for index in range(len(self.targets))]

    def _collected_alone(self, alone: Beside[Collected], spool: EvidenceSpool | None
                         ) -> list[Collected]:
        try:
            found = alone.result()
        except WorkFailed as exc:  # the copy died (killed, out of memory)
            found = Collected(problems=[Problem(self.targets[0].label,
                                                f"collection failed: {exc}", ERROR)])
        _spooled(spool, found, 0)
        if self._progress:
            self._progress(self.targets[0])
        return [found]

    def _one_at_a_time(self, spool: EvidenceSpool | None) -> list[Collected]:
        watch_items(getattr(self._progress, "items", None))
        try:
            results = []
            for index, (target, memory) in enumerate(
                    zip(self.targets, self.memories, strict=True)):
                # The spool makes evidence handed over legible, as collect_one does the rest.
                sink_evidence(partial(spool.add, tag=index) if spool is not None else None)
                sink_memory(partial(spool.keep_memory, memory_key(target), before=memory)
                            if spool is not None else None)
                results.append(collect_one(target, self._settings, memory))
                _spooled(spool, results[-1], index)
                if self._progress:
                    self._progress(target)
            return results
        finally:
            watch_items(None)
            sink_evidence(None)
            sink_memory(None)


@contextmanager
def collection(targets: Sequence[Target], settings: CollectSettings, progress: Any = None,
               workers: int | None = None, memories: Sequence[Memory] | None = None, *,
               at_once: bool = False) -> Iterator[Collection]:
    """Collect every target: several at once in worker processes (at most `workers`, by
    default the number of CPUs), else in this process when `results` is asked for.
    `at_once` starts them in a worker process now, even one target alone; leaving the
    block early (an error, Ctrl-C) kills the workers.

    Processes, not threads: reading a clone is mostly Python work (parsing history,
    YAML and source files), which threads would serialise.
    """
    recalled = list(memories) if memories is not None else [NO_MEMORY] * len(targets)
    workers = max(1, min(len(targets), workers or os.cpu_count() or 2))
    if workers == 1 and not at_once:
        yield Collection(targets, recalled, settings, progress, None)
        return
    items = getattr(progress, "items", None)
    if len(targets) == 1 and not items and forks():
        yield from _collection_alone(targets, recalled, settings, progress)
        return
    channel = context().Queue() if items else None
    listener = _ItemListener(channel, items) if channel is not None and items else None
    try:
        with worker_pool(workers, _report_to, (channel,)) as pool:
            yield Collection(targets, recalled, settings, progress, pool)
    finally:
        if listener is not None:
            listener.stop()


def _collection_alone(targets: Sequence[Target], memories: Sequence[Memory],
                      settings: CollectSettings, progress: Any) -> Iterator[Collection]:
    """One target started at once in a forked copy, as a pool's one worker would be, but
    without a pool: importing multiprocessing took 0.045 s before the fork. Where no copy
    can be made (a process limit reached), it is collected here when asked for."""
    try:
        alone = worker_beside(partial(collect_one, targets[0], settings, dict(memories[0])))
    except OSError:
        yield Collection(targets, memories, settings, progress, None)
        return
    try:
        yield Collection(targets, memories, settings, progress, None, alone=alone)
    except BaseException:
        alone.abandon()
        raise


def collect_all(targets: Sequence[Target], settings: CollectSettings,
                progress: Any = None, workers: int | None = None,
                memories: Sequence[Memory] | None = None, *,
                spool: EvidenceSpool | None = None) -> list[Collected]:
    """Every target collected (see `collection` and `Collection.results`)."""
    with collection(targets, settings, progress, workers, memories) as running:
        return running.results(spool)


def _spooled(spool: EvidenceSpool | None, found: Collected, index: int) -> None:
    if spool is not None:
        spool.add(found.evidence, tag=index)
        found.evidence = []


def _report_to(channel: Any) -> None:
    """In a worker process: send item progress to the parent, which draws it."""
    if channel is not None:
        watch_items(lambda target, done, total: channel.put((target, done, total)))


class _ItemListener:
    """In the parent: draws item progress the workers send."""

    def __init__(self, channel: Any, draw: Callable[[str, int, int], None]) -> None:
        self._channel = channel
        self._thread = threading.Thread(target=self._run, args=(draw,), daemon=True)
        self._thread.start()

    def _run(self, draw: Callable[[str, int, int], None]) -> None:
        while (item := self._channel.get()) is not None:
            draw(*item)

    def stop(self) -> None:
        self._channel.put(None)
        self._thread.join(timeout=5)


def collect_one(target: Target, settings: CollectSettings, memory: Memory = NO_MEMORY
                ) -> Collected:
    """One target; a failure becomes an error problem of that target, not of the scan.

    Memory is passed only when there is some: a collector that never keeps any (one
    written before memory existed) is called as it expects. What comes back is
    legible: a name that is not UTF-8 is escaped, so the store and reports can hold it.
    """
    collected: Collected = legible(_collected(target, settings, memory))
    return collected


def _collected(target: Target, settings: CollectSettings, memory: Memory) -> Collected:
    try:
        collector = registry.load(target.collector)()
        if memory:
            return collector.collect(target, settings, memory)
        return collector.collect(target, settings)
    except UserError as exc:
        return Collected(problems=[Problem(target.label, str(exc), ERROR)])
    except Exception as exc:
        return Collected(problems=[Problem(
            target.label, f"collector '{target.collector}' failed: "
            f"{type(exc).__name__}: {exc} (a bug in the scanner; please report it)", ERROR,
            internal=True)])
