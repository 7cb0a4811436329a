"""When an Azure pipeline runs: its `trigger:`, `pr:`, `schedules:` and resource
triggers, branch include / exclude patterns read as pushes to the main line or to
other branches."""

from __future__ import annotations

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
    scalar_text,
)
from scanner.yaml_source import LineDict

EVERY_BRANCH = frozenset({PUSH, DEFAULT_BRANCH})
# A key left out, told apart from one written empty (`trigger:` alone means none).
MISSING = object()


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
