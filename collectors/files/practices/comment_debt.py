"""Debt in a source file's comments: TODO/FIXME/HACK/XXX markers and lint or type-check
suppressions, each counted with the first line that holds one."""

from __future__ import annotations

import re
from functools import cache

from scanner.lazy_patterns import lazy_compile

MARKER = lazy_compile(r"(?<!\w)(TODOs?|FIXME|HACK|XXX)(?!\w)|@todo\b"
                      r"|(?<!\w)(todo|fixme)(?=\s*[:(])")
# Plain substrings, checked before any regular expression runs over a whole file.
MARKER_HINTS = ("TODO", "FIXME", "HACK", "XXX", "todo", "fixme")
SUPPRESSION_HINTS = ("noqa", "NOQA", "NoQA", "ignore", "disable", "nolint", "NOLINT", "allow(",
                     "Suppress", "NOSONAR", "nosec", "nosemgrep", "phpcs:", "@phpstan")
SUPPRESSION = lazy_compile(
    r"(?i:#\s*noqa\b)|#\s*type:\s*ignore\b|#\s*pyright:\s*ignore\b|#\s*pylint:\s*disable"
    r"|(//|/\*)\s*eslint-disable|@ts-ignore\b|@ts-expect-error\b|@ts-nocheck\b"
    r"|//\s*nolint\b|//\s*NOLINT|#!?\[allow\(|@SuppressWarnings\b|@Suppress\(|@SuppressLint\b"
    r"|\bNOSONAR\b|#\s*rubocop:\s*disable|(#|//)\s*nosec\b|(#|//)\s*nosemgrep\b"
    r"|#pragma\s+warning\s+disable|//\s*swiftlint:disable|phpcs:(ignore|disable)"
    r"|@phpstan-ignore|//\s*biome-ignore")
_C_TOKENS = ("//", "/*")
_COMMENT_TOKENS: dict[str, tuple[str, ...]] = {
    **{suffix: _C_TOKENS for suffix in (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".go",
                                        ".java", ".kt", ".rs", ".cs", ".c", ".cc", ".cpp", ".h",
                                        ".hpp", ".swift", ".scala", ".dart")},
    **{suffix: ("#",) for suffix in (".py", ".rb", ".ex", ".exs")},
    ".php": ("//", "/*", "#"),
    ".tf": ("#", "//", "/*"),
    ".vue": ("//", "/*", "<!--"),
    ".m": ("//", "/*", "%"),
    ".lua": ("--",),
    ".clj": (";",),
}
_QUOTES_BY_SUFFIX = {".rs": '"', ".clj": '"', ".js": "\"'`", ".jsx": "\"'`", ".mjs": "\"'`",
                     ".cjs": "\"'`", ".ts": "\"'`", ".tsx": "\"'`", ".vue": "\"'`", ".go": "\"'`"}


def count_markers(text: str, suffix: str) -> tuple[int, int]:
    """Markers inside comments, and the first line holding one (0 when none).

    One regular expression per language finds comments and string literals in a
    single pass (strings are matched so that a marker or comment token inside a
    string is skipped); only the comments are searched for markers.
    """
    total = first_at = 0
    first = -1
    for match in _lexer(suffix).finditer(text):
        if match.lastgroup != "comment":
            continue
        found = len(MARKER.findall(match.group()))
        if found:
            total += found
            if first < 0:
                inner = MARKER.search(match.group())
                first = match.start() + (inner.start() if inner else 0)
    if first >= 0:
        first_at = text.count("\n", 0, first) + 1
    return total, first_at


_STRINGS = {
    "double": r'"(?:\\.|[^"\\\n])*"',
    "single": r"'(?:\\.|[^'\\\n])*'",
    "backtick": r"`[^`]*`",
    "triple": r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'',
}
_COMMENTS = {
    "//": r"//[^\n]*", "/*": r"/\*[\s\S]*?(?:\*/|$)", "#": r"#[^\n]*", "--": r"--[^\n]*",
    ";": r";[^\n]*", "%": r"%[^\n]*", "<!--": r"<!--[\s\S]*?(?:-->|$)",
}


@cache
def _lexer(suffix: str) -> re.Pattern[str]:
    tokens = _COMMENT_TOKENS.get(suffix, _C_TOKENS)
    quotes = _QUOTES_BY_SUFFIX.get(suffix, "\"'")
    strings = []
    if suffix == ".py":
        strings.append(_STRINGS["triple"])
    strings += [_STRINGS[name] for mark, name in (('"', "double"), ("'", "single"),
                                                   ("`", "backtick")) if mark in quotes]
    comments = "|".join(_COMMENTS[token] for token in tokens)
    return re.compile(f"(?P<string>{'|'.join(strings)})|(?P<comment>{comments})")


def count_suppressions(text: str) -> tuple[int, int]:
    """Suppression comments, and the first line holding one (0 when none).

    The full pattern only runs on lines where a plain substring search (fast)
    found a hint; over a large C code base that is the difference between
    seconds and milliseconds.
    """
    starts: set[int] = set()
    for hint in SUPPRESSION_HINTS:
        at = text.find(hint)
        while at >= 0:
            starts.add(text.rfind("\n", 0, at) + 1)
            at = text.find(hint, at + len(hint))
    total, first = 0, -1
    for start in sorted(starts):
        end = text.find("\n", start)
        found = sum(1 for _ in SUPPRESSION.finditer(text, start, end if end >= 0 else len(text)))
        if found:
            total += found
            first = start if first < 0 else first
    return total, (text.count("\n", 0, first) + 1 if first >= 0 else 0)
