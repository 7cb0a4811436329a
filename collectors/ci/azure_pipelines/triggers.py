"""When an Azure pipeline runs: its `trigger:`, `pr:`, `schedules:` and resource
triggers, branch include / exclude patterns read as pushes to the main line or to
other branches; and how expressions (`condition:`, `${{ if }}`) narrow that for a
stage, job or step: `and(succeeded(), eq(variables['Build.Reason'], 'PullRequest'))`
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
    scalar_text,
)
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import LineDict

EVERY_BRANCH = frozenset({PUSH, DEFAULT_BRANCH})
# A key left out, told apart from one written empty (`trigger:` alone means none).
MISSING = object()
_REASONS = {
    "pullrequest": frozenset({PULL_REQUEST}),
    "schedule": frozenset({SCHEDULE}),
    "manual": frozenset({MANUAL}),
    "individualci": frozenset({PUSH, DEFAULT_BRANCH, TAG}),
    "batchedci": frozenset({PUSH, DEFAULT_BRANCH, TAG}),
    "resourcetrigger": frozenset({OTHER}),
    "buildcompletion": frozenset({OTHER}),
}
_TOKEN = lazy_compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>[(),])|"
                      r"(?P<name>[A-Za-z_$][\w.$\-]*(?:\[\s*'[^']*'\s*\][\w.\-]*)*)|"
                      r"(?P<num>-?\d[\d.]*))")


def _strip_ref(pattern: str) -> str:
    return pattern.strip().removeprefix("refs/heads/")


def branch_list_triggers(include: list[str], exclude: list[str]) -> frozenset[str]:
    """What branch include / exclude patterns admit among pushes."""
    admitted: set[str] = set()
    names = [_strip_ref(p) for p in include]
    if any(p.startswith("refs/tags/") for p in names):
        admitted.add(TAG)
    branches = [p for p in names if not p.startswith("refs/")]
    if any(p in ("*", "**") for p in branches):
        admitted |= EVERY_BRANCH
    elif branches and all(MAIN_LINE_BRANCH.match(p) for p in branches):
        admitted.add(DEFAULT_BRANCH)
    elif branches:
        admitted |= {PUSH} if not any(MAIN_LINE_BRANCH.match(p) for p in branches) \
            else EVERY_BRANCH
    if any(MAIN_LINE_BRANCH.match(_strip_ref(p)) and "*" not in p for p in exclude):
        admitted.discard(DEFAULT_BRANCH)
    return frozenset(admitted)


def texts(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value] if value is not None else []
    return [scalar_text(item) for item in items if scalar_text(item)]


def ci_triggers(trigger: Any) -> frozenset[str]:
    """The `trigger:` section: pushes to branches (and tags)."""
    if trigger is MISSING:
        return EVERY_BRANCH  # no trigger: every branch
    if trigger is None or (isinstance(trigger, str) and trigger.strip().lower() == "none"):
        return frozenset()
    if isinstance(trigger, list | str):
        return branch_list_triggers(texts(trigger), [])
    if not isinstance(trigger, dict):
        return EVERY_BRANCH
    admitted: set[str] = set()
    branches = trigger.get("branches")
    tags = trigger.get("tags")
    if isinstance(branches, dict):
        include = texts(branches.get("include")) or (["*"] if "exclude" in branches else [])
        admitted |= branch_list_triggers(include, texts(branches.get("exclude")))
    elif isinstance(branches, list):
        admitted |= branch_list_triggers(texts(branches), [])
    elif tags is None:
        admitted |= EVERY_BRANCH  # only `batch:` or `paths:`
    if (isinstance(tags, dict) and texts(tags.get("include"))) or \
            (isinstance(tags, list) and tags):
        admitted.add(TAG)
    return frozenset(admitted)


def pipeline_triggers(data: LineDict) -> frozenset[str]:
    triggers = set(ci_triggers(data.get("trigger", MISSING)))
    pr = data.get("pr", MISSING)
    if pr is MISSING or not (pr is None or (isinstance(pr, str) and pr.strip() == "none")):
        triggers.add(PULL_REQUEST)  # GitHub and Bitbucket repositories; Azure Repos use policies
    schedules = data.get("schedules")
    if isinstance(schedules, list) and schedules:
        triggers.add(SCHEDULE)
    resources = data.get("resources")
    for kind in ("pipelines", "repositories", "containers", "builds", "packages", "webhooks"):
        items = resources.get(kind) if isinstance(resources, dict) else None
        for item in items if isinstance(items, list) else []:
            trigger = item.get("trigger") if isinstance(item, dict) else None
            if trigger not in (None, False, "none") or (kind == "webhooks" and item):
                triggers.add(OTHER)
    if not triggers:
        triggers.add(MANUAL)  # no trigger at all: the pipeline runs when someone queues it
    return frozenset(triggers)


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
