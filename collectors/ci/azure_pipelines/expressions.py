"""Azure Pipelines expressions (`condition:`, `${{ if }}`) read for what they say about
when a job runs: `and(succeeded(), eq(variables['Build.Reason'], 'PullRequest'))`
parsed into nested tuples, then judged conservatively (None: it says nothing)."""

from __future__ import annotations

import re
from typing import Any

from scanner.collectors.ci.github_actions import MAIN_LINE_BRANCH
from scanner.collectors.ci.model import (
    DEFAULT_BRANCH,
    MANUAL,
    OTHER,
    PULL_REQUEST,
    PUSH,
    SCHEDULE,
    TAG,
    combine_triggers,
)

_REASONS = {
    "pullrequest": frozenset({PULL_REQUEST}),
    "schedule": frozenset({SCHEDULE}),
    "manual": frozenset({MANUAL}),
    "individualci": frozenset({PUSH, DEFAULT_BRANCH, TAG}),
    "batchedci": frozenset({PUSH, DEFAULT_BRANCH, TAG}),
    "resourcetrigger": frozenset({OTHER}),
    "buildcompletion": frozenset({OTHER}),
}
_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>[(),])|"
                    r"(?P<name>[A-Za-z_$][\w.$\-]*(?:\[\s*'[^']*'\s*\][\w.\-]*)*)|"
                    r"(?P<num>-?\d[\d.]*))")


def _expression(text: str) -> Any:
    """`and(succeeded(), eq(variables['Build.Reason'], 'PullRequest'))` as nested tuples."""
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            if text[position:].strip():
                raise ValueError("not an expression")
            break
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    parsed, index = _parse(tokens, 0)
    if index != len(tokens):
        raise ValueError("trailing text")
    return parsed


def _parse(tokens: list[tuple[str, str]], index: int) -> tuple[Any, int]:
    if index >= len(tokens):
        raise ValueError("unexpected end")
    kind, value = tokens[index]
    if kind == "str":
        return ("str", value[1:-1].replace("''", "'")), index + 1
    if kind == "num":
        return ("str", value), index + 1
    if kind != "name":
        raise ValueError("unexpected token")
    if index + 1 < len(tokens) and tokens[index + 1] == ("op", "("):
        args: list[Any] = []
        index += 2
        while index < len(tokens) and tokens[index] != ("op", ")"):
            arg, index = _parse(tokens, index)
            args.append(arg)
            if index < len(tokens) and tokens[index] == ("op", ","):
                index += 1
        return ("call", value.lower(), args), index + 1
    return ("var", _variable(value)), index + 1


def _variable(name: str) -> str:
    bracket = re.fullmatch(r"variables\[\s*'([^']*)'\s*\]", name)
    if bracket:
        return bracket.group(1).lower()
    return name.removeprefix("variables.").lower()


def condition_triggers(text: str, base: frozenset[str]) -> frozenset[str] | None:
    """Triggers a `condition:` (or `${{ if }}`) admits, read conservatively."""
    try:
        tree = _expression(text.strip())
    except ValueError:
        return None
    return _evaluate(tree, base)


def _evaluate(node: Any, base: frozenset[str]) -> frozenset[str] | None:
    if not isinstance(node, tuple) or node[0] != "call":
        return None
    _, name, args = node
    if name in ("and", "or"):
        return combine_triggers(name, [_evaluate(arg, base) for arg in args], base)
    if name == "not" and len(args) == 1:
        inner = args[0]
        if isinstance(inner, tuple) and inner[0] == "call" and inner[1] == "eq" and \
                _reason(inner[2]) is not None:
            return frozenset(base - (_reason(inner[2]) or frozenset()))
        return None
    if name in ("eq", "ne", "in", "notin", "startswith") and len(args) >= 2:
        return _comparison(name, args, base)
    return None


def _operands(args: list[Any]) -> tuple[str, list[str]] | None:
    variables = [a[1] for a in args if isinstance(a, tuple) and a[0] == "var"]
    values = [a[1] for a in args if isinstance(a, tuple) and a[0] == "str"]
    if len(variables) != 1 or not values:
        return None
    return variables[0], values


def _reason(args: list[Any]) -> frozenset[str] | None:
    operands = _operands(args)
    if operands is None or operands[0] != "build.reason":
        return None
    found = [_REASONS.get(value.lower()) for value in operands[1]]
    return frozenset(set().union(*[f for f in found if f])) if all(found) else None


def _comparison(name: str, args: list[Any], base: frozenset[str]) -> frozenset[str] | None:
    operands = _operands(args)
    if operands is None:
        return None
    variable, values = operands
    if variable == "build.reason":
        reasons = _reason(args)
        if reasons is None or name == "startswith":
            return None
        return reasons if name in ("eq", "in") else frozenset(base - reasons)
    if name in ("ne", "notin"):
        return None  # "not this branch" says little about when a job runs
    if variable in ("build.sourcebranch", "build.sourcebranchname"):
        admitted: set[str] = set()
        for value in values:
            ref = value if variable == "build.sourcebranch" else "refs/heads/" + value
            if ref.startswith("refs/tags/"):
                admitted.add(TAG)
            elif ref.startswith("refs/pull/"):
                admitted.add(PULL_REQUEST)
            elif ref.startswith("refs/heads/"):
                branch = ref.removeprefix("refs/heads/") + ("*" if name == "startswith" else "")
                admitted |= {DEFAULT_BRANCH} if MAIN_LINE_BRANCH.match(branch) else {PUSH}
            else:
                return None
        return frozenset(admitted)
    if variable.startswith("system.pullrequest."):
        return frozenset({PULL_REQUEST})
    return None
