"""A one-line progress display on stderr for scans of many targets."""

from __future__ import annotations

import sys
import threading
from typing import TextIO

from scanner.collectors.base import Target


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self._lock = threading.Lock()

    def __call__(self, target: Target) -> None:
        with self._lock:
            self.done += 1
            width = 30
            filled = width * self.done // max(self.total, 1)
            name = target.label.rstrip("/").rsplit("/", 1)[-1][:40]
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] "
                              f"{self.done}/{self.total} {name:<40}")
            if self.done == self.total:
                self.stream.write("\n")
            self.stream.flush()
