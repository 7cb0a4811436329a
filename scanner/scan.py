"""One scan, end to end: collect -> evidence -> rules -> scorer -> document.

Each target is collected on its own; a target that fails is recorded as an
error and the rest is still scored (the scan is then partial).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import as_completed
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

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
from scanner.config import Config, fingerprint
from scanner.engine.engine import Engine
from scanner.engine.evaluate import RuleResult
from scanner.engine.loader import builtin_rule_files, load_rules
from scanner.errors import FileProblem, InternalError, UserError
from scanner.evidence import Evidence, now_utc
from scanner.judgement import Recall, judge_estate
from scanner.memory import NO_MEMORY, Memory
from scanner.model import load_model
from scanner.printable import legible
from scanner.problems import ERROR, Problem
from scanner.reports.document import ScanInfo, build_document
from scanner.scoring.scorer import Assessment
from scanner.spool import EvidenceSpool
from scanner.timeline import DeployTimeline, IncidentEvent, link_incidents
from scanner.waivers import Waiver, active, by_entity, unknown_targets
from scanner.workers import CONTEXT, worker_pool


@dataclass(frozen=True)
class ScanResult:
    document: dict[str, Any]
    evidence: EvidenceSpool
    results: list[RuleResult]
    info: ScanInfo
    # The targets, by (collector id, target label), whose collector memory is replaced by
    # what the spool keeps for them.
    memory: list[tuple[str, str]] = field(default_factory=list)
    # The key of each unit's judgement (scanner/judged_units.py), in the order judged.
    units: list[str] = field(default_factory=list)


def load_engine(config: Config) -> Engine:
    model = load_model(config.model_path)
    catalogue = registry.catalogue()
    files = (builtin_rule_files() if config.builtin_rules else []) + list(config.extra_rules)
    rules = load_rules(files, model, catalogue, disabled=config.disabled_rules)
    unknown = sorted(set(config.thresholds) - set(rules.thresholds))
    if unknown:
        raise FileProblem(config.path or "config", f"thresholds: unknown threshold "
                          f"'{unknown[0]}'; known: {', '.join(sorted(rules.thresholds))}")
    subcompetencies = [s.full_id for s in model.all_subcompetencies()]
    for waiver in unknown_targets(config.waivers, rules.rules, subcompetencies):
        raise FileProblem(waiver.source, f"waiver names no rule or sub-competency "
                          f"'{waiver.target}'; see `maturity rules list`")
    return Engine(model, catalogue, rules, rules.threshold_values(config.thresholds))


def judge(engine: Engine, evidence: Sequence[Evidence], config: Config,
          entities: Sequence[str] | None = None,
          waived: Mapping[str, Mapping[str, str]] | None = None,
          ) -> tuple[Assessment, list[RuleResult]]:
    """Score evidence (optionally a slice of entities) with the engine's rules."""
    if entities is not None:
        wanted = set(entities)
        evidence = [item for item in evidence if item.entity in wanted]
    judged = judge_estate(engine, config, evidence, waived, drill_down=False)
    return judged.assessment, judged.results


def run_scan(config: Config, targets: Sequence[Target], *, engine: Engine | None = None,
             progress: Any = None, workers: int | None = None,
             recall: Callable[[Target], Memory] | None = None,
             recall_units: Recall | None = None) -> ScanResult:
    """Collect, judge and describe one scan; `recall` gives what each collector kept from
    its last scan of a target, `recall_units` the judgements of units an earlier scan
    kept (both from the store)."""
    engine = engine or load_engine(config)
    started = now_utc()
    memories = [recall(t) if recall else NO_MEMORY for t in targets]
    spool = EvidenceSpool()
    collected = collect_all(targets, config.collect, progress, workers, memories, spool=spool)
    kept = kept_memory(targets, collected, memories, spool)
    return replace(assessed(engine, config, targets, collected, started=started, spool=spool,
                            recall_units=recall_units), memory=kept)


