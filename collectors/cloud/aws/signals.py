"""How one AWS account's evidence is written (the signals it may hold are declared in
`specs.py`).

Signals are named by what they mean, not by the AWS service behind them. A signal with
nothing to measure (no databases, no Auto Scaling groups) is left out: no evidence,
never a zero that would read as a failure.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence

from scanner.collectors.base import Emitter
from scanner.collectors.cloud.aws.calls import Unanswered
from scanner.evidence import Evidence, SignalValue

MAX_LOCATORS = 20


def console(region: str, path: str) -> str:
    return f"https://{region}.console.aws.amazon.com/{path}"


class Out:
    """One account's evidence, and a note for each signal that could not be observed."""

    def __init__(self, entity: str, source: str) -> None:
        self._emitter = Emitter(entity, source)
        self._lock = threading.Lock()
        self.notes: list[str] = []

    @property
    def evidence(self) -> list[Evidence]:
        return self._emitter.evidence

    def emit(self, signal: str, value: SignalValue, locators: Iterable[str] = (),
             note: str | None = None) -> None:
        with self._lock:
            self._emitter.emit(signal, value, list(locators)[:MAX_LOCATORS], note)

    def share(self, signal: str, matched: Sequence[str], total: Sequence[str],
              note: str) -> None:
        """`matched` of `total` (ARNs); absent when there is nothing to count. Locators put
        the ones that fall short first: they are what a person would go and fix."""
        if not total:
            return
        chosen = set(matched)
        short = [arn for arn in total if arn not in chosen]
        value = round(len(chosen & set(total)) / len(total), 3)
        self.emit(signal, value, [*short, *matched],
                  f"{len(chosen & set(total))} of {len(total)} {note}")

    def lacking(self, signals: Sequence[str], gap: Unanswered) -> None:
        with self._lock:
            self.notes.append(f"no evidence for {', '.join(signals)}: {gap.describe()}")

    def note(self, text: str) -> None:
        with self._lock:
            self.notes.append(text)

    def count(self, signal: str, number: int, locators: Sequence[str],
              gaps: Sequence[Unanswered], note: str) -> None:
        """A count over regions: with regions unread, only a positive count is evidence
        (it can only grow), and the note says it is a floor."""
        if gaps and not number:
            self.lacking([signal], gaps[0])
            return
        if gaps:
            note += f" (at least: not read in {', '.join(sorted({g.region for g in gaps}))})"
            self.note(f"{signal} counts only what was read: {gaps[0].describe()}")
        self.emit(signal, number, locators, note)

    def flag(self, signal: str, found: Sequence[str], looked: Sequence[str],
             gaps: Sequence[Unanswered], *, yes: str, no: str) -> None:
        """Something exists somewhere: `found` proves it; its absence needs every region."""
        if found:
            self.emit(signal, True, found, yes)
        elif gaps:
            self.lacking([signal], gaps[0])
        else:
            self.emit(signal, False, looked, no)

    def everywhere(self, signal: str, on: Mapping[str, bool], gaps: Sequence[Unanswered],
                   locate: Callable[[str], str], what: str) -> None:
        """Something is on in every scanned region: one region off settles it; a region
        unread leaves it open."""
        off = sorted(region for region, enabled in on.items() if not enabled)
        looked = [locate(region) for region in [*off, *sorted(r for r in on if on[r])]]
        if off:
            self.emit(signal, False, looked, f"{what} is off in {', '.join(off)}")
        elif gaps:
            self.lacking([signal], gaps[0])
        elif on:
            self.emit(signal, True, looked, f"{what} is on in all {len(on)} scanned regions")
