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

Where: `resources` finds and reads the resources, `triggers` reads the
Pipelines-as-Code annotations, `reader` makes the jobs, `steps` a step's commands.
"""

from __future__ import annotations

from scanner.collectors.ci.model import ParseResult
from scanner.collectors.ci.tekton.reader import MAX_TASKS, OUTSIDE_NOTE, SYSTEM, RunReader
from scanner.collectors.ci.tekton.resources import MAX_DOCUMENTS, PAC_FOLDER, read_resources
from scanner.collectors.ci.tekton.triggers import PAC, pac_triggers
from scanner.collectors.tree import RepoTree

__all__ = ["MAX_DOCUMENTS", "MAX_TASKS", "OUTSIDE_NOTE", "PAC", "SYSTEM", "ParseResult",
           "pac_triggers", "parse"]


def parse(tree: RepoTree) -> ParseResult:
    result = ParseResult(SYSTEM)
    resources = read_resources(tree, result)
    try:
        result.jobs += RunReader(tree, result, resources).jobs()
    except RecursionError:
        result.unreadable.append((resources[0].path if resources else PAC_FOLDER,
                                  "nesting too deep"))
    return result
