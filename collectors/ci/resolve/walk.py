"""One job's walk through the repository's files: the command lines it finds (`Step`),
and what it has seen and found so far (`Walk`), so that cycles are cut and the
budget kept."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Step:
    """One command line found in a file: its line, text and the folder it runs in."""

    line: int
    text: str
    path: str
    directory: str | None  # None: unknown (a `cd` to somewhere computed)


@dataclass
class Walk:
    """One job's resolution: what was seen (cycles), how much was found (budget)."""

    seen: set[str] = field(default_factory=set)
    found: int = 0
    cut: bool = False
