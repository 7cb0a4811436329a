"""The CI tool catalogue's patterns run over command lines a repository's author writes.

Most run on RE2, linear by construction; the few that need lookaround run on Python's
backtracking `re`, and here each of those is searched over adversarial lines (see
tests/adversarial.py).
"""

from __future__ import annotations

import re
import time

import pytest

from scanner.collectors.ci.tools import load_catalogue

from adversarial import adversarial_lines

BOUND = 10.0  # seconds for all of one pattern's lines: a bound against a hang


def _backtracking() -> list[re.Pattern[str]]:
    found: dict[str, re.Pattern[str]] = {}
    for matcher in load_catalogue().matchers:
        for pattern in (matcher.compiled, *(p for _, p in matcher.input_patterns)):
            if isinstance(pattern, re.Pattern):
                found[pattern.pattern] = pattern
    return list(found.values())


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
