"""Adversarial text for a backtracking pattern: long runs of the pattern's own characters
and words with a tail that does not match, the inputs that make a backtracking pattern
quadratic or worse.  A linear pattern takes milliseconds over 100,000 characters; a
quadratic one takes minutes.
"""

from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse
from collections.abc import Iterator

LENGTH = 100_000


def _characters(tree: sre_parse.SubPattern | list[tuple[object, object]]) -> set[str]:
    """A representative of every character and class the pattern names."""
    found: set[str] = set()
    for op, arg in tree:
        if op is sre.LITERAL:
            found.add(chr(arg))  # type: ignore[arg-type]
        elif op is sre.IN:
            for kind, value in arg:  # type: ignore[attr-defined]
                if kind is sre.LITERAL:
                    found.add(chr(value))
                elif kind is sre.RANGE:
                    found.add(chr(value[0]))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            found |= _characters(arg[2])  # type: ignore[index]
        elif op is sre.SUBPATTERN:
            found |= _characters(arg[3])  # type: ignore[index]
        elif op is sre.ATOMIC_GROUP:
            found |= _characters(arg)  # type: ignore[arg-type]
        elif op is sre.BRANCH:
            for branch in arg[1]:  # type: ignore[index]
                found |= _characters(branch)
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            found |= _characters(arg[1])  # type: ignore[index]
    return found


def _words(tree: sre_parse.SubPattern | list[tuple[object, object]]) -> Iterator[str]:
    """Runs of literal characters (`gradle`, `kaniko/executor`), at any depth."""
    run = ""
    for op, arg in tree:
        if op is sre.LITERAL:
            run += chr(arg)  # type: ignore[arg-type]
            continue
        if len(run) > 1:
            yield run
        run = ""
        if op is sre.SUBPATTERN:
            yield from _words(arg[3])  # type: ignore[index]
        elif op is sre.ATOMIC_GROUP:
            yield from _words(arg)  # type: ignore[arg-type]
        elif op is sre.BRANCH:
            for branch in arg[1]:  # type: ignore[index]
                yield from _words(branch)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            yield from _words(arg[2])  # type: ignore[index]
    if len(run) > 1:
        yield run


def adversarial_lines(pattern: re.Pattern[str], length: int = LENGTH,
                      alphanumeric_pairs: bool = True) -> Iterator[str]:
    """Lines of `length` characters.  Without `alphanumeric_pairs`, no line alternates two
    letters or digits (`ababab`): for a pattern of many words those are most of the lines,
    and the runs of each word and of each character cover what they would find."""
    tree = sre_parse.parse(pattern.pattern, pattern.flags)
    characters = sorted(_characters(tree) | {" ", "a", "0", "-", "/"})
    for first in characters:
        yield first * length + "\x00"
        for second in characters:
            if first < second and (alphanumeric_pairs or not (first + second).isalnum()):
                yield (first + second) * (length // 2) + "\x00"
    words = list(dict.fromkeys(_words(tree)))  # in the pattern's order
    for word in words:
        for separator in ("", " ", " -", " :"):
            unit = word + separator
            yield unit * (length // len(unit)) + "\x00"
    if words:
        unit = " ".join(words) + " "
        yield unit * (length // len(unit)) + "\x00"
