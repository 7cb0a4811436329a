"""The CI tool catalogue's patterns run over command lines a repository's author writes.

Most run on RE2, linear by construction; the few that need lookaround run on Python's
backtracking `re`, and here each of those is searched over adversarial lines: long runs
of the pattern's own characters and words with a tail that does not match, the inputs
that make a backtracking pattern quadratic or worse.  A linear pattern takes
milliseconds over 100,000 characters; a quadratic one takes minutes.
"""

from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse
import time
from collections.abc import Iterator

import pytest

from scanner.collectors.ci.tools import load_catalogue

LENGTH = 100_000
BOUND = 10.0  # seconds for all of one pattern's lines: a bound against a hang


def _backtracking() -> list[re.Pattern[str]]:
    found: dict[str, re.Pattern[str]] = {}
    for matcher in load_catalogue().matchers:
        for pattern in (matcher.compiled, *(p for _, p in matcher.inputs)):
            if isinstance(pattern, re.Pattern):
                found[pattern.pattern] = pattern
    return list(found.values())


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


def adversarial_lines(pattern: re.Pattern[str]) -> Iterator[str]:
    tree = sre_parse.parse(pattern.pattern, pattern.flags)
    characters = sorted(_characters(tree) | {" ", "a", "0", "-", "/"})
    for first in characters:
        yield first * LENGTH + "\x00"
        for second in characters:
            if first < second:
                yield (first + second) * (LENGTH // 2) + "\x00"
    words = list(dict.fromkeys(_words(tree)))  # in the pattern's order
    for word in words:
        for separator in ("", " ", " -", " :"):
            unit = word + separator
            yield unit * (LENGTH // len(unit)) + "\x00"
    if words:
        unit = " ".join(words) + " "
        yield unit * (LENGTH // len(unit)) + "\x00"


def test_only_patterns_that_need_lookaround_stay_off_re2() -> None:
    on_re = _backtracking()
    assert all(re.search(r"\(\?[=!<>]", p.pattern) for p in on_re), \
        [p.pattern for p in on_re if not re.search(r"\(\?[=!<>]", p.pattern)]
    assert len(on_re) < len(load_catalogue().matchers) // 10


@pytest.mark.parametrize("pattern", _backtracking(), ids=lambda p: p.pattern[:60])
def test_a_backtracking_catalogue_pattern_stays_linear_on_adversarial_lines(
        pattern: re.Pattern[str]) -> None:
    started = time.monotonic()
    for line in adversarial_lines(pattern):
        pattern.search(line)
        assert time.monotonic() - started < BOUND, (pattern.pattern, line[:40])
