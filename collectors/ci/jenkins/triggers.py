"""When Jenkins builds: what a multibranch project builds, and how `when` and `if`
conditions about the branch, change request or tag narrow it."""

from __future__ import annotations

import re

from scanner import patterns
from scanner.collectors.ci.github_actions import MAIN_LINE_BRANCH
from scanner.collectors.ci.model import (
    DEFAULT_BRANCH,
    MANUAL,
    PULL_REQUEST,
    PUSH,
    TAG,
    combine_triggers,
)
from scanner.lazy_patterns import lazy_compile

# A multibranch project builds every branch push and change request; tags when discovered.
MULTIBRANCH = frozenset({PUSH, DEFAULT_BRANCH, PULL_REQUEST, TAG})
EVERY_BRANCH = frozenset({PUSH, DEFAULT_BRANCH})
# `pipelineTriggers([cron('H 4 * * *')])`.  On RE2: in Python's `re` each
# `pipelineTriggers` scans to the end of the line, quadratic over a long one.
SCHEDULED = patterns.own(r"\bpipelineTriggers\b.*\bcron\(\s*['\"][^'\"]")


def branch_triggers(pattern: str, regex: bool = False) -> frozenset[str]:
    """What a branch name pattern (glob, or regex) selects among branch builds."""
    text = pattern.strip()
    if regex:
        text = text.removeprefix("^").removesuffix("$")
        if text in ("", ".*", ".+"):
            return EVERY_BRANCH
        if text.startswith("(") and text.endswith(")"):
            text = text[1:-1]
        alternatives = [part.replace("\\", "") for part in text.split("|")]
    else:
        if text in ("", "*", "**"):
            return EVERY_BRANCH
        braces = re.fullmatch(r"\{([^{}]*)\}", text)
        alternatives = braces.group(1).split(",") if braces else [text]
    if all(alt.upper().startswith("PR-") for alt in alternatives):
        return frozenset({PULL_REQUEST})  # multibranch names change requests PR-<n>
    if all(MAIN_LINE_BRANCH.match(alt.strip()) for alt in alternatives):
        return frozenset({DEFAULT_BRANCH})
    return frozenset({PUSH})


_BRANCH_EQUALS = lazy_compile(
    r"\b(?:env\.)?(?:BRANCH_NAME|GIT_BRANCH)\s*==\s*(['\"])([^'\"]+)\1"
    r"|(['\"])([^'\"]+)\3\s*==\s*(?:env\.)?(?:BRANCH_NAME|GIT_BRANCH)\b")
_BRANCH_MATCHES = lazy_compile(r"\b(?:env\.)?BRANCH_NAME\s*==?~\s*/([^/]+)/")
_BRANCH_STARTS = lazy_compile(r"\b(?:env\.)?BRANCH_NAME\??\.startsWith\(\s*(['\"])([^'\"]+)\1")
_NO_CHANGE = lazy_compile(r"!\s*(?:env\.)?CHANGE_ID\b|\b(?:env\.)?CHANGE_ID\s*==\s*null\b")
_CHANGE = lazy_compile(r"\b(?:env\.)?CHANGE_(?:ID|TARGET|BRANCH)\b")
_TAG = lazy_compile(r"\b(?:env\.)?TAG_NAME\b|\bbuildingTag\(\)")


def expression_triggers(text: str, base: frozenset[str]) -> frozenset[str] | None:
    """Triggers a Groovy condition admits, read conservatively (None: it says nothing)."""
    if "||" in text:
        return None
    atoms: list[frozenset[str]] = []
    for match in _BRANCH_EQUALS.finditer(text):
        name = match.group(2) or match.group(4)
        before = text[:match.start()].rstrip()
        if not before.endswith("!"):
            atoms.append(branch_triggers(name))
    atoms += [branch_triggers(m.group(1), regex=True) for m in _BRANCH_MATCHES.finditer(text)]
    atoms += [branch_triggers(m.group(2) + "*") for m in _BRANCH_STARTS.finditer(text)]
    if _NO_CHANGE.search(text):
        atoms.append(base - {PULL_REQUEST})
    elif _CHANGE.search(text):
        atoms.append(frozenset({PULL_REQUEST}))
    if _TAG.search(text) and "!" not in text:
        atoms.append(frozenset({TAG}))
    return combine_triggers("and", atoms, base)  # None where no atom speaks


def gated(triggers: frozenset[str], gate: frozenset[str] | None) -> frozenset[str]:
    """A stage after a manual one runs, where the gate applies, only once a person approves."""
    if gate is None or not triggers & gate:
        return triggers
    return frozenset((triggers - gate) | {MANUAL})