def memory_key(target: Target) -> tuple[str, str]:
    """Under what a target's collector memory is kept: its collector and label. A shard
    reading part of a target keeps its own, since each run replaces the memory of its
    label whole."""
    shard: Shard | None = target.options.get("shard")
    return target.collector, f"{target.label} [shard {shard}]" if shard else target.label


def kept_memory(targets: Sequence[Target], collected: Sequence[Collected],
                memories: Sequence[Memory], spool: EvidenceSpool) -> list[tuple[str, str]]:
    """The targets whose collector memory the scan replaces (by memory_key): each that
    keeps something or kept something before. What a collector kept without handing it
    over as it went joins the spool here, as if it had (see EvidenceSpool.keep_memory)."""
    replaced = []
    for target, found, before in zip(targets, collected, memories, strict=True):
        key = memory_key(target)
        spool.keep_memory(key, found.memory, before=before)
        if before or spool.holds_memory(key):
            replaced.append(key)
    return replaced


def assessed(engine: Engine, config: Config, targets: Sequence[Target],
             collected: Sequence[Collected], *, started: datetime,
             scan_id: str | None = None, spool: EvidenceSpool | None = None,
             recall_units: Recall | None = None) -> ScanResult:
    """Judge and describe what was collected from `targets`: one scan's, or the parts of
    a sharded scan put back together (scanner/shards.py). Evidence collect_all spooled
    is in `spool`; what is still in `collected` joins it."""
    problems = [Problem("plug-ins", message) for message in registry.broken_plugins()]
    problems += [p for c in collected for p in c.problems]
    entities = [e for c in collected for e in c.entities]
    if not entities:
        errors = [p for p in problems if p.severity == ERROR]
        message = "; ".join(p.message for p in errors) or "nothing to scan"
        if any(p.internal for p in errors):
            raise InternalError(message)
        raise UserError(message)
    spool = spool if spool is not None else EvidenceSpool()
    for found in collected:
        spool.add(found.evidence)
        found.evidence = []
    problems += joined(spool, collected)
    waivers, waiver_problems = _waivers(engine, config, collected, entities)
    problems += waiver_problems
    waived = by_entity(waivers, entities)
    judged = judge_estate(engine, config, spool, waived, recall=recall_units)
    info = ScanInfo(
        id=scan_id or new_scan_id(started), started_at=started, finished_at=now_utc(),
        targets=tuple(t.label for t in targets), problems=tuple(problems),
        config_fingerprint=scan_fingerprint(config, targets),
        rule_files=tuple(_short(f) for f in engine.rules.files),
        rule_packs=tuple(_pack_version(f) for f in engine.rules.files),
    )
    document = build_document(judged.assessment, info, waivers=waivers,
                              repositories=judged.repositories)
    return ScanResult(document, spool, judged.results, info, units=judged.units)


def joined(spool: EvidenceSpool, collected: Sequence[Collected]) -> list[Problem]:
    """Incident tools' incidents joined to the Git hosts' deployments where both were
    scanned (see scanner/timeline.py): the evidence they re-derive replaces the spooled."""
    events = [event for c in collected for event in c.timeline]
    deployments = [e for e in events if isinstance(e, DeployTimeline)]
    incidents = [e for e in events if isinstance(e, IncidentEvent)]
    if not deployments or not incidents:
        return []
    linked = link_incidents(deployments, incidents)
    spool.replace(linked.evidence)
    return [Problem(source, f"incidents of {', '.join(services[:5])}"
                    f"{' and others' if len(services) > 5 else ''} matched no scanned "
                    "repository; map a service to its repository with `services:` on "
                    "the target to count them in its change failure rate")
            for source, services in linked.unmatched_services.items()]


