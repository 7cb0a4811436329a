"""Text that is safe to show: what repositories and APIs say reaches terminals and files.

A waiver reason, a file name or an API's error can hold control sequences (ESC ] sets a
terminal's title, ESC [2J clears it) or, for a file name that is not UTF-8, the
surrogates Python decodes its bytes to, which no UTF-8 writer accepts. Every output
passes through `printable`, which writes both as visible escapes (`\\x1b`), keeping new
lines and tabs. Character classes only, so linear in the text.
"""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass, replace
from typing import Any

_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte of a file name (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with control characters and lone surrogates written as escapes."""
    return _UNSAFE.sub(_escape, text)


#: A lone surrogate: how Python keeps a byte of a file name that is not UTF-8.
SURROGATE = re.compile(r"[\ud800-\udfff]")


def legible(value: Any) -> Any:
    """`value` with every string inside it (in dataclasses, mappings, lists and tuples)
    free of lone surrogates. A file name that is not UTF-8 is read with its bytes kept
    as surrogates, which is what opening it needs; once collected it is only a name,
    and a store or a report must be able to encode it. The value itself when nothing
    in it changes."""
    if isinstance(value, str):
        # ASCII, as nearly every string is, holds no surrogate: no pattern search needed.
        if value.isascii() or not SURROGATE.search(value):
            return value
        return SURROGATE.sub(_escape, value)
    if isinstance(value, list | tuple):
        items = [legible(item) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return type(value)(items) if isinstance(value, tuple) else items
    if isinstance(value, dict):
        pairs = [(legible(key), legible(item)) for key, item in value.items()]
        if all(new_key is key and new is item
               for (new_key, new), (key, item) in zip(pairs, value.items(), strict=True)):
            return value
        return dict(pairs)
    names = _field_names(type(value))
    if names:
        changed = {name: new for name in names
                   if (new := legible(getattr(value, name))) is not getattr(value, name)}
        if not changed:
            return value
        if value.__dataclass_params__.frozen:
            return replace(value, **changed)
        for name, new in changed.items():
            setattr(value, name, new)
    return value


_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(kind: type) -> tuple[str, ...]:
    """The fields of a dataclass type (none for any other type), looked up once per type."""
    if kind not in _FIELDS:
        _FIELDS[kind] = tuple(f.name for f in fields(kind)) if is_dataclass(kind) else ()
    return _FIELDS[kind]
