"""CircleCI (`.circleci/config.yml`) -> jobs.

Jobs run only through `workflows:`, so each workflow entry becomes a job:
its steps (with reusable `commands:` expanded where used, and `<<
parameters.x >>` filled in), its Docker images (also through `executors:`),
and its orb commands as ORB references `<namespace>/<orb>/<command>`
resolved through `orbs:`.  A workflow entry that is an orb job
(`aws-ecr/build-and-push-image`) is a job whose one reference is that orb.

Triggers come from the workflow's `triggers` / `when` and each entry's
branch and tag filters; CircleCI builds pull requests as branch builds, so
an unfiltered job runs on every push.  `type: approval` entries gate every
job that requires them, directly or not.  A setup configuration's
continuation file is read when it is in the repository.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from scanner.collectors.ci.github_actions import MAIN_LINE_BRANCH
from scanner.collectors.ci.model import (
    COMMAND,
    DEFAULT_BRANCH,
    IMAGE,
    MANUAL,
    ORB,
    OTHER,
    PUSH,
    SCHEDULE,
    TAG,
    TEST_REPORT,
    Job,
    ParseResult,
    Reference,
    combine_triggers,
    read_yaml,
    scalar_text,
    shell_lines,
)
from scanner.collectors.tree import RepoTree
from scanner.yaml_source import LineDict, LineList, stamp_file

SYSTEM = "circleci"
CONFIG_FILES = (".circleci/config.yml", ".circleci/config.yaml")
DEFAULT_CONTINUATION = ".circleci/continue_config.yml"
DEFAULT_CHECKOUT = "~/project"  # where a job checks the repository out, unless it says
EVERY_BRANCH = frozenset({PUSH, DEFAULT_BRANCH})
MAX_DEPTH = 6
# Keys of a workflow entry that configure the entry, not the job's parameters.
ENTRY_KEYS = frozenset({"requires", "filters", "context", "name", "matrix", "type",
                        "pre-steps", "post-steps", "serial-group", "override-with"})
# Steps built into CircleCI that run no tool.
BUILT_IN_STEPS = frozenset({
    "checkout", "setup_remote_docker", "save_cache", "restore_cache", "store_artifacts",
    "store_test_results", "persist_to_workspace", "attach_workspace", "add_ssh_keys",
})
_PARAMETER = re.compile(r"<<\s*parameters\.([\w-]+)\s*>>")
_STEPS_PARAMETER = re.compile(r"^\s*<<\s*parameters\.([\w-]+)\s*>>\s*$")
# A job's or command's parameter values: text, or the steps of a `type: steps` parameter.
Parameters = dict[str, "str | LineList"]
_PIPELINE_PARAMETER = re.compile(r"^\s*<<\s*pipeline\.parameters\.([\w-]+)\s*>>\s*$")
_BRANCH_EXPRESSION = re.compile(r"pipeline\.git\.branch\s*==\s*\"([^\"]+)\"")


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


class _Config:
    """One CircleCI configuration file: its orbs, executors, commands and jobs."""

    def __init__(self, path: str, data: LineDict, result: ParseResult) -> None:
        self.path = path
        self.data = data
        self.result = result
        self.orbs: dict[str, tuple[str, str]] = {}
        self.inline_orbs: dict[str, LineDict] = {}
        orbs = data.get("orbs")
        for alias, value in orbs.items() if isinstance(orbs, dict) else []:
            if isinstance(value, LineDict):
                self.inline_orbs[str(alias)] = value
            elif isinstance(value, str) and value:
                name, _, version = value.partition("@")
                self.orbs[str(alias)] = (name.strip().lower(), version.strip())
        self.commands = self.section(data, "commands")
        self.executors = self.section(data, "executors")
        self.jobs = self.section(data, "jobs")
        self.orb_references: list[Reference] = []
        self.checkout = DEFAULT_CHECKOUT  # the job being read checks out here
        parameters = self.section(data, "parameters")
        self.pipeline_defaults = {
            str(k): v.get("default") for k, v in parameters.items() if isinstance(v, dict)}

    @staticmethod
    def section(data: Any, key: str) -> LineDict:
        value = data.get(key) if isinstance(data, dict) else None
        return value if isinstance(value, LineDict) else LineDict()

    def orb(self, alias: str, name: str) -> tuple[str, str] | None:
        """`snyk/scan` -> ('snyk/snyk/scan', version) for an orb from the registry."""
        if alias not in self.orbs:
            return None
        orb_name, version = self.orbs[alias]
        return f"{orb_name}/{name}".lower(), version

    # Steps.

    def steps(self, steps: Any, parameters: Parameters, depth: int,
              commands: LineDict | None = None) -> list[Reference]:
        found: list[Reference] = []
        if not isinstance(steps, LineList) or depth > MAX_DEPTH:
            return found
        commands = self.commands if commands is None else commands
        for index, step in enumerate(steps):
            where = f"{steps.file or self.path}:{steps.line_of(index)}"
            if isinstance(step, str):
                name, body = step, None
            elif isinstance(step, LineDict) and len(step) == 1:
                name, body = str(next(iter(step))), next(iter(step.values()))
            else:
                self.result.notes.append((where, "step not understood; skipped"))
                continue
            found += self.step(name, body, step, where, parameters=parameters, depth=depth,
                               commands=commands)
        return found

    def step(self, name: str, body: Any, step: Any, where: str, *,
             parameters: Parameters, depth: int, commands: LineDict) -> list[Reference]:
        if name in ("run", "deploy"):
            return self.run(body, step, name, parameters)
        if name == "steps" and isinstance(body, str):  # `- steps: << parameters.x >>`
            match = _STEPS_PARAMETER.match(body)
            handed = parameters.get(match[1]) if match else None
            return self.steps(handed, parameters, depth + 1, commands) \
                if isinstance(handed, LineList) else []
        if name in ("when", "unless"):
            return self.steps(body.get("steps") if isinstance(body, dict) else None,
                              parameters, depth + 1, commands)
        if name == "store_test_results":  # the job publishes test results
            return [Reference(TEST_REPORT, "junit", where)]
        if name in BUILT_IN_STEPS or "<<" in name:
            return []
        arguments = self.arguments(body, parameters)
        if name in commands and isinstance(commands[name], dict):
            definition = commands[name]
            return self.steps(definition.get("steps"),
                              self.defaults(definition, arguments), depth + 1, commands)
        alias, _, command = name.partition("/")
        if command and alias in self.inline_orbs:
            orb_commands = self.section(self.inline_orbs[alias], "commands")
            definition = orb_commands.get(command)
            if isinstance(definition, dict):
                return self.steps(definition.get("steps"), self.defaults(definition, arguments),
                                  depth + 1, orb_commands)
        resolved = self.orb(alias, command) if command else None
        if resolved is not None:
            reference = Reference(ORB, resolved[0], where, _texts(arguments), resolved[1])
            self.orb_references.append(reference)
            # Steps handed to an orb command (`go/with-cache: {steps: [...]}`) are the
            # repository's own, run inside it.
            inside = [found for value in (body.values() if isinstance(body, dict) else [])
                      if isinstance(value, LineList)
                      for found in self.steps(value, parameters, depth + 1, commands)]
            return [reference, *inside]
        if command:
            self.result.notes.append((where, f"orb '{alias}' is not declared in orbs:"))
        else:
            self.result.notes.append((where, f"step '{name}' is not a known command"))
        return []

    def run(self, body: Any, step: Any, key: str, parameters: Parameters) -> list[Reference]:
        if isinstance(body, str):
            container, field_name = step, key
            label = ""
        elif isinstance(body, LineDict) and isinstance(body.get("command"), str):
            container, field_name = body, "command"
            label = scalar_text(body.get("name"))
        else:
            return []
        script = _fill(container[field_name], parameters)
        folder = _inside(body.get("working_directory"), self.checkout) \
            if isinstance(body, LineDict) else ""
        return [Reference(COMMAND, line, container.locate(field_name, offset), label=label,
                          directory=folder)
                for offset, line in shell_lines(script)]

    @staticmethod
    def arguments(body: Any, parameters: Parameters) -> Parameters:
        if not isinstance(body, dict):
            return {}
        return {str(k): v if isinstance(v, LineList) else _fill(scalar_text(v), parameters)
                for k, v in body.items()
                if not isinstance(v, dict) and (isinstance(v, LineList) or
                                                not isinstance(v, list))
                and str(k) not in ENTRY_KEYS}

    @staticmethod
    def defaults(definition: Any, given: Parameters) -> Parameters:
        """A command's or job's parameters: the given values over the declared defaults."""
        values: Parameters = {}
        declared = definition.get("parameters") if isinstance(definition, dict) else None
        for name, spec in declared.items() if isinstance(declared, dict) else []:
            default = spec.get("default") if isinstance(spec, dict) else None
            if isinstance(default, LineList):  # the default steps of a `type: steps`
                values[str(name)] = default
            elif default is not None and not isinstance(default, dict | list):
                values[str(name)] = scalar_text(default)
        values.update(given)
        return values

    # Jobs.

    def images(self, body: LineDict, depth: int = 0) -> list[Reference]:
        found: list[Reference] = []
        docker = body.get("docker")
        if isinstance(docker, LineList):
            for index, item in enumerate(docker):
                image = item.get("image") if isinstance(item, dict) else None
                if isinstance(image, str) and image:
                    found.append(Reference(IMAGE, image, docker.locate(index)))
        executor = body.get("executor")
        name = executor.get("name") if isinstance(executor, dict) else executor
        definition = self.executors.get(scalar_text(name)) if name else None
        if isinstance(definition, LineDict) and depth < 2:
            found += self.images(definition, depth + 1)
        return found

    def job_references(self, name: str, arguments: Parameters,
                       where: str) -> tuple[list[Reference], LineDict | None, str]:
        """References of the job a workflow entry runs, its definition and its locator."""
        body = self.jobs.get(name)
        if isinstance(body, LineDict):
            parameters = self.defaults(body, arguments)
            checkout = body.get("working_directory")
            self.checkout = checkout if isinstance(checkout, str) else DEFAULT_CHECKOUT
            references = self.images(body) + self.steps(body.get("steps"), parameters, 0)
            return references, body, self.jobs.locate(name)
        alias, _, job = name.partition("/")
        if job and alias in self.inline_orbs:
            orb_jobs = self.section(self.inline_orbs[alias], "jobs")
            orb_commands = self.section(self.inline_orbs[alias], "commands")
            body = orb_jobs.get(job)
            if isinstance(body, LineDict):
                references = self.images(body) + self.steps(
                    body.get("steps"), self.defaults(body, arguments), 0, orb_commands)
                return references, body, orb_jobs.locate(job)
        resolved = self.orb(alias, job) if job else None
        if resolved is not None:
            reference = Reference(ORB, resolved[0], where, _texts(arguments), resolved[1])
            self.orb_references.append(reference)
            return [reference], None, where
        self.result.notes.append((where, f"job '{name}' is not defined"))
        return [], None, where

    # Workflows.

    def workflow_triggers(self, workflow: Any) -> frozenset[str] | None:
        """What starts the workflow (None: every push, as far as the file says)."""
        if not isinstance(workflow, dict):
            return None
        triggers = workflow.get("triggers")
        if isinstance(triggers, list) and any(
                isinstance(t, dict) and "schedule" in t for t in triggers):
            return frozenset({SCHEDULE})
        admitted: frozenset[str] | None = None
        if "when" in workflow:
            admitted = self.condition(workflow["when"])
        if "unless" in workflow:
            negated = self.condition(workflow["unless"])
            if negated is not None:
                base = admitted if admitted is not None else EVERY_BRANCH | {TAG, SCHEDULE}
                admitted = base - negated
        return admitted

    def condition(self, condition: Any) -> frozenset[str] | None:
        """A `when:` logic statement, read conservatively (None: says nothing known)."""
        everything = EVERY_BRANCH | {TAG, SCHEDULE, OTHER}
        if isinstance(condition, bool):
            return everything if condition else frozenset()
        if isinstance(condition, str):
            parameter = _PIPELINE_PARAMETER.match(condition)
            if parameter and parameter.group(1) in self.pipeline_defaults:
                default = self.pipeline_defaults[parameter.group(1)]
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
            inner = self.condition(operand)
            return everything - inner if inner is not None else None
        parts = [self.condition(item) for item in operand] if isinstance(operand, list) else []
        return combine_triggers(operator, parts, everything)

    def workflows(self) -> list[Job]:
        jobs: list[Job] = []
        workflows = self.data.get("workflows")
        if not isinstance(workflows, LineDict):
            body = self.jobs.get("build")
            if isinstance(body, LineDict):  # version 2.0 without workflows: `build` runs
                references, _, locator = self.job_references("build", {}, self.jobs.locate(
                    "build"))
                jobs.append(Job(SYSTEM, self.path, "build", locator, EVERY_BRANCH,
                                tuple(references), variables=_variables(body)))
            return jobs
        for workflow_name, workflow in workflows.items():
            if workflow_name == "version" or not isinstance(workflow, LineDict):
                continue
            entries = workflow.get("jobs")
            if isinstance(entries, LineList):
                jobs += self.workflow(str(workflow_name), workflow, entries)
        return jobs

    def workflow(self, name: str, workflow: LineDict, entries: LineList) -> list[Job]:
        started = self.workflow_triggers(workflow)
        scheduled = started == frozenset({SCHEDULE})
        built: list[tuple[str, Job]] = []
        approvals: set[str] = set()
        requires: dict[str, tuple[str, ...]] = {}
        for index, entry in enumerate(entries):
            if isinstance(entry, str):
                job_name, options = entry, LineDict()
            elif isinstance(entry, LineDict) and len(entry) == 1:
                job_name = str(next(iter(entry)))
                options = entry[job_name] if isinstance(entry[job_name], LineDict) \
                    else LineDict()
            else:
                self.result.notes.append((entries.locate(index),
                                          "workflow entry not understood; skipped"))
                continue
            where = entries.locate(index)
            label = scalar_text(options.get("name")) or job_name
            needs = _requires(options.get("requires"))
            requires[label] = needs
            if scalar_text(options.get("type")) == "approval":
                approvals.add(label)
                built.append((label, Job(SYSTEM, self.path, label, where,
                                         frozenset({MANUAL}), stage=name, needs=needs)))
                continue
            arguments = self.arguments(options, {})
            references, body, locator = self.job_references(job_name, arguments, where)
            for key in ("pre-steps", "post-steps"):
                references += self.steps(options.get(key), arguments, 0)
            triggers = started if scheduled and started is not None else \
                filter_triggers(options.get("filters"))
            if started is not None and not scheduled:
                triggers = triggers & started if triggers & started else started & (
                    triggers | {OTHER, SCHEDULE})
            built.append((label, Job(
                SYSTEM, self.path, label, locator, frozenset(triggers), tuple(references),
                stage=name, variables=_variables(body), needs=needs)))
        gated = _downstream(approvals, requires)
        return [Job(job.system, job.file, job.name, job.locator, frozenset({MANUAL}),
                    job.references, job.environment, job.stage, job.variables, job.needs)
                if label in gated else job for label, job in built]

    def continuation(self) -> str | None:
        """The configuration file a setup workflow continues with."""
        if self.data.get("setup") is not True:
            return None
        for reference in self.orb_references:
            if reference.value.endswith("path-filtering/filter"):
                return reference.input("config-path") or DEFAULT_CONTINUATION
            if reference.value.endswith("continuation/continue") and \
                    reference.input("configuration_path"):
                return reference.input("configuration_path")
        return DEFAULT_CONTINUATION


def _fill(text: str, parameters: Parameters) -> str:
    def value(match: re.Match[str]) -> str:
        found = parameters.get(match[1])
        return found if isinstance(found, str) else match[0]
    return _PARAMETER.sub(value, text)


def _texts(arguments: Parameters) -> tuple[tuple[str, str], ...]:
    return tuple((name, value) for name, value in arguments.items() if isinstance(value, str))


def _requires(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value] if value is not None else []
    found: list[str] = []
    for item in items:
        if isinstance(item, dict):  # `- build: [success, failed]`
            found += [scalar_text(k) for k in item]
        elif scalar_text(item):
            found.append(scalar_text(item))
    return tuple(found)


def _downstream(roots: set[str], requires: dict[str, tuple[str, ...]]) -> set[str]:
    """Entries that require one of `roots`, directly or through others."""
    gated: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, needs in requires.items():
            if name not in gated and name not in roots and \
                    any(need in roots or need in gated for need in needs):
                gated.add(name)
                changed = True
    return gated


def _variables(body: Any) -> tuple[tuple[str, str], ...]:
    environment = body.get("environment") if isinstance(body, dict) else None
    if not isinstance(environment, dict):
        return ()
    return tuple((str(k), scalar_text(v)) for k, v in environment.items())


def _load(tree: RepoTree, path: str, result: ParseResult) -> LineDict | None:
    read, data = read_yaml(tree, path, result)
    if not read:
        return None
    if not isinstance(data, LineDict) or not (
            isinstance(data.get("jobs"), dict) or isinstance(data.get("workflows"), dict)):
        result.unreadable.append((path, "not a CircleCI configuration: no 'jobs' or "
                                  "'workflows' mapping"))
        return None
    result.files.append(path)
    stamped: LineDict = stamp_file(data, path)
    return stamped


def parse(tree: RepoTree) -> ParseResult:
    result = ParseResult(SYSTEM)
    path = next((p for p in CONFIG_FILES if tree.has(p)), None)
    seen: set[str] = set()
    while path is not None and path not in seen and len(seen) < 3:
        seen.add(path)
        data = _load(tree, path, result)
        if data is None:
            break
        config = _Config(path, data, result)
        result.jobs += config.workflows()
        following = config.continuation()
        path = None
        if following is not None:
            candidate = posixpath.normpath(following.lstrip("/"))
            if tree.has(candidate):
                path = candidate
            else:
                result.external.append((f"{config.path}:{data.line_of('setup')}", (
                    f"continuation configuration {candidate} is generated at run time or "
                    "not in the repository; not read")))
    return result


def _inside(value: Any, checkout: str) -> str:
    """A step's `working_directory` as a folder of the repository, which CircleCI checks
    out into the job's own working directory ("" when it is that folder or elsewhere)."""
    if not isinstance(value, str):
        return ""
    base = checkout.rstrip("/") + "/"
    if value.startswith(base):
        value = value[len(base):]
    elif value.startswith(("~", "/", "$")):
        return ""
    folder = posixpath.normpath(value.removeprefix("./"))
    return "" if folder == "." or folder.startswith("..") else folder
