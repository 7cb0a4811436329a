"""Rows derived from a scan's document: written with each new scan, and by the upgrade
of an older store for the scans it already holds."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any


def scan_details(document: dict[str, Any], stored_at: str) -> dict[str, Any]:
    """A scan's row of `scan_details`, from its document (new scans and upgraded ones)."""
    scan = document["scan"]
    started = datetime.fromisoformat(scan["started_at"])
    finished = datetime.fromisoformat(scan["finished_at"])
    errors = scan.get("errors", [])
    return {
        "scan_id": scan["id"],
        "stored_at": stored_at,
        "tool_version": document.get("tool", {}).get("version"),
        "rule_packs": json.dumps(scan.get("rule_packs") or scan.get("rule_files", [])),
        "duration_seconds": round((finished - started).total_seconds(), 3),
        "error_count": len(errors),
        "errors": json.dumps(errors),
        "outline": json.dumps(scan_outline(document)),
        "report_schema": str(document.get("schema_version") or "1"),
    }


def scan_outline(document: dict[str, Any]) -> dict[str, Any]:
    """What a diff compares: stages by item, each sub-competency's signals, entities."""
    stages = {"overall": document["overall"]["stage"]}
    signals: dict[str, list[str]] = {}
    for competency in document["competencies"]:
        stages[competency["id"]] = competency["stage"]
        for sub in competency["subcompetencies"]:
            item = f"{competency['id']}.{sub['id']}"
            stages[item] = sub["stage"]
            signals[item] = sorted({signal for cell in sub.get("cells", [])
                                    for rule in cell.get("rules", [])
                                    for signal in rule.get("signals", [])})
    scan = document["scan"]
    return {"config_fingerprint": scan["config_fingerprint"],
            "started_at": scan["started_at"], "stages": stages, "signals": signals,
            "entities": [entity["id"] for entity in document.get("entities", [])]}


def entity_stage_rows(scan_id: str, document: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"scan_id": scan_id, "entity": summary["entity"],
             "stage": summary["overall"]["stage"], "score": summary["overall"]["score"],
             "confidence": summary["overall"]["confidence"],
             "competencies": json.dumps(summary["competencies"])}
            for summary in document.get("repositories", [])]
