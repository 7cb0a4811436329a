"""Azure Pipelines (`azure-pipelines.yml`, `.azure-pipelines/*.yml`) -> jobs.

Reads the three pipeline shapes (stages -> jobs -> steps, jobs only, steps
only), regular and deployment jobs (with their strategy hooks), and
follows `template:` includes of stage, job, step and variable templates and
`extends:` templates inside the repository; templates from another
repository (`file.yml@alias`) are recorded as external.  Template
`parameters` are not evaluated: `${{ }}` text stays as written, and
`${{ if }}` blocks are read as if they apply (narrowing triggers where the
condition is about the branch or build reason).

Steps: `script` / `bash` / `pwsh` / `powershell` become command references,
one per script line; `task: Name@N` becomes an action reference
`azure-task/<name>` with its version and inputs.  A job with a
`ManualValidation` task waits for a person, and so does everything that
depends on it.  Deployment environments are recorded; their approvals live
outside the repository.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from scanner.collectors.ci.github_actions import MAIN_LINE_BRANCH
from scanner.collectors.ci.model import (
    ACTION,
    COMMAND,
    DEFAULT_BRANCH,
    IMAGE,
    MANUAL,
    OTHER,
    PULL_REQUEST,
    PUSH,
    SCHEDULE,
    TAG,
    Job,
    ParseResult,
    Reference,
    combine_triggers,
    read_yaml,
    scalar_text,
    shell_lines,
)
from scanner.collectors.tree import RepoTree, in_folder
from scanner.yaml_source import LineDict, LineList, stamp_file

SYSTEM = "azure_pipelines"
ROOT_FILES = ("azure-pipelines.yml", "azure-pipelines.yaml")
# Folders pipelines are kept in by convention (Azure DevOps takes any path; these are the
# ones teams use): `.azure-pipelines/`, and `.pipelines/` (OneBranch).
FOLDERS = (".azure-pipelines", ".pipelines")
TASK_PREFIX = "azure-task/"
SCRIPT_KEYS = ("script", "bash", "pwsh", "powershell")
# Task inputs that hold an inline script (AzureCLI@2 `inlineScript`, PowerShell@2 and
# Bash@3 `script` with `targetType: inline`, AzurePowerShell@5 `Inline`).
INLINE_SCRIPT_INPUTS = ("inlineScript", "script", "Inline")
EVERY_BRANCH = frozenset({PUSH, DEFAULT_BRANCH})
MAX_DEPTH = 8
MAX_TEMPLATES = 1000  # template inclusions followed per pipeline file
MAX_ALL_TEMPLATES = 10000  # and per repository (each file is read once; the walk is bounded)
MANUAL_TASKS = frozenset({"manualvalidation"})
# Keys only a pipeline has; a file with `parameters` and none of these is a template.
PIPELINE_KEYS = frozenset({"trigger", "pr", "schedules", "resources", "pool", "name",
                           "extends", "lockBehavior", "appendCommitMessageToRunName"})
_MISSING = object()
_REASONS = {
    "pullrequest": frozenset({PULL_REQUEST}),
    "schedule": frozenset({SCHEDULE}),
    "manual": frozenset({MANUAL}),
    "individualci": frozenset({PUSH, DEFAULT_BRANCH, TAG}),
    "batchedci": frozenset({PUSH, DEFAULT_BRANCH, TAG}),
    "resourcetrigger": frozenset({OTHER}),
    "buildcompletion": frozenset({OTHER}),
}
_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>[(),])|"
                    r"(?P<name>[A-Za-z_$][\w.$\-]*(?:\[\s*'[^']*'\s*\][\w.\-]*)*)|"
                    r"(?P<num>-?\d[\d.]*))")
_EXPRESSION_KEY = re.compile(r"^\$\{\{\s*(?P<kind>if|elseif|else|each)\b(?P<rest>.*?)\}\}\s*$")


# --- Triggers -----------------------------------------------------------------------------


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


def _texts(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value] if value is not None else []
    return [scalar_text(item) for item in items if scalar_text(item)]


def ci_triggers(trigger: Any) -> frozenset[str]:
    """The `trigger:` section: pushes to branches (and tags)."""
    if trigger is _MISSING:
        return EVERY_BRANCH  # no trigger: every branch
    if trigger is None or (isinstance(trigger, str) and trigger.strip().lower() == "none"):
        return frozenset()
    if isinstance(trigger, list | str):
        return branch_list_triggers(_texts(trigger), [])
    if not isinstance(trigger, dict):
        return EVERY_BRANCH
    admitted: set[str] = set()
    branches = trigger.get("branches")
    tags = trigger.get("tags")
    if isinstance(branches, dict):
        include = _texts(branches.get("include")) or (["*"] if "exclude" in branches else [])
        admitted |= branch_list_triggers(include, _texts(branches.get("exclude")))
    elif isinstance(branches, list):
        admitted |= branch_list_triggers(_texts(branches), [])
    elif tags is None:
        admitted |= EVERY_BRANCH  # only `batch:` or `paths:`
    if (isinstance(tags, dict) and _texts(tags.get("include"))) or \
            (isinstance(tags, list) and tags):
        admitted.add(TAG)
    return frozenset(admitted)


def pipeline_triggers(data: LineDict) -> frozenset[str]:
    triggers = set(ci_triggers(data.get("trigger", _MISSING)))
    pr = data.get("pr", _MISSING)
    if pr is _MISSING or not (pr is None or (isinstance(pr, str) and pr.strip() == "none")):
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


def _expression(text: str) -> Any:
    """`and(succeeded(), eq(variables['Build.Reason'], 'PullRequest'))` as nested tuples."""
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            if text[position:].strip():
                raise ValueError("not an expression")
            break
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    parsed, index = _parse(tokens, 0)
    if index != len(tokens):
        raise ValueError("trailing text")
    return parsed


def _parse(tokens: list[tuple[str, str]], index: int) -> tuple[Any, int]:
    if index >= len(tokens):
        raise ValueError("unexpected end")
    kind, value = tokens[index]
    if kind == "str":
        return ("str", value[1:-1].replace("''", "'")), index + 1
    if kind == "num":
        return ("str", value), index + 1
    if kind != "name":
        raise ValueError("unexpected token")
    if index + 1 < len(tokens) and tokens[index + 1] == ("op", "("):
        args: list[Any] = []
        index += 2
        while index < len(tokens) and tokens[index] != ("op", ")"):
            arg, index = _parse(tokens, index)
            args.append(arg)
            if index < len(tokens) and tokens[index] == ("op", ","):
                index += 1
        return ("call", value.lower(), args), index + 1
    return ("var", _variable(value)), index + 1


def _variable(name: str) -> str:
    bracket = re.fullmatch(r"variables\[\s*'([^']*)'\s*\]", name)
    if bracket:
        return bracket.group(1).lower()
    return name.removeprefix("variables.").lower()


def condition_triggers(text: str, base: frozenset[str]) -> frozenset[str] | None:
    """Triggers a `condition:` (or `${{ if }}`) admits, read conservatively."""
    try:
        tree = _expression(text.strip())
    except ValueError:
        return None
    return _evaluate(tree, base)


def _evaluate(node: Any, base: frozenset[str]) -> frozenset[str] | None:
    if not isinstance(node, tuple) or node[0] != "call":
        return None
    _, name, args = node
    if name in ("and", "or"):
        return combine_triggers(name, [_evaluate(arg, base) for arg in args], base)
    if name == "not" and len(args) == 1:
        inner = args[0]
        if isinstance(inner, tuple) and inner[0] == "call" and inner[1] == "eq" and \
                _reason(inner[2]) is not None:
            return frozenset(base - (_reason(inner[2]) or frozenset()))
        return None
    if name in ("eq", "ne", "in", "notin", "startswith") and len(args) >= 2:
        return _comparison(name, args, base)
    return None


def _operands(args: list[Any]) -> tuple[str, list[str]] | None:
    variables = [a[1] for a in args if isinstance(a, tuple) and a[0] == "var"]
    values = [a[1] for a in args if isinstance(a, tuple) and a[0] == "str"]
    if len(variables) != 1 or not values:
        return None
    return variables[0], values


def _reason(args: list[Any]) -> frozenset[str] | None:
    operands = _operands(args)
    if operands is None or operands[0] != "build.reason":
        return None
    found = [_REASONS.get(value.lower()) for value in operands[1]]
    return frozenset(set().union(*[f for f in found if f])) if all(found) else None


def _comparison(name: str, args: list[Any], base: frozenset[str]) -> frozenset[str] | None:
    operands = _operands(args)
    if operands is None:
        return None
    variable, values = operands
    if variable == "build.reason":
        reasons = _reason(args)
        if reasons is None or name == "startswith":
            return None
        return reasons if name in ("eq", "in") else frozenset(base - reasons)
    if name in ("ne", "notin"):
        return None  # "not this branch" says little about when a job runs
    if variable in ("build.sourcebranch", "build.sourcebranchname"):
        admitted: set[str] = set()
        for value in values:
            ref = value if variable == "build.sourcebranch" else "refs/heads/" + value
            if ref.startswith("refs/tags/"):
                admitted.add(TAG)
            elif ref.startswith("refs/pull/"):
                admitted.add(PULL_REQUEST)
            elif ref.startswith("refs/heads/"):
                branch = ref.removeprefix("refs/heads/") + ("*" if name == "startswith" else "")
                admitted |= {DEFAULT_BRANCH} if MAIN_LINE_BRANCH.match(branch) else {PUSH}
            else:
                return None
        return frozenset(admitted)
    if variable.startswith("system.pullrequest."):
        return frozenset({PULL_REQUEST})
    return None


# --- Reading ------------------------------------------------------------------------------


@dataclass
class _Job:
    name: str
    file: str
    locator: str
    triggers: frozenset[str]
    stage: str | None
    references: list[Reference] = field(default_factory=list)
    environment: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    needs: tuple[str, ...] = ()
    stage_needs: tuple[str, ...] = ()
    manual: bool = False


class _Reader:
    def __init__(self, tree: RepoTree, result: ParseResult) -> None:
        self.tree = tree
        self.result = result
        self.cache: dict[str, Any] = {}
        self.used_as_template: set[str] = set()
        self.repositories: dict[str, str] = {}
        self.containers: dict[str, str] = {}  # container resource alias -> image
        self.templates = 0  # inclusions followed for the current pipeline
        self.all_templates = 0

    def load(self, path: str) -> Any:
        if path not in self.cache:
            self.cache[path] = self._load(path)
        return self.cache[path]

    def _load(self, path: str) -> Any:
        read, data = read_yaml(self.tree, path, self.result)
        if not read:
            return None
        if path not in self.result.files:
            self.result.files.append(path)
        return stamp_file(data, path)

    def template(self, reference: Any, including: str, where: str) -> Any:
        """The content of a template inside the repository (None when not followed)."""
        text = scalar_text(reference).strip()
        path, _, alias = text.partition("@")
        if alias and alias != "self":
            repository = self.repositories.get(alias)
            self.result.external.append((where, f"template {path} from repository resource "
                                         f"'{alias}'" + (f" ({repository})" if repository
                                                         else "")))
            return None
        if "$(" in path or "${{" in path or not path:
            self.result.notes.append((where, f"template path {path!r} is computed; not read"))
            return None
        resolved = posixpath.normpath(path.lstrip("/") if path.startswith("/") else
                                      posixpath.join(posixpath.dirname(including), path))
        if resolved.startswith(".."):
            self.result.notes.append((where, f"template {path} leaves the repository; skipped"))
            return None
        if not self.tree.has(resolved):
            self.result.notes.append((where, f"template {resolved} not found"))
            return None
        self.templates += 1
        self.all_templates += 1
        if self.templates > MAX_TEMPLATES or self.all_templates > MAX_ALL_TEMPLATES:
            self.result.notes.append((where, "too many templates; the rest were not read"))
            return None
        self.used_as_template.add(resolved)
        return self.load(resolved)

    # A pipeline.

    def pipeline(self, path: str, data: Any) -> list[_Job] | None:
        """Jobs of one pipeline file; None when the file is not a pipeline."""
        if not isinstance(data, LineDict):
            return None
        resources = data.get("resources")
        repositories = resources.get("repositories") if isinstance(resources, dict) else None
        for item in repositories if isinstance(repositories, list) else []:
            if isinstance(item, dict) and item.get("repository"):
                self.repositories[scalar_text(item["repository"])] = scalar_text(item.get("name"))
        containers = resources.get("containers") if isinstance(resources, dict) else None
        for item in containers if isinstance(containers, list) else []:
            if isinstance(item, dict) and item.get("container") and item.get("image"):
                self.containers[scalar_text(item["container"])] = scalar_text(item["image"])
        self.templates = 0
        triggers = pipeline_triggers(data)
        variables = self.variables(data.get("variables"), path, 0)
        return self.body(path, data, triggers, variables, 0)

    def body(self, path: str, data: LineDict, triggers: frozenset[str],
             variables: dict[str, str], depth: int) -> list[_Job] | None:
        if isinstance(data.get("stages"), LineList):
            return self.stages(data["stages"], path, triggers, variables, depth)
        if isinstance(data.get("jobs"), LineList):
            return self.jobs(data["jobs"], path, None, (), triggers=triggers,
                             variables=variables, depth=depth)
        if isinstance(data.get("steps"), LineList):
            job = _Job("Job", path, data.locate("steps"), triggers, None,
                       variables=dict(variables))
            self.steps(data["steps"], path, job, depth)
            return [job]
        extends = data.get("extends")
        if isinstance(extends, dict) and "template" in extends:
            where = data.locate("extends")
            content = self.template(extends["template"], path, where) \
                if depth < MAX_DEPTH else None
            if isinstance(content, LineDict):
                variables = {**variables, **self.variables(content.get("variables"), path,
                                                           depth + 1)}
                return self.body(content.file or path, content, triggers, variables,
                                 depth + 1) or []
            # A template from another repository wraps what the pipeline hands it: the
            # stages, jobs or steps among its parameters are this repository's own work.
            handed = extends.get("parameters")
            if isinstance(handed, LineDict) and depth < MAX_DEPTH:
                return self.body(path, handed, triggers, variables, depth + 1) or []
            return []
        return None

    def stages(self, stages: LineList, path: str, triggers: frozenset[str],
               variables: dict[str, str], depth: int) -> list[_Job]:
        jobs: list[_Job] = []
        previous: tuple[str, ...] = ()
        for where, item, narrowed in self.items(stages, triggers):
            if "template" in item and "stage" not in item:
                content = self.template(item["template"], path, where) \
                    if depth < MAX_DEPTH else None
                inner = content.get("stages") if isinstance(content, LineDict) else None
                if isinstance(inner, LineList):
                    jobs += self.stages(inner, inner.file or path, narrowed, variables,
                                        depth + 1)
                continue
            name = scalar_text(item.get("stage")) or f"stage at {where}"
            stage_triggers = self.narrow(item, narrowed)
            depends = item.get("dependsOn", _MISSING)
            stage_needs = previous if depends is _MISSING else tuple(_texts(depends))
            stage_variables = {**variables, **self.variables(item.get("variables"), path,
                                                             depth)}
            inner_jobs = item.get("jobs")
            if isinstance(inner_jobs, LineList):
                jobs += self.jobs(inner_jobs, path, name, stage_needs, triggers=stage_triggers,
                                  variables=stage_variables, depth=depth)
            previous = (name,)
        return jobs

    def jobs(self, jobs: LineList, path: str, stage: str | None, stage_needs: tuple[str, ...],
             *, triggers: frozenset[str], variables: dict[str, str],
             depth: int) -> list[_Job]:
        found: list[_Job] = []
        for where, item, narrowed in self.items(jobs, triggers):
            if "template" in item and "job" not in item and "deployment" not in item:
                content = self.template(item["template"], path, where) \
                    if depth < MAX_DEPTH else None
                inner = content.get("jobs") if isinstance(content, LineDict) else None
                if isinstance(inner, LineList):
                    found += self.jobs(inner, inner.file or path, stage, stage_needs,
                                       triggers=narrowed, variables=variables, depth=depth + 1)
                continue
            deployment = "deployment" in item
            name = scalar_text(item.get("deployment" if deployment else "job")) or \
                f"job at {where}"
            job = _Job(name, path, where, self.narrow(item, narrowed), stage,
                       variables={**variables, **self.variables(item.get("variables"), path,
                                                                depth)},
                       needs=tuple(_texts(item.get("dependsOn"))), stage_needs=stage_needs)
            environment = item.get("environment")
            if isinstance(environment, dict):
                environment = environment.get("name")
            name_text = scalar_text(environment)
            if deployment and name_text:  # `environment.resource` names a resource in it
                job.environment = name_text if "$" in name_text else name_text.split(".")[0]
            job.references += self.images(item)
            if deployment:
                for steps in _strategy_steps(item.get("strategy")):
                    self.steps(steps, path, job, depth)
            elif isinstance(item.get("steps"), LineList):
                self.steps(item["steps"], path, job, depth)
            found.append(job)
        return found

    def steps(self, steps: LineList, path: str, job: _Job, depth: int) -> None:
        for where, step, _ in self.items(steps, job.triggers):
            label = scalar_text(step.get("displayName") or step.get("name"))
            if "template" in step:
                content = self.template(step["template"], path, where) \
                    if depth < MAX_DEPTH else None
                inner = content.get("steps") if isinstance(content, LineDict) else None
                if isinstance(inner, LineList):
                    self.steps(inner, inner.file or path, job, depth + 1)
                continue
            key = next((k for k in SCRIPT_KEYS if k in step), None)
            if key is not None and isinstance(step[key], str):
                folder = _working_directory(step.get("workingDirectory"))
                job.references += [
                    Reference(COMMAND, line, step.locate(key, offset), label=label,
                              directory=folder)
                    for offset, line in shell_lines(step[key])]
            task = step.get("task")
            if isinstance(task, str) and task.strip():
                name, _, version = task.strip().partition("@")
                name = name.rsplit(".", 1)[-1].lower()  # Publisher.extension.contribution.Task
                inputs = step.get("inputs")
                job.references.append(Reference(
                    ACTION, TASK_PREFIX + name, step.locate("task"),
                    tuple((str(k), scalar_text(v)) for k, v in inputs.items())
                    if isinstance(inputs, dict) else (), version.strip(), label))
                if isinstance(inputs, LineDict):
                    job.references += _inline_script(inputs, label)
                if name in MANUAL_TASKS:
                    job.manual = True

    def items(self, items: LineList,
              triggers: frozenset[str]) -> list[tuple[str, LineDict, frozenset[str]]]:
        """Mapping items of a list with their locators, `${{ if }}` / `${{ each }}` spliced in."""
        found: list[tuple[str, LineDict, frozenset[str]]] = []
        for index, item in enumerate(items):
            if not isinstance(item, LineDict):
                continue
            keys = [k for k in item if isinstance(k, str) and k.strip().startswith("${{")]
            if len(item) == 1 and keys:
                match = _EXPRESSION_KEY.match(keys[0])
                inner = item[keys[0]]
                narrowed: frozenset[str] | None = None
                if match and match.group("kind") == "if":
                    narrowed = condition_triggers(match.group("rest"), triggers)
                if isinstance(inner, LineList):
                    found += self.items(inner, triggers if narrowed is None else narrowed)
                continue
            found.append((items.locate(index), item, triggers))
        return found

    def narrow(self, item: LineDict, triggers: frozenset[str]) -> frozenset[str]:
        condition = item.get("condition")
        if isinstance(condition, str):
            narrowed = condition_triggers(condition, triggers)
            if narrowed is not None:
                return narrowed
        return triggers

    def images(self, item: LineDict) -> list[Reference]:
        found: list[Reference] = []
        container = item.get("container")
        image = container.get("image") if isinstance(container, dict) else container
        if isinstance(image, str) and image:
            found.append(Reference(IMAGE, self.containers.get(image, image),
                                   item.locate("container")))
        services = item.get("services")
        if isinstance(services, LineDict):
            for alias, service in services.items():
                if isinstance(service, str) and service:
                    found.append(Reference(IMAGE, self.containers.get(service, service),
                                           services.locate(alias)))
        return found

    def variables(self, raw: Any, path: str, depth: int) -> dict[str, str]:
        found: dict[str, str] = {}
        if isinstance(raw, dict):
            return {str(k): scalar_text(v) for k, v in raw.items()
                    if not isinstance(v, dict | list)}
        if not isinstance(raw, LineList):
            return found
        for index, item in enumerate(raw):
            if not isinstance(item, dict):
                continue
            if "name" in item:
                found[scalar_text(item["name"])] = scalar_text(item.get("value"))
            elif "template" in item and depth < MAX_DEPTH:
                content = self.template(item["template"], path, raw.locate(index))
                if isinstance(content, LineDict):
                    found.update(self.variables(content.get("variables"),
                                                content.file or path, depth + 1))
        return found


def _strategy_steps(strategy: Any) -> list[LineList]:
    """The step lists of a deployment strategy's lifecycle hooks."""
    found: list[LineList] = []
    for kind in ("runOnce", "rolling", "canary"):
        hooks = strategy.get(kind) if isinstance(strategy, dict) else None
        if not isinstance(hooks, dict):
            continue
        for hook in ("preDeploy", "deploy", "routeTraffic", "postRouteTraffic"):
            body = hooks.get(hook)
            if isinstance(body, dict) and isinstance(body.get("steps"), LineList):
                found.append(body["steps"])
        on = hooks.get("on")
        for outcome in ("failure", "success"):
            body = on.get(outcome) if isinstance(on, dict) else None
            if isinstance(body, dict) and isinstance(body.get("steps"), LineList):
                found.append(body["steps"])
    return found


