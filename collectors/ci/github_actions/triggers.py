"""When a GitHub Actions workflow runs: its `on:` events and their branch and tag
filters, read as triggers.

`MAIN_LINE_BRANCH` (the names a main line goes by) serves the other CI readers too.
"""

from __future__ import annotations

import re
from typing import Any

from scanner.collectors.ci.model import (
    DEFAULT_BRANCH,
    MANUAL,
    OTHER,
    PULL_REQUEST,
    PUSH,
    RELEASE,
    SCHEDULE,
    TAG,
    scalar_text,
)
from scanner.lazy_patterns import lazy_compile

MAIN_LINE_BRANCH = lazy_compile(
    r"^(main|master|trunk|develop|development|dev|stable|default|prod|production|"
    r"release[s]?([/_-].*)?|hotfix[/_-].*|v?\d[\w.*-]*)$", re.IGNORECASE)

_EVENT_TRIGGERS = {
    "pull_request": PULL_REQUEST,
    "pull_request_target": PULL_REQUEST,
    "merge_group": PULL_REQUEST,
    "schedule": SCHEDULE,
    "workflow_dispatch": MANUAL,
    "release": RELEASE,
}


def push_triggers(filters: Any) -> set[str]:
    """What a `push` event means, given its branch and tag filters."""
    if not isinstance(filters, dict):
        return {PUSH, DEFAULT_BRANCH, TAG}
    branches = filters.get("branches")
    has_tags = "tags" in filters or "tags-ignore" in filters
    if branches is None and "branches-ignore" not in filters:
        return {TAG} if has_tags else {PUSH, DEFAULT_BRANCH, TAG}
    triggers = {TAG} if has_tags else set()
    patterns = [scalar_text(b) for b in branches] if isinstance(branches, list) else \
        [scalar_text(branches)] if branches is not None else ["*"]
    if all(MAIN_LINE_BRANCH.match(p) for p in patterns):
        triggers.add(DEFAULT_BRANCH)
    else:
        triggers |= {PUSH, DEFAULT_BRANCH}
    return triggers


def workflow_triggers(on: Any) -> frozenset[str]:
    events: dict[str, Any]
    if isinstance(on, str):
        events = {on: None}
    elif isinstance(on, list):
        events = {scalar_text(e): None for e in on}
    elif isinstance(on, dict):
        events = {scalar_text(k): val for k, val in on.items()}
    else:
        return frozenset()
    triggers: set[str] = set()
    for event, filters in events.items():
        if event == "push":
            triggers |= push_triggers(filters)
        elif event == "workflow_call":
            continue  # a reusable workflow runs with its caller's triggers
        else:
            triggers.add(_EVENT_TRIGGERS.get(event, OTHER))
    return frozenset(triggers)
