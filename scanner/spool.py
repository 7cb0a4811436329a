"""A scan's evidence held on disk, one set per entity, between collection and the store.

A large estate's evidence does not fit in memory (about 100 KB per repository as
objects), and nothing needs all of it at once: rules read one entity at a time
(scanner/judgement.py) and the store writes one set at a time. The spool keeps each
entity's items as one JSON record in an unnamed temporary file (gone when the process
ends, however it ends) and, in memory, only where each record is. Entities keep the
order they were first added in, items their order within an entity, as the list of
all evidence would.

An entity's set as the spool holds it is a `SpooledSet`. A Git host keeps each
repository's sets whole for its next scan (collectors/hosts/reuse.py) and hands them over
unchanged while the repository stands still, so an unchanged estate is never serialised,
masked or compressed again.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from scanner.credentials import redact
from scanner.evidence import Evidence
from scanner.memory import NO_MEMORY, Memory, Remembered
from scanner.printable import SURROGATE, legible
from scanner.record_file import RecordFile

# The signal by which a service names the repository it lives in. A set carries its
# values, so that a scan groups services with their repositories (scanner/judgement.py)
# without reading every set back.
SERVICE_REPO = "service.repo"


@dataclass(frozen=True)
class SpooledSet:
    """One entity's evidence set: its text (set_text) compressed, the digest that names
    it, how many items it holds, and the values of its SERVICE_REPO items."""

    entity: str
    digest: str
    items: int
    record: bytes
    repositories: tuple[Any, ...] = ()

    def item_dicts(self) -> list[dict[str, Any]]:
        return _decoded(self.record)

    def evidence(self) -> list[Evidence]:
        return [Evidence.from_dict(item) for item in self.item_dicts()]


def spooled_sets(evidence: Iterable[Evidence]) -> list[SpooledSet]:
    """`evidence` as the sets of its entities, in the order each entity first shows."""
    return [_spooled(entity, items) for entity, items in _by_entity(evidence).items()]


def _spooled(entity: str, items: list[dict[str, Any]]) -> SpooledSet:
    text, digest = set_text(entity, items)
    return SpooledSet(entity, digest, len(items), zlib.compress(text.encode(), 1),
                      tuple(item["value"] for item in items if item["signal"] == SERVICE_REPO))


@dataclass(frozen=True)
class Keeping:
    """What a target keeps for its next scan: entries to write, and the keys of those the
    store holds already as they are (see EvidenceSpool.keep_memory)."""

    entries: Iterable[tuple[str, Remembered]]
    unchanged: frozenset[str] = frozenset()


class EvidenceSpool:
    def __init__(self, evidence: Iterable[Evidence] = ()) -> None:
        self._file = RecordFile("maturity-evidence-")
        self._where: dict[str, tuple[int, int, int]] = {}  # entity -> offset, length, items
        self._digests: dict[str, str] = {}
        self._kept: dict[str, tuple[int, int]] = {}  # key -> offset, length
        self._memory: dict[tuple[str, str], list[tuple[int, int]]] = {}
        self._unchanged: dict[tuple[str, str], set[str]] = {}
        self._tags: dict[str, int] = {}
        self._repositories: dict[str, tuple[Any, ...]] = {}  # of services, by SERVICE_REPO
        self.add(evidence)

    def add(self, evidence: Iterable[Evidence] = (), *, tag: int | None = None,
            sets: Iterable[SpooledSet] = ()) -> None:
        """Append items, then `sets` (spooled_sets); an entity seen before gets them after
        its own, and a set of an entity not yet held is taken as it is. `tag` marks the
        entities first seen here (the target they came from)."""
        for entity, items in _by_entity(evidence).items():
            self._tag(entity, tag)
            self._write(entity, self.items(entity) + items)
        for spooled in sets:
            self._tag(spooled.entity, tag)
            if spooled.entity in self._where:
                self._write(spooled.entity, self.items(spooled.entity) + spooled.item_dicts())
            else:
                self._put(spooled)

    def _tag(self, entity: str, tag: int | None) -> None:
        if tag is not None:
            self._tags.setdefault(entity, tag)

    def tagged(self, tag: int) -> list[str]:
        """The entities first added with `tag`, in the spool's order."""
        return [entity for entity in self._where if self._tags.get(entity) == tag]

    def replace(self, evidence: Iterable[Evidence]) -> None:
        """Items that re-derive an (entity, signal), such as incidents joined to deployments
        (scanner/timeline.py): the old item goes, the new one comes last among its
        entity's."""
        for entity, items in _by_entity(evidence).items():
            replaced = {item["signal"] for item in items}
            kept = [item for item in self.items(entity) if item["signal"] not in replaced]
            self._write(entity, kept + list({item["signal"]: item for item in items}.values()))

    def entities(self) -> list[str]:
        return list(self._where)

    def service_repositories(self) -> list[tuple[str, Any]]:
        """(entity, value) of every SERVICE_REPO item, in the spool's order."""
        return [(entity, value) for entity in self._where
                for value in self._repositories.get(entity, ())]

    def digest(self, entity: str) -> str | None:
        """The digest of the entity's evidence set, as the store names it."""
        return self._digests.get(entity)

    def keep(self, key: str, body: bytes) -> None:
        """Other bytes for later in the scan (a unit's judgement, for the store)."""
        self._kept[key] = self._file.append(body)

    def kept(self) -> Iterator[tuple[str, bytes]]:
        for key, (offset, length) in self._kept.items():
            yield key, self._file.read(offset, length)

    def keep_memory(self, target: tuple[str, str], entries: Mapping[str, Remembered], *,
                    before: Memory = NO_MEMORY) -> None:
        """What a collector keeps for its next scan of `target` (collector id, target label),
        handed over as it goes (see collectors.base.keep_for_next_scan). An entry the same
        as in `before` (what the store held when the scan began) is noted by its key only:
        in an unchanged estate that is nearly every entry, tens of KB each."""
        unchanged = self._unchanged.setdefault(target, set())
        changed = {}
        for key, item in entries.items():
            if before.get(key) == item:
                unchanged.add(key)
            else:
                changed[key] = item
        if changed:
            record = legible({key: [item.etag, item.body] for key, item in changed.items()})
            self._memory.setdefault(target, []).append(self._file.append(
                zlib.compress(json.dumps(record).encode(), 1)))

    def memory_of(self, target: tuple[str, str]) -> Iterator[tuple[str, Remembered]]:
        for offset, length in self._memory.get(target, []):
            record = json.loads(zlib.decompress(self._file.read(offset, length)))
            for key, (etag, body) in record.items():
                yield key, Remembered(etag, body)

    def holds_memory(self, target: tuple[str, str]) -> bool:
        return target in self._memory or bool(self._unchanged.get(target))

    def keeping(self, targets: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Keeping]:
        """Everything each of `targets` keeps for its next scan."""
        return {target: Keeping(self.memory_of(target),
                                frozenset(self._unchanged.get(target, ())))
                for target in targets}

    def items(self, entity: str) -> list[dict[str, Any]]:
        """An entity's items as dictionaries (Evidence.to_dict); none for one not spooled."""
        where = self._where.get(entity)
        if where is None:
            return []
        offset, length, _ = where
        return _decoded(self._file.read(offset, length))

    def evidence(self, entity: str) -> list[Evidence]:
        return [Evidence.from_dict(item) for item in self.items(entity)]

    def __iter__(self) -> Iterator[Evidence]:
        for entity in self._where:
            yield from self.evidence(entity)

    def __len__(self) -> int:
        return sum(items for _, _, items in self._where.values())

    def _write(self, entity: str, items: list[dict[str, Any]]) -> None:
        self._put(_spooled(entity, items))

    def _put(self, spooled: SpooledSet) -> None:
        entity = spooled.entity
        self._digests[entity] = spooled.digest
        if spooled.repositories:
            self._repositories[entity] = spooled.repositories
        else:
            self._repositories.pop(entity, None)
        offset, length = self._file.append(spooled.record)
        self._where[entity] = (offset, length, spooled.items)


def _decoded(record: bytes) -> list[dict[str, Any]]:
    """A set's items from its record."""
    found: list[dict[str, Any]] = json.loads(zlib.decompress(record))
    return found


def _by_entity(evidence: Iterable[Evidence]) -> dict[str, list[dict[str, Any]]]:
    """Items by entity; an entity named with bytes that are not UTF-8 by its legible name
    (scanner/printable.py), as its items will be."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for item in evidence:
        grouped.setdefault(legible(item.entity), []).append(item.to_dict())
    return grouped


def set_text(entity: str, items: list[dict[str, Any]]) -> tuple[str, str]:
    """An entity's evidence set as JSON (legible: scanner/printable.py), with the digest
    that names it: that of the text masked for credentials, as the store keeps it
    (store/packing.py)."""
    text = json.dumps(items, separators=(",", ":"), ensure_ascii=False)
    # A name that is not UTF-8 keeps its bytes as surrogates, which no writer accepts: one
    # search of the text finds the rare set holding one, which is then made legible.
    if not text.isascii() and SURROGATE.search(text):
        text = json.dumps(legible(items), separators=(",", ":"), ensure_ascii=False)
    return text, hashlib.sha256(f"{entity}\n{redact(text)}".encode()).hexdigest()
