"""What a collector keeps from one scan of a target to the next (the contract with the store).

An API response with its validator (an ETag: an unchanged resource then costs a
304 that rate limits do not count), or what was read from an input that has not
changed since (a repository's files at the same commit).
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from scanner.record_file import RecordFile


@dataclass(frozen=True)
class Remembered:
    etag: str
    body: str


Memory = Mapping[str, Remembered]
NO_MEMORY: Memory = MappingProxyType({})
# What reading back something kept in the store that is not as it was kept raises
# (base64's, JSON's and datetime's errors are ValueErrors; a missing or mistyped field,
# KeyError or TypeError; a damaged compression, zlib.error): it is then made afresh.
UNREADABLE = (ValueError, KeyError, TypeError, zlib.error)


def packed(data: Any) -> str:
    """JSON, compressed: what a repository gave is tens of KB, kept for every repository
    and written on every scan that reads it."""
    return base64.b64encode(zlib.compress(json.dumps(data).encode(), 6)).decode()


def unpacked(body: str) -> Any:
    """What `packed` made; raises one of `UNREADABLE` on anything else."""
    return json.loads(zlib.decompress(base64.b64decode(body)))


class SpooledMemory(Mapping[str, Remembered]):
    """What a collector kept, read back from the store into a temporary file: the keys and
    ETags are in memory, each body is read when asked for. An organisation of thousands
    of repositories keeps tens of KB for each."""

    def __init__(self, rows: Iterable[tuple[str, str, str]]) -> None:
        self._file = RecordFile("maturity-memory-")
        self._where: dict[str, tuple[str, int, int]] = {}
        for key, etag, body in rows:
            self._where[key] = (etag, *self._file.append(body.encode()))

    def __getitem__(self, key: str) -> Remembered:
        etag, offset, length = self._where[key]
        return Remembered(etag, self._file.read(offset, length).decode())

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)
