"""GitHub Actions workflows -> jobs.

Reads `.github/workflows/*.yml|yaml` (GitHub reads no sub-folders), follows
local reusable workflows (`uses: ./.github/workflows/x.yml` at job level) and
local composite actions (`uses: ./path` at step level) inside the repository,
and records remote `uses:` at step *and* job level (reusable workflows such
as the SLSA generator sit at job level, where step-only readers miss them).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import replace
from typing import Any

from scanner.collectors.ci.model import (
    ACTION,
    COMMAND,
    DEFAULT_BRANCH,
    IMAGE,
    MANUAL,
    OTHER,
    PULL_REQUEST,
    PUSH,
    RELEASE,
    REUSABLE_WORKFLOW,
    SCHEDULE,
    TAG,
    ExternalFiles,
    Job,
    ParseResult,
    Reference,
    anchored,
    names,
    scalar_text,
    shell_lines,
)
from scanner.collectors.ci.yaml_files import YamlFiles
from scanner.collectors.tree import RepoTree, in_folder
from scanner.yaml_source import LineDict, LineList, YamlError, load_yaml

SYSTEM = "github_actions"
WORKFLOW_FOLDER = ".github/workflows"
MAX_DEPTH = 4
MAX_EXTERNAL_READS = 10  # other repositories' workflows read per repository
# Inputs through which an action runs a command line of the caller's choosing (retry and
# shell-runner actions, `xvfb` wrappers, container runners, emulator runners).
COMMAND_INPUTS = ("run", "command", "commands", "script", "shell-command", "cmd",
                  "custom_command", "command_line", "entrypoint-command")
# Build actions whose arguments are a build tool's task list: (input, tool).
BUILD_ARGUMENTS = {
    "gradle/gradle-build-action": ("arguments", "gradle"),
    "gradle/actions/setup-gradle": ("arguments", "gradle"),
    "eskatos/gradle-command-action": ("arguments", "gradle"),
    "qcastel/github-actions-maven-cmd": ("maven-args", "mvn"),
    "xom9ikk/maven-build-action": ("args", "mvn"),
}
BUILD_IMAGE_ACTIONS = ("docker/build-push-action",)
# `${{ env.CARGO }}`: GitHub puts the value in before the shell runs the line.
ENV_EXPRESSION = re.compile(r"\$\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")

MAIN_LINE_BRANCH = re.compile(
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


def _remote(kind: str, uses: str, where: str, inputs: tuple[tuple[str, str], ...],
            label: str = "") -> Reference:
    """`owner/repo/path@ref` -> a reference to `owner/repo/path` (lower-case) at `ref`."""
    name, _, version = uses.strip().partition("@")
    return Reference(kind, name.lower(), where, inputs, version, label)


def _inputs(step: Any) -> tuple[tuple[str, str], ...]:
    raw = step.get("with") if isinstance(step, dict) else None
    if not isinstance(raw, dict):
        return ()
    return tuple((str(k), scalar_text(val)) for k, val in raw.items())


class _Reader:
    def __init__(self, tree: RepoTree, result: ParseResult) -> None:
        self.tree = tree
        self.result = result
        self.external: ExternalFiles | None = getattr(tree, "external", None)
        self.external_reads = 0
        self.called: set[str] = set()
        self.load = YamlFiles(tree, result).load

    def workflow(self, path: str, data: Any, triggers: frozenset[str] | None, depth: int,
                 prefix: str = "") -> None:
        if data is None:
            return
        if not isinstance(data, dict) or not isinstance(data.get("jobs"), dict):
            self.result.unreadable.append((path, "not a workflow: no 'jobs' mapping"))
            return
        if triggers is None:
            triggers = workflow_triggers(data.get("on"))
        jobs: LineDict = data["jobs"]
        directory = _default_directory(data)  # a called workflow has defaults of its own
        env = _env(data)
        top_permissions = "permissions" in data
        all_jobs_declare = True
        for name, body in jobs.items():
            if not isinstance(body, LineDict):
                self.result.notes.append((f"{path}:{jobs.line_of(name)}",
                                          f"job '{name}' is not a mapping; skipped"))
                continue
            all_jobs_declare = all_jobs_declare and "permissions" in body
            self.job(path, prefix + str(name), body, jobs.line_of(name),
                     triggers=triggers, depth=depth, directory=directory, env=env)
        if not prefix:
            self.result.permissions_declared[path] = top_permissions or (
                all_jobs_declare and bool(jobs))

    def job(self, path: str, name: str, body: LineDict, line: int, *,
            triggers: frozenset[str], depth: int, directory: str = "",
            env: dict[str, str] | None = None) -> None:
        references: list[Reference] = []
        env = {**(env or {}), **_env(body)}
        uses = body.get("uses")
        if isinstance(uses, str):
            where = f"{path}:{body.line_of('uses')}"
            if uses.startswith("./"):
                target = posixpath.normpath(uses.split("@", 1)[0][2:])
                if depth < MAX_DEPTH and self.tree.has(target):
                    self.called.add(target)
                    self.workflow(target, self.load(target), triggers, depth + 1,
                                  prefix=f"{name}/")
                    return  # the called workflow's jobs stand for this one
                else:
                    self.result.notes.append((where, f"local workflow {target} not found"))
            else:
                reference = _remote(REUSABLE_WORKFLOW, uses, where, _inputs(body))
                if depth < MAX_DEPTH and self.external_workflow(reference, name, triggers,
                                                                depth):
                    reference = replace(reference, resolved=True)
                references.append(reference)
        for key in ("container",):
            image = body.get(key)
            image_name = image.get("image") if isinstance(image, dict) else image
            if isinstance(image_name, str) and image_name:
                references.append(Reference(IMAGE, image_name, f"{path}:{body.line_of(key)}"))
        services = body.get("services")
        if isinstance(services, LineDict):
            for service_name, service in services.items():
                image_name = service.get("image") if isinstance(service, dict) else service
                if isinstance(image_name, str):
                    references.append(Reference(IMAGE, image_name,
                                                f"{path}:{services.line_of(service_name)}"))
        steps = body.get("steps")
        if isinstance(steps, LineList):
            references.extend(self.steps(path, steps, depth,
                                         _default_directory(body) or directory, env))
        environment = body.get("environment")
        if isinstance(environment, dict):
            environment = environment.get("name")
        prefix = name.rsplit("/", 1)[0] + "/" if "/" in name else ""
        self.result.jobs.append(Job(
            system=SYSTEM, file=path, name=name, locator=f"{path}:{line}",
            triggers=triggers, references=tuple(references),
            environment=scalar_text(environment) or None,
            variables=tuple(env.items()),
            needs=tuple(prefix + need for need in names(body.get("needs"))),
        ))

    def external_workflow(self, reference: Reference, name: str, triggers: frozenset[str],
                          depth: int) -> bool:
        """A reusable workflow of another repository, read through the Git host where the
        scan can (`owner/repo/.github/workflows/x.yml@ref`): its jobs join the pipeline
        with the caller's triggers, cited by URL."""
        parts = reference.value.split("/", 2)
        if self.external is None or len(parts) < 3 or not reference.version or \
                self.external_reads >= MAX_EXTERNAL_READS:
            return False
        self.external_reads += 1
        found = self.external.read(f"{parts[0]}/{parts[1]}", parts[2], reference.version)
        if found is None:
            return False
        try:
            data = load_yaml(found.text)
        except YamlError:
            self.result.notes.append((reference.locator, f"{found.url} is not valid YAML"))
            return False
        first = len(self.result.jobs)
        self.workflow(found.url, data, triggers, depth + 1, prefix=f"{name}/")
        self.result.jobs[first:] = [anchored(job, found.url) for job in self.result.jobs[first:]]
        return len(self.result.jobs) > first

    def steps(self, path: str, steps: LineList, depth: int,
              directory: str = "", env: dict[str, str] | None = None) -> list[Reference]:
        references: list[Reference] = []
        for index, step in enumerate(steps):
            if not isinstance(step, LineDict):
                continue
            step_env = {**(env or {}), **_env(step)}
            label = scalar_text(step.get("name"))
            here = _folder(step.get("working-directory")) or directory
            uses = step.get("uses")
            if isinstance(uses, str):
                where = f"{path}:{step.line_of('uses')}"
                if uses.startswith("docker://"):
                    references.append(Reference(IMAGE, uses[len("docker://"):], where,
                                                label=label))
                elif uses.startswith("./"):
                    references.extend(self.composite(uses, where, depth, step_env))
                else:
                    action = _remote(ACTION, uses, where, _inputs(step), label)
                    references.append(action)
                    references.extend(_commands_of_action(action, step, path))
                references.extend(_input_commands(step, path, label,
                                                  uses.startswith("docker://")))
            run = step.get("run")
            if isinstance(run, str):
                position = step.position_of("run")
                for offset, command in shell_lines(_with_env(run, step_env)):
                    references.append(Reference(COMMAND, command,
                                                f"{path}:{position.line_of(offset)}",
                                                label=label, directory=here))
            elif run is not None:
                self.result.notes.append((f"{path}:{steps.line_of(index)}",
                                          "step 'run' is not text; skipped"))
        return references

    def composite(self, uses: str, where: str, depth: int,
                  env: dict[str, str]) -> list[Reference]:
        folder = posixpath.normpath(uses.split("@", 1)[0][2:])
        for name in ("action.yml", "action.yaml"):
            action_path = f"{folder}/{name}"
            if self.tree.has(action_path):
                break
        else:
            self.result.notes.append((where, f"local action {folder} not found"))
            return []
        if depth >= MAX_DEPTH:
            return []
        data = self.load(action_path)
        runs = data.get("runs") if isinstance(data, dict) else None
        if not isinstance(runs, LineDict):
            return []
        if runs.get("using") == "composite" and isinstance(runs.get("steps"), LineList):
            return self.steps(action_path, runs["steps"], depth + 1, env=env)
        image = runs.get("image")
        if runs.get("using") == "docker" and isinstance(image, str) and \
                not image.startswith("Dockerfile"):
            return [Reference(IMAGE, image.removeprefix("docker://"),
                              f"{action_path}:{runs.line_of('image')}")]
        return []


