"""What a Groovy statement says: its text, its arguments, and the shapes of a step call."""

from __future__ import annotations

from scanner.collectors.ci.jenkins.lexer import Stmt, Tok
from scanner.lazy_patterns import lazy_compile

_ESCAPE = lazy_compile(r"\\([\\'\"$])")


def render(toks: list[Tok]) -> str:
    """A statement as one line of text (strings keep their quotes, whitespace collapsed)."""
    out: list[str] = []
    previous: Tok | None = None
    for tok in toks:
        if tok.kind == "str":
            closing = "/$" if tok.quote == "$/" else tok.quote
            piece = tok.quote + " ".join(tok.text.split()) + closing
        elif tok.kind == "block":
            piece = "{…}"
        else:
            piece = tok.text
        if previous is not None and _spaced(previous, tok):
            out.append(" ")
        out.append(piece)
        previous = tok
    return "".join(out)


def _spaced(previous: Tok, tok: Tok) -> bool:
    if tok.kind == "op" and tok.text in (")", "]", ",", ".", "?.", ":", "*."):
        return False
    if previous.kind == "op" and previous.text in ("(", "[", ".", "?.", "*.", "@", "!"):
        return False
    opens = tok.kind == "op" and tok.text in ("(", "[")
    return not (opens and (previous.kind in ("id", "str") or previous.text in (")", "]")))


def arguments(toks: list[Tok], start: int) -> list[list[Tok]]:
    """Comma-separated arguments from `toks[start]` (`(...)` or a command expression)."""
    if start < len(toks) and toks[start].kind == "op" and toks[start].text == "(":
        end, depth = start, 0
        for end in range(start, len(toks)):
            if toks[end].text in ("(", "[") and toks[end].kind == "op":
                depth += 1
            elif toks[end].text in (")", "]") and toks[end].kind == "op":
                depth -= 1
                if depth == 0:
                    break
        inner = toks[start + 1:end]
    else:
        inner = toks[start:-1] if toks and toks[-1].kind == "block" else toks[start:]
    args: list[list[Tok]] = [[]]
    depth = 0
    for tok in inner:
        if tok.kind == "op" and tok.text in ("(", "["):
            depth += 1
        elif tok.kind == "op" and tok.text in (")", "]"):
            depth -= 1
        if tok.kind == "op" and tok.text == "," and depth == 0:
            args.append([])
            continue
        args[-1].append(tok)
    return [arg for arg in args if arg]


def named_argument(args: list[list[Tok]], name: str) -> list[Tok] | None:
    for arg in args:
        if len(arg) > 2 and arg[0].kind in ("id", "str") and arg[0].text == name and \
                arg[1].kind == "op" and arg[1].text == ":":
            return arg[2:]
    return None


def positional_arguments(args: list[list[Tok]]) -> list[list[Tok]]:
    return [arg for arg in args
            if not (len(arg) > 1 and arg[0].kind in ("id", "str") and arg[1].text == ":"
                    and arg[1].kind == "op")]


def first_string(toks: list[Tok] | None) -> Tok | None:
    return next((t for t in toks or [] if t.kind == "str"), None)


def string_of(stmt: Stmt, name: str = "") -> str:
    """The statement's first string argument (or the named one)."""
    args = arguments(stmt.toks, after_head(stmt))
    chosen = named_argument(args, name) if name else None
    if chosen is None:
        positional = positional_arguments(args)
        chosen = positional[0] if positional else None
    tok = first_string(chosen)
    return tok.text if tok else ""


def after_head(stmt: Stmt) -> int:
    index = 1
    toks = stmt.toks
    while index + 1 < len(toks) and toks[index].text in (".", "?.") and \
            toks[index + 1].kind == "id":
        index += 2
    return index


def blocks(toks: list[Tok]) -> list[list[Stmt]]:
    return [t.body for t in toks if t.kind == "block" and t.body is not None]


def unescape(line: str) -> str:
    return _ESCAPE.sub(r"\1", line)


def invokes(toks: list[Tok]) -> bool:
    """`step(...)`, `step 'text'`, `step key: value`, `a.b(...)`: the shape of a step call."""
    index = after_head(Stmt(toks))
    if index >= len(toks):
        return False
    following = toks[index]
    return following.kind == "str" or following.text == "(" or (
        following.kind == "id" and index + 1 < len(toks) and toks[index + 1].text == ":")


def waits_for_input(stmt: Stmt) -> bool:
    """An `input` step (`input 'Deploy?'`, `def ok = input(message: ...)`)."""
    toks = stmt.toks
    for position, tok in enumerate(toks[:-1]):
        if tok.kind == "id" and tok.text == "input" and \
                not (position > 0 and toks[position - 1].text in (".", "?.")) and \
                (toks[position + 1].kind in ("str", "id") or toks[position + 1].text == "("):
            return True
    return False


def dir_argument(stmt: Stmt) -> str | None:
    """The folder of `dir('path') { … }` (a literal path only)."""
    positional = positional_arguments(arguments(stmt.toks, after_head(stmt)))
    tok = first_string(positional[0]) if positional else None
    if tok is None or "$" in tok.text:
        return None
    return tok.text
