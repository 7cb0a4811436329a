"""Declarative pipelines (`pipeline { stages { stage('x') { when {...} steps {...} } } }`):
a job per stage, nested, parallel and matrix stages included; `when` conditions narrow
the triggers, a stage waiting for `input` (and every stage after it) is manual, and the
`agent`'s images and the `environment` go to the stages they apply to."""

from __future__ import annotations

import re

from scanner.collectors.ci.jenkins.jenkinsfile import Jenkinsfile, Stage
from scanner.collectors.ci.jenkins.lexer import Stmt
from scanner.collectors.ci.jenkins.scripted import scripted
from scanner.collectors.ci.jenkins.syntax import (
    after_head,
    arguments,
    first_string,
    named_argument,
    positional_arguments,
    render,
    string_of,
)
from scanner.collectors.ci.jenkins.triggers import (
    MULTIBRANCH,
    branch_triggers,
    expression_triggers,
    gated,
)
from scanner.collectors.ci.model import (
    IMAGE,
    MANUAL,
    OTHER,
    PULL_REQUEST,
    SCHEDULE,
    TAG,
    Reference,
    combine_triggers,
)
from scanner.lazy_patterns import lazy_compile

POST_CONDITIONS = frozenset({
    "always", "changed", "fixed", "regression", "aborted", "failure", "success", "unstable",
    "unsuccessful", "cleanup",
})
_YAML_IMAGE = lazy_compile(r"^\s*(?:-\s*)?image:\s*['\"]?([^\s'\"#]+)")


def declarative(jenkinsfile: Jenkinsfile, pipeline: Stmt) -> None:
    body = pipeline.block or []
    images: list[tuple[str, int]] = []
    stages: Stmt | None = None
    post: Stmt | None = None
    for stmt in body:
        head = stmt.head
        if head == "agent":
            images = agent_images(stmt)
        elif head == "triggers":
            for trigger in stmt.block or []:
                text = render(trigger.toks)
                if trigger.head in ("cron", "parameterizedCron") and \
                        re.search(r"\(\s*['\"][^'\"]", text):
                    jenkinsfile.schedule = True
                elif trigger.head == "upstream":
                    jenkinsfile.upstream = True
        elif head == "libraries":
            for lib in stmt.block or []:
                tok = first_string(lib.toks)
                if tok is not None:
                    jenkinsfile.library(tok.text, tok.line)
        elif head == "environment":
            jenkinsfile.variables.update(environment_variables(stmt))
        elif head == "stages":
            stages = stmt
        elif head == "post":
            post = stmt
    if stages is not None:
        stage_list(jenkinsfile, stages.block or [], MULTIBRANCH, None, needs=(), images=images,
                   sequential=True)
    if post is not None:
        stage = Stage("post", post.line, MULTIBRANCH,
                       needs=(jenkinsfile.stages[-1].name,) if jenkinsfile.stages else ())
        post_conditions(jenkinsfile, post, stage)
        if stage.references:
            jenkinsfile.stages.append(stage)


def stage_list(jenkinsfile: Jenkinsfile, stmts: list[Stmt], triggers: frozenset[str],
               parent: str | None, *, needs: tuple[str, ...], images: list[tuple[str, int]],
               sequential: bool) -> None:
    previous = needs
    gate: frozenset[str] | None = None
    for stmt in stmts:
        if stmt.head != "stage":
            continue
        stage = declarative_stage(jenkinsfile, stmt, triggers, parent, needs=previous,
                                  images=images, gate=gate)
        if sequential:
            previous = (stage.name,)
            if stage.manual:
                gate = stage.triggers if gate is None else gate | stage.triggers


