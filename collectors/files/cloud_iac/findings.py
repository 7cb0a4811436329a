"""What the Terraform and CloudFormation readers found, and the value tests they share.

Each reader adds (signal, value, locator) to one `Findings`; the detector turns them
into evidence.  A value is `None` for a boolean signal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.lazy_patterns import lazy_compile

AWS_REGION = lazy_compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$")
GCP_REGION = lazy_compile(r"^[a-z]+-[a-z]+\d+$")
# A filter that selects failures (`errorMessage = "Failed authentication"`,
# `ConsoleLogin = "Failure"`), not one that excludes them (`!= "Failure"`).
FAILED_LOGIN = lazy_compile(r"""(?i)(?<![!<>=])=\s*\\?["']?fail""")

# A fact that the mere presence of a resource type establishes:
# (signal, value) for list signals, (signal, None) for boolean ones.
Fact = tuple[str, str | None]


@dataclass
class Findings:
    values: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    flags: dict[str, list[str]] = field(default_factory=dict)
    unresolved_tags: list[str] = field(default_factory=list)

    def add(self, signal: str, value: str | None, where: str) -> None:
        if value is None:
            self.flags.setdefault(signal, []).append(where)
        else:
            self.values.setdefault(signal, {}).setdefault(value, []).append(where)

    def facts(self, facts: Iterable[Fact], where: str) -> None:
        for signal, value in facts:
            self.add(signal, value, where)


def is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")


def as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def as_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def literal_region(value: Any, *patterns: re.Pattern[str]) -> str | None:
    if isinstance(value, str) and any(p.match(value.strip()) for p in patterns):
        return value.strip()
    return None


def distinct_count(items: Sequence[Any]) -> int:
    return len({repr(item) for item in items})
