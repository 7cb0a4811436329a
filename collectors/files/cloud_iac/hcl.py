"""A small tolerant reader of HCL, the language of Terraform and OpenTofu files.

It reads blocks, `key = value` arguments, literal strings, numbers, lists and maps,
and respects strings, comments and heredocs; it does not evaluate.  A value it does
not read as a literal is a `Ref` (`local.tags`), a `Call` (`merge(…)`) or an `Expr`
(anything else), never a guess.  A line it cannot read is skipped, not an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.lazy_patterns import lazy_compile


@dataclass(frozen=True)
class _Token:
    kind: str  # ident, string, heredoc, number, op, nl
    text: str  # the name, the decoded string, the operator
    line: int
    start: int
    end: int
    literal: bool = True  # a string without ${…} or %{…}


@dataclass(frozen=True)
class Ref:
    """A reference such as `local.tags` or `data.aws_availability_zones.available.names`."""

    path: str


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Expr:
    """Anything this reader does not evaluate (templates, conditions, for expressions)."""

    raw: str


@dataclass(frozen=True)
class Attr:
    name: str
    line: int
    value: Any
    raw: str


@dataclass
class Block:
    """A block with its arguments and inner blocks (filled in as the parser reads)."""

    type: str
    labels: tuple[str, ...]
    line: int
    path: str
    attrs: dict[str, Attr] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def at(self, attr: Attr) -> str:
        return f"{self.path}:{attr.line}"

    def children(self, kind: str) -> list[Block]:
        return [b for b in self.blocks if b.type == kind]

    def walk(self) -> Iterator[Block]:
        pending = [self]
        while pending:
            block = pending.pop()
            yield block
            pending.extend(reversed(block.blocks))


_IDENT = lazy_compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_NUMBER = lazy_compile(r"\d+(\.\d+)?([eE][+-]?\d+)?")
_HEREDOC = lazy_compile(r"<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n")
_OPERATORS = ("...", "==", "!=", "<=", ">=", "&&", "||", "=>")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_OPEN = ("(", "[", "{")
_CLOSE = (")", "]", "}")


def _string(text: str, start: int) -> tuple[str, bool, int]:
    """A quoted string at `start`: (decoded text, literal?, end offset)."""
    parts: list[str] = []
    literal = True
    i, n = start + 1, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n:
            escaped = text[i + 1]
            if escaped in "uU":
                digits = 4 if escaped == "u" else 8
                code = text[i + 2:i + 2 + digits]
                try:
                    parts.append(chr(int(code, 16)))
                except ValueError:
                    parts.append(code)
                i += 2 + digits
            else:
                parts.append(_ESCAPES.get(escaped, escaped))
                i += 2
        elif c == '"':
            return "".join(parts), literal, i + 1
        elif c == "\n":
            return "".join(parts), literal, i  # unterminated: end at the line
        elif text.startswith(("$${", "%%{"), i):
            parts.append(text[i + 1:i + 3])
            i += 3
        elif text.startswith(("${", "%{"), i):
            literal = False
            end = _template_end(text, i + 2)
            parts.append(text[i:end])
            i = end
        else:
            parts.append(c)
            i += 1
    return "".join(parts), literal, n


def _template_end(text: str, i: int) -> int:
    """The offset after the `}` closing a `${` / `%{` that opened before `i`."""
    depth, n = 1, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i = _string(text, i)[2]
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def _lex(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, line, n = 0, 1, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            tokens.append(_Token("nl", "\n", line, i, i + 1))
            line += 1
            i += 1
        elif c in " \t\r\f\ufeff":
            i += 1
        elif c == "#" or text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            line += text.count("\n", i, end)
            i = end
        elif c == '"':
            value, literal, end = _string(text, i)
            tokens.append(_Token("string", value, line, i, end, literal))
            line += text.count("\n", i, end)
            i = end
        elif c == "<" and (heredoc := _HEREDOC.match(text, i)):
            marker = heredoc.group(1)
            body: list[str] = []
            position, end = heredoc.end(), n
            while position < n:
                stop = text.find("\n", position)
                stop = n if stop < 0 else stop
                current = text[position:stop]
                if current.strip() == marker:
                    end = stop
                    break
                body.append(current)
                position = stop + 1
            joined = "\n".join(body)
            tokens.append(_Token("heredoc", joined, line, i, end,
                                 "${" not in joined and "%{" not in joined))
            line += text.count("\n", i, end)
            i = end
        elif c.isdigit() and (number := _NUMBER.match(text, i)):
            tokens.append(_Token("number", number.group(), line, i, number.end()))
            i = number.end()
        elif ident := _IDENT.match(text, i):
            tokens.append(_Token("ident", ident.group(), line, i, ident.end()))
            i = ident.end()
        else:
            op = next((o for o in _OPERATORS if text.startswith(o, i)), c)
            tokens.append(_Token("op", op, line, i, i + len(op)))
            i += len(op)
    return tokens


def _is_op(token: _Token | None, *ops: str) -> bool:
    return token is not None and token.kind == "op" and token.text in ops


def _closing(tokens: Sequence[_Token], index: int) -> int:
    """The index of the bracket closing the one at `index` (len(tokens) if none)."""
    depth = 0
    for i in range(index, len(tokens)):
        if _is_op(tokens[i], *_OPEN):
            depth += 1
        elif _is_op(tokens[i], *_CLOSE):
            depth -= 1
            if depth == 0:
                return i
    return len(tokens)


def _split(tokens: Sequence[_Token], by_newline: bool) -> list[list[_Token]]:
    """Split on commas (and newlines, in objects) outside brackets; drop empty parts."""
    parts: list[list[_Token]] = [[]]
    depth = 0
    for token in tokens:
        if _is_op(token, *_OPEN):
            depth += 1
        elif _is_op(token, *_CLOSE):
            depth -= 1
        if depth == 0 and (_is_op(token, ",") or (token.kind == "nl" and by_newline)):
            parts.append([])
        elif not (token.kind == "nl" and depth == 0):
            parts[-1].append(token)
    return [part for part in parts if part]


def _raw(tokens: Sequence[_Token], text: str) -> str:
    return text[tokens[0].start:tokens[-1].end] if tokens else ""


def _value(tokens: Sequence[_Token], text: str) -> Any:
    """A literal value, a reference, a call, or `Expr` for anything else."""
    tokens = list(tokens)
    while tokens and tokens[0].kind == "nl":
        tokens.pop(0)
    while tokens and tokens[-1].kind == "nl":
        tokens.pop()
    raw = _raw(tokens, text)
    if not tokens:
        return Expr("")
    first = tokens[0]
    if len(tokens) == 1:
        if first.kind in ("string", "heredoc"):
            return first.text if first.literal else Expr(raw)
        if first.kind == "number":
            return float(first.text) if any(c in first.text for c in ".eE") else int(first.text)
        if first.kind == "ident":
            literals: dict[str, Any] = {"true": True, "false": False, "null": None}
            return literals[first.text] if first.text in literals else Ref(first.text)
        return Expr(raw)
    inner = tokens[1:-1]
    opening = next((t for t in inner if t.kind != "nl"), None)
    is_for = opening is not None and opening.kind == "ident" and opening.text == "for"
    if _is_op(first, "[") and _closing(tokens, 0) == len(tokens) - 1:
        return Expr(raw) if is_for else [_value(part, text) for part in _split(inner, False)]
    if _is_op(first, "{") and _closing(tokens, 0) == len(tokens) - 1:
        return Expr(raw) if is_for else _object(inner, text)
    if first.kind == "ident" and _is_op(tokens[1], "(") \
            and _closing(tokens, 1) == len(tokens) - 1:
        return Call(first.text, tuple(_value(part, text)
                                       for part in _split(tokens[2:-1], False)))
    if first.kind == "ident" and _is_traversal(tokens):
        return Ref(re.sub(r"\s+", "", raw))
    return Expr(raw)


def _object(tokens: Sequence[_Token], text: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for part in _split(tokens, True):
        equals = next((i for i, t in enumerate(part) if _is_op(t, "=", ":")), None)
        if not equals:
            continue
        key_tokens = part[:equals]
        if len(key_tokens) == 1 and key_tokens[0].kind in ("ident", "string") \
                and key_tokens[0].literal:
            key = key_tokens[0].text
        else:
            key = _raw(key_tokens, text)  # `(var.name)`, a template: not a literal key
        result[key] = _value(part[equals + 1:], text)
    return result


def _is_traversal(tokens: Sequence[_Token]) -> bool:
    i = 1
    while i < len(tokens):
        if _is_op(tokens[i], ".") and i + 1 < len(tokens) \
                and (tokens[i + 1].kind in ("ident", "number") or _is_op(tokens[i + 1], "*")):
            i += 2
        elif _is_op(tokens[i], "["):
            i = _closing(tokens, i) + 1
        else:
            return False
    return True


class _HclParser:
    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.tokens = _lex(text)
        self.pos = 0

    def parse(self) -> Block:
        root = Block("", (), 1, self.path)
        self._body(root, closing=False)
        return root

    def _body(self, block: Block, closing: bool) -> None:
        tokens = self.tokens
        while self.pos < len(tokens):
            token = tokens[self.pos]
            if token.kind == "nl":
                self.pos += 1
                continue
            if _is_op(token, "}"):
                self.pos += 1
                if closing:
                    return
                continue
            if token.kind == "ident":
                following = tokens[self.pos + 1] if self.pos + 1 < len(tokens) else None
                if _is_op(following, "="):
                    start = self.pos + 2
                    end = self._expression_end(start)
                    value_tokens = tokens[start:end]
                    block.attrs[token.text] = Attr(token.text, token.line,
                                                   _value(value_tokens, self.text),
                                                   _raw(value_tokens, self.text))
                    self.pos = end
                    continue
                j = self.pos + 1
                labels: list[str] = []
                while j < len(tokens) and tokens[j].kind in ("string", "ident"):
                    labels.append(tokens[j].text)
                    j += 1
                if j < len(tokens) and _is_op(tokens[j], "{"):
                    child = Block(token.text, tuple(labels), token.line, self.path)
                    self.pos = j + 1
                    self._body(child, closing=True)
                    block.blocks.append(child)
                    continue
            self.pos = self._expression_end(self.pos + 1)  # skip what cannot be read

    def _expression_end(self, start: int) -> int:
        """Where an expression starting at `start` ends: a newline or an unmatched closer."""
        depth = 0
        for i in range(start, len(self.tokens)):
            token = self.tokens[i]
            if _is_op(token, *_OPEN):
                depth += 1
            elif _is_op(token, *_CLOSE):
                if depth == 0:
                    return i
                depth -= 1
            elif token.kind == "nl" and depth == 0:
                return i
        return len(self.tokens)


def parse_hcl(text: str, path: str) -> Block:
    """The file's top-level blocks and arguments (tolerant: unreadable lines are skipped)."""
    return _HclParser(text, path).parse()

