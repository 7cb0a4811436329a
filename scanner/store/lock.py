"""One scan of a configuration at a time across machines sharing a PostgreSQL store.

A session-level advisory lock, keyed by the config's fingerprint, held on a
connection of its own for the whole scan.  The server frees it when that
connection ends, however the process ends (SIGKILL and a lost machine included),
so a crashed run never blocks the next.  A SQLite store (one machine) uses the
lock file of scanner/lock.py instead.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager

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


def lock_key(fingerprint: str) -> int:
    digest = hashlib.sha256(f"maturity-scanner scan {fingerprint}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def config_lock(store: Store, fingerprint: str) -> Iterator[None]:
    key = lock_key(fingerprint)
    with store.engine.connect() as conn:
        taken = conn.execute(sa.select(sa.func.pg_try_advisory_lock(key))).scalar()
        conn.commit()  # the lock outlives transactions; the connection is what holds it
        if not taken:
            raise UserError(f"another scan of this config ({fingerprint}) is running: "
                            f"{_holder(conn, key)}; lock held in {describe_url(store.url)}; "
                            "this one did nothing")
        try:
            yield
        finally:
            conn.execute(sa.select(sa.func.pg_advisory_unlock(key)))
            conn.commit()


def _holder(conn: sa.Connection, key: int) -> str:
    """Who holds it, as far as this database user may see (another user's sessions are
    hidden without pg_read_all_stats)."""
    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    row = conn.execute(_HOLDER, {"high": unsigned >> 32, "low": unsigned & 0xFFFF_FFFF}).first()
    conn.commit()
    if row is None or not row.application_name:
        return "another scanner (this database user may not see which)"
    session = _SCANNER_SESSION.fullmatch(row.application_name)
    named = holder(int(session["pid"]), session["host"], row.backend_start) if session \
        else row.application_name
    return named + (f", connected from {row.client_addr}" if row.client_addr else "")
