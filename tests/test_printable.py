"""Escaping what is shown: control characters and undecodable name bytes."""

from __future__ import annotations

import os
from dataclasses import dataclass

from scanner.printable import legible, printable


def test_control_characters_are_shown_as_escapes_and_lines_kept() -> None:
    assert printable("a\x1b]0;t\x07\x1b[2J\tb\nc\x9b\x7f") == \
        "a\\x1b]0;t\\x07\\x1b[2J\tb\nc\\x9b\\x7f"
    assert printable("plain ünïcode ✓") == "plain ünïcode ✓"


def test_an_undecodable_name_shows_its_bytes() -> None:
    name = os.fsdecode(b"bad\xffname")
    assert printable(name) == "bad\\xffname"
    assert legible(name) == "bad\\xffname"
    assert legible("a\x1b") == "a\x1b"  # legible touches only what cannot be encoded


@dataclass(frozen=True)
class Item:
    name: str
    places: tuple[str, ...]
    extra: dict[str, list[str]]


def test_legible_reaches_inside_and_keeps_what_is_clean() -> None:
    clean = Item("x", ("a",), {"k": ["v"]})
    assert legible(clean) is clean
    dirty = Item("x", (os.fsdecode(b"\xfe"),), {os.fsdecode(b"\xfd"): [os.fsdecode(b"\xfc")]})
    assert legible(dirty) == Item("x", ("\\xfe",), {"\\xfd": ["\\xfc"]})
