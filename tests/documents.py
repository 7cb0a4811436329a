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
