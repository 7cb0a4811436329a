"""A sub-competency in two short lines: what shows its stage (or why it has none) and the
one next step, in the rules' own plain words; and, once per report, the sources that
were not scanned and what they would settle.

Signal and rule ids stay out of it: they are for `--explain` and `maturity rules explain`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.model import NOT_APPLICABLE, STAGES, UNKNOWN
from scanner.reports.view import SubView, stage_name


@dataclass(frozen=True)
class Brief:
    headline: str  # the strongest evidence, or why there is no stage
    step: str | None  # the next stage's first open requirement, as something to do
    # sources not scanned -> would settle this sub-competency (footer)
    unscanned: tuple[str, ...] = ()
    # True when one of them would decide an unknown requirement; otherwise they could only
    # meet a requirement the scanned sources found unmet
    settles: bool = False


def brief(sub: dict[str, Any], view: SubView) -> Brief:
    rules = {rule["id"]: rule for cell in sub["cells"] for rule in cell["rules"]}
    following = sub.get("next") or {}
    open_ = following.get("requirements")
    unscanned = tuple(dict.fromkeys(
        title for requirement in open_ or () for title in _unscanned(requirement)))
    settles = any(requirement["status"] == UNKNOWN and any(_unscanned(requirement))
                  for requirement in open_ or ())
    if view.stage == NOT_APPLICABLE:
        return Brief(_first_clause(view.reason), None)
    if view.stage == UNKNOWN:
        cause = _unknown_words(open_[0]) if open_ else _fallback(view.reason)
        return Brief(f"could not be judged: {cause}", None, unscanned, settles)
    step = _step(view, open_, rules, following)
    if view.stage == STAGES[0]:
        why = view.backing[0].detail if view.backing and view.backing[0].detail else ""
        return Brief(f"{stage_name(STAGES[1])} not met" + (f": {why}" if why else ""), step,
                     unscanned, settles)
    return Brief(_strongest(view), step, unscanned, settles)


def _strongest(view: SubView) -> str:
    for backing in view.backing:
        if backing.locators:
            places = [p for p in backing.locators if not p.startswith("and ")]
            more = len(backing.locators) - 1
            return places[0] + (f" (and {more} more)" if more > 0 else "")
    return view.backing[0].summary if view.backing else ""


def _step(view: SubView, open_: Sequence[dict[str, Any]] | None, rules: dict[str, Any],
          following: dict[str, Any]) -> str | None:
    if not view.next_stage:
        return None
    target = stage_name(view.next_stage)
    if open_ is None:  # a report stored before schema 3: its words as they were
        missing = following.get("missing") or []
        return f"{target}: {missing[0]}" if missing else None
    if not open_:
        return None
    first = open_[0]
    if len(open_) > 1:
        target += f" ({len(open_)} requirements open)"
    if first["status"] == UNKNOWN:
        return f"{target} could not be judged: {_unknown_words(first)}"
    rule = rules.get(first["rules"][0], {})
    action = rule.get("remedy") or rule.get("summary", "")
    return f"{target}: {action}"


def _unknown_words(requirement: dict[str, Any]) -> str:
    """The real cause first: what a scanned source could not measure; then whether
    sources that were not scanned would settle it (named once, at the report's end)."""
    items = requirement.get("unsettled") or []
    looked = [item for item in items if item["looked"]]
    parts = []
    if looked:
        measure = looked[0]["description"].split("; ", 1)[0].split(" (", 1)[0]
        parts.append(f"{_lower_first(measure)} could not be measured in what was scanned")
    if any(not item["looked"] for item in items):
        parts.append("needs data from a source that was not scanned (see the end)"
                     if looked else "needs data from a source that was not scanned")
    return "; ".join(parts) or "not enough data"


def _unscanned(requirement: dict[str, Any]) -> Iterable[str]:
    for item in requirement.get("unsettled") or []:
        if not item["looked"] and item["sources"]:
            # a source's name without its parenthesised scope: `AWS accounts`
            yield " or ".join(source["title"].split(" (", 1)[0] for source in item["sources"])


def settle_lines(briefs: Iterable[tuple[str, Brief]]) -> list[str]:
    """Once per source that was not scanned: the sub-competencies it would settle (their
    next cell waits for it) and how many more it could raise (a requirement the scanned
    sources found unmet, which it could meet instead)."""
    settles: dict[str, list[str]] = {}
    raises: dict[str, int] = {}
    for name, item in briefs:
        for source in item.unscanned:
            if item.settles:
                settles.setdefault(source, []).append(name)
            else:
                raises[source] = raises.get(source, 0) + 1
    lines = []
    for source in dict.fromkeys([*settles, *raises]):
        parts = []
        if source in settles:
            parts.append(f"would settle {', '.join(settles[source])}")
        if source in raises:
            more = " more" if source in settles else ""
            parts.append(f"could raise {raises[source]}{more} sub-competenc"
                         + ("y" if raises[source] == 1 else "ies"))
        lines.append(f"Scanning {source} {' and '.join(parts)}")
    return lines


def ids_line(sub: dict[str, Any]) -> str:
    """The rules of the sub-competency's cells and, for open requirements, the signals
    they wait for and which collectors report them."""
    parts = []
    for cell in sub["cells"]:
        for rule in cell["rules"]:
            parts.append(f"{rule['id']} [{rule['outcome']}]")
    for requirement in (sub.get("next") or {}).get("requirements") or []:
        for item in requirement["unsettled"]:
            sources = ", ".join(source["id"] for source in item["sources"]) or "none installed"
            parts.append(f"waits for {item['signal']} (from {sources})")
    return "; ".join(parts)


def _first_clause(text: str) -> str:
    """`no deployable services among what was scanned; …` -> `no deployable services`: the
    report's header says once that this is about what was scanned."""
    return text.split("; ", maxsplit=1)[0].removesuffix(" among what was scanned")


def _fallback(reason: str) -> str:
    return reason.split(": ", 1)[-1] if reason else "not enough data"


def _lower_first(text: str) -> str:
    """`Share of fix commits` -> `share of fix commits`; `CI runs` stays as it is."""
    first = text.split(" ", 1)[0]
    return text[:1].lower() + text[1:] if first[1:].islower() or len(first) == 1 else text
