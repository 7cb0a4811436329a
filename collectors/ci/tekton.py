"""Tekton (`.tekton/*.yaml`, and Tekton resources anywhere outside examples, tests,
docs and catalogue folders such as `task/<name>/<version>/`) -> jobs.

Each task of a pipeline (`spec.tasks` and `spec.finally`) is a job, needing
the tasks in its `runAfter`.  A task's steps come from its inline `taskSpec`,
or from the `Task` / `ClusterTask` its `taskRef` names when that is defined in
the repository: a step's `image` is an image reference, its `script` (when
a shell script) or `command` / `args` its command lines, and `workingDir` the
folder they run in (relative to the checked-out workspace).  A task taken
from a catalogue, a bundle, a hub or a cluster (`git-clone`, `kaniko`,
`buildah`, `trivy-scanner`, `sonarqube-scanner`, ...) is a named step
`tekton-task/<name>` with the pipeline task's params as inputs.

Pipelines run through a `PipelineRun` (inline `pipelineSpec` or a
`pipelineRef` to a pipeline in the repository; one from a bundle or a remote
URL is recorded as not read), or through a `TaskRun`.  Names that say a task
deploys name its environment ("deploy-to-staging").

Triggers: a PipelineRun that Pipelines-as-Code runs carries its events as
annotations: `on-event` (push, pull_request, incoming) with
`on-target-branch`, or an `on-cel-expression` (`event == "push" &&
target_branch == "main"`), and `on-comment` / `on-label` for runs a person
starts.  A `.tekton/` run without them runs only when someone asks (a
`/test` comment).  Anything else - a pipeline started by Tekton Triggers, a
CronJob or by hand, configured outside the repository - counts as started by
other means (OTHER), with a note.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from scanner.collectors.ci import conditions
from scanner.collectors.ci.conditions import Admits
from scanner.collectors.ci.model import (
    COMMAND,
    DEFAULT_BRANCH,
    IMAGE,
    MANUAL,
    NAMED_STEP,
    OTHER,
    PULL_REQUEST,
    PUSH,
    TAG,
    Job,
    ParseResult,
    Reference,
    scalar_text,
    shell_lines,
)
from scanner.collectors.ci.shapes import (
    Budget,
    argv_commands,
    branch_admits,
    branch_reach,
    cut,
    environment_named,
    image_tool,
    scalar,
    script_commands,
    texts,
    working_directory,
)
from scanner.collectors.tree import RepoTree, SkippedFile
from scanner.yaml_source import LineDict, LineList, YamlError, load_yaml_documents, stamp_file

SYSTEM = "tekton"
PAC_FOLDER = ".tekton/"
PAC = "pipelinesascode.tekton.dev/"
NOT_CI = re.compile(r"(?i)(^|/)(examples?|samples?|demos?|tests?|testdata|test-data|e2e|"
                    r"fixtures?|docs?|vendor|third_party|node_modules)/")
# A catalogue's layout (`task/git-clone/0.9/git-clone.yaml`): tasks and pipelines the
# repository publishes for others to run, not its own CI.
CATALOGUE = re.compile(r"(^|/)(tasks?|pipelines?|stepactions?)/[^/]+/v?\d+(\.\d+)+/")
RESOURCE_KINDS = frozenset({"Pipeline", "Task", "ClusterTask", "PipelineRun", "TaskRun",
                            "StepAction"})
MAX_CANDIDATES = 5000
MAX_DOCUMENTS = 100
MAX_TASKS = 200
MAX_STEPS = 100
USUAL = frozenset({PUSH, DEFAULT_BRANCH, PULL_REQUEST, TAG})
EVERYTHING = USUAL | {MANUAL, OTHER}
OUTSIDE_NOTE = ("started outside the repository (Tekton Triggers, a scheduled or hand-made "
                "run): counts as started by other means, neither before nor after merge")
_EVENTS = {"push": frozenset({PUSH, DEFAULT_BRANCH, TAG}),
           "pull_request": frozenset({PULL_REQUEST}), "incoming": frozenset({OTHER})}
_CEL_COMPARISON = re.compile(r"^(?P<lhs>event_type|event|target_branch)\s*(?P<op>==|!=|in)\s*"
                             r"(?P<rhs>.+)$")
_CEL_CALL = re.compile(r"^target_branch\.(?P<call>startsWith|matches|contains)\(\s*"
                       r"(?P<arg>\"[^\"]*\"|'[^']*')\s*\)$")
_WORKSPACE = re.compile(r"^(\$\(workspaces\.[\w-]+\.path\)|/workspace/[\w.-]+)")
_SHELLS = ("sh", "bash", "ash", "dash", "zsh")


@dataclass
class _Resource:
    kind: str
    name: str
    path: str
    body: LineDict
    used: bool = field(default=False)

    @property
    def spec(self) -> LineDict:
        spec = self.body.get("spec")
        return spec if isinstance(spec, LineDict) else LineDict()

    @property
    def annotations(self) -> dict[str, str]:
        metadata = self.body.get("metadata")
        raw = metadata.get("annotations") if isinstance(metadata, dict) else None
        return {str(k): scalar_text(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


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


def _params(value: Any) -> tuple[tuple[str, str], ...]:
    """`[{name: x, value: y}, ...]` as (name, value) pairs; list values joined."""
    found: list[tuple[str, str]] = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict) and scalar_text(item.get("name")):
            raw = item.get("value")
            text = " ".join(texts(raw)) if isinstance(raw, list) else \
                "" if isinstance(raw, dict) else scalar_text(raw)
            found.append((scalar_text(item["name"]), text))
    return tuple(found)


def _name(body: LineDict) -> str:
    metadata = body.get("metadata")
    if not isinstance(metadata, dict):
        return ""
    return scalar_text(metadata.get("name")) or scalar_text(metadata.get("generateName"))


class _Reader:
    def __init__(self, tree: RepoTree, result: ParseResult,
                 resources: list[_Resource]) -> None:
        self.tree = tree
        self.result = result
        self.resources = resources
        self.budget = Budget(resources[0].path if resources else PAC_FOLDER, result)
        self.named: dict[tuple[str, str], _Resource] = {}
        for resource in resources:
            kind = "Task" if resource.kind == "ClusterTask" else resource.kind
            self.named.setdefault((kind, resource.name), resource)

    def jobs(self) -> list[Job]:
        found: list[Job] = []
        for run in [r for r in self.resources if r.kind == "PipelineRun"]:
            found += self.pipeline_run(run)
        for run in [r for r in self.resources if r.kind == "TaskRun"]:
            self.note(run)
            found.append(Job(SYSTEM, run.path, run.name or "taskrun", run.body.locate("spec"),
                             frozenset({OTHER}),
                             self.budget.take(self.task_references(run.spec, run.path)),
                             environment_named(run.name)))
        for pipeline in [r for r in self.resources if r.kind == "Pipeline" and not r.used]:
            self.note(pipeline)
            found += self.pipeline(pipeline.path, pipeline.spec, frozenset({OTHER}),
                                   pipeline.name)
        return found

    def note(self, resource: _Resource) -> None:
        self.result.notes.append((f"{resource.path}:{resource.body.line}",
                                  f"{resource.kind} '{resource.name}' {OUTSIDE_NOTE}"))

    def pipeline_run(self, run: _Resource) -> list[Job]:
        spec = run.spec
        triggers = pac_triggers(run.annotations)
        if triggers is None:
            if run.path.startswith(PAC_FOLDER):
                triggers = frozenset({MANUAL})
                self.result.notes.append((f"{run.path}:{run.body.line}", (
                    f"PipelineRun '{run.name}' has no Pipelines-as-Code event annotation: "
                    "it runs only when someone asks for it")))
            else:
                triggers = frozenset({OTHER})
                self.note(run)
        self.used_file(run.path)
        inline = spec.get("pipelineSpec")
        if isinstance(inline, LineDict):
            return self.pipeline(run.path, inline, triggers, run.name)
        reference = spec.get("pipelineRef")
        name = scalar_text(reference.get("name")) if isinstance(reference, dict) else ""
        remote = isinstance(reference, dict) and ("resolver" in reference or
                                                  "bundle" in reference)
        pipeline = self.named.get(("Pipeline", name)) if name and not remote else None
        if pipeline is None:
            where = spec.locate("pipelineRef") if "pipelineRef" in spec else \
                f"{run.path}:{run.body.line}"
            source = run.annotations.get(PAC + "pipeline") or (
                scalar_text(reference.get("resolver")) if isinstance(reference, dict) else "")
            self.result.external.append((where, (
                f"pipeline '{name or _params_name(reference)}' of PipelineRun '{run.name}' "
                f"{'from ' + source if source else 'is not defined in the repository'}")))
            return []
        pipeline.used = True
        self.used_file(pipeline.path)
        return self.pipeline(pipeline.path, pipeline.spec, triggers, run.name or pipeline.name)

    def pipeline(self, path: str, spec: LineDict, triggers: frozenset[str],
                 stage: str) -> list[Job]:
        self.used_file(path)
        jobs: list[Job] = []
        for key in ("tasks", "finally"):
            tasks = spec.get(key)
            if not isinstance(tasks, LineList):
                continue
            for index, task in enumerate(cut(tasks, MAX_TASKS, tasks.locate(MAX_TASKS),
                                             "pipeline tasks", self.result)):
                if not isinstance(task, LineDict) or not scalar(task.get("name")):
                    self.result.notes.append((tasks.locate(index), "pipeline task not "
                                              "understood; skipped"))
                    continue
                if self.budget.spent:
                    return jobs
                name = scalar_text(task["name"])
                jobs.append(Job(SYSTEM, path, name, tasks.locate(index), triggers,
                                self.budget.take(self.task_references(task, path)),
                                environment_named(name, context=(stage,)), stage,
                                needs=tuple(texts(task.get("runAfter")))))
        return jobs

    def task_references(self, task: LineDict, path: str) -> list[Reference]:
        """The steps of a pipeline task (or a TaskRun): inline, from the repository, or named."""
        inline = task.get("taskSpec")
        if isinstance(inline, LineDict):
            return self.steps(inline)
        reference = task.get("taskRef")
        if not isinstance(reference, LineDict):
            return []
        params = dict(_params(reference.get("params")))
        in_repository = params.get("pathInRepo", "")
        if scalar_text(reference.get("resolver")) == "git" and self.tree.has(in_repository):
            found = next((r for r in self.resources if r.path == in_repository
                          and r.kind in ("Task", "ClusterTask")), None)
            if found is not None:
                self.used_file(found.path)
                return self.steps(found.spec)
        name = scalar_text(reference.get("name")) or params.get("name") or \
            posixpath.splitext(posixpath.basename(in_repository or params.get("url", "")))[0]
        remote = "resolver" in reference or "bundle" in reference
        found = None if remote else self.named.get(("Task", name))
        if found is not None:
            self.used_file(found.path)
            return self.steps(found.spec)
        bundle = params.get("bundle") or scalar_text(reference.get("bundle"))
        version = params.get("version") or _tag(bundle)
        return [Reference(NAMED_STEP, f"tekton-task/{name.lower()}", task.locate("taskRef"),
                          _params(task.get("params")), version)]

    def steps(self, spec: LineDict) -> list[Reference]:
        found: list[Reference] = []
        steps = spec.get("steps")
        for step in steps[:MAX_STEPS] if isinstance(steps, LineList) else []:
            if isinstance(step, LineDict):
                found += self.step(step)
        sidecars = spec.get("sidecars")
        for sidecar in sidecars if isinstance(sidecars, LineList) else []:
            if isinstance(sidecar, LineDict) and scalar_text(sidecar.get("image")):
                found.append(Reference(IMAGE, scalar_text(sidecar["image"]),
                                       sidecar.locate("image")))
        return found

    def step(self, step: LineDict) -> list[Reference]:
        label = scalar_text(step.get("name"))
        reference = step.get("ref")
        if isinstance(reference, dict):
            action = self.named.get(("StepAction", scalar_text(reference.get("name"))))
            if action is None:
                return [Reference(NAMED_STEP, "tekton-stepaction/" + (
                    scalar_text(reference.get("name")) or _params_name(reference)).lower(),
                    step.locate("ref"), _params(step.get("params")), label=label)]
            self.used_file(action.path)
            step = action.spec
        directory = _directory(scalar_text(step.get("workingDir")))
        image = scalar_text(step.get("image"))
        found = [Reference(IMAGE, image, step.locate("image"), label=label)] if image else []
        if "script" in step:
            return found + script_commands(step, "script", label, directory)
        command = step.get("command")
        words = texts(command)
        if isinstance(command, LineList) and words and posixpath.basename(words[0]) in _SHELLS \
                and "-c" in words:
            at = words.index("-c") + 1  # the script follows -c, in `command` or in `args`
            args = step.get("args")
            holder, index = (command, at) if at < len(command) else (args, at - len(command))
            if isinstance(holder, LineList) and index < len(holder) and \
                    isinstance(holder[index], str):
                return found + [Reference(COMMAND, line, holder.locate(index, offset),
                                          label=label, directory=directory)
                                for offset, line in shell_lines(holder[index])]
        head = " ".join(words) or image_tool(image)
        return found + argv_commands(step, head, step.get("args"), label, directory)

    def used_file(self, path: str) -> None:
        if path not in self.result.files:
            self.result.files.append(path)


def _tag(image: str) -> str:
    """`quay.io/org/task-x:0.2@sha256:...` -> '0.2'."""
    _, colon, tag = image.split("@", 1)[0].rpartition(":")
    return tag if colon and "/" not in tag else ""


def _params_name(reference: Any) -> str:
    return dict(_params(reference.get("params"))).get("name", "") \
        if isinstance(reference, dict) else ""


def _directory(working_dir: str) -> str:
    """`$(workspaces.source.path)/api` -> 'api': the workspace holds the checkout."""
    match = _WORKSPACE.match(working_dir)
    if match:
        return working_directory(working_dir[match.end():].lstrip("/"))
    return working_directory(working_dir)


def _candidates(tree: RepoTree, result: ParseResult) -> list[str]:
    """`.tekton/` files, and YAML files elsewhere that may hold the repository's own CI."""
    yaml_files = [p for p in tree.paths() if p.endswith((".yaml", ".yml"))]
    pac = [p for p in yaml_files if p.startswith(PAC_FOLDER)]
    elsewhere = [p for p in yaml_files if not p.startswith(PAC_FOLDER)
                 and not NOT_CI.search(p) and not CATALOGUE.search(p)]
    if len(elsewhere) > MAX_CANDIDATES:
        result.notes.append((elsewhere[MAX_CANDIDATES], (
            f"{len(elsewhere)} YAML files outside .tekton/; only the first {MAX_CANDIDATES} "
            "were searched for Tekton resources")))
    return pac + elsewhere[:MAX_CANDIDATES]


