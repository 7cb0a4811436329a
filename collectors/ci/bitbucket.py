"""Bitbucket Pipelines (`bitbucket-pipelines.yml`) -> jobs.

Each step of each pipeline (`default`, `branches`, `pull-requests`, `tags`,
`custom`) becomes a job, including steps inside `parallel:` and `stage:`
groups and steps reused through YAML anchors (`- step: *build`, `<<:
*step`); the job's locator is where the pipeline uses the step, its
references point at the lines that define them.  Script lines become
command references; `- pipe: owner/name:1.2.3` becomes an action reference
`bitbucket-pipe/owner/name` with its version and `variables:` as inputs
(`docker://` pipes are images).  Step and global `image:` and service images
are image references; `deployment:` names the environment.

Triggers: `default` runs on every push (except to branches with a pipeline of
their own), `branches` on pushes to matching branches, `pull-requests` on
pull requests, `tags` on tags, `custom` when someone runs it; a `trigger:
manual` step, and everything after it in the pipeline, waits for a person.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from scanner.collectors.ci.github_actions import MAIN_LINE_BRANCH
from scanner.collectors.ci.model import (
    ACTION,
    COMMAND,
    DEFAULT_BRANCH,
    IMAGE,
    MANUAL,
    PULL_REQUEST,
    PUSH,
    TAG,
    Job,
    ParseResult,
    Reference,
    read_yaml,
    scalar_text,
    shell_lines,
)
from scanner.collectors.tree import RepoTree
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import LineDict, LineList, stamp_file

SYSTEM = "bitbucket_pipelines"
CONFIG_FILES = ("bitbucket-pipelines.yml", "bitbucket-pipelines.yaml")
PIPE_PREFIX = "bitbucket-pipe/"
EVERY_BRANCH = frozenset({PUSH, DEFAULT_BRANCH})
LIKELY_DEFAULT_BRANCHES = ("main", "master")
_BRACES = lazy_compile(r"\{([^{}]*)\}")


def _alternatives(pattern: str) -> list[str]:
    """`{main,develop}` -> ['main', 'develop'] (Bitbucket globs allow brace sets)."""
    match = _BRACES.search(pattern)
    if not match:
        return [pattern]
    return [alt for option in match.group(1).split(",")
            for alt in _alternatives(pattern[:match.start()] + option.strip()
                                     + pattern[match.end():])]


def branch_triggers(pattern: str) -> frozenset[str]:
    """What a `branches:` glob selects: the main line, other branches, or every branch."""
    alternatives = _alternatives(pattern.strip())
    if any(alt in ("*", "**") for alt in alternatives):
        return EVERY_BRANCH
    if all(MAIN_LINE_BRANCH.match(alt) for alt in alternatives):
        return frozenset({DEFAULT_BRANCH})
    if any(MAIN_LINE_BRANCH.match(alt) for alt in alternatives):
        return EVERY_BRANCH
    return frozenset({PUSH})


def _catches_default_branch(patterns: list[str]) -> bool:
    """Whether a `branches:` pipeline takes the default branch away from `default`."""
    return any(fnmatch.fnmatchcase(name, alt) for pattern in patterns
               for alt in _alternatives(pattern) if alt not in ("*", "**")
               for name in LIKELY_DEFAULT_BRANCHES)


class _Reader:
    def __init__(self, path: str, data: LineDict, result: ParseResult) -> None:
        self.path = path
        self.data = data
        self.result = result
        definitions = data.get("definitions")
        services = definitions.get("services") if isinstance(definitions, dict) else None
        self.services: dict[str, tuple[str, str]] = {}
        for name, service in services.items() if isinstance(services, LineDict) else []:
            image = service.get("image") if isinstance(service, dict) else None
            image = image.get("name") if isinstance(image, dict) else image
            if isinstance(image, str) and image and isinstance(service, LineDict):
                self.services[str(name)] = (image, service.locate("image"))

    def pipelines(self, pipelines: LineDict) -> list[Job]:
        jobs: list[Job] = []
        branches = pipelines.get("branches")
        branch_patterns = [str(k) for k in branches] if isinstance(branches, dict) else []
        for section, value in pipelines.items():
            where = pipelines.locate(section)
            if section == "default":
                triggers = frozenset({PUSH}) if _catches_default_branch(branch_patterns) \
                    else EVERY_BRANCH
                jobs += self.pipeline(value, "default", triggers, where)
                continue
            if not isinstance(value, LineDict):
                if section in ("branches", "pull-requests", "tags", "custom"):
                    self.result.notes.append((where, f"'{section}' is not a mapping; skipped"))
                continue
            for pattern, pipeline in value.items():
                selector = f"{section}/{pattern}"
                at = value.locate(pattern)
                if section == "branches":
                    triggers = branch_triggers(str(pattern))
                elif section == "pull-requests":
                    triggers = frozenset({PULL_REQUEST})
                elif section == "tags":
                    triggers = frozenset({TAG})
                elif section == "custom":
                    triggers = frozenset({MANUAL})
                else:
                    continue
                jobs += self.pipeline(pipeline, selector, triggers, at)
        return jobs

    def pipeline(self, items: Any, selector: str, triggers: frozenset[str],
                 where: str) -> list[Job]:
        if isinstance(items, dict) and "import" in items:
            self.result.external.append((where, f"pipeline {selector} imported from "
                                         f"{scalar_text(items['import'])}"))
            return []
        if not isinstance(items, LineList):
            self.result.notes.append((where, f"pipeline {selector} is not a list of steps"))
            return []
        jobs: list[Job] = []
        previous: tuple[str, ...] = ()
        waiting = False  # a manual step pauses the rest of the pipeline
        number = 0
        for index, item in enumerate(items):
            if not isinstance(item, LineDict) or set(item) == {"variables"}:
                continue  # a custom pipeline's run-time variables
            group = self.group(item, items.locate(index))
            names: list[str] = []
            stage_manual = False
            sequential = "stage" in item
            if sequential and isinstance(item["stage"], dict):
                stage_manual = scalar_text(item["stage"].get("trigger")) == "manual"
            for step, locator, environment in group:
                number += 1
                label = step.get("name")
                name = scalar_text(label) if isinstance(label, str | int | float) and \
                    scalar_text(label) else f"{selector} step {number}"
                manual = waiting or stage_manual or scalar_text(step.get("trigger")) == "manual"
                jobs.append(Job(
                    SYSTEM, self.path, name, locator,
                    frozenset({MANUAL}) if manual else triggers, tuple(self.references(step)),
                    scalar_text(step.get("deployment")) or environment or None, selector,
                    needs=previous))
                if sequential:
                    previous = (name,)
                names.append(name)
                if manual:
                    waiting = True
            if names and not sequential:
                previous = tuple(names)
        return jobs

    def group(self, item: LineDict, where: str) -> list[tuple[LineDict, str, str]]:
        """(step, locator, stage environment) for a `step`, `parallel` or `stage` item."""
        if isinstance(item.get("step"), LineDict):
            return [(item["step"], where, "")]
        parallel = item.get("parallel")
        if isinstance(parallel, dict):  # `parallel: {fail-fast: true, steps: [...]}`
            parallel = parallel.get("steps")
        if isinstance(parallel, LineList):
            return [(entry["step"], parallel.locate(i), "")
                    for i, entry in enumerate(parallel)
                    if isinstance(entry, dict) and isinstance(entry.get("step"), LineDict)]
        stage = item.get("stage")
        if isinstance(stage, LineDict) and isinstance(stage.get("steps"), LineList):
            steps: LineList = stage["steps"]
            environment = scalar_text(stage.get("deployment"))
            return [(entry["step"], steps.locate(i), environment)
                    for i, entry in enumerate(steps)
                    if isinstance(entry, dict) and isinstance(entry.get("step"), LineDict)]
        self.result.notes.append((where, "pipeline item not understood; skipped"))
        return []

    def references(self, step: LineDict) -> list[Reference]:
        found: list[Reference] = []
        container: LineDict = step if "image" in step else self.data
        image = container.get("image")
        image = image.get("name") if isinstance(image, dict) else image
        if isinstance(image, str) and image:
            found.append(Reference(IMAGE, image, container.locate("image")))
        services = step.get("services")
        for service in services if isinstance(services, list) else []:
            if scalar_text(service) in self.services:
                name, locator = self.services[scalar_text(service)]
                found.append(Reference(IMAGE, name, locator))
        for key in ("script", "after-script"):
            script = step.get(key)
            if isinstance(script, LineList):
                found += self.script(script)
            elif isinstance(script, str):
                found += [Reference(COMMAND, line, step.locate(key, offset))
                          for offset, line in shell_lines(script)]
        return found

    def script(self, script: LineList) -> list[Reference]:
        found: list[Reference] = []
        for index, item in enumerate(script):
            if isinstance(item, str):
                found += [Reference(COMMAND, line, script.locate(index, offset))
                          for offset, line in shell_lines(item)]
            elif isinstance(item, LineList):  # a nested list from an anchor
                found += self.script(item)
            elif isinstance(item, LineDict) and isinstance(item.get("pipe"), str):
                found.append(self.pipe(item, script.locate(index)))
        return found

    @staticmethod
    def pipe(item: LineDict, where: str) -> Reference:
        pipe = item["pipe"].strip()
        variables = item.get("variables")
        inputs = tuple((str(k), " ".join(scalar_text(v) for v in val)
                        if isinstance(val, list) else scalar_text(val))
                       for k, val in variables.items()) if isinstance(variables, dict) else ()
        if pipe.startswith("docker://"):
            return Reference(IMAGE, pipe[len("docker://"):], where, inputs)
        name, _, version = pipe.partition(":")
        return Reference(ACTION, PIPE_PREFIX + name.lower(), where, inputs, version)


def parse(tree: RepoTree) -> ParseResult:
    result = ParseResult(SYSTEM)
    path = next((p for p in CONFIG_FILES if tree.has(p)), None)
    if path is None:
        return result
    read, data = read_yaml(tree, path, result)
    if not read:
        return result
    if not isinstance(data, LineDict) or not isinstance(data.get("pipelines"), LineDict):
        result.unreadable.append((path, "not a Bitbucket Pipelines configuration: no "
                                  "'pipelines' mapping"))
        return result
    result.files.append(path)
    stamp_file(data, path)
    try:
        result.jobs += _Reader(path, data, result).pipelines(data["pipelines"])
    except RecursionError:
        result.unreadable.append((path, "nesting too deep"))
    return result
