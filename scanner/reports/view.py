"""What the human-readable reports show, worked out once from the document.

The terminal table and Markdown differ only in layout; both ask this module
which evidence backs each verdict and what the next stage lacks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from scanner.evidence import count
from scanner.model import STAGE_NAMES
from scanner.units import amount

MAX_LOCATORS = 3


@dataclass(frozen=True)
class Backing:
    """One reason a stage was reached: a rule (or the floor) and where to look."""

    stage: str
    summary: str
    detail: str
    locators: tuple[str, ...]


@dataclass(frozen=True)
class SubView:
    competency: str
    id: str
    name: str
    stage: str
    lower_bound: bool
    confidence: float
    backing: tuple[Backing, ...]
    next_stage: str | None
    missing: tuple[str, ...]
    reason: str


def stage_name(stage: str | None, lower_bound: bool = False) -> str:
    """`Advanced`, or `Advanced+` when the stage is a lower bound."""
    name = STAGE_NAMES.get(stage or "unknown", str(stage))
    return f"{name}+" if lower_bound else name


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def score_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


class DocumentView:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        entities = [e["id"] for e in document.get("entities", [])]
        # a repository's services live inside it: a scan of one repository names no places
        # by repository
        self.multi = len([e for e in entities if not e.startswith("service:")]) > 1
        self.names = _short_names(entities, document.get("repositories", []))
        self.glossary = {name: str(entry["description"])
                         for name, entry in (document.get("signals") or {}).items()}

    def said(self, item: dict[str, Any]) -> str:
        """One observation in words: the collector's note, else what the signal means and
        its value in units."""
        if item.get("note"):
            return str(item["note"])
        meaning = self.glossary.get(item["signal"])
        value = in_words(item["signal"], item["value"])
        return f"{meaning}: {value}" if meaning else value

    @property
    def scan(self) -> dict[str, Any]:
        scan: dict[str, Any] = self.document["scan"]
        return scan

    def heading(self) -> list[str]:
        model = self.document["model"]
        scan = self.scan
        entities = self.document.get("entities", [])
        kinds: dict[str, int] = {}
        for entity in entities:
            kinds[entity["kind"]] = kinds.get(entity["kind"], 0) + 1
        scope = ", ".join(count(n, k) for k, n in kinds.items())
        lines = [
            f"DevSecOps maturity: {model['name']} {model['version']}",
            f"Scan {scan['id']} ({scan['status']}) of {scope or 'nothing'}; "
            f"finished {scan['finished_at']}",
        ]
        if self.document.get("slice"):
            lines.append("Scored for: " + ", ".join(self.document["slice"]["entities"]))
        overall = self.document["overall"]
        lines.append(f"Overall: {stage_name(overall['stage'])} (score "
                     f"{score_text(overall['score'])} of 4, confidence "
                     f"{percent(overall['confidence'])})")
        return lines

    def locator(self, entity: str, locator: str | None) -> str:
        if not locator:
            return self.names.get(entity, entity)
        if self.multi or "://" in locator:
            return f"{self.names.get(entity, entity)}: {locator}" if "://" not in locator \
                else locator
        return locator

    def subs(self) -> Iterator[tuple[dict[str, Any], list[SubView]]]:
        for competency in self.document["competencies"]:
            yield competency, [self._sub(competency, sub) for sub in competency["subcompetencies"]]

    def _sub(self, competency: dict[str, Any], sub: dict[str, Any]) -> SubView:
        backing: list[Backing] = []
        for cell in sub["cells"]:
            if cell["status"] != "met" or cell["stage"] != sub["stage"]:
                continue
            if cell["stage"] == "beginner":
                floor = cell.get("evidence", [])
                failed = [rule for above in sub["cells"] if above["stage"] == "intermediate"
                          for rule in above["rules"] if rule["outcome"] == "fail"]
                backing.append(Backing("beginner", "Intermediate is not met",
                                       self._floor_detail(floor, failed),
                                       tuple(self._locators(floor))))
            for rule in cell["rules"]:
                if rule["outcome"] == "pass":
                    backing.append(Backing(cell["stage"], rule["summary"], rule["message"],
                                           tuple(self._locators(_telling(rule)))))
        nxt = sub.get("next") or {}
        return SubView(competency["id"], sub["id"], sub["name"], sub["stage"],
                       bool(sub.get("lower_bound")), sub["confidence"], tuple(backing),
                       nxt.get("stage"),
                       tuple(nxt.get("missing", [])), sub.get("reason", ""))

    def _floor_detail(self, items: list[dict[str, Any]], failed: list[dict[str, Any]]) -> str:
        """What showed Intermediate missing: the evidence in words, else the failed rule's
        headline and measure."""
        if items:
            said = self.said(items[0])
        elif failed:
            said = f"{headline(failed[0]['summary'])}: {failed[0]['message']}"
        else:
            return ""
        return said + (f" (and {len(items) - 1} more)" if len(items) > 1 else "")

    def _locators(self, items: list[dict[str, Any]]) -> list[str]:
        found: list[str] = []
        for item in items:
            for locator in item.get("locators") or [item.get("locator")]:
                text = self.locator(item["entity"], locator) if locator else None
                if text and text not in found:
                    found.append(text)
        if len(found) > MAX_LOCATORS:
            return [*found[:MAX_LOCATORS], f"and {len(found) - MAX_LOCATORS} more"]
        return found

    def repositories(self) -> list[tuple[str, dict[str, Any]]]:
        """(short name, summary) per repository, for a fleet's drill-down."""
        return [(self.names.get(r["entity"], r["entity"]), r)
                for r in self.document.get("repositories", [])]

    def waivers(self) -> list[str]:
        lines = []
        for waiver in self.document.get("waivers", []):
            covered = ", ".join(self.names.get(e, e) for e in waiver["covers"][:5])
            more = len(waiver["covers"]) - 5
            expires = f", until {waiver['expires']}" if waiver.get("expires") else ""
            lines.append(f"{waiver['target']} waived for {covered}"
                         f"{f' and {more} more' if more > 0 else ''}: {waiver['reason']} "
                         f"(owner {waiver['owner']}{expires}; {waiver['source']})")
        return lines

    def gates(self) -> list[str]:
        """The pipeline gates asked for (--fail-under, --fail-on-regression) and why one
        failed."""
        return [f"{'passed' if gate['passed'] else 'FAILED'}: {gate['gate']}"
                + (f": {gate['reason']}" if gate.get("reason") else "")
                for gate in self.document.get("gates") or []]

    def problems(self) -> list[str]:
        lines = []
        for problem in self.scan.get("errors", []) + self.scan.get("warnings", []):
            where = f"{problem['locator']}: " if problem.get("locator") else ""
            target = self.names.get(problem["target"], problem["target"])
            lines.append(f"{problem['severity']}: {target}: {where}{problem['message']}")
        return lines


