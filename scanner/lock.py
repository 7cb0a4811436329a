"""One scan of a configuration at a time on one machine: a lock file per (store, config).

The operating system's advisory file lock is released when its process ends in
any way (SIGKILL included), so a crashed run never leaves a stale lock behind. On
POSIX it is a record lock (fcntl/lockf), which belongs to the process: the collector
workers it forks share the open file but not the lock, so a worker outliving a killed
scan cannot keep the next one out (a flock() would have gone to the workers too).

The file names the holder (its pid and host, as a PostgreSQL store's lock does too), for
the message the second run prints; a name left in a lock that was free tells of a run
that ended without releasing it, which the next run takes over with a note.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from scanner.errors import UserError
from scanner.logs import emit


def holder(pid: int, host: str, since: datetime | None = None) -> str:
    """A running scan, as the run it keeps out names it."""
    return f"pid {pid} on host {host}" + (f" since {since.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
                                           if since else "")


def lock_path(sqlite_file: Path | None, fingerprint: str) -> Path:
    """Next to a SQLite store; without a store (--no-store), in the user cache folder.
    (A PostgreSQL store is locked in the database: scanner/store/lock.py.)"""
    if sqlite_file is not None:
        return sqlite_file.parent / f"maturity-{fingerprint}.lock"
    from scanner.parsed_yaml import cache_folder

    return cache_folder("locks") / f"maturity-{fingerprint}.lock"


@contextmanager
def scan_lock(path: Path, fingerprint: str) -> Iterator[None]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+", encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot create the lock file {path}: {exc.strerror}") from None
    with handle:
        if not _try_lock(handle):
            handle.seek(0)
            running = handle.read().strip() or "another process"
            raise UserError(f"another scan of this config ({fingerprint}) is running: "
                            f"{running}; lock {path}; this one did nothing")
        handle.seek(0)
        if left := handle.read().strip():
            emit(logging.WARNING, "lock_taken_over",
                 f"maturity: note: the last scan of this config ({left}) ended without "
                 f"releasing its lock; taken over ({path})")
        handle.seek(0)
        handle.truncate()
        handle.write(holder(os.getpid(), socket.gethostname(), datetime.now(UTC)))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            _unlock(handle)


if sys.platform == "win32":
    import msvcrt

    def _try_lock(handle: IO[str]) -> bool:
        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(handle: IO[str]) -> bool:
        """The whole file; the process must not open and close it elsewhere meanwhile
        (closing any descriptor of a file drops the process's record locks on it)."""
        try:
            fcntl.lockf(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EAGAIN):
                return False
            raise
        return True

    def _unlock(handle: IO[str]) -> None:
        fcntl.lockf(handle.fileno(), fcntl.LOCK_UN)
