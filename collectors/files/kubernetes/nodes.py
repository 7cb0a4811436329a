"""Small, forgiving accessors over parsed YAML: a step that is not what it should be
gives None, never an error."""

from __future__ import annotations

from typing import Any

from scanner.yaml_source import LineDict, LineList


def mapping(value: Any) -> LineDict | None:
    return value if isinstance(value, LineDict) else None


def sequence(value: Any) -> LineList | None:
    return value if isinstance(value, LineList) else None


def dig(node: Any, *keys: str) -> Any:
    """`node[k1][k2]…`, or None where a step is not a mapping."""
    for key in keys:
        if not isinstance(node, LineDict):
            return None
        node = node.get(key)
    return node


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().strip("'\"").isdigit():
        return int(value.strip().strip("'\""))
    return None
