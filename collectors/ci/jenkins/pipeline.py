"""One Jenkinsfile's statements -> jobs: what the file declares (shared libraries,
helper functions, string variables, Docker images, a `cron` trigger), then its
declarative pipeline and the scripted code around it, then a job per stage."""

from __future__ import annotations

import re

from scanner.collectors.ci.jenkins.declarative import declarative
from scanner.collectors.ci.jenkins.jenkinsfile import MAX_DEPTH, SYSTEM, Jenkinsfile, Stage
from scanner.collectors.ci.jenkins.lexer import Stmt
from scanner.collectors.ci.jenkins.scripted import scripted
from scanner.collectors.ci.jenkins.syntax import blocks, render
from scanner.collectors.ci.jenkins.triggers import MULTIBRANCH, SCHEDULED
from scanner.collectors.ci.model import (
    COMMAND,
    MANUAL,
    OTHER,
    SCHEDULE,
    Job,
)


def read(jenkinsfile: Jenkinsfile, top: list[Stmt]) -> list[Job]:
    index(jenkinsfile, top, 0)
    outside = Stage("(no stage)", top[0].line if top else 1, MULTIBRANCH, outside=True)
    pipeline = [stmt for stmt in top if stmt.head == "pipeline" and stmt.block is not None]
    rest = [stmt for stmt in top if stmt not in pipeline and not annotation(jenkinsfile, stmt)
            and not function_definition(jenkinsfile, stmt)]
    if pipeline:
        declarative(jenkinsfile, pipeline[0])
    scripted(jenkinsfile, rest, outside, MULTIBRANCH, 0)
    stages = list(jenkinsfile.stages)
    if outside.references:
        stages.insert(0, outside)
    if not stages:
        reason = "pipeline { } has no stages" if pipeline else \
            "no pipeline { }, node { } or stage found"
        jenkinsfile.result.unreadable.append((jenkinsfile.path, reason))
        return []
    if not jenkinsfile.stages and jenkinsfile.libraries == 0 and jenkinsfile.scripts == 0:
        steps = sorted({ref.value.split("(")[0].split()[0] for ref in outside.references
                        if ref.kind == COMMAND})
        jenkinsfile.result.external.append((jenkinsfile.at(outside.line), (
            "pipeline made of steps from a shared library or plugin configured outside "
            f"the repository: {', '.join(steps)}")))
    return [job(jenkinsfile, stage) for stage in stages]


def job(jenkinsfile: Jenkinsfile, stage: Stage) -> Job:
    triggers = stage.triggers
    if stage.manual:
        triggers = frozenset({MANUAL})
    if triggers and triggers != {MANUAL}:
        if jenkinsfile.schedule:
            triggers |= {SCHEDULE}
        if jenkinsfile.upstream:
            triggers |= {OTHER}
    variables = dict(jenkinsfile.variables)
    variables.update(stage.variables)
    return Job(system=SYSTEM, file=jenkinsfile.path, name=stage.name,
               locator=jenkinsfile.at(stage.line), triggers=frozenset(triggers),
               references=tuple(stage.references), stage=stage.parent,
               variables=tuple(variables.items()), needs=stage.needs)


def index(jenkinsfile: Jenkinsfile, stmts: list[Stmt], depth: int) -> None:
    """Remember string variables, Docker images and `pipelineTriggers` anywhere."""
    for stmt in stmts:
        toks = stmt.toks
        for position, tok in enumerate(toks[1:-1], start=1):
            if tok.kind == "op" and tok.text == "=" and toks[position - 1].kind == "id":
                name, value = toks[position - 1].text, toks[position + 1:]
                if value[0].kind == "str":
                    jenkinsfile.strings.setdefault(name, value[0])
                rendered = render(value)
                if re.match(r"docker\.(build|image)\(", rendered):
                    jenkinsfile.docker_images[name] = rendered.split(" {")[0]
        if SCHEDULED.search(render(toks)):
            jenkinsfile.schedule = True
        if depth < MAX_DEPTH:
            for body in blocks(toks):
                index(jenkinsfile, body, depth + 1)


def annotation(jenkinsfile: Jenkinsfile, stmt: Stmt) -> bool:
    """`@Library('lib@1.0') _`: a shared library, recorded as external."""
    toks = stmt.toks
    if not (toks[0].kind == "op" and toks[0].text == "@"):
        return False
    if len(toks) > 1 and toks[1].text == "Library":
        for tok in toks[2:]:
            if tok.kind == "str":
                jenkinsfile.library(tok.text, tok.line)
    return True


def function_definition(jenkinsfile: Jenkinsfile, stmt: Stmt) -> bool:
    toks = stmt.toks
    if len(toks) < 4 or toks[-1].kind != "block" or toks[0].kind != "id":
        return False
    offset = 1 if toks[0].text in ("def", "void", "String", "boolean", "Object", "Map",
                                   "List", "static", "private") else 0
    if offset == 0 or toks[offset].kind != "id" or toks[offset + 1].text != "(":
        return False
    if toks[offset].text in ("if", "for", "while", "switch", "catch"):
        return False
    body = toks[-1].body
    jenkinsfile.functions[toks[offset].text] = body or []
    return True
