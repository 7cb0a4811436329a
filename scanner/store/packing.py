"""How a scan's evidence and report are packed for the store, and unpacked again.

Evidence is grouped by entity into sets named by the digest of their items, so an
entity that showed exactly what it showed in an earlier scan (its evidence reused
because its source did not change) adds nothing to the store.  The report embeds
every evidence item in each rule that read it — tens of MB of JSON for a large
estate — so the stored report replaces each item by a reference into the scan's
sets and is compressed: a few hundred KB, and reading it back gives the same report.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.evidence import Evidence

#: The key of a reference that stands for an evidence item in a packed report.
REFERENCE = "$evidence"


@dataclass(frozen=True)
class EvidenceSet:
    """One entity's evidence in one scan: the items, and their canonical JSON."""

    entity: str
    digest: str
    items: tuple[dict[str, Any], ...]
    text: str

    def body(self) -> bytes:
        return zlib.compress(self.text.encode(), 6)


def evidence_sets(evidence: Iterable[Evidence]) -> list[EvidenceSet]:
    """The scan's evidence by entity, in the order the entities were first seen."""
    by_entity: dict[str, list[dict[str, Any]]] = {}
    for item in evidence:
        by_entity.setdefault(item.entity, []).append(item.to_dict())
    sets = []
    for entity, items in by_entity.items():
        text = json.dumps(items, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        digest = hashlib.sha256(f"{entity}\n{text}".encode()).hexdigest()
        sets.append(EvidenceSet(entity, digest, tuple(items), text))
    return sets


def set_items(body: bytes) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(zlib.decompress(body))
    return items


def pack_document(document: dict[str, Any], sets: Sequence[EvidenceSet]) -> bytes:
    """The report, its evidence items that are in `sets` replaced by [set, item] references."""
    where: dict[tuple[Any, ...], list[tuple[list[int], dict[str, Any]]]] = {}
    for position, found in enumerate(sets):
        for index, item in enumerate(found.items):
            where.setdefault(_key(item), []).append(([position, index], item))

    def reference(item: Any) -> Any:
        if isinstance(item, dict):
            for place, candidate in where.get(_key(item), ()):
                if candidate == item:
                    return {REFERENCE: place}
        return item

    def packed(value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: packed(v, k) for k, v in value.items()}
        if isinstance(value, list):
            if key == "evidence":
                return [reference(item) for item in value]
            return [packed(v) for v in value]
        return value

    text = json.dumps(packed(document), default=str, separators=(",", ":"))
    return zlib.compress(text.encode(), 6)


def _key(item: dict[str, Any]) -> tuple[Any, ...]:
    """Narrows the candidates; equality of the whole item decides."""
    return (item.get("entity"), item.get("signal"), item.get("locator"),
            item.get("observed_at"))


def unpack_document(body: bytes, sets: Sequence[list[dict[str, Any]]]) -> dict[str, Any]:
    """The report as it was saved; `sets` are the scan's evidence sets in position order."""

    def unpacked(value: Any) -> Any:
        if isinstance(value, dict):
            reference = value.get(REFERENCE)
            if reference is not None and len(value) == 1:
                position, index = reference
                return sets[position][index]
            return {k: unpacked(v) for k, v in value.items()}
        if isinstance(value, list):
            return [unpacked(v) for v in value]
        return value

    document: dict[str, Any] = unpacked(json.loads(zlib.decompress(body)))
    return document
