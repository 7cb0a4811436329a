"""Boolean conditions in CI files, read as the triggers they admit.

Travis (`if: branch = main AND NOT type = cron`), Buildkite (`if:
build.tag != null || build.source == "ui"`) and Tekton Pipelines-as-Code
(`on-cel-expression: event == "push" && target_branch == "main"`) write when a
job runs as an expression.  Each system reads its own atoms (`branch = main`);
this module parses the `and` / `or` / `not` structure around them and combines
what the atoms say.

An atom says for which triggers it *may* be true and for which it is
*certainly* true.  `not` swaps the two, so negating an atom that could not be
read still admits everything, and negating `branch = main` admits every
trigger except a push to the main line.  Expressions are bounded in length
and depth; one that cannot be parsed narrows nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from scanner.lazy_patterns import lazy_compile

MAX_LENGTH = 4000
MAX_DEPTH = 32

AND, OR, NOT, OPEN, CLOSE = "&&", "||", "!", "(", ")"
_WORD_OPERATORS = {"and": AND, "or": OR, "not": NOT}
_WORD = lazy_compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class Admits:
    """The triggers for which a condition may be true, those for which it surely is,
    and those it names outright (`type = cron` names a schedule, `type != cron` too)."""

    possible: frozenset[str]
    certain: frozenset[str] = frozenset()
    named: frozenset[str] = frozenset()

    def negated(self, everything: frozenset[str]) -> Admits:
        return Admits(everything - self.certain, everything - self.possible, self.named)


Atom = Callable[[str], "Admits | None"]


class _Unreadable(Exception):
    pass


def admitted(expression: str, atom: Atom, everything: frozenset[str],
             usual: frozenset[str], words: bool = False) -> frozenset[str]:
    """The triggers an expression admits: those among the `usual` ones (what runs the
    pipeline when nothing narrows it) it may be true for, plus the unusual ones it
    names itself (`type = cron` admits a schedule even where schedules are set up
    outside the file).  `words` reads `AND` / `OR` / `NOT` as operators (Travis)."""
    try:
        tokens = _tokens(expression, words)
        evaluated, mentioned, end = _Evaluator(tokens, atom, everything).run()
    except (_Unreadable, RecursionError):
        return usual
    if end != len(tokens):
        return usual
    return (evaluated.possible & usual) | (evaluated.possible & mentioned)


def _tokens(text: str, words: bool) -> list[str]:
    """Operators, parentheses and atoms; an atom keeps its own brackets and quotes."""
    if len(text) > MAX_LENGTH:
        raise _Unreadable
    tokens: list[str] = []
    operand = True  # whether an operand (not an operator) comes next
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
            continue
        two = text[i:i + 2]
        word = _WORD.match(text, i) if words else None
        keyword = _WORD_OPERATORS.get(word[0].lower()) if word else None
        if two in (AND, OR):
            tokens.append(two)
            i, operand = i + 2, True
        elif keyword and (keyword == NOT) == operand:
            tokens.append(keyword)
            i = word.end() if word else i
            operand = True
        elif operand and char == "!" and text[i + 1:i + 2] not in ("=", "~"):
            tokens.append(NOT)
            i += 1
        elif operand and char == "(":
            tokens.append(OPEN)
            i += 1
        elif not operand and char == ")":
            tokens.append(CLOSE)
            i += 1
        elif operand:
            end = _atom_end(text, i, words)
            tokens.append(text[i:end].strip())
            i, operand = end, False
        else:
            raise _Unreadable
    return tokens


def _atom_end(text: str, start: int, words: bool) -> int:
    """Where an atom starting at `start` ends: at a top-level operator or closing bracket."""
    depth = 0
    quote = ""
    i = start
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 2
                continue
            if char == quote:
                quote = ""
            i += 1
            continue
        if char in "\"'":
            quote = char
        elif char == "/" and re.search(r"[=!]~\s*$", text[max(start, i - 8):i]):
            quote = "/"  # a regular expression literal after =~ or !~
        elif char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                return i
            depth -= 1
        elif depth == 0 and text[i:i + 2] in (AND, OR):
            return i
        elif depth == 0 and words and char.isspace():
            run_end = i
            while run_end < len(text) and text[run_end].isspace():
                run_end += 1
            word = _WORD.match(text, run_end)
            if word and word[0].lower() in ("and", "or"):
                return i
            i = run_end
            continue
        i += 1
    if quote and quote != "/":
        raise _Unreadable
    return i


class _Evaluator:
    """Recursive descent over the tokens: or-terms of and-terms of (negated) operands."""

    def __init__(self, tokens: list[str], atom: Atom, everything: frozenset[str]) -> None:
        self.tokens = tokens
        self.atom = atom
        self.everything = everything
        self.position = 0
        self.mentioned: set[str] = set()

    def run(self) -> tuple[Admits, frozenset[str], int]:
        result = self.disjunction(0)
        return result, frozenset(self.mentioned), self.position

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def disjunction(self, depth: int) -> Admits:
        parts = [self.conjunction(depth)]
        while self.peek() == OR:
            self.position += 1
            parts.append(self.conjunction(depth))
        return Admits(frozenset().union(*(p.possible for p in parts)),
                      frozenset().union(*(p.certain for p in parts)))

    def conjunction(self, depth: int) -> Admits:
        parts = [self.operand(depth)]
        while self.peek() == AND:
            self.position += 1
            parts.append(self.operand(depth))
        possible, certain = set(self.everything), set(self.everything)
        for part in parts:
            possible &= part.possible
            certain &= part.certain
        return Admits(frozenset(possible), frozenset(certain))

    def operand(self, depth: int) -> Admits:
        if depth > MAX_DEPTH:
            raise _Unreadable
        token = self.peek()
        if token is None or token in (AND, OR, CLOSE):
            raise _Unreadable
        self.position += 1
        if token == NOT:
            return self.operand(depth + 1).negated(self.everything)
        if token == OPEN:
            inner = self.disjunction(depth + 1)
            if self.peek() != CLOSE:
                raise _Unreadable
            self.position += 1
            return inner
        read = self.atom(token)
        if read is None:
            return Admits(self.everything)
        self.mentioned |= read.named
        return Admits(read.possible & self.everything, read.certain & self.everything)


def unquote(value: str) -> str:
    """A literal as written in a condition: quotes and regex slashes removed."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'/":
        return value[1:-1]
    return value
