"""Boolean CI conditions read as triggers: structure, negation, bounds, unreadable input."""

from __future__ import annotations

import pytest

from scanner.collectors.ci.conditions import Admits, admitted
from scanner.collectors.ci.model import DEFAULT_BRANCH, MANUAL, PULL_REQUEST, PUSH, SCHEDULE

EVERYTHING = frozenset({PUSH, DEFAULT_BRANCH, PULL_REQUEST, SCHEDULE, MANUAL})
USUAL = frozenset({PUSH, DEFAULT_BRANCH, PULL_REQUEST})
ATOMS = {
    "main": Admits(frozenset({DEFAULT_BRANCH, SCHEDULE, MANUAL}), frozenset({DEFAULT_BRANCH})),
    "pr": Admits(frozenset({PULL_REQUEST}), frozenset({PULL_REQUEST}), frozenset({PULL_REQUEST})),
    "nightly": Admits(frozenset({SCHEDULE}), frozenset({SCHEDULE}), frozenset({SCHEDULE})),
    "x == '(a && b)'": Admits(frozenset({MANUAL}), frozenset({MANUAL}), frozenset({MANUAL})),
}


def atom(term: str) -> Admits | None:
    return ATOMS.get(term)


@pytest.mark.parametrize(("expression", "words", "expected"), [
    ("main", False, {DEFAULT_BRANCH}),
    ("!main", False, {PUSH, PULL_REQUEST}),
    ("main || pr", False, {DEFAULT_BRANCH, PULL_REQUEST}),
    ("!(main || pr) && unknown", False, {PUSH}),
    ("nightly", False, {SCHEDULE}),  # named, so admitted although not usual
    ("!nightly", False, set(USUAL)),
    ("unknown", False, set(USUAL)),
    ("!unknown", False, set(USUAL)),  # a negated unknown stays unknown
    ("x == '(a && b)' || nightly", False, {MANUAL, SCHEDULE}),  # quotes keep operators in
    ("main AND NOT pr", True, {DEFAULT_BRANCH}),
    ("(main OR pr) and nightly", True, {SCHEDULE}),  # a schedule on the main line
    ("main &&", False, set(USUAL)),
    ("(main", False, set(USUAL)),
    ("main)", False, set(USUAL)),
    ("'unclosed", False, set(USUAL)),
    ("!" * 100 + "main", False, set(USUAL)),  # deeper than the bound: narrows nothing
    ("main || " * 2000 + "pr", False, set(USUAL)),  # longer than the bound
])
def test_expressions(expression: str, words: bool, expected: set[str]) -> None:
    assert admitted(expression, atom, EVERYTHING, USUAL, words) == expected