def _resources(tree: RepoTree, result: ParseResult) -> list[_Resource]:
    found: list[_Resource] = []
    for path in _candidates(tree, result):
        ours = path.startswith(PAC_FOLDER)  # elsewhere, a file that fails is not CI's loss
        try:
            text = tree.read_text(path)
            if "tekton.dev/" not in text:
                continue
            documents = load_yaml_documents(text)
        except (SkippedFile, YamlError) as exc:
            if ours:
                why = str(exc) if isinstance(exc, SkippedFile) else f"not valid YAML ({exc})"
                result.unreadable.append((path, why))
            continue
        for document in cut(documents, MAX_DOCUMENTS, path, "YAML documents", result):
            if isinstance(document, LineDict) and \
                    scalar_text(document.get("apiVersion")).startswith("tekton.dev/") and \
                    scalar_text(document.get("kind")) in RESOURCE_KINDS:
                stamp_file(document, path)
                found.append(_Resource(scalar_text(document["kind"]), _name(document), path,
                                       document))
    return found


def parse(tree: RepoTree) -> ParseResult:
    result = ParseResult(SYSTEM)
    resources = _resources(tree, result)
    try:
        result.jobs += _Reader(tree, result, resources).jobs()
    except RecursionError:
        result.unreadable.append((resources[0].path if resources else PAC_FOLDER,
                                  "nesting too deep"))
    return result
