"""Rules and conditions in words, for messages and `rules explain`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.engine.operators import OPERATORS
from scanner.engine.rule import AllOf, AnyOf, Comparison, Condition, Not, ThresholdRef


def describe_condition(condition: Condition, thresholds: Mapping[str, float]) -> str:
    if isinstance(condition, Comparison):
        operator = OPERATORS[condition.op]
        if not operator.takes_value:
            return f"{condition.signal} {operator.describe}"
        value = describe_value(condition.value, thresholds)
        return f"{condition.signal} {operator.describe} {value}"
    if isinstance(condition, Not):
        return f"not ({describe_condition(condition.condition, thresholds)})"
    joiner = " and " if isinstance(condition, AllOf) else " or "
    assert isinstance(condition, AllOf | AnyOf)
    return "(" + joiner.join(describe_condition(c, thresholds)
                             for c in condition.conditions) + ")"


def describe_value(value: Any, thresholds: Mapping[str, float]) -> str:
    if isinstance(value, ThresholdRef):
        return f"{thresholds.get(value.name)} (threshold '{value.name}')"
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    return repr(value)
