"""When Pipelines-as-Code runs a PipelineRun, by its annotations: `on-event` (push,
pull_request, incoming) with `on-target-branch`, or an `on-cel-expression`
(`event == "push" && target_branch == "main"`), and `on-comment` / `on-label` for
runs a person starts."""

from __future__ import annotations

from scanner.collectors.ci import conditions
from scanner.collectors.ci.conditions import Admits
from scanner.collectors.ci.model import (
    DEFAULT_BRANCH,
    MANUAL,
    OTHER,
    PULL_REQUEST,
    PUSH,
    TAG,
)
from scanner.collectors.ci.shapes import branch_admits, branch_reach
from scanner.lazy_patterns import lazy_compile

PAC = "pipelinesascode.tekton.dev/"
USUAL = frozenset({PUSH, DEFAULT_BRANCH, PULL_REQUEST, TAG})
EVERYTHING = USUAL | {MANUAL, OTHER}
_EVENTS = {"push": frozenset({PUSH, DEFAULT_BRANCH, TAG}),
           "pull_request": frozenset({PULL_REQUEST}), "incoming": frozenset({OTHER})}
_CEL_COMPARISON = lazy_compile(r"^(?P<lhs>event_type|event|target_branch)\s*(?P<op>==|!=|in)\s*"
                               r"(?P<rhs>.+)$")
_CEL_CALL = lazy_compile(r"^target_branch\.(?P<call>startsWith|matches|contains)\(\s*"
                         r"(?P<arg>\"[^\"]*\"|'[^']*')\s*\)$")


def _bracketed(value: str) -> list[str]:
    """`[push, pull_request]` or `push` -> ['push', 'pull_request']."""
    return [v.strip().strip("\"'") for v in value.strip().strip("[]").split(",") if v.strip()]


def _target_admits(values: list[str], regex: bool = False) -> Admits:
    """A target branch comparison: the branch pushed to, or a pull request's base."""
    if values and all(v.removeprefix("^").startswith("refs/tags") for v in values):
        return Admits(frozenset({TAG, MANUAL, OTHER}), named=frozenset({TAG}))
    return branch_admits([v.removeprefix("refs/heads/") for v in values], regex,
                         always=frozenset({MANUAL, OTHER}),
                         main=frozenset({DEFAULT_BRANCH, PULL_REQUEST}),
                         other=frozenset({PUSH, PULL_REQUEST}))


def cel_atom(term: str) -> Admits | None:
    """What one comparison of a Pipelines-as-Code CEL expression says about the triggers."""
    term = term.strip()
    call = _CEL_CALL.match(term)
    if call:
        argument = conditions.unquote(call["arg"])
        if call["call"] == "startsWith":
            return _target_admits([argument + "*"])
        return _target_admits([argument], regex=call["call"] == "matches")
    match = _CEL_COMPARISON.match(term)
    if not match:
        return None
    values = _bracketed(match["rhs"]) if match["op"] == "in" else \
        [conditions.unquote(match["rhs"])]
    if match["lhs"] == "target_branch":
        admits = _target_admits(values)
    else:
        chosen = frozenset().union(*(_EVENTS.get(v.lower(), frozenset()) for v in values))
        admits = Admits(chosen, chosen, chosen)
    return admits.negated(EVERYTHING) if match["op"] == "!=" else admits


def pac_triggers(annotations: dict[str, str]) -> frozenset[str] | None:
    """What Pipelines-as-Code runs a PipelineRun for, by its annotations (None: no event
    annotation)."""
    cel = annotations.get(PAC + "on-cel-expression", "")
    events = _bracketed(annotations.get(PAC + "on-event", ""))
    asked = {MANUAL} if any(PAC + key in annotations for key in ("on-comment", "on-label")) \
        else set()
    if cel.strip():
        return conditions.admitted(cel, cel_atom, EVERYTHING, USUAL) | asked
    if not events:
        return frozenset(asked) if asked else None
    branches = _bracketed(annotations.get(PAC + "on-target-branch", ""))
    heads = [b.removeprefix("refs/heads/") for b in branches if not b.startswith("refs/tags/")]
    reach = branch_reach(heads) if heads or not branches else None
    triggers: set[str] = set(asked)
    for event in events:
        if event == "push":
            if reach is not None:
                triggers |= ({DEFAULT_BRANCH} if reach.main else set()) | \
                    ({PUSH} if reach.other else set())
            if any(b.startswith("refs/tags/") for b in branches):
                triggers.add(TAG)
        elif event == "pull_request" and reach is not None:
            triggers.add(PULL_REQUEST)
        elif event == "incoming":
            triggers.add(OTHER)
    return frozenset(triggers)