def _env(body: Any) -> dict[str, str]:
    """The literal values of an `env:` mapping (values that are expressions are left out:
    they are known only when the workflow runs)."""
    env = body.get("env") if isinstance(body, dict) else None
    if not isinstance(env, dict):
        return {}
    found: dict[str, str] = {}
    for name, value in env.items():
        text = scalar_text(value)
        if isinstance(name, str) and text and "${{" not in text and len(text) <= 500:
            found[name] = text
    return found


def _with_env(text: str, env: dict[str, str]) -> str:
    """`${{ env.X }}` replaced by X's literal value where the workflow sets one."""
    if "${{" not in text or not env:
        return text
    return ENV_EXPRESSION.sub(lambda m: env.get(m[1], m[0]), text)


def _default_directory(body: Any) -> str:
    """`defaults: {run: {working-directory: DIR}}` of a workflow or job."""
    defaults = body.get("defaults") if isinstance(body, dict) else None
    run = defaults.get("run") if isinstance(defaults, dict) else None
    return _folder(run.get("working-directory")) if isinstance(run, dict) else ""


def _folder(value: Any) -> str:
    """A working directory as a repository folder ("" for the root or an expression)."""
    if not isinstance(value, str) or "${{" in value or value.startswith(("/", "~")):
        return ""
    folder = posixpath.normpath(value.removeprefix("./"))
    return "" if folder in (".", "") or folder.startswith("..") else folder


