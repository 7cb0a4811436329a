"""Scripted pipelines (`node { stage('x') { sh '...' } }`), and the steps of every
stage: statements walked in order, a stage per `stage`, helper functions read where
they are called, `if` conditions narrowing the triggers of what they hold, and an
`input` step making what follows it wait for a person."""

from __future__ import annotations

import posixpath
from dataclasses import replace

from scanner.collectors.ci.jenkins.jenkinsfile import MAX_DEPTH, Jenkinsfile, Stage
from scanner.collectors.ci.jenkins.lexer import Stmt
from scanner.collectors.ci.jenkins.steps import statement_references
from scanner.collectors.ci.jenkins.syntax import (
    blocks,
    dir_argument,
    first_string,
    render,
    string_of,
    waits_for_input,
)
from scanner.collectors.ci.jenkins.triggers import expression_triggers, gated
from scanner.collectors.ci.model import COMMAND


def scripted(jenkinsfile: Jenkinsfile, stmts: list[Stmt], owner: Stage,
             triggers: frozenset[str], depth: int) -> bool:
    """Walk statements; `owner` gets the references of steps outside a nested stage.

    Returns whether an `input` outside any stage paused the run, which makes the
    stages after it manual.
    """
    current = owner
    previous: tuple[str, ...] = ()
    gate: frozenset[str] | None = None
    paused = False
    for stmt in stmts:
        head = stmt.head
        if head == "stage":
            stage = scripted_stage(jenkinsfile, stmt, owner, gated(triggers, gate),
                                   needs=previous, depth=depth)
            previous = (stage.name,)
            # `stage 'Build'` without a block: the steps that follow belong to it.
            current = stage if stmt.block is None else owner
            if stage.manual:
                gate = stage.triggers if gate is None else gate | stage.triggers
            continue
        if waits_for_input(stmt):
            if current.outside:
                gate, paused = triggers if gate is None else gate | triggers, True
            current.manual = not current.outside
            continue
        if head == "if":
            paused |= conditional(jenkinsfile, stmt, current, triggers, depth)
            continue
        if head in jenkinsfile.functions and depth < MAX_DEPTH:
            # The function's own steps; a closure passed to it (`withNode('x') { … }`)
            # is read below like any block, since the function usually calls it.
            paused |= scripted(jenkinsfile, jenkinsfile.functions[head], current, triggers,
                               depth + 1)
        if head == "library":
            tok = first_string(stmt.toks)
            if tok is not None:
                jenkinsfile.library(tok.text, tok.line)
            continue
        current.references += statement_references(jenkinsfile, stmt)
        first = len(current.references)
        for body in blocks(stmt.toks) if depth < MAX_DEPTH else []:
            if scripted(jenkinsfile, body, current, gated(triggers, gate), depth + 1):
                gate, paused = triggers if gate is None else gate | triggers, True
        folder = dir_argument(stmt) if head == "dir" else None
        if folder:
            current.references[first:] = [
                replace(ref, directory=_inside(folder, ref.directory))
                if ref.kind == COMMAND else ref for ref in current.references[first:]]
    return paused


def scripted_stage(jenkinsfile: Jenkinsfile, stmt: Stmt, owner: Stage, triggers: frozenset[str],
                   *, needs: tuple[str, ...], depth: int) -> Stage:
    name = string_of(stmt, "name") or f"stage at line {stmt.line}"
    parent = None if owner.outside else owner.name
    stage = Stage(name, stmt.line, triggers, parent, needs)
    jenkinsfile.stages.append(stage)
    if stmt.block is not None and depth < MAX_DEPTH:
        scripted(jenkinsfile, stmt.block, stage, triggers, depth + 1)
    return stage


def conditional(jenkinsfile: Jenkinsfile, stmt: Stmt, current: Stage, triggers: frozenset[str],
                depth: int) -> bool:
    toks = stmt.toks
    close = next((i for i, t in enumerate(toks) if t.kind == "block"), len(toks))
    narrowed = expression_triggers(render(toks[1:close]), triggers)
    paused = False
    for position, body in enumerate(blocks(toks) if depth < MAX_DEPTH else []):
        chosen = narrowed if position == 0 and narrowed is not None else triggers
        paused |= scripted(jenkinsfile, body, current, chosen, depth + 1)
    return paused


def _inside(folder: str, directory: str) -> str:
    """`directory` (relative to `folder`) as a repository folder; "" outside the tree."""
    joined = posixpath.normpath(posixpath.join(folder.lstrip("/"), directory))
    return "" if joined in (".", "") or joined.startswith("..") else joined
