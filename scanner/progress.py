"""A one-line progress display on stderr for scans of many targets."""

from __future__ import annotations

import sys
import threading
from typing import TextIO

from scanner.collectors.base import Target
from scanner.printable import printable


class Progress:
    """Targets done, and inside a target with many items (an organisation's repositories)
    how far it has got."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self._lock = threading.Lock()
        self._inside = ""

    def __call__(self, target: Target) -> None:
        with self._lock:
            self.done += 1
            self._inside = ""
            self._draw(target.label)
            if self.done == self.total:
                self.stream.write("\n")
            self.stream.flush()

    def items(self, target: str, done: int, total: int) -> None:
        with self._lock:
            self._inside = f" ({done}/{total})"
            self._draw(target)
            self.stream.flush()

    def _draw(self, label: str) -> None:
        width = 30
        filled = width * self.done // max(self.total, 1)
        name = printable(label.rstrip("/").rsplit("/", 1)[-1][:40] + self._inside)
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] "
                          f"{self.done}/{self.total} {name:<52}")
