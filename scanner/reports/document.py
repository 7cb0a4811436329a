"""The assessment as the versioned JSON document every report renders.

Renderers (table, Markdown, JSON) read only this document, so a stored scan
re-renders exactly as it first printed.  The shape is the public contract
described by `schemas/assessment.schema.json`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scanner import __version__
from scanner.engine.evaluate import RuleResult
from scanner.engine.tally import SAMPLE
from scanner.evidence import entity_kind
from scanner.problems import ERROR, Problem
from scanner.scoring.scorer import Assessment, CellVerdict, NextStep, SubScore
from scanner.waivers import Waiver

SCHEMA_VERSION = "3"


@dataclass(frozen=True)
class ScanInfo:
    id: str
    started_at: datetime
    finished_at: datetime
    targets: tuple[str, ...]
    problems: tuple[Problem, ...]
    config_fingerprint: str
    rule_files: tuple[str, ...]
    # Each rule file with a digest of its content: a stage that moved between two scans
    # may have moved because the rules did.
    rule_packs: tuple[str, ...] = ()

    @property
    def partial(self) -> bool:
        return any(p.severity == ERROR for p in self.problems)


def build_document(assessment: Assessment, scan: ScanInfo,
                   slice_entities: Sequence[str] | None = None, *,
                   waivers: Sequence[Waiver] = (),
                   repositories: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    model = assessment.model
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "maturity-scanner", "version": __version__},
        "model": {"name": model.name, "version": model.version, "source": model.source},
        "scan": {
            "id": scan.id,
            "started_at": scan.started_at.isoformat(),
            "finished_at": scan.finished_at.isoformat(),
            "status": "partial" if scan.partial else "complete",
            "targets": list(scan.targets),
            "config_fingerprint": scan.config_fingerprint,
            "rule_files": list(scan.rule_files),
            "rule_packs": list(scan.rule_packs),
            "errors": [p.to_dict() for p in scan.problems if p.severity == ERROR],
            "warnings": [p.to_dict() for p in scan.problems if p.severity != ERROR],
        },
        "slice": {"entities": list(slice_entities)} if slice_entities else None,
        "entities": [{"id": e, "kind": entity_kind(e)} for e in assessment.entities],
        "repositories": list(repositories),
        "waivers": [{**w.to_dict(), "covers": [e for e in assessment.entities if w.covers(e)]}
                    for w in waivers],
        "overall": {"stage": assessment.stage, "score": assessment.score,
                    "confidence": assessment.confidence},
        "signals": {name: {"description": description}
                    for name, description in assessment.glossary.items()},
        "competencies": [
            {
                "id": competency.id,
                "name": competency.name,
                "stage": competency.stage,
                "score": competency.score,
                "confidence": competency.confidence,
                "subcompetencies": [_sub(sub) for sub in competency.subs],
            }
            for competency in assessment.competencies
        ],
    }


def _sub(score: SubScore) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": score.sub.id,
        "name": score.sub.name,
        "stage": score.stage,
        "confidence": score.confidence,
        "cells": [_cell(cell, score.sub.cells.get(cell.stage, "")) for cell in score.cells],
        "next": _next(score.next) if score.next else None,
    }
    if score.reason:
        data["reason"] = score.reason
    if score.lower_bound:
        data["lower_bound"] = True
    return data


def _next(step: NextStep) -> dict[str, Any]:
    return {
        "stage": step.stage,
        "missing": list(step.missing),
        "requirements": [
            {"status": requirement.status,
             "rules": [result.rule.id for result in requirement.results],
             "unsettled": [{"signal": item.signal, "description": item.description,
                            "sources": [{"id": source.id, "title": source.title}
                                        for source in item.sources],
                            "looked": item.looked} for item in requirement.unsettled]}
            for requirement in step.requirements],
    }


def _cell(cell: CellVerdict, criterion: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "stage": cell.stage,
        "status": cell.status,
        "criterion": criterion,
        "rules": [_rule(result) for result in cell.results],
    }
    if cell.floor_evidence:
        data["evidence"] = [item.to_dict() for item in cell.floor_evidence]
    return data


def _rule(result: RuleResult) -> dict[str, Any]:
    entities = {
        "pass": result.entities_with(True),
        "fail": result.entities_with(False),
        "unknown": result.entities_with(None),
        "excluded": list(result.excluded),
        "waived": list(result.waived),
    }
    data: dict[str, Any] = {
        "id": result.rule.id,
        "summary": result.rule.summary,
        "remedy": result.rule.remedy,
        "outcome": result.outcome,
        "message": result.message,
        "signals": result.rule.criterion_signals(),
        "requirement": result.rule.requirement,
        "entities": {answer: ids[:SAMPLE] for answer, ids in entities.items()},
        "missing_signals": list(result.missing_signals),
        "evidence": [item.to_dict() for item in result.evidence],
        "applicability": [item.to_dict() for item in result.applicability],
    }
    if result.sampled or any(len(ids) > SAMPLE for ids in entities.values()):
        # A large estate: the lists above are a sample; these are the totals.
        data["sampled"] = {
            "entities": {answer: len(ids) for answer, ids in entities.items()},
            "evidence": result.evidence_total, "applicability": result.applicability_total}
    return data