def _action_directory(inputs: LineDict) -> str:
    """The folder an action runs its commands in: its own input for it, else the root
    (a step's `working-directory` applies to `run` only)."""
    for name in ("working-directory", "working_directory", "build-root-directory"):
        if isinstance(inputs.get(name), str):
            return _folder(inputs[name])
    return ""


def _input_commands(step: LineDict, path: str, label: str,
                    container: bool) -> list[Reference]:
    """Command lines given to an action through its inputs (`with: command: …`), or the
    arguments of a `docker://` step, which are the command its container runs."""
    inputs = step.get("with")
    if not isinstance(inputs, LineDict):
        return []
    directory = _action_directory(inputs)
    names = [*COMMAND_INPUTS, "args"] if container else list(COMMAND_INPUTS)
    found: list[Reference] = []
    for name in names:
        value = inputs.get(name)
        if not isinstance(value, str):
            continue
        position = inputs.position_of(name)
        for offset, command in shell_lines(value):
            line = position.line_of(offset) if position.literal_block else inputs.line_of(name)
            found.append(Reference(COMMAND, command, f"{path}:{line}", label=label,
                                   directory=directory))
    return found


def _commands_of_action(action: Reference, step: LineDict, path: str) -> list[Reference]:
    """The command a build action stands for: a Gradle or Maven action's task list, an
    image build's target stage."""
    inputs = step.get("with")
    if not isinstance(inputs, LineDict):
        return []
    directory = _action_directory(inputs)
    where = f"{path}:{step.line_of('with')}"
    for prefix, (name, tool) in BUILD_ARGUMENTS.items():
        if action.value.startswith(prefix) and isinstance(inputs.get(name), str):
            return [Reference(COMMAND, f"{tool} {inputs[name].strip()}",
                              f"{path}:{inputs.line_of(name)}", label=action.label,
                              directory=directory)]
    if action.value.startswith(BUILD_IMAGE_ACTIONS) and isinstance(inputs.get("target"), str):
        context = _folder(inputs.get("context")) or "."
        file = inputs.get("file")
        dockerfile = f" -f {file}" if isinstance(file, str) and "${{" not in file else ""
        return [Reference(COMMAND, f"docker build --target {inputs['target']}{dockerfile} "
                          f"{context}", where, label=action.label, directory=directory)]
    return []


def parse(tree: RepoTree) -> ParseResult:
    result = ParseResult(SYSTEM)
    reader = _Reader(tree, result)
    reusable_only: list[tuple[str, Any]] = []
    for path in in_folder(tree, WORKFLOW_FOLDER, ".yml", ".yaml"):
        data = reader.load(path)
        on = data.get("on") if isinstance(data, dict) else None
        called_only = isinstance(on, dict | str | list) and "workflow_call" in on
        if called_only and not workflow_triggers(on):
            reusable_only.append((path, data))  # judged with its callers' triggers
            continue
        reader.workflow(path, data, None, 0)
    for path, data in reusable_only:
        if path not in reader.called:
            reader.workflow(path, data, frozenset(), 0)
    return result
