"""One scan of a configuration at a time across machines sharing a PostgreSQL store, and
one run of each shard of a sharded scan.

A session-level advisory lock, keyed by what it guards (a config's fingerprint, a
shard), held on a connection of its own for the whole run.  The server frees it when
that connection ends, however the process ends (SIGKILL and a lost machine included),
so a crashed run never blocks the next, and whether a shard is running is whether its
lock is held.  A SQLite store (one machine) uses the lock file of scanner/lock.py
instead.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import sqlalchemy as sa

from scanner.errors import UserError
from scanner.lock import holder
from scanner.store.store import Store, describe_url

# How a scan names its connection (scanner/store/store.py: holder_name).
_SCANNER_SESSION = re.compile(r"maturity-scanner on (?P<host>\S+) pid (?P<pid>\d+)")

_HOLDER = sa.text("""
    select a.application_name, a.client_addr, a.backend_start
    from pg_locks l join pg_stat_activity a on a.pid = l.pid
    where l.locktype = 'advisory' and l.granted and l.objsubid = 1
      and l.classid::bigint = :high and l.objid::bigint = :low
""")


def lock_key(name: str) -> int:
    digest = hashlib.sha256(f"maturity-scanner {name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def config_lock(store: Store, fingerprint: str) -> AbstractContextManager[None]:
    return advisory_lock(store, f"scan {fingerprint}", lambda holder: (
        f"another scan of this config ({fingerprint}) is running: {holder}; lock held in "
        f"{describe_url(store.url)}; this one did nothing"))


def shard_lock_name(scan_id: str, shard: int) -> str:
    return f"shard {shard} of {scan_id}"


@contextmanager
def advisory_lock(store: Store, name: str, refusal: Callable[[str], str]) -> Iterator[None]:
    """Hold the lock `name` while the block runs; taken already, a UserError of
    `refusal(who holds it)`."""
    key = lock_key(name)
    with store.engine.connect() as conn:
        taken = conn.execute(sa.select(sa.func.pg_try_advisory_lock(key))).scalar()
        conn.commit()  # the lock outlives transactions; the connection is what holds it
        if not taken:
            raise UserError(refusal(_holder(conn, key) or _UNSEEN))
        try:
            yield
        finally:
            conn.execute(sa.select(sa.func.pg_advisory_unlock(key)))
            conn.commit()


def lock_holder(store: Store, name: str) -> str | None:
    """Who holds the lock `name` now; None when nobody does."""
    with store.engine.connect() as conn:
        return _holder(conn, lock_key(name))


_UNSEEN = "another scanner (this database user may not see which)"


def _holder(conn: sa.Connection, key: int) -> str | None:
    """Who holds it, as far as this database user may see (another user's sessions are
    hidden without pg_read_all_stats); None when nobody does."""
    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    row = conn.execute(_HOLDER, {"high": unsigned >> 32, "low": unsigned & 0xFFFF_FFFF}).first()
    conn.commit()
    if row is None:
        return None
    if not row.application_name:
        return _UNSEEN
    session = _SCANNER_SESSION.fullmatch(row.application_name)
    named = holder(int(session["pid"]), session["host"], row.backend_start) if session \
        else row.application_name
    return named + (f", connected from {row.client_addr}" if row.client_addr else "")
