"""Groovy read at the level of tokens and statements, not as a language.

A tokenizer that knows Groovy's comments and string forms (so a step inside a
comment is never evidence, and `//` inside a quoted URL is not a comment), then
statements and nested `{ }` blocks.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

MAX_NESTING = 128  # nested { } a file may have before it is refused
_CONTINUES_AFTER = frozenset({
    ",", ".", "?.", "*.", "=", "+", "-", "*", "/", "%", "&&", "||", "?", ":", "?:", "->", "==",
    "!=", "<<", "+=", "-=", "=~", "==~", "|", "&", "<", ">", "<=", ">=", "!", "(", "[",
})
_CONTINUES_BEFORE = frozenset({".", "?.", "*.", "&&", "||", "?", ":", "?:", "{"})
_SLASHY_AFTER = frozenset({
    "(", ",", ":", "=", "[", "{", ";", "!", "~", "==", "!=", "=~", "==~", "&&", "||", "?",
})
_OPERATORS = ("==~", "?.", "*.", "?:", "->", "==", "!=", "<=", ">=", "&&", "||", "=~", "<<",
              "+=", "-=", "++", "--", "**")
_PAIRS = {")": "(", "]": "["}


class GroovyError(ValueError):
    """Text this reader cannot make sense of; the message names the line."""


@dataclass
class Tok:
    kind: str  # id, str, num, op, nl, block
    text: str  # identifier, operator, or a string's raw content (escapes kept)
    line: int
    quote: str = ""
    body: list[Stmt] | None = None  # a block's statements


@dataclass
class Stmt:
    toks: list[Tok]

    @property
    def line(self) -> int:
        return self.toks[0].line

    @property
    def head(self) -> str:
        """`sh`, `stage`, `docker.image`: the identifier (chain) the statement starts with."""
        toks = self.toks
        if not toks or toks[0].kind != "id":
            return ""
        name, index = toks[0].text, 1
        while index + 1 < len(toks) and toks[index].text in (".", "?.") and \
                toks[index + 1].kind == "id":
            name += "." + toks[index + 1].text
            index += 2
        return name

    @property
    def block(self) -> list[Stmt] | None:
        """The statements of a trailing `{ }` block (`stage('x') { ... }`)."""
        last = self.toks[-1]
        return last.body if last.kind == "block" else None


# --- Tokens -------------------------------------------------------------------------------


def tokenize(text: str) -> list[Tok]:
    """Groovy tokens; comments dropped, strings kept whole with their starting line."""
    newlines = [index for index, char in enumerate(text) if char == "\n"]

    def line_at(offset: int) -> int:
        return bisect.bisect_right(newlines, offset - 1) + 1

    toks: list[Tok] = []
    i, n = 0, len(text)
    if text.startswith("#!"):
        i = text.find("\n") if "\n" in text else n
    while i < n:
        char = text[i]
        if char == "\n":
            if toks and toks[-1].kind != "nl":
                toks.append(Tok("nl", "\n", line_at(i)))
            i += 1
        elif char in " \t\r\f\ufeff":
            i += 1
        elif char == "\\" and text.startswith("\n", i + 1):
            i += 2  # an explicit line continuation
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise GroovyError(f"unterminated comment starting at line {line_at(i)}")
            if "\n" in text[i:end] and toks and toks[-1].kind != "nl":
                toks.append(Tok("nl", "\n", line_at(i)))
            i = end + 2
        elif char in "'\"":
            quote = text[i:i + 3] if text.startswith(("'''", '"""'), i) else char
            end = _string_end(text, i + len(quote), quote)
            if end < 0:
                raise GroovyError(f"unterminated string starting at line {line_at(i)}")
            toks.append(Tok("str", text[i + len(quote):end], line_at(i), quote))
            i = end + len(quote)
        elif text.startswith("$/", i):
            end = text.find("/$", i + 2)
            if end < 0:
                raise GroovyError(f"unterminated string starting at line {line_at(i)}")
            toks.append(Tok("str", text[i + 2:end], line_at(i), "$/"))
            i = end + 2
        elif char == "/" and _slashy_allowed(toks) and _slashy_end(text, i) > 0:
            end = _slashy_end(text, i)
            toks.append(Tok("str", text[i + 1:end], line_at(i), "/"))
            i = end + 1
        elif char.isalpha() or char in "_$":
            start = i
            while i < n and (text[i].isalnum() or text[i] in "_$"):
                i += 1
            toks.append(Tok("id", text[start:i], line_at(start)))
        elif char.isdigit():
            start = i
            while i < n and (text[i].isalnum() or text[i] in "._"):
                i += 1
            toks.append(Tok("num", text[start:i], line_at(start)))
        else:
            operator = next((op for op in _OPERATORS if text.startswith(op, i)), char)
            toks.append(Tok("op", operator, line_at(i)))
            i += len(operator)
    return toks


