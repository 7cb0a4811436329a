"""What every family of CI signals works from: the jobs and the tools found in them
(`Findings`), and an emitter that claims a negative only where nothing unread could
hide what it denies (`Output`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scanner.collectors.base import Emitter
from scanner.collectors.ci.hits import places
from scanner.collectors.ci.model import Job
from scanner.collectors.ci.reading import CONTENT, CiReading, Gap
from scanner.collectors.ci.tools import Hit


@dataclass(frozen=True)
class Findings:
    """The jobs read, every tool hit in them (the ones inferred from names and
    environments included), the jobs that deploy, and the files whose jobs run at times
    the repository does not show."""

    jobs: list[Job]
    hits: list[Hit]
    deploy_jobs: list[Job]
    untimed_files: frozenset[str]

    def where(self, categories: Sequence[str],
              triggers: frozenset[str] | None = None) -> list[Hit]:
        """Hits in jobs that run at these times (automatically, when none are named); a job
        whose timing the repository does not show never counts for timing."""
        return [h for h in self.hits if h.category in categories and h.job
                and h.job.file not in self.untimed_files
                and (h.job.triggers & triggers if triggers is not None else h.job.automatic)]


class Output:
    """Emits positives always; a negative only where no gap could hide what it denies."""

    def __init__(self, out: Emitter, reading: CiReading, gaps: list[Gap],
                 hits: list[Hit]) -> None:
        self.out = out
        self.examined = reading.examined()
        self.content_known = not any(gap.scope == CONTENT for gap in gaps)
        self.untimed_files = reading.untimed_files
        # Categories with tools in jobs whose triggers are not known: whether those run
        # before merge or automatically cannot be denied.
        self.untimed = {h.category for h in hits if h.job and h.job.file in self.untimed_files}

    def tools(self, signal: str, found: list[Hit], absent_note: str) -> None:
        tools = sorted({h.tool for h in found})
        if tools:
            notes = sorted({h.note for h in found if h.note})
            self.out.emit(signal, tools, places(found), "; ".join(notes) or None)
        elif self.content_known:
            self.out.emit(signal, [], self.examined, absent_note)

    def flag(self, signal: str, found: Sequence[Hit | Job], absent_note: str,
             categories: Sequence[str] = ()) -> None:
        if found:
            self.out.emit(signal, True, [_place(item) for item in found])
        elif self.content_known and not self.untimed & set(categories):
            self.out.emit(signal, False, self.examined, absent_note)


def _place(item: Hit | Job) -> str:
    return item.trail if isinstance(item, Hit) else item.locator
