"""Time budgets for reading one repository.

Files are hostile: one crafted workflow can hold tens of thousands of jobs, each cheap
alone. Reading is linear in what a file holds, so sizes bound it; a deadline bounds what
sizes cannot (many large files, a slow machine). A repository has a budget; each part of
its analysis (one CI system, one detector, the CI signals) runs with at most
`PART_SECONDS` of what remains. Readers call `check()` in their loops; past the part's
deadline it raises `OutOfTime`, which the part turns into "these signals are unknown"
with a warning, and the rest of the repository and of the scan goes on.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

#: Seconds one part of a repository's analysis may take at most.
PART_SECONDS = 60.0
#: Seconds one repository's files and CI may take (`collect.repository_seconds`).
REPOSITORY_SECONDS = 300.0


@dataclass(frozen=True)
class Deadline:
    what: str  # whose deadline, e.g. "the budget for one CI system"
    seconds: float
    at: float  # time.monotonic() when it passes


class OutOfTime(Exception):
    """A part ran past its deadline: its signals are unknown, the rest goes on."""

    def __init__(self, deadline: Deadline) -> None:
        super().__init__(f"took longer than {deadline.what} ({deadline.seconds:g} s)")
        self.deadline = deadline


_current: ContextVar[Deadline | None] = ContextVar("deadline", default=None)


def check() -> None:
    """Raise `OutOfTime` when the running part's deadline has passed (outside any part,
    nothing is timed)."""
    deadline = _current.get()
    if deadline is not None and time.monotonic() > deadline.at:
        raise OutOfTime(deadline)


@dataclass
class TimeBudget:
    """One repository's time, shared out to the parts of its analysis."""

    seconds: float = REPOSITORY_SECONDS
    ends: float = field(init=False)
    skipped: list[str] = field(default_factory=list)  # parts not started: time was up
    # A part still running at its deadline: it may have been cut short, even where it
    # caught `OutOfTime` itself.
    overran: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.ends = time.monotonic() + self.seconds

    @property
    def spent(self) -> bool:
        return time.monotonic() >= self.ends

    @contextmanager
    def part(self, what: str) -> Iterator[None]:
        """Time one part: at most `PART_SECONDS`, and never past the repository's end."""
        now = time.monotonic()
        if self.ends - now <= PART_SECONDS:
            deadline = Deadline("the repository's time budget", self.seconds, self.ends)
        else:
            deadline = Deadline(f"the time budget of {what}", PART_SECONDS,
                                now + PART_SECONDS)
        token = _current.set(deadline)
        try:
            yield
        finally:
            _current.reset(token)
            self.overran = self.overran or time.monotonic() > deadline.at

    @property
    def whole(self) -> bool:
        """Every part ran to its end: what was read does not depend on how fast."""
        return not self.skipped and not self.overran

    def note(self) -> str | None:
        """One line on the parts time ran out for, if any."""
        if not self.skipped:
            return None
        shown = ", ".join(self.skipped[:5])
        more = f" and {len(self.skipped) - 5} more" if len(self.skipped) > 5 else ""
        return (f"the repository's time budget ({self.seconds:g} s) ran out before "
                f"{shown}{more}; their signals are left unknown (raise "
                "collect.repository_seconds in the config to read more)")
