"""The configurations a store holds scans of, newest first.

A command that reads "the latest scan" is only safe when every stored scan was made with
the same configuration; otherwise "latest" is whichever configuration happened to run
last. This lists them so such a command can say which there are instead of guessing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa

from scanner.store.store import Store
from scanner.store.tables import NEWEST_FIRST, SCANS_WITH_DETAILS, scans_table


@dataclass(frozen=True)
class Configuration:
    fingerprint: str
    latest_scan: str  # its newest scan's id
    latest_finished_at: str
    targets: tuple[str, ...]  # what its newest scan scanned
    scans: int


def configurations(store: Store) -> list[Configuration]:
    """Every configuration with a stored scan, the one scanned most recently first."""
    query = (sa.select(scans_table.c.id, scans_table.c.finished_at,
                       scans_table.c.config_fingerprint, scans_table.c.targets)
             .select_from(SCANS_WITH_DETAILS).order_by(*NEWEST_FIRST))
    newest: dict[str, Configuration] = {}
    counts: dict[str, int] = {}
    with store.engine.connect() as conn:
        for row in conn.execute(query):
            fingerprint = str(row.config_fingerprint)
            counts[fingerprint] = counts.get(fingerprint, 0) + 1
            if fingerprint not in newest:
                newest[fingerprint] = Configuration(
                    fingerprint, str(row.id), str(row.finished_at),
                    tuple(json.loads(row.targets)), 0)
    return [Configuration(c.fingerprint, c.latest_scan, c.latest_finished_at, c.targets,
                          counts[c.fingerprint]) for c in newest.values()]