def _gate(jobs: list[_Job]) -> None:
    """Jobs waiting for a ManualValidation task, directly or through what they depend on."""
    by_stage: dict[str | None, list[_Job]] = {}
    for job in jobs:
        by_stage.setdefault(job.stage, []).append(job)
    gates: dict[int, frozenset[str]] = {id(j): j.triggers for j in jobs if j.manual}
    changed = True
    while changed:
        changed = False
        gated_stages: dict[str | None, frozenset[str]] = {}
        for job in jobs:
            if id(job) in gates:
                gated_stages[job.stage] = gated_stages.get(job.stage, frozenset()) | gates[id(job)]
        for job in jobs:
            if id(job) in gates:
                continue
            upstream = frozenset().union(*(
                [gates[id(other)] for other in by_stage.get(job.stage, [])
                 if other.name in job.needs and id(other) in gates] +
                [gated_stages[stage] for stage in job.stage_needs if stage in gated_stages]))
            if upstream & job.triggers:
                gates[id(job)] = upstream
                changed = True
    for job in jobs:
        if job.manual:
            job.triggers = frozenset({MANUAL})
        elif id(job) in gates:
            gate = gates[id(job)]
            job.triggers = frozenset((job.triggers - gate) | {MANUAL})


def pipeline_files(tree: RepoTree) -> list[str]:
    return [p for p in ROOT_FILES if tree.has(p)] + [
        path for folder in FOLDERS for path in in_folder(tree, folder, ".yml", ".yaml")]


