"""The local-repository collector: a clone on disk, read offline."""

from __future__ import annotations

from scanner.collectors.local.collector import LocalRepoCollector

__all__ = ["LocalRepoCollector"]
