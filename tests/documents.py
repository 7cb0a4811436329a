"""Walking a report document (JSON loaded into dicts and lists) in tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def mappings(node: Any) -> Iterator[dict[str, Any]]:
    """Every mapping inside `node`, `node` itself included, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from mappings(value)
    elif isinstance(node, list):
        for value in node:
            yield from mappings(value)


def assessment(document: Any) -> Any:
    """A report without what differs between any two scans of the same estate: the scan's
    id and times, and when each piece of evidence was observed."""
    if isinstance(document, list):
        return [assessment(item) for item in document]
    if not isinstance(document, dict):
        return document
    scan = document.get("scan")
    if isinstance(scan, dict) and "finished_at" in scan:
        document = {**document, "scan": {k: v for k, v in scan.items()
                                         if k not in ("id", "started_at", "finished_at")}}
    return {key: assessment(value) for key, value in document.items() if key != "observed_at"}