def parse(tree: RepoTree) -> ParseResult:
    result = ParseResult(SYSTEM)
    reader = _Reader(tree, result)
    read: list[tuple[str, list[_Job] | None]] = []
    for path in pipeline_files(tree):
        data = reader.load(path)
        if data is None:
            continue
        try:
            read.append((path, reader.pipeline(path, data)))
        except RecursionError:
            result.unreadable.append((path, "nesting too deep"))
    for path, jobs in read:
        if path in reader.used_as_template:
            continue  # read where it is included, with its caller's triggers
        data = reader.cache.get(path)
        if path not in ROOT_FILES and isinstance(data, dict) and "parameters" in data and \
                not PIPELINE_KEYS & set(data):
            result.notes.append((path, "a template (parameters, no triggers) not included by "
                                 "a pipeline here; not read as a pipeline"))
            continue
        if jobs is None:
            result.unreadable.append((path, "not a pipeline: no stages, jobs, steps or "
                                      "extends"))
            continue
        _gate(jobs)
        result.jobs += [Job(SYSTEM, job.file, job.name, job.locator, job.triggers,
                            tuple(job.references), job.environment, job.stage,
                            tuple(job.variables.items()), job.needs) for job in jobs]
    return result


def _working_directory(value: Any) -> str:
    """A step's `workingDirectory` as a repository folder: relative to the sources
    (`$(Build.SourcesDirectory)/web` -> `web`); "" when it is the root or computed."""
    if not isinstance(value, str):
        return ""
    for root in ("$(Build.SourcesDirectory)", "$(System.DefaultWorkingDirectory)",
                 "$(Pipeline.Workspace)/s"):
        value = value.replace(root, "")
    folder = posixpath.normpath(value.strip().lstrip("/").removeprefix("./") or ".")
    return "" if folder == "." or "$" in folder or folder.startswith("..") else folder


def _inline_script(inputs: LineDict, label: str) -> list[Reference]:
    """The command lines of a task's inline script, where its inputs hold one."""
    key = next((k for k in INLINE_SCRIPT_INPUTS if isinstance(inputs.get(k), str)), None)
    inline = scalar_text(inputs.get("targetType", "inline")).lower() == "inline"
    if key is None or (key == "script" and not inline):
        return []
    folder = _working_directory(inputs.get("workingDirectory"))
    return [Reference(COMMAND, line, inputs.locate(key, offset), label=label, directory=folder)
            for offset, line in shell_lines(inputs[key])]
