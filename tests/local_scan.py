"""Run the local collector on a test repository, as a scan would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scanner.collectors.base import Collected, CollectSettings
from scanner.collectors.local import LocalRepoCollector


def collect(path: Path, **settings: Any) -> Collected:
    return LocalRepoCollector().collect(LocalRepoCollector.target(str(path)),
                                        CollectSettings(**settings))


def evidence_by_signal(path: Path) -> dict[str, Any]:
    return {e.signal: e for e in collect(path).evidence}



