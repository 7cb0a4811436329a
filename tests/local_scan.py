"""Run the local collector on a test repository, as a scan would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scanner.collectors.base import Collected, CollectSettings
from scanner.collectors.local import LocalRepoCollector


def collect(path: Path, **settings: Any) -> Collected:
    return LocalRepoCollector().collect(LocalRepoCollector.target(str(path)),
                                        CollectSettings(**settings))


def evidence_by_signal(path: Path, entity: str | None = None) -> dict[str, Any]:
    """The evidence of one entity (default: the repository itself), by signal."""
    wanted = entity or f"repo:{path.resolve()}"
    return {e.signal: e for e in collect(path).evidence if e.entity == wanted}



