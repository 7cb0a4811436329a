"""What changed between two scans of one configuration.

Stages come from the two scans' outlines (see scanner/store/rows.py: stages,
entities, and the signals each sub-competency's rules judge); the evidence
behind a changed sub-competency is the evidence of those signals, compared as
(entity, signal, value): an observation that appeared, or one that went away.
A stage that became or stopped being `unknown` is reported but is not a
regression: missing data is never counted as a fail.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from scanner.errors import UserError
from scanner.model import stage_index

Direction = Literal["up", "down", "unknown"]
Scope = Literal["overall", "competency", "subcompetency"]


@dataclass(frozen=True)
class Observation:
    entity: str
    signal: str
    value: str  # as JSON, so equal values compare equal whatever their type


@dataclass(frozen=True)
class Change:
    item: str  # "overall", a competency id, or competency.subcompetency
    scope: Scope
    before: str
    after: str
    appeared: tuple[Observation, ...] = ()
    disappeared: tuple[Observation, ...] = ()

    @property
    def direction(self) -> Direction:
        if {"unknown", "not_applicable"} & {self.before, self.after}:
            return "unknown"  # neither is a measured stage: never a regression
        return "up" if stage_index(self.after) > stage_index(self.before) else "down"


@dataclass(frozen=True)
class Side:
    """One scan as the diff sees it: its outline, and a way to read its evidence."""

    id: str
    outline: dict[str, Any]
    # The scan's observations of the given signals; read lazily, only for changed cells.
    observations: Callable[[Collection[str]], Sequence[Observation]]

    @property
    def fingerprint(self) -> str:
        return str(self.outline["config_fingerprint"])


@dataclass(frozen=True)
class ScanDiff:
    before: str
    after: str
    before_started: str
    after_started: str
    changes: tuple[Change, ...]
    entities_added: tuple[str, ...]
    entities_removed: tuple[str, ...]

    @property
    def regressions(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.direction == "down")

    def regression_line(self) -> str | None:
        """The gate's one-line reason, or None when nothing went down."""
        down = [c for c in self.regressions if c.scope == "subcompetency"] or \
            list(self.regressions)
        if not down:
            return None
        shown = ", ".join(f"{c.item} {c.before} -> {c.after}" for c in down[:3])
        more = f" and {len(down) - 3} more" if len(down) > 3 else ""
        return f"regression since scan {self.before}: {shown}{more}"


def diff_scans(before: Side, after: Side) -> ScanDiff:
    if before.fingerprint != after.fingerprint:
        raise UserError(f"scans {before.id} and {after.id} are of different configs "
                        f"({before.fingerprint} and {after.fingerprint}); diff compares "
                        "scans of one config")
    old: dict[str, str] = before.outline["stages"]
    changes: list[Change] = []
    for item, stage in after.outline["stages"].items():
        was = old.get(item)
        if was is None or was == stage:
            continue
        scope = _scope(item)
        if scope != "subcompetency":
            changes.append(Change(item, scope, was, stage))
            continue
        signals = {*before.outline["signals"].get(item, []),
                   *after.outline["signals"].get(item, [])}
        then = set(before.observations(signals))
        now = set(after.observations(signals))
        changes.append(Change(item, scope, was, stage,
                              tuple(sorted(now - then, key=_order)),
                              tuple(sorted(then - now, key=_order))))
    old_entities = set(before.outline["entities"])
    new_entities = set(after.outline["entities"])
    return ScanDiff(before.id, after.id, before.outline["started_at"],
                    after.outline["started_at"], tuple(changes),
                    tuple(sorted(new_entities - old_entities)),
                    tuple(sorted(old_entities - new_entities)))


def observation(entity: str, signal: str, value: Any) -> Observation:
    """An observation, its value as JSON so that values of any shape compare and hash
    alike, whether read from the store or from a scan not yet stored."""
    return Observation(entity, signal, json.dumps(value))


def _order(item: Observation) -> tuple[str, str, str]:
    return (item.signal, item.entity, item.value)


def _scope(item: str) -> Scope:
    if item == "overall":
        return "overall"
    return "subcompetency" if "." in item else "competency"