def _string_end(text: str, i: int, quote: str) -> int:
    """Index of the closing quote of a string whose content starts at `i`, or -1."""
    n = len(text)
    interpolating = quote in ('"', '"""')
    while i < n:
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if text.startswith(quote, i):
            return i
        if char == "\n" and len(quote) == 1:
            return -1
        if interpolating and text.startswith("${", i):
            i = _interpolation_end(text, i + 2)
            continue
        i += 1
    return -1


def _interpolation_end(text: str, i: int) -> int:
    """Index just after the `}` closing a `${` whose content starts at `i`."""
    depth, n = 1, len(text)
    while i < n:
        char = text[i]
        if char in "'\"":
            quote = text[i:i + 3] if text.startswith(("'''", '"""'), i) else char
            end = _string_end(text, i + len(quote), quote)
            if end < 0:
                break
            i = end + len(quote)
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise GroovyError("unterminated ${...} in a string")


def _slashy_allowed(toks: list[Tok]) -> bool:
    if not toks:
        return True
    last = toks[-1]
    return last.kind == "nl" or (last.kind == "op" and last.text in _SLASHY_AFTER) or \
        (last.kind == "id" and last.text == "return")


def _slashy_end(text: str, i: int) -> int:
    """Closing `/` of a slashy string on the same line, or -1 (then `/` is division)."""
    j = i + 1
    if j < len(text) and text[j] in "/*":
        return -1
    while j < len(text) and text[j] != "\n":
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == "/":
            return j if j > i + 1 else -1
        j += 1
    return -1


# --- Statements ---------------------------------------------------------------------------


def statements(toks: list[Tok]) -> list[Stmt]:
    """Statements and nested `{ }` blocks; raises GroovyError when brackets do not balance."""
    found, index = _statements(toks, 0, None, 0)
    if index < len(toks):
        raise GroovyError(f"unexpected '}}' at line {toks[index].line}")
    return found


def _statements(toks: list[Tok], i: int, opened: Tok | None,
                depth: int) -> tuple[list[Stmt], int]:
    if depth > MAX_NESTING:
        raise GroovyError(f"blocks nest more than {MAX_NESTING} deep at line {toks[i - 1].line}")
    found: list[Stmt] = []
    current: list[Tok] = []
    stack: list[Tok] = []
    while i < len(toks):
        tok = toks[i]
        if tok.kind == "op" and tok.text == "{":
            body, i = _statements(toks, i + 1, tok, depth + 1)
            current.append(Tok("block", "{", tok.line, body=body))
            following = toks[i] if i < len(toks) else None
            if not stack and following is not None and following.kind == "id" and \
                    following.text not in ("else", "catch", "finally"):
                found.append(Stmt(current))  # `when { ... } steps { ... }` on one line
                current = []
            continue
        if tok.kind == "op" and tok.text == "}":
            if stack:
                raise GroovyError(f"'{stack[-1].text}' at line {stack[-1].line} is not closed")
            if opened is None:
                raise GroovyError(f"unexpected '}}' at line {tok.line}")
            if current:
                found.append(Stmt(current))
            return found, i + 1
        if tok.kind == "op" and tok.text in "([":
            stack.append(tok)
        elif tok.kind == "op" and tok.text in ")]":
            if not stack or stack[-1].text != _PAIRS[tok.text]:
                raise GroovyError(f"unbalanced '{tok.text}' at line {tok.line}")
            stack.pop()
        elif tok.kind == "nl" or (tok.kind == "op" and tok.text == ";" and not stack):
            if not stack and current and not _continues(current, toks, i):
                found.append(Stmt(current))
                current = []
            i += 1
            continue
        current.append(tok)
        i += 1
    if stack:
        raise GroovyError(f"'{stack[-1].text}' at line {stack[-1].line} is not closed")
    if opened is not None:
        raise GroovyError(f"'{{' at line {opened.line} is not closed")
    if current:
        found.append(Stmt(current))
    return found, i


def _continues(current: list[Tok], toks: list[Tok], i: int) -> bool:
    """Whether the statement goes on past the newline at `toks[i]`."""
    last = current[-1]
    if last.kind == "op" and last.text in _CONTINUES_AFTER:
        return True
    ahead = i + 1
    while ahead < len(toks) and toks[ahead].kind == "nl":
        ahead += 1
    if ahead >= len(toks):
        return False
    following = toks[ahead]
    if following.kind == "op" and following.text in _CONTINUES_BEFORE:
        return True
    return following.kind == "id" and following.text in ("else", "catch", "finally") and \
        last.kind == "block"
