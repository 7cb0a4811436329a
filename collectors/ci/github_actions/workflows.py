"""GitHub Actions workflow files -> jobs, with the workflows and actions they call.

A job that calls a local reusable workflow stands for that workflow's jobs; one
that calls another repository's is recorded as a reference, and its jobs join
when the scan can read it through the Git host.  Local composite actions' steps
become the calling step's; a local Docker action gives its image.
"""

from __future__ import annotations

import posixpath
from dataclasses import replace
from typing import Any

from scanner.collectors.ci.github_actions.actions import (
    commands_of_action,
    input_commands,
    remote,
    repository_folder,
    with_inputs,
)
from scanner.collectors.ci.github_actions.triggers import workflow_triggers
from scanner.collectors.ci.model import (
    ACTION,
    COMMAND,
    IMAGE,
    REUSABLE_WORKFLOW,
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
from scanner.collectors.tree import RepoTree
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import LineDict, LineList, YamlError, load_yaml

SYSTEM = "github_actions"
MAX_DEPTH = 4
MAX_EXTERNAL_READS = 10  # other repositories' workflows read per repository
# `${{ env.CARGO }}`: GitHub puts the value in before the shell runs the line.
ENV_EXPRESSION = lazy_compile(r"\$\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class WorkflowReader:
    """Reads workflow files into `result`'s jobs, each file once; remembers the local
    workflows that other workflows call."""

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
                reference = remote(REUSABLE_WORKFLOW, uses, where, with_inputs(body))
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
            here = repository_folder(step.get("working-directory")) or directory
            uses = step.get("uses")
            if isinstance(uses, str):
                where = f"{path}:{step.line_of('uses')}"
                if uses.startswith("docker://"):
                    references.append(Reference(IMAGE, uses[len("docker://"):], where,
                                                label=label))
                elif uses.startswith("./"):
                    references.extend(self.composite(uses, where, depth, step_env))
                else:
                    action = remote(ACTION, uses, where, with_inputs(step), label)
                    references.append(action)
                    references.extend(commands_of_action(action, step, path))
                references.extend(input_commands(step, path, label,
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
    return repository_folder(run.get("working-directory")) if isinstance(run, dict) else ""

