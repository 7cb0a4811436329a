"""Shape checks for the YAML files users write (model, rules, config).

Every failure is a `FileProblem` naming the file, the item (rule id, model
entry) and the field, so the user can go straight to the mistake.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner import credentials
from scanner.errors import FileProblem
from scanner.parsed_yaml import cache_folder, is_own, kept_or_parsed
from scanner.yaml_values import LineDict, YamlError

MAX_CONFIG_BYTES = 5_000_000
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def read_yaml_file(path: Path) -> Any:
    """Read a user-written YAML file, or fail with one line naming it."""
    try:
        # Read with a bound, not by the size the file claims: a device such as /dev/zero
        # says 0 bytes and never ends.
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
        if len(raw) > MAX_CONFIG_BYTES:
            raise FileProblem(str(path), f"larger than {MAX_CONFIG_BYTES // 1_000_000} MB; "
                              "is this the right file?")
    except FileNotFoundError:
        raise FileProblem(str(path), "no such file") from None
    except IsADirectoryError:
        raise FileProblem(str(path), "is a folder, expected a YAML file") from None
    except OSError as exc:
        raise FileProblem(str(path), f"cannot be read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FileProblem(str(path), "is not UTF-8 text") from None
    try:
        if is_own(path):
            return kept_or_parsed(text, cache_folder())
        from scanner.yaml_source import load_yaml  # PyYAML: only where a text is parsed

        return load_yaml(text)
    except YamlError as exc:
        raise FileProblem(str(path), f"not valid YAML: {exc}") from None


def suggest(name: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


@dataclass(frozen=True)
class Where:
    """A position in a user file: path, item (e.g. rule id) and field path."""

    path: str
    item: str | None = None
    field: str | None = None

    def at(self, field_name: str | int) -> Where:
        if isinstance(field_name, int):
            name = f"{self.field or ''}[{field_name}]"
        else:
            name = f"{self.field}.{field_name}" if self.field else field_name
        return Where(self.path, self.item, name)

    def for_item(self, item: str) -> Where:
        return Where(self.path, item, None)

    def problem(self, message: str, line: int | None = None) -> FileProblem:
        path = f"{self.path}:{line}" if line else self.path
        return FileProblem(path, message, item=self.item, field=self.field)


def line_of(container: Any, key: Any) -> int | None:
    if isinstance(container, LineDict):
        return container.line_of(key)
    return getattr(container, "line", None)


def mapping(value: Any, where: Where, what: str = "a mapping") -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise where.problem(f"expected {what}, found {_type_name(value)}",
                            getattr(value, "line", None))
    return value


def sequence(value: Any, where: Where, what: str = "a list") -> list[Any]:
    if not isinstance(value, list):
        raise where.problem(f"expected {what}, found {_type_name(value)}",
                            getattr(value, "line", None))
    return value


def keys(value: Mapping[str, Any], where: Where, *, required: Iterable[str] = (),
         optional: Iterable[str] = ()) -> None:
    required = list(required)
    allowed = set(required) | set(optional)
    for key in value:
        if key not in allowed:
            raise where.at(str(key)).problem(
                f"unknown key{suggest(str(key), allowed)}; allowed: {', '.join(sorted(allowed))}",
                line_of(value, key),
            )
    for key in required:
        if key not in value:
            raise where.at(key).problem("missing (required)", getattr(value, "line", None))


def text(value: Any, where: Where, *, allow_empty: bool = False) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise where.problem(f"expected text, found {_type_name(value)}")
    result = str(value)
    if not allow_empty and not result.strip():
        raise where.problem("must not be empty")
    return result


def texts(value: Any, where: Where) -> list[str]:
    """One text, or a list of texts."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [text(item, where.at(index)) for index, item in enumerate(sequence(value, where))]


def env_name(value: Any, where: Where, *, example: str, holds: str) -> str:
    """The name of an environment variable holding a `holds` (token, secret): never the
    value itself, so that no credential is written into a config file. A value that looks
    like a credential is refused without being repeated; the variable's value is masked
    in everything the scanner says from then on."""
    name = text(value, where)
    if not ENV_NAME.match(name) or credentials.looks_like_token(name):
        raise where.problem(f"name an environment variable (e.g. {example}), not the {holds} "
                            "itself")
    credentials.remember_variable(name)
    return name


def number(value: Any, where: Where, *, minimum: float | None = None,
           maximum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise where.problem(f"expected a number, found {_type_name(value)}")
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an integer of hundreds of digits
        finite = False
    if not finite:
        raise where.problem(f"expected a number, found {_type_name(value)}, which is too "
                            "large to use")
    if minimum is not None and value < minimum:
        raise where.problem(f"must be at least {minimum}, found {value}")
    if maximum is not None and value > maximum:
        raise where.problem(f"must be at most {maximum}, found {value}")
    return float(value)


def integer(value: Any, where: Where, *, minimum: int | None = None,
            maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise where.problem(f"expected a whole number, found {_type_name(value)}")
    return int(number(value, where, minimum=minimum, maximum=maximum))


def boolean(value: Any, where: Where) -> bool:
    if not isinstance(value, bool):
        raise where.problem(f"expected true or false, found {_type_name(value)}")
    return value


def choice(value: Any, where: Where, choices: Iterable[str]) -> str:
    options = list(choices)
    if not isinstance(value, str) or value not in options:
        raise where.problem(
            f"'{value}' is not one of: {', '.join(options)}{suggest(str(value), options)}"
        )
    return value


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a true/false value"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        shown = str(value) if len(str(value)) <= 20 else f"{str(value)[:12]}… " \
            f"({len(str(value))} digits)"
        return f"the number {shown}"
    if isinstance(value, str):
        return f"the text '{value[:40]}'"
    return type(value).__name__