def declarative_stage(jenkinsfile: Jenkinsfile, stmt: Stmt, inherited: frozenset[str],
                      parent: str | None, *, needs: tuple[str, ...],
                      images: list[tuple[str, int]], gate: frozenset[str] | None) -> Stage:
    name = string_of(stmt, "name") or f"stage at line {stmt.line}"
    stage = Stage(name, stmt.line, inherited, parent, needs)
    jenkinsfile.stages.append(stage)
    body = stmt.block or []
    parts = {part.head: part for part in body}
    own_images = agent_images(parts["agent"]) if "agent" in parts else images
    triggers = inherited
    when = parts.get("when")
    if when is not None:
        triggers = when_triggers(when.block or [], inherited)
        if any(cond.head == "beforeInput" and "true" in render(cond.toks)
               for cond in when.block or []):
            stage.manual = True
    stage.triggers = gated(triggers, gate)
    if "input" in parts and parts["input"].block is not None:
        stage.manual = True
    if "environment" in parts:
        stage.variables.update(environment_variables(parts["environment"]))
    if "steps" in parts:
        stage.references += [Reference(IMAGE, image, jenkinsfile.at(line))
                             for image, line in own_images]
        scripted(jenkinsfile, parts["steps"].block or [], stage, stage.triggers, 0)
    if "post" in parts:
        post_conditions(jenkinsfile, parts["post"], stage)
    final = frozenset({MANUAL}) if stage.manual else stage.triggers
    for key, sequential in (("stages", True), ("parallel", False), ("matrix", True)):
        if key not in parts:
            continue
        children = parts[key].block or []
        if key == "matrix":
            children = next((c.block or [] for c in children if c.head == "stages"), [])
        stage_list(jenkinsfile, children, final, name, needs=needs, images=own_images,
                   sequential=sequential)
    return stage


def when_triggers(conditions: list[Stmt], base: frozenset[str]) -> frozenset[str]:
    admitted = set(base)
    for cond in conditions:
        atom = condition_triggers(cond, base)
        if atom is not None:
            # `triggeredBy 'TimerTrigger'` names builds the branch triggers do not cover.
            admitted = admitted & atom if admitted & atom or atom <= base else set(atom)
    return frozenset(admitted)


def condition_triggers(cond: Stmt, base: frozenset[str]) -> frozenset[str] | None:
    head = cond.head
    args = arguments(cond.toks, after_head(cond))
    if head == "branch":
        pattern = first_string(named_argument(args, "pattern"))
        if pattern is None:
            pattern = first_string(next(iter(positional_arguments(args)), None))
        comparator = first_string(named_argument(args, "comparator"))
        if pattern is None:
            return None
        return branch_triggers(pattern.text, regex=bool(
            comparator and comparator.text == "REGEXP") or pattern.quote == "/")
    if head == "changeRequest":
        return frozenset({PULL_REQUEST})
    if head in ("buildingTag", "tag"):
        return frozenset({TAG})
    if head == "triggeredBy":
        cause = render(cond.toks)
        if "TimerTrigger" in cause:
            return frozenset({SCHEDULE})
        if "UserIdCause" in cause:
            return frozenset({MANUAL})
        if "UpstreamCause" in cause:
            return frozenset({OTHER})
        return None
    if head == "environment":
        variable = first_string(named_argument(args, "name"))
        value = first_string(named_argument(args, "value"))
        if variable and value and variable.text in ("BRANCH_NAME", "GIT_BRANCH"):
            return branch_triggers(value.text)
        return None
    if head == "expression":
        return expression_triggers(" ".join(render(s.toks) for s in cond.block or []),
                                   base)
    inner = [condition_triggers(c, base) for c in cond.block or []]
    known = [atom for atom in inner if atom is not None]
    if head == "not" and len(inner) == 1 and known:
        return frozenset(base - known[0]) if known[0] != base else None
    if head in ("allOf", "anyOf"):
        return combine_triggers("and" if head == "allOf" else "or", inner, base)
    return None


def post_conditions(jenkinsfile: Jenkinsfile, post: Stmt, stage: Stage) -> None:
    for condition in post.block or []:
        if condition.head in POST_CONDITIONS:
            scripted(jenkinsfile, condition.block or [], stage, stage.triggers, 0)


def environment_variables(stmt: Stmt) -> dict[str, str]:
    found: dict[str, str] = {}
    for assignment in stmt.block or []:
        toks = assignment.toks
        if len(toks) == 3 and toks[0].kind == "id" and toks[1].text == "=" and \
                toks[2].kind == "str":
            found[toks[0].text] = toks[2].text
    return found


def agent_images(agent: Stmt) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for stmt in agent.block or []:
        if stmt.head == "docker":
            image = string_of(stmt)
            if image:
                found.append((image, stmt.line))
            for inner in stmt.block or []:
                tok = first_string(inner.toks) if inner.head == "image" else None
                if tok is not None:
                    found.append((tok.text, tok.line))
        elif stmt.head == "kubernetes":
            for inner in stmt.block or []:
                tok = first_string(inner.toks) if inner.head == "yaml" else None
                for offset, line in enumerate(tok.text.split("\n") if tok else []):
                    match = _YAML_IMAGE.match(line)
                    if match and tok is not None:
                        found.append((match.group(1), tok.line + offset))
    return found
