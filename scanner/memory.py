"""What a collector keeps from one scan of a target to the next (the contract with the store).

An API response with its validator (an ETag: an unchanged resource then costs a
304 that rate limits do not count), or what was read from an input that has not
changed since (a repository's files at the same commit).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Remembered:
    etag: str
    body: str


Memory = Mapping[str, Remembered]
NO_MEMORY: Memory = MappingProxyType({})
