"""Tekton resources -> jobs.  Each task of a pipeline (`spec.tasks` and `spec.finally`)
is a job, needing the tasks in its `runAfter`.  A task's steps come from its inline
`taskSpec`, or from the `Task` / `ClusterTask` its `taskRef` names when that is defined
in the repository; a task taken from a catalogue, a bundle, a hub or a cluster is a
named step `tekton-task/<name>` with the pipeline task's params as inputs.  Pipelines
run through a `PipelineRun` (inline `pipelineSpec` or a `pipelineRef`) or a `TaskRun`;
one started outside the repository counts as started by other means, with a note."""

from __future__ import annotations

import posixpath

from scanner.collectors.ci.model import (
    MANUAL,
    NAMED_STEP,
    OTHER,
    Job,
    ParseResult,
    Reference,
    scalar_text,
)
from scanner.collectors.ci.shapes import Budget, cut, environment_named, scalar, texts
from scanner.collectors.ci.tekton.resources import (
    PAC_FOLDER,
    Resource,
    name_in_params,
    param_pairs,
)
from scanner.collectors.ci.tekton.steps import sidecar_images, step_commands
from scanner.collectors.ci.tekton.triggers import PAC, pac_triggers
from scanner.collectors.tree import RepoTree
from scanner.yaml_source import LineDict, LineList

SYSTEM = "tekton"
MAX_TASKS = 200
MAX_STEPS = 100
OUTSIDE_NOTE = ("started outside the repository (Tekton Triggers, a scheduled or hand-made "
                "run): counts as started by other means, neither before nor after merge")


class RunReader:
    """Reads the jobs of the Tekton resources a repository holds."""

    def __init__(self, tree: RepoTree, result: ParseResult,
                 resources: list[Resource]) -> None:
        self.tree = tree
        self.result = result
        self.resources = resources
        self.budget = Budget(resources[0].path if resources else PAC_FOLDER, result)
        self.named: dict[tuple[str, str], Resource] = {}
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

    def note(self, resource: Resource) -> None:
        self.result.notes.append((f"{resource.path}:{resource.body.line}",
                                  f"{resource.kind} '{resource.name}' {OUTSIDE_NOTE}"))

    def pipeline_run(self, run: Resource) -> list[Job]:
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
                f"pipeline '{name or name_in_params(reference)}' of PipelineRun '{run.name}' "
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
        params = dict(param_pairs(reference.get("params")))
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
                          param_pairs(task.get("params")), version)]

    def steps(self, spec: LineDict) -> list[Reference]:
        found: list[Reference] = []
        steps = spec.get("steps")
        for step in steps[:MAX_STEPS] if isinstance(steps, LineList) else []:
            if isinstance(step, LineDict):
                found += self.step(step)
        return found + sidecar_images(spec)

    def step(self, step: LineDict) -> list[Reference]:
        label = scalar_text(step.get("name"))
        reference = step.get("ref")
        if isinstance(reference, dict):
            action = self.named.get(("StepAction", scalar_text(reference.get("name"))))
            if action is None:
                return [Reference(NAMED_STEP, "tekton-stepaction/" + (
                    scalar_text(reference.get("name")) or name_in_params(reference)).lower(),
                    step.locate("ref"), param_pairs(step.get("params")), label=label)]
            self.used_file(action.path)
            step = action.spec
        return step_commands(step, label)

    def used_file(self, path: str) -> None:
        if path not in self.result.files:
            self.result.files.append(path)


def _tag(image: str) -> str:
    """`quay.io/org/task-x:0.2@sha256:...` -> '0.2'."""
    _, colon, tag = image.split("@", 1)[0].rpartition(":")
    return tag if colon and "/" not in tag else ""