def _telling(rule: dict[str, Any]) -> list[dict[str, Any]]:
    """The evidence that shows a rule passing: positive observations of the signals it
    judges, on entities that passed, in the order the rule reads them."""
    signals = rule.get("signals", [])
    passing = set(rule["entities"]["pass"])
    items = [e for e in rule["evidence"]
             if e["signal"] in signals and e["entity"] in passing and e["value"]]
    items.sort(key=lambda e: signals.index(e["signal"]))
    return items or rule["evidence"]


def in_words(signal: str, value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return amount(signal, value)
    if isinstance(value, list):
        shown = ", ".join(map(str, value[:5]))
        return (shown + (f" and {len(value) - 5} more" if len(value) > 5 else "")) or "none"
    return str(value)


def headline(summary: str) -> str:
    """A rule's summary without its parenthesised explanation."""
    return summary.split(" (", 1)[0]


def _short_names(entities: list[str],
                 repositories: list[dict[str, Any]]) -> dict[str, str]:
    """`repo:/srv/git/shop` -> `shop`; its service `…/shop/src/cart` -> `shop/src/cart`
    (a repository's root service is `shop/.`); full ids when two names would clash."""
    names: dict[str, str] = {}
    for entity in entities:
        kind, _, rest = entity.partition(":")
        # an account's id means nothing without its kind: aws:123456789012 stays whole
        names[entity] = (PurePosixPath(rest).name or rest) if kind in ("repo", "service") \
            else entity
    for repository in repositories:
        root = repository["entity"].partition(":")[2]
        short = names.get(repository["entity"], PurePosixPath(root).name)
        for service in repository["services"]:
            inside = service.partition(":")[2].removeprefix(root).strip("/")
            names[service] = f"{short}/{inside or '.'}"
    if len(set(names.values())) < len(names):
        return {entity: entity for entity in entities}
    return names
