"""When a GitLab CI job runs: `rules:`, `only:` and `workflow: rules`, read as triggers.

Read conservatively: an `if:` this reading does not understand admits what the
job would run on without it.
"""

from __future__ import annotations

from typing import Any

from scanner.collectors.ci.model import (
    DEFAULT_BRANCH,
    MANUAL,
    OTHER,
    PULL_REQUEST,
    PUSH,
    SCHEDULE,
    TAG,
    scalar_text,
)
from scanner.lazy_patterns import lazy_compile

ANY_REF = frozenset({PUSH, DEFAULT_BRANCH, TAG})
MAIN_LINE = lazy_compile(r"^(main|master|trunk|develop|stable|production|prod|release.*)$")

_SOURCE_TRIGGERS = {
    "merge_request_event": frozenset({PULL_REQUEST}),
    "external_pull_request_event": frozenset({PULL_REQUEST}),
    "schedule": frozenset({SCHEDULE}),
    "push": ANY_REF,
    "web": frozenset({MANUAL}),
    "api": frozenset({OTHER}),
    "trigger": frozenset({OTHER}),
    "pipeline": frozenset({OTHER}),
    "parent_pipeline": frozenset({OTHER}),
    "chat": frozenset({MANUAL}),
}
_ONLY_REFS = {
    "branches": frozenset({PUSH, DEFAULT_BRANCH}),
    "tags": frozenset({TAG}),
    "merge_requests": frozenset({PULL_REQUEST}),
    "schedules": frozenset({SCHEDULE}),
    "web": frozenset({MANUAL}),
    "api": frozenset({OTHER}),
    "triggers": frozenset({OTHER}),
    "pipelines": frozenset({OTHER}),
    "external_pull_requests": frozenset({PULL_REQUEST}),
}
_COMPARISON = lazy_compile(
    r"\$(?P<var>[A-Z_]+)\s*(?P<op>==|!=|=~|!~)\s*(?P<rhs>\$[A-Z_]+|\"[^\"]*\"|'[^']*'|/[^/]*/|null)"
)
_BARE_VARIABLE = lazy_compile(r"^\s*\$(?P<var>[A-Z_]+)\s*$")


def _atom(var: str, op: str, rhs: str) -> frozenset[str] | None:
    """The triggers one comparison in a rule's `if:` admits; None if it says nothing."""
    value = rhs.strip("\"'/")
    negated = op in ("!=", "!~")
    if var == "CI_PIPELINE_SOURCE":
        admitted = _SOURCE_TRIGGERS.get(value)
        if admitted is None:
            return None
        if negated:
            return frozenset(ANY_REF | {PULL_REQUEST, SCHEDULE} - admitted)
        return admitted
    if negated:
        return None
    if var.startswith("CI_MERGE_REQUEST_"):
        return frozenset({PULL_REQUEST})
    if var == "CI_COMMIT_TAG":
        return None if rhs == "null" else frozenset({TAG})
    if var in ("CI_COMMIT_BRANCH", "CI_COMMIT_REF_NAME", "CI_COMMIT_REF_SLUG"):
        # Branch pipelines: pushes, and schedules (which run on a branch too).
        if rhs == "$CI_DEFAULT_BRANCH" or MAIN_LINE.match(value):
            return frozenset({DEFAULT_BRANCH, SCHEDULE})
        return frozenset({PUSH, DEFAULT_BRANCH, SCHEDULE})
    if var == "CI_COMMIT_REF_PROTECTED" and value == "true":
        return frozenset({DEFAULT_BRANCH, TAG})
    return None


def if_triggers(expression: str, default: frozenset[str]) -> frozenset[str]:
    """Triggers a rule's `if:` admits, read conservatively (unknown -> default)."""
    admitted: set[str] = set()
    for disjunct in expression.split("||"):
        allowed = set(default)
        for part in disjunct.split("&&"):
            bare = _BARE_VARIABLE.match(part.strip("() "))
            if bare:
                atom = _atom(bare["var"], "=~", "/.+/") if bare["var"] != "CI_COMMIT_TAG" \
                    else frozenset({TAG})
            else:
                match = _COMPARISON.search(part)
                atom = _atom(match["var"], match["op"], match["rhs"]) if match else None
            if atom is not None:
                allowed = (allowed & atom) if (allowed & atom) else set(atom)
        admitted |= allowed
    return frozenset(admitted)


def rules_triggers(rules: Any, default: frozenset[str]) -> frozenset[str]:
    """Triggers admitted by a `rules:` list; empty when every rule says `when: never`."""
    admitted: set[str] = set()
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, dict):
            continue
        when = scalar_text(rule.get("when", "on_success"))
        if when == "never":
            continue
        if when == "manual":
            admitted.add(MANUAL)
            continue
        expression = rule.get("if")
        admitted |= if_triggers(expression, default) if isinstance(expression, str) else default
    return frozenset(admitted)


def only_triggers(only: Any) -> frozenset[str]:
    refs = only.get("refs") if isinstance(only, dict) else only
    if isinstance(refs, str):
        refs = [refs]
    if not isinstance(refs, list):
        return ANY_REF
    admitted: set[str] = set()
    for ref in refs:
        name = scalar_text(ref)
        if name in _ONLY_REFS:
            admitted |= _ONLY_REFS[name]
        elif MAIN_LINE.match(name.strip("/^$")):
            admitted.add(DEFAULT_BRANCH)
        else:
            admitted |= {PUSH, DEFAULT_BRANCH}
    return frozenset(admitted)
