"""An unnamed temporary file of byte records: what a scan holds on disk instead of memory.

Records are appended and read back by place. The file is gone once nothing refers to it
or the process ends, however it ends. Reads may come from several threads (a Git host's
repositories are read in a pool), so a read is one locked seek-and-read.
"""

from __future__ import annotations

import tempfile
import threading


class RecordFile:
    def __init__(self, prefix: str) -> None:
        # Closed when its owner is dropped, or by the system when the process ends.
        self._file = tempfile.TemporaryFile(prefix=prefix)  # noqa: SIM115
        self._end = 0
        self._lock = threading.Lock()

    def append(self, record: bytes) -> tuple[int, int]:
        """Writes `record`; its place (offset, length)."""
        with self._lock:
            offset = self._end
            self._file.seek(offset)
            self._file.write(record)
            self._end += len(record)
        return offset, len(record)

    def read(self, offset: int, length: int) -> bytes:
        with self._lock:
            self._file.seek(offset)
            return self._file.read(length)
