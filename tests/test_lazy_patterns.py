"""The scanner's own patterns are compiled where first used (scanner/lazy_patterns.py)."""

from __future__ import annotations

import copy
import pickle
import re

import pytest

from scanner.lazy_patterns import LazyPattern, lazy_compile


def test_a_pattern_is_compiled_when_first_used_and_then_answers_as_compiled() -> None:
    pattern = lazy_compile(r"(?P<tool>trivy|grype)\s+(image|fs)", re.IGNORECASE)
    assert "search" not in vars(pattern)  # nothing compiled yet
    eager = re.compile(r"(?P<tool>trivy|grype)\s+(image|fs)", re.IGNORECASE)
    text = "run: Trivy image app && grype fs ."
    assert pattern.search(text)[0] == eager.search(text)[0]  # type: ignore[index]
    assert isinstance(getattr(pattern.search, "__self__", None), re.Pattern)  # nothing between
    assert [m.group("tool") for m in pattern.finditer(text)] == ["Trivy", "grype"]
    assert pattern.findall(text) == eager.findall(text)
    assert pattern.sub("X", text) == eager.sub("X", text)
    assert (pattern.pattern, pattern.flags, pattern.groups, pattern.groupindex) == \
        (eager.pattern, eager.flags, eager.groups, eager.groupindex)
    assert pattern.fullmatch("grype fs") and pattern.match("trivy image x")


def test_a_pattern_that_does_not_compile_fails_where_it_is_used() -> None:
    pattern = lazy_compile(r"(unclosed")
    with pytest.raises(re.error):
        pattern.search("text")


@pytest.mark.parametrize("used", [False, True])
def test_a_pattern_is_copied_and_pickled_as_the_pattern_it_stands_for(used: bool) -> None:
    pattern = lazy_compile(r"deploy\b", re.MULTILINE)
    if used:
        pattern.search("deploy")
    for other in (pickle.loads(pickle.dumps(pattern)), copy.deepcopy(pattern),
                  copy.copy(pattern)):
        assert isinstance(other, LazyPattern)
        assert (other.pattern, other.flags) == ("deploy\\b", re.compile("", re.M).flags)
        assert other.search("a\ndeploy now")
