"""How a scan's evidence and report are packed for the store, and unpacked again.

Evidence is grouped by entity into sets named by the digest of their items, so an
entity that showed exactly what it showed in an earlier scan (its evidence reused
because its source did not change) adds nothing to the store.  The report embeds
every evidence item in each rule that read it — tens of MB of JSON for a large
estate — so the stored report replaces them by references into the scan's sets
and is compressed: tens of KB, and reading it back gives the same report.  Both are
masked for credentials as they are packed: what is stored stays.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.credentials import redact
from scanner.evidence import Evidence
from scanner.spool import set_text

#: The key that stands for a list of evidence items in a packed report.
REFERENCE = "$evidence"
#: Report keys whose lists are evidence items: a rule's criterion evidence and the
#: evidence that only put entities in its scope.
EVIDENCE_LISTS = frozenset({"evidence", "applicability"})


@dataclass(frozen=True)
class EvidenceSet:
    """One entity's evidence in one scan: the items, and their JSON."""

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
    return [evidence_set(entity, items) for entity, items in by_entity.items()]


def evidence_set(entity: str, items: list[dict[str, Any]]) -> EvidenceSet:
    # In to_dict's own key order, so a re-rendered report reads exactly as printed.
    text, digest = set_text(entity, items)
    return EvidenceSet(entity, digest, tuple(items), redact(text))


def set_items(body: bytes) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(zlib.decompress(body))
    return items


class SetPlaces:
    """Where the items a report cites sit among a scan's sets, learnt as the sets go by:
    only the sets of entities the report cites are kept."""

    def __init__(self, document: dict[str, Any]) -> None:
        self._cited = set(_cited_entities(document))
        self._where: dict[tuple[Any, ...], list[tuple[int, int, dict[str, Any]]]] = {}
        self._position = 0

    def add(self, found: EvidenceSet) -> None:
        self.follow(found.entity, lambda: found.items)

    def follow(self, entity: str, items: Callable[[], Sequence[dict[str, Any]]]) -> None:
        """The next set is `entity`'s; its `items` are read only if the report cites it."""
        if entity in self._cited:
            for index, item in enumerate(items()):
                self._where.setdefault(_key(item), []).append((self._position, index, item))
        self._position += 1

    def place(self, item: Any) -> tuple[int, int] | None:
        if isinstance(item, dict):
            for position, index, candidate in self._where.get(_key(item), ()):
                if candidate == item:
                    return position, index
        return None


def _cited_entities(value: Any, key: str | None = None) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _cited_entities(v, k)
    elif isinstance(value, list):
        if key in EVIDENCE_LISTS:
            yield from (item["entity"] for item in value
                        if isinstance(item, dict) and isinstance(item.get("entity"), str))
        else:
            for v in value:
                yield from _cited_entities(v)


def pack_document(document: dict[str, Any], sets: Sequence[EvidenceSet] | SetPlaces
                  ) -> bytes:
    """The report, each list of evidence items replaced by references into `sets`.

    A rule cites one item of each of hundreds of entities, so a list is written as
    two columns, the set positions as differences from the previous one and the item
    indexes, which compress to almost nothing; an item found in no set (index -1) is
    kept whole, in order, in a third column.
    """
    places = sets if isinstance(sets, SetPlaces) else SetPlaces(document)
    if not isinstance(sets, SetPlaces):
        for found in sets:
            places.add(found)

    def references(items: list[Any]) -> dict[str, Any]:
        steps: list[int] = []
        indexes: list[int] = []
        whole: list[Any] = []
        previous = 0
        for item in items:
            found = places.place(item)
            if found is None:
                steps.append(0)
                indexes.append(-1)
                whole.append(item)
            else:
                steps.append(found[0] - previous)
                indexes.append(found[1])
                previous = found[0]
        return {REFERENCE: [steps, indexes, whole]}

    def packed(value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: packed(v, k) for k, v in value.items()}
        if isinstance(value, list):
            if key in EVIDENCE_LISTS and value:
                return references(value)
            return [packed(v) for v in value]
        return value

    text = redact(json.dumps(packed(document), default=str, separators=(",", ":")))
    return zlib.compress(text.encode(), 6)


def _key(item: dict[str, Any]) -> tuple[Any, ...]:
    """Narrows the candidates; equality of the whole item decides."""
    return (item.get("entity"), item.get("signal"), item.get("locator"),
            item.get("observed_at"))


def unpack_document(body: bytes, sets: Sequence[list[dict[str, Any]]]) -> dict[str, Any]:
    """The report as it was saved; `sets` are the scan's evidence sets in position order."""

    def items(steps: list[int], indexes: list[int], whole: list[Any]) -> list[Any]:
        found: list[Any] = []
        kept = iter(whole)
        position = 0
        for step, index in zip(steps, indexes, strict=True):
            position += step
            found.append(next(kept) if index < 0 else sets[position][index])
        return found

    def unpacked(value: Any) -> Any:
        if isinstance(value, dict):
            columns = value.get(REFERENCE)
            if columns is not None and len(value) == 1:
                return items(*columns)
            return {k: unpacked(v) for k, v in value.items()}
        if isinstance(value, list):
            return [unpacked(v) for v in value]
        return value

    document: dict[str, Any] = unpacked(json.loads(zlib.decompress(body)))
    return document
