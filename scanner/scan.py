"""One scan, end to end: collect -> evidence -> rules -> scorer -> document.

Each target is collected on its own; a target that fails is recorded as an
error and the rest is still scored (the scan is then partial).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from scanner.collecting import Collection, collection, memory_key
from scanner.collectors import registry
from scanner.collectors.base import Collected, Target
from scanner.config import Config, fingerprint
from scanner.engine.engine import Engine
from scanner.engine.evaluate import RuleResult
from scanner.engine.loader import builtin_rule_files, load_rules
from scanner.errors import FileProblem, InternalError, UserError
from scanner.evidence import Evidence, now_utc
from scanner.judgement import Recall, judge_estate
from scanner.memory import NO_MEMORY, Memory
from scanner.model import load_model
from scanner.problems import ERROR, Problem
from scanner.reports.document import ScanInfo, build_document
from scanner.scoring.scorer import Assessment
from scanner.spool import EvidenceSpool
from scanner.timeline import DeployTimeline, IncidentEvent, link_incidents
from scanner.waivers import Waiver, active, by_entity, unknown_targets


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
             recall_units: Recall | None = None,
             started_early: Collection | None = None) -> ScanResult:
    """Collect, judge and describe one scan; `recall` gives what each collector kept from
    its last scan of a target, `recall_units` the judgements of units an earlier scan
    kept (both from the store). `started_early` is the targets' collection, when it was
    started before (see scanner.collecting.early)."""
    engine = engine or load_engine(config)
    spool = EvidenceSpool()
    if started_early is None:
        memories = [recall(t) if recall else NO_MEMORY for t in targets]
        with collection(targets, config.collect, progress, workers, memories) as running:
            collected = running.results(spool)
    else:
        running = started_early
        collected = running.results(spool)
    kept = kept_memory(targets, collected, running.memories, spool)
    return replace(assessed(engine, config, targets, collected, started=running.started,
                            spool=spool, recall_units=recall_units), memory=kept)


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
