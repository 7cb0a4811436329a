"""Regular expressions written outside the scanner's code: in a config, a rule pack, a
target's options or a repository's CI files.

They are compiled with RE2, whose matching takes time linear in the text whatever the
pattern, so a rule's `(a+)+$` cannot stall a scan on a long environment name the way
Python's backtracking `re` would.  RE2 has no lookaround and no backreferences; a
pattern that needs them is refused where it is read, naming the file and the key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any, Protocol, cast

import re2  # type: ignore[import-untyped]

from scanner.printable import SURROGATE
from scanner.validate import Where


class Match(Protocol):
    def group(self, *groups: int | str) -> Any: ...

    def groups(self) -> tuple[str | None, ...]: ...

    def start(self, group: int | str = 0) -> int: ...

    def end(self, group: int | str = 0) -> int: ...

    def __getitem__(self, group: int | str) -> str | None: ...


class Pattern(Protocol):
    @property
    def pattern(self) -> str: ...

    def search(self, text: str, /) -> Match | None: ...

    def match(self, text: str, /) -> Match | None: ...

    def fullmatch(self, text: str, /) -> Match | None: ...

    def finditer(self, text: str, /) -> Iterator[Match]: ...

    def findall(self, text: str, /) -> list[Any]: ...

    def sub(self, replacement: str, text: str, /) -> str: ...


class PatternError(ValueError):
    """A pattern RE2 cannot compile; the message says why and what to write instead."""


_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would also print each refusal to stderr

# What RE2's own refusals mean for someone who wrote a Python-style pattern.
_UNSUPPORTED = (
    (("(?=", "(?!"), "lookahead such as (?=...) or (?!...)"),
    (("(?<",), "lookbehind such as (?<=...) or (?<!...)"),
    (("(?P", "\\1", "\\2", "\\3", "\\4", "\\5", "\\6", "\\7", "\\8", "\\9"),
     "a backreference such as \\1 or (?P=name)"),
    (("(?>", "++", "*+", "?+"), "an atomic group or a possessive quantifier"),
    (("(?x",), "verbose mode (?x)"),
)


class Linear:
    """A pattern on RE2 that also reads text RE2 cannot encode: a file name that is not
    UTF-8, decoded with surrogateescape, holds lone surrogates.  Each is read as U+FFFD,
    one character for one, so positions in a match are those in the text."""

    __slots__ = ("_compiled",)

    def __init__(self, compiled: Any) -> None:
        self._compiled = compiled

    @property
    def pattern(self) -> str:
        return cast(str, self._compiled.pattern)

    def search(self, text: str, /) -> Match | None:
        return cast(Match | None, self._compiled.search(_encodable(text)))

    def match(self, text: str, /) -> Match | None:
        return cast(Match | None, self._compiled.match(_encodable(text)))

    def fullmatch(self, text: str, /) -> Match | None:
        return cast(Match | None, self._compiled.fullmatch(_encodable(text)))

    def finditer(self, text: str, /) -> Iterator[Match]:
        return cast(Iterator[Match], self._compiled.finditer(_encodable(text)))

    def findall(self, text: str, /) -> list[Any]:
        return cast(list[Any], self._compiled.findall(_encodable(text)))

    def sub(self, replacement: str, text: str, /) -> str:
        return cast(str, self._compiled.sub(replacement, _encodable(text)))


def _encodable(text: str) -> str:
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE.sub("\ufffd", text)
    return text


@lru_cache(maxsize=1024)
def compiled(pattern: str) -> Pattern:
    """`pattern` compiled for linear-time matching, or PatternError saying why not."""
    try:
        return Linear(re2.compile(pattern, _OPTIONS))
    except re2.error as exc:
        raise PatternError(_reason(exc)) from None


def checked(pattern: str, where: Where) -> Pattern:
    """`pattern` compiled, or the one-line problem at `where` (file and key)."""
    try:
        return compiled(pattern)
    except PatternError as exc:
        raise where.problem(str(exc)) from None


def compiled_or_none(pattern: str) -> Pattern | None:
    """`pattern` compiled, or None: for patterns in a repository, which a scan reads as
    far as it can rather than refusing."""
    try:
        return compiled(pattern)
    except PatternError:
        return None


def own(pattern: str) -> Pattern:
    """One of the scanner's own patterns that runs over repository text (the CI tool
    catalogue's, say): RE2 where RE2 can run it; the few that need lookaround stay on
    Python's `re`, and tests/collectors/ci/test_catalogue_linear.py and
    tests/test_builtin_patterns_linear.py run each over adversarial lines to show it
    stays linear.  RE2 reads `\\w`, `\\s`, `\\d` and `\\b` as ASCII and `$` as the very end."""
    linear = compiled_or_none(pattern)
    if linear is not None:
        return linear
    try:
        return cast(Pattern, re.compile(pattern))  # the same methods, typed more finely
    except re.error as exc:
        raise PatternError(f"not a valid regular expression: {exc}") from None


def re2_build_file() -> str:
    """The file of the RE2 build in use: which patterns it can run is its own."""
    return str(re2._re2.__file__)


def parses_linear(pattern: str) -> bool:
    """Whether RE2 can run `pattern`, told by parsing it alone: a tenth of the work of
    compiling it, for patterns mostly searched together (PatternSet) and compiled alone
    only where one is asked for."""
    try:
        re2.Set.SearchSet(_OPTIONS).Add(pattern)
    except re2.error:
        return False
    return True


class PatternSet:
    """Many RE2 patterns searched in one pass over a text. Each search through the
    binding pays for a call and an encoding of the text; a catalogue of hundreds of
    patterns over tens of thousands of command lines pays that once per line instead."""

    def __init__(self, sources: Iterable[str]) -> None:
        self._set = re2.Set.SearchSet(_OPTIONS)
        self.size = 0
        for source in sources:
            self._set.Add(source)
            self.size += 1
        self._set.Compile()

    def matching(self, texts: Iterable[str]) -> set[int]:
        """The positions (in the order added) of the patterns found in any of `texts`."""
        found: set[int] = set()
        for text in texts:
            found.update(self._set.Match(_encodable(text)) or ())  # None when none is found
        return found


def _reason(exc: Exception) -> str:
    detail = exc.args[0] if exc.args else ""
    text = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
    if "\\Z" in text:
        return "uses \\Z, which RE2 (the linear-time engine patterns run on) writes as \\z"
    feature = next((what for marks, what in _UNSUPPORTED if any(m in text for m in marks)), None)
    if feature:
        return (f"uses {feature}, which RE2 (the linear-time engine patterns run on) "
                "does not support; rewrite the pattern without it")
    return f"not a valid regular expression: {text}"
