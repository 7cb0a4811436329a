"""When a CircleCI workflow entry runs: branch and tag filters, and a workflow's
`triggers:`, `when:` and `unless:`, read as triggers.

CircleCI builds pull requests as branch builds, so an unfiltered entry runs on every
push; it builds tags only for entries whose filter names them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.collectors.ci.github_actions import MAIN_LINE_BRANCH
from scanner.collectors.ci.model import (
    DEFAULT_BRANCH,
    OTHER,
    PUSH,
    SCHEDULE,
    TAG,
    combine_triggers,
    scalar_text,
)
from scanner.lazy_patterns import lazy_compile

EVERY_BRANCH = frozenset({PUSH, DEFAULT_BRANCH})
_PIPELINE_PARAMETER = lazy_compile(r"^\s*<<\s*pipeline\.parameters\.([\w-]+)\s*>>\s*$")
_BRANCH_EXPRESSION = lazy_compile(r"pipeline\.git\.branch\s*==\s*\"([^\"]+)\"")


def _patterns(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value] if value is not None else []
    return [scalar_text(item) for item in items if scalar_text(item)]


def _is_regex(pattern: str) -> bool:
    return len(pattern) > 1 and pattern.startswith("/") and pattern.endswith("/")


def _main_line(pattern: str) -> bool:
    if _is_regex(pattern):
        body = pattern[1:-1].removeprefix("^").removesuffix("$").strip("()")
        return all(MAIN_LINE_BRANCH.match(part.replace("\\", "")) for part in body.split("|"))
    return bool(MAIN_LINE_BRANCH.match(pattern))


def _matches_everything(pattern: str) -> bool:
    return pattern in ("/.*/", "/.+/", "/^.*$/", "/^.+$/")


def branch_triggers(filters: Any) -> frozenset[str]:
    """What a workflow entry's branch filter admits among branch pushes."""
    branches = filters.get("branches") if isinstance(filters, dict) else None
    if not isinstance(branches, dict):
        return EVERY_BRANCH
    only = _patterns(branches.get("only"))
    ignore = _patterns(branches.get("ignore"))
    if only:
        if any(_matches_everything(p) for p in only):
            admitted = set(EVERY_BRANCH)
        elif all(_main_line(p) for p in only):
            admitted = {DEFAULT_BRANCH}
        else:
            admitted = {PUSH} if not any(_main_line(p) for p in only) else set(EVERY_BRANCH)
    else:
        admitted = set(EVERY_BRANCH)
    if any(_matches_everything(p) for p in ignore):
        return frozenset()
    if any(_main_line(p) and not _is_regex(p) for p in ignore):
        admitted.discard(DEFAULT_BRANCH)
    return frozenset(admitted)


def tag_triggers(filters: Any) -> frozenset[str]:
    """CircleCI builds tags only for entries whose filter names them."""
    tags = filters.get("tags") if isinstance(filters, dict) else None
    if not isinstance(tags, dict) or "only" not in tags:
        return frozenset()
    ignore = _patterns(tags.get("ignore"))
    if any(_matches_everything(p) for p in ignore) or not _patterns(tags.get("only")):
        return frozenset()
    return frozenset({TAG})


def filter_triggers(filters: Any) -> frozenset[str]:
    if isinstance(filters, str):  # an expression: `pipeline.git.branch == "main"`
        if " or " in filters or "not " in filters:
            return EVERY_BRANCH
        found = [name for name in _BRANCH_EXPRESSION.findall(filters)]
        if "pipeline.git.tag" in filters and not found:
            return frozenset({TAG})
        if found:
            return frozenset({DEFAULT_BRANCH}) if all(MAIN_LINE_BRANCH.match(f) for f in found) \
                else frozenset({PUSH})
        return EVERY_BRANCH
    return branch_triggers(filters) | tag_triggers(filters)



def workflow_triggers(workflow: Any,
                      pipeline_defaults: Mapping[str, Any]) -> frozenset[str] | None:
    """What starts the workflow (None: every push, as far as the file says)."""
    if not isinstance(workflow, dict):
        return None
    triggers = workflow.get("triggers")
    if isinstance(triggers, list) and any(
            isinstance(t, dict) and "schedule" in t for t in triggers):
        return frozenset({SCHEDULE})
    admitted: frozenset[str] | None = None
    if "when" in workflow:
        admitted = condition_triggers(workflow["when"], pipeline_defaults)
    if "unless" in workflow:
        negated = condition_triggers(workflow["unless"], pipeline_defaults)
        if negated is not None:
            base = admitted if admitted is not None else EVERY_BRANCH | {TAG, SCHEDULE}
            admitted = base - negated
    return admitted


def condition_triggers(condition: Any,
                       pipeline_defaults: Mapping[str, Any]) -> frozenset[str] | None:
    """A `when:` logic statement, read conservatively (None: says nothing known)."""
    everything = EVERY_BRANCH | {TAG, SCHEDULE, OTHER}
    if isinstance(condition, bool):
        return everything if condition else frozenset()
    if isinstance(condition, str):
        parameter = _PIPELINE_PARAMETER.match(condition)
        if parameter and parameter.group(1) in pipeline_defaults:
            default = pipeline_defaults[parameter.group(1)]
            # Off by default: set through the API or by a setup workflow.
            return frozenset({OTHER}) if default in (False, "", None) else None
        if "pipeline.git.tag" in condition:
            return frozenset({TAG})
        return None
    if not isinstance(condition, dict) or len(condition) != 1:
        return None
    operator, operand = next(iter(condition.items()))
    if operator == "equal" and isinstance(operand, list) and len(operand) == 2:
        values = [scalar_text(v) for v in operand]
        joined = " ".join(values)
        other = next((v for v in values if "<<" not in v), "")
        if "pipeline.schedule.name" in joined:
            return frozenset({SCHEDULE})
        if "pipeline.trigger_source" in joined:
            return frozenset({SCHEDULE}) if other.startswith("scheduled") else \
                EVERY_BRANCH | {TAG} if other == "webhook" else frozenset({OTHER})
        if "pipeline.git.branch" in joined:
            return frozenset({DEFAULT_BRANCH}) if MAIN_LINE_BRANCH.match(other) \
                else frozenset({PUSH})
        return None
    if operator == "not":
        inner = condition_triggers(operand, pipeline_defaults)
        return everything - inner if inner is not None else None
    parts = [condition_triggers(item, pipeline_defaults) for item in operand] \
        if isinstance(operand, list) else []
    return combine_triggers(operator, parts, everything)
