"""The change between two scans, for a terminal and as JSON."""

from __future__ import annotations

import json
from typing import Any

from scanner.diff import Change, Observation, ScanDiff

SHOWN = 8  # observations listed per change and direction; the JSON has them all
ARROWS = {"up": "up", "down": "DOWN", "unknown": "?"}


def render_diff_table(diff: ScanDiff) -> str:
    lines = [f"Changes from scan {diff.before} ({diff.before_started[:16]}) "
             f"to {diff.after} ({diff.after_started[:16]})", ""]
    if not diff.changes:
        lines.append("No stage changed.")
    for change in diff.changes:
        lines.append(f"{ARROWS[change.direction]:<5} {change.item:<44} "
                     f"{change.before} -> {change.after}")
        lines += _observations("+", change.appeared)
        lines += _observations("-", change.disappeared)
    for sign, label, entities in (("+", "added", diff.entities_added),
                                  ("-", "removed", diff.entities_removed)):
        if entities:
            lines += ["", f"Entities {label} ({len(entities)})"]
            lines += [f"  {sign} {entity}" for entity in entities]
    regression = diff.regression_line()
    if regression:
        lines += ["", regression]
    return "\n".join(lines) + "\n"


def _observations(sign: str, items: tuple[Observation, ...]) -> list[str]:
    lines = [f"        {sign} {item.entity}  {item.signal} = {_short(item.value)}"
             for item in items[:SHOWN]]
    if len(items) > SHOWN:
        lines.append(f"        {sign} … {len(items) - SHOWN} more (--format json lists all)")
    return lines


def _short(value: str, limit: int = 70) -> str:
    return value if len(value) <= limit else value[:limit - 1] + "…"


def diff_document(diff: ScanDiff) -> dict[str, Any]:
    return {
        "before": {"id": diff.before, "started_at": diff.before_started},
        "after": {"id": diff.after, "started_at": diff.after_started},
        "changes": [_change(change) for change in diff.changes],
        "entities": {"added": list(diff.entities_added),
                     "removed": list(diff.entities_removed)},
        "regression": diff.regression_line(),
    }


def _change(change: Change) -> dict[str, Any]:
    return {
        "item": change.item, "scope": change.scope, "before": change.before,
        "after": change.after, "direction": change.direction,
        "evidence": {
            "appeared": [_observation(item) for item in change.appeared],
            "disappeared": [_observation(item) for item in change.disappeared],
        },
    }


def _observation(item: Observation) -> dict[str, Any]:
    return {"entity": item.entity, "signal": item.signal, "value": json.loads(item.value)}


def render_diff_json(diff: ScanDiff) -> str:
    return json.dumps(diff_document(diff), indent=2) + "\n"
