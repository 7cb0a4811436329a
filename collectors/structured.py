"""JSON and TOML read from repositories and APIs, where nesting is hostile too.

Both standard parsers recurse per level, so `[[[[…]]]]` a hundred thousand deep raises
RecursionError, which no caller expects from a parser and which once cost a whole
repository's scan. Here it is a ValueError like any other malformed text (both
JSONDecodeError and TOMLDecodeError are ValueErrors), for the reader of that file to
skip.
"""

from __future__ import annotations

import json
import tomllib
from typing import Any


class TooDeep(ValueError):
    """Nested deeper than the parser can follow."""


def load_json(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise TooDeep("nested too deeply to read") from None


def load_toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise TooDeep("nested too deeply to read") from None
