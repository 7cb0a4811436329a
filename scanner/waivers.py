"""Waivers: a rule or a sub-competency marked not applicable for some entities.

A waiver comes from the scan's config (`waivers:`, entity globs) or from a
scanned repository's own `.maturity.yaml` (for that repository and its
services).  It always has a reason and an owner, may expire, and is listed in
every report: a waiver is never a way to hide a gap.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from scanner import validate as v

REPO_FILE = ".maturity.yaml"


@dataclass(frozen=True)
class Waiver:
    entities: tuple[str, ...]  # entity ids or globs over entity ids
    target: str  # a rule id or a sub-competency id (competency.subcompetency)
    reason: str
    owner: str
    source: str  # where it was written: file:line
    expires: date | None = None

    def covers(self, entity: str) -> bool:
        return any(fnmatch.fnmatchcase(entity, pattern) for pattern in self.entities)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"entities": list(self.entities), "target": self.target,
                                "reason": self.reason, "owner": self.owner,
                                "source": self.source}
        if self.expires:
            data["expires"] = self.expires.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Waiver:
        return cls(tuple(data["entities"]), data["target"], data["reason"], data["owner"],
                   data["source"], date.fromisoformat(data["expires"]) if data.get("expires")
                   else None)


def parse_waiver(raw: Any, where: v.Where, entities: tuple[str, ...]) -> Waiver:
    """One waiver entry; `entities` is used unless the entry names its own."""
    entry = v.mapping(raw, where, "a waiver (rule or subcompetency, reason, owner)")
    v.keys(entry, where, required=("reason", "owner"),
           optional=("rule", "subcompetency", "entity", "services", "expires"))
    targets = [key for key in ("rule", "subcompetency") if key in entry]
    if len(targets) != 1:
        raise where.problem("a waiver names exactly one of: rule, subcompetency",
                            getattr(entry, "line", None))
    expires = entry.get("expires")
    if expires is not None and not isinstance(expires, date):
        try:
            expires = date.fromisoformat(str(expires))
        except ValueError:
            raise where.at("expires").problem("expected a date such as 2027-06-30") from None
    line = getattr(entry, "line", None)
    return Waiver(
        entities=(v.text(entry["entity"], where.at("entity")),) if "entity" in entry
        else entities,
        target=v.text(entry[targets[0]], where.at(targets[0])),
        reason=v.text(entry["reason"], where.at("reason")),
        owner=v.text(entry["owner"], where.at("owner")),
        source=f"{where.path}:{line}" if line else where.path,
        expires=expires,
    )


def parse_config_waivers(raw: Any, where: v.Where) -> list[Waiver]:
    """`waivers:` in the scan config: each names the entities it covers (a glob)."""
    found = []
    for index, item in enumerate(v.sequence(raw or [], where)):
        here = where.at(index)
        if isinstance(item, dict) and "entity" not in item:
            raise here.at("entity").problem("missing: which entities (an id or a glob such "
                                            "as repo:*/legacy-*)", getattr(item, "line", None))
        if isinstance(item, dict) and "services" in item:
            raise here.at("services").problem("only a repository's own .maturity.yaml lists "
                                              "services; use entity: service:…")
        found.append(parse_waiver(item, here, ()))
    return found


def parse_repository_waivers(data: Any, path: str, repo_root: str) -> list[Waiver]:
    """A repository's `.maturity.yaml`: waivers for it and its services (or the listed ones)."""
    where = v.Where(path)
    top = v.mapping(data, where, "a mapping with 'waivers'")
    v.keys(top, where, optional=("waivers",))
    found: list[Waiver] = []
    for index, item in enumerate(v.sequence(top.get("waivers") or [], where.at("waivers"))):
        here = where.at("waivers").at(index)
        if isinstance(item, dict) and "entity" in item:
            raise here.at("entity").problem("a repository waives only for itself; list "
                                            "service folders under services:")
        services = item.get("services") if isinstance(item, dict) else None
        if services is None:
            patterns = [f"repo:{repo_root}", f"service:{repo_root}", f"service:{repo_root}/*"]
        else:
            folders = [v.text(s, here.at("services")).strip("/")
                       for s in v.sequence(services, here.at("services"))]
            patterns = [f"service:{repo_root}/{folder}" if folder not in ("", ".")
                        else f"service:{repo_root}" for folder in folders]
        found.append(parse_waiver(item, here, tuple(patterns)))
    return found


def unknown_targets(waivers: Iterable[Waiver], rule_ids: Iterable[str],
                    subcompetencies: Iterable[str]) -> list[Waiver]:
    known = set(rule_ids) | set(subcompetencies)
    return [w for w in waivers if w.target not in known]


def active(waivers: Iterable[Waiver], today: date) -> tuple[list[Waiver], list[Waiver]]:
    """(in force, expired)."""
    current: list[Waiver] = []
    expired: list[Waiver] = []
    for waiver in waivers:
        (expired if waiver.expires and waiver.expires < today else current).append(waiver)
    return current, expired


def by_entity(waivers: Iterable[Waiver], entities: Iterable[str]) -> dict[str, dict[str, str]]:
    """entity -> {rule or sub-competency id: "reason (owner)"}, for the evaluator."""
    found: dict[str, dict[str, str]] = {}
    listed = list(waivers)
    for entity in entities:
        for waiver in listed:
            if waiver.covers(entity):
                found.setdefault(entity, {})[waiver.target] = f"{waiver.reason} ({waiver.owner})"
    return found