def _waivers(engine: Engine, config: Config, collected: Sequence[Collected],
             entities: Sequence[str]) -> tuple[list[Waiver], list[Problem]]:
    """The waivers in force; expired ones and a repository's unknown targets as notes."""
    problems: list[Problem] = []
    subcompetencies = [s.full_id for s in engine.model.all_subcompetencies()]
    declared = [w for c in collected for w in c.waivers]
    for waiver in unknown_targets(declared, engine.rules.rules, subcompetencies):
        problems.append(Problem("waivers", f"waiver for unknown rule or sub-competency "
                                f"'{waiver.target}' ignored", locator=waiver.source))
        declared.remove(waiver)
    current, expired = active([*config.waivers, *declared], now_utc().date())
    for waiver in expired:
        problems.append(Problem("waivers", f"waiver for {waiver.target} expired on "
                                f"{waiver.expires}; the rule counts again",
                                locator=waiver.source))
    matched = [w for w in current if any(w.covers(e) for e in entities)]
    return matched, problems


def collect_all(targets: Sequence[Target], settings: CollectSettings,
                progress: Any = None, workers: int | None = None,
                memories: Sequence[Memory] | None = None, *,
                spool: EvidenceSpool | None = None) -> list[Collected]:
    """Collect every target; several at once in worker processes. With a `spool`, the
    evidence goes into it as it comes, in the targets' order and tagged with each
    target's index, and not into the Collected; so does what a collector keeps for its
    next scan of a target, under its memory_key.

    Processes, not threads: reading a clone is mostly Python work (parsing history,
    YAML and source files), which threads would serialise.
    """
    recalled = list(memories) if memories is not None else [NO_MEMORY] * len(targets)
    workers = max(1, min(len(targets), workers or os.cpu_count() or 2))
    items = getattr(progress, "items", None)

    def spooled(found: Collected, index: int) -> None:
        if spool is not None:
            spool.add(found.evidence, tag=index)
            found.evidence = []

    if workers == 1:
        watch_items(items)
        try:
            results = []
            for index, (target, memory) in enumerate(zip(targets, recalled, strict=True)):
                # The spool makes evidence handed over legible, as collect_one does the rest.
                sink_evidence(partial(spool.add, tag=index) if spool is not None else None)
                sink_memory(partial(spool.keep_memory, memory_key(target), before=memory)
                            if spool is not None else None)
                results.append(collect_one(target, settings, memory))
                spooled(results[-1], index)
                if progress:
                    progress(target)
            return results
        finally:
            watch_items(None)
            sink_evidence(None)
            sink_memory(None)
    channel = CONTEXT.Queue() if items else None
    listener = _ItemListener(channel, items) if channel is not None and items else None
    by_target: dict[int, Collected] = {}
    ready = 0  # the targets before this one are spooled: evidence keeps the targets' order
    with worker_pool(workers, _report_to, (channel,)) as pool:
        futures = {pool.submit(collect_one, target, settings, dict(recalled[index])): index
                   for index, target in enumerate(targets)}
        for future in as_completed(futures):
            index = futures[future]
            try:
                by_target[index] = future.result()
            except Exception as exc:  # a worker died (killed, out of memory)
                by_target[index] = Collected(problems=[Problem(
                    targets[index].label, f"collection failed: {type(exc).__name__}: {exc}",
                    ERROR)])
            while ready in by_target:
                spooled(by_target[ready], ready)
                ready += 1
            if progress:
                progress(targets[index])
    if listener is not None:
        listener.stop()
    return [by_target[index] for index in range(len(targets))]


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


def new_scan_id(started: Any) -> str:
    return f"{started:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def scan_fingerprint(config: Config, targets: Sequence[Target]) -> str:
    """What makes scans comparable: the config file's settings, else the targets given."""
    return config.fingerprint or fingerprint(sorted(f"{t.collector}:{t.label}"
                                                    for t in targets))


def _pack_version(path: str) -> str:
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    return f"{_short(path)}@{digest}"


def _short(path: str) -> str:
    """Built-in rule files by name; a user's by full path."""
    builtin = {str(p) for p in builtin_rule_files()}
    return f"builtin:{Path(path).name}" if path in builtin else path
