"""History of stored scans as a terminal chart, CSV and JSON.

The chart has one row per competency (or sub-competency) and one letter per
scan, oldest on the left, so a trend reads like a sparkline; under it, the
scans themselves with what each was run with and what failed.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from typing import Any

from scanner.store.history import History, ScanRecord

LETTERS = {"beginner": "B", "intermediate": "I", "advanced": "A", "expert": "E",
           "not_applicable": "-"}
UNKNOWN = "?"
ABSENT = " "  # the item was not part of that scan (another model, or an entity not yet seen)
NAME_WIDTH = 34
SCANS_LISTED = 20


def letter(stage: str | None) -> str:
    return ABSENT if stage is None else LETTERS.get(stage, UNKNOWN)


def render_history_table(history: History, width: int | None = None) -> str:
    width = width or max(80, min(200, shutil.get_terminal_size((110, 24)).columns))
    scans = history.scans
    room = max(10, width - NAME_WIDTH - 32)
    shown = scans[-room:]
    first, last = scans[0], scans[-1]
    scope = f" of {history.entity}" if history.entity else ""
    lines = [f"History{scope}: {len(scans)} scan(s) of config {history.config_fingerprint}, "
             f"{first.started_at[:10]} to {last.started_at[:10]}",
             "Stages: B beginner, I intermediate, A advanced, E expert, ? unknown, "
             "- not applicable; "
             "oldest on the left" + (f" (last {len(shown)} shown)" if len(shown) < len(scans)
                                     else ""),
             ""]
    for item in history.items:
        trail = "".join(letter(_stage(history, scan, item)) for scan in shown)
        lines.append(f"{item[:NAME_WIDTH]:<{NAME_WIDTH}} {trail:<{len(shown)}}  "
                     f"{_change(history, item)}")
    lines += ["", f"{'scan':<24} {'started':<17} {'took':>7} {'status':<8} "
              f"{'overall':<13} notes"]
    previous: ScanRecord | None = None
    listed = scans[-SCANS_LISTED:]
    if len(listed) < len(scans):
        previous = scans[-SCANS_LISTED - 1]
    for scan in listed:
        took = f"{scan.duration_seconds:.1f}s" if scan.duration_seconds is not None else "-"
        overall = _stage(history, scan, history.items[0]) or "-"
        lines.append(f"{scan.id:<24} {scan.started_at[:16].replace('T', ' '):<17} "
                     f"{took:>7} {scan.status:<8} {overall:<13} "
                     f"{'; '.join(_notes(scan, previous))}".rstrip())
        previous = scan
    if len(listed) < len(scans):
        lines.append(f"({len(scans) - len(listed)} older scan(s): --format csv or json "
                     "lists them all)")
    return "\n".join(lines) + "\n"


def _stage(history: History, scan: ScanRecord, item: str) -> str | None:
    point = history.point(scan.id, item)
    return point.stage if point else None


def _change(history: History, item: str) -> str:
    stages = [s for s in (_stage(history, scan, item) for scan in history.scans) if s]
    if not stages:
        return ""
    if stages[0] == stages[-1]:
        return stages[-1]
    return f"{stages[0]} -> {stages[-1]}"


def _notes(scan: ScanRecord, previous: ScanRecord | None) -> list[str]:
    notes = []
    if scan.errors:
        notes.append(f"{len(scan.errors)} error(s): {scan.errors[0][:60]}")
    if previous is not None:
        if (scan.model_name, scan.model_version) != (previous.model_name,
                                                     previous.model_version):
            notes.append(f"model now {scan.model_name} {scan.model_version}")
        if scan.rule_packs != previous.rule_packs:
            notes.append("rules changed")
        if scan.tool_version != previous.tool_version:
            notes.append(f"maturity-scanner {scan.tool_version}")
        if scan.report_schema != previous.report_schema:
            notes.append(f"report schema {scan.report_schema}: stages of things that do not "
                         "apply read 'not applicable', no longer 'unknown'"
                         if scan.report_schema == "2" else
                         f"report schema {scan.report_schema}")
    return notes


def render_history_csv(history: History) -> str:
    """Long format, one row per scan and item: easy to pivot in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["scan_id", "started_at", "status", "duration_seconds", "errors",
                     "model_version", "entity", "item", "stage", "score", "confidence"])
    for scan in history.scans:
        for item in history.items:
            point = history.point(scan.id, item)
            if point is None:
                continue
            writer.writerow([scan.id, scan.started_at, scan.status,
                             "" if scan.duration_seconds is None else scan.duration_seconds,
                             len(scan.errors), scan.model_version, history.entity or "",
                             item, point.stage, "" if point.score is None else point.score,
                             "" if point.confidence is None else point.confidence])
    return out.getvalue()


def history_document(history: History) -> dict[str, Any]:
    return {
        "config_fingerprint": history.config_fingerprint,
        "competency": history.competency,
        "entity": history.entity,
        "items": list(history.items),
        "scans": [{
            "id": scan.id, "started_at": scan.started_at, "finished_at": scan.finished_at,
            "duration_seconds": scan.duration_seconds, "status": scan.status,
            "model": {"name": scan.model_name, "version": scan.model_version},
            "tool_version": scan.tool_version, "rule_packs": list(scan.rule_packs),
            "targets": list(scan.targets), "errors": list(scan.errors),
            "stages": {item: {"stage": point.stage, "score": point.score,
                              "confidence": point.confidence}
                       for item in history.items
                       if (point := history.point(scan.id, item)) is not None},
        } for scan in history.scans],
    }


def render_history_json(history: History) -> str:
    return json.dumps(history_document(history), indent=2) + "\n"
