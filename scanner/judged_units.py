"""A unit's judgement kept for the next scan, so that an unchanged estate costs almost nothing.

A unit (a repository with its services, an account: scanner/judgement.py) whose evidence
sets are those it had in an earlier scan, judged by the same rules, thresholds, waivers
and judging code, gets the same answers. Its answers, what it observed and its
drill-down summary are kept under a key made of all of that; a later scan finds the key
and takes them instead of evaluating every rule again. A kept judgement that cannot be
read back whole counts as absent: the unit is judged again.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.config import Config
from scanner.engine.engine import Engine
from scanner.engine.results import CHECKED, EXCLUDED, WAIVED, Answer, CheckRecord
from scanner.evidence import Evidence, Observed
from scanner.memory import UNREADABLE

# What decides an answer besides the rules and the evidence: the judging code itself.
_JUDGING_CODE = ("engine", "scoring", "judgement.py", "judged_units.py", "evidence.py")
STATUSES = (CHECKED, EXCLUDED, WAIVED)


@dataclass(frozen=True)
class UnitJudgement:
    answers: list[tuple[str, Answer]]  # (rule id, the answer of one of the unit's entities)
    observed: Observed
    summary: dict[str, Any] | None  # the unit judged alone, when it has a head


def engine_fingerprint(engine: Engine, config: Config) -> str:
    """What judging depends on besides a unit's evidence and waivers."""
    here = Path(__file__).resolve().parent
    code = hashlib.sha256()
    for name in _JUDGING_CODE:
        for path in sorted((here / name).rglob("*.py")) if (here / name).is_dir() \
                else [here / name]:
            code.update(path.read_bytes())
    packs = [hashlib.sha256(Path(f).read_bytes()).hexdigest() for f in engine.rules.files]
    state = [__version__, code.hexdigest(), packs, sorted(engine.rules.rules),
             sorted(engine.thresholds.items()), asdict(config.scoring), asdict(engine.model)]
    return hashlib.sha256(json.dumps(state, default=str).encode()).hexdigest()


def unit_key(fingerprint: str, head: str | None, members: Sequence[str],
             digests: Sequence[str | None],
             waived: Mapping[str, Mapping[str, str]]) -> str:
    """The key of a unit's judgement: `digests` name its members' evidence sets (None for
    a member without evidence)."""
    state = [fingerprint, head, list(members), list(digests),
             [[member, sorted(waived.get(member, {}).items())] for member in members]]
    return hashlib.sha256(json.dumps(state).encode()).hexdigest()


def packed(answers: Sequence[tuple[str, Answer]], observed: Observed,
           summary: dict[str, Any] | None) -> bytes:
    rows = []
    for rule_id, answer in answers:
        check = answer.check
        rows.append([rule_id, answer.entity, answer.status,
                     None if check is None else [check.result, _names(check.evidence),
                                                 list(check.missing), _names(check.scope)],
                     answer.number, answer.denominator])
    body = {"answers": rows, "summary": summary,
            "observed": [sorted(observed.sources), sorted(observed.signals),
                         list(observed.entities)]}
    return zlib.compress(json.dumps(body, separators=(",", ":")).encode(), 6)


def unpacked(body: bytes) -> UnitJudgement | None:
    try:
        data = json.loads(zlib.decompress(body))
        answers = [(str(rule_id), Answer(str(entity), status, _record(entity, check),
                                         _number(number), _number(denominator)))
                   for rule_id, entity, status, check, number, denominator in data["answers"]]
        if any(answer.status not in STATUSES or (answer.status == CHECKED) != bool(answer.check)
               for _, answer in answers):
            return None
        sources, signals, entities = data["observed"]
        summary = data["summary"]
        if summary is not None and not isinstance(summary, dict):
            return None
        return UnitJudgement(answers, Observed(frozenset(map(str, sources)),
                                               frozenset(map(str, signals)),
                                               tuple(map(str, entities))), summary)
    except UNREADABLE:
        return None


def _names(items: tuple[Evidence, ...] | tuple[str, ...]) -> list[str]:
    return [item if isinstance(item, str) else item.signal for item in items]


def _record(entity: Any, check: Any) -> CheckRecord | None:
    if check is None:
        return None
    result, evidence, missing, scope = check
    if result not in (True, False, None):
        raise ValueError("an answer is true, false or not known")
    return CheckRecord(str(entity), result, tuple(map(str, evidence)),
                       tuple(map(str, missing)), tuple(map(str, scope)))


def _number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("a number")
    return float(value)
