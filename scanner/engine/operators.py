"""The one table of comparison operators a rule may use.

Each operator says which signal types it accepts, whether it takes a value,
and how it compares.  There is no `eval` anywhere: a rule is data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scanner.patterns import compiled


@dataclass(frozen=True)
class Operator:
    name: str
    signal_types: tuple[str, ...]
    takes_value: bool
    compare: Callable[[Any, Any], bool]
    describe: str


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(actual, str):
        return str(expected) in actual
    return expected in actual


def _matches(actual: Any, expected: Any) -> bool:
    pattern = compiled(str(expected))
    if isinstance(actual, list):
        return any(pattern.search(str(item)) for item in actual)
    return pattern.search(str(actual)) is not None


_ANY = ("bool", "int", "float", "str")
_NUM = ("int", "float")

OPERATORS: dict[str, Operator] = {
    op.name: op
    for op in (
        Operator("eq", _ANY, True, lambda a, e: a == e, "equals"),
        Operator("ne", _ANY, True, lambda a, e: a != e, "differs from"),
        Operator("gt", _NUM, True, lambda a, e: _number(a) > _number(e), "is greater than"),
        Operator("gte", _NUM, True, lambda a, e: _number(a) >= _number(e), "is at least"),
        Operator("lt", _NUM, True, lambda a, e: _number(a) < _number(e), "is less than"),
        Operator("lte", _NUM, True, lambda a, e: _number(a) <= _number(e), "is at most"),
        Operator("in", _ANY, True, lambda a, e: a in e, "is one of"),
        Operator("contains", ("list", "str"), True, _contains, "contains"),
        Operator("contains_any", ("list",), True,
                 lambda a, e: any(item in a for item in e), "contains any of"),
        Operator("non_empty", ("list", "str"), False, lambda a, _e: len(a) > 0, "is not empty"),
        Operator("size_gte", ("list",), True, lambda a, e: len(a) >= _number(e),
                 "has at least this many items:"),
        Operator("matches", ("str", "list"), True, _matches, "matches"),
    )
}

AGGREGATES = ("median", "p90", "mean", "sum", "min", "max", "ratio")
