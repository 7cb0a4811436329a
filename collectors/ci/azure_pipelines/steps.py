"""What an Azure Pipelines step runs: `script` / `bash` / `pwsh` / `powershell` become
command references, one per script line; `task: Name@N` becomes an action reference
`azure-task/<name>` with its version and inputs, and the inline script some tasks hold
becomes commands too.  A `ManualValidation` task waits for a person."""

from __future__ import annotations

import posixpath
from typing import Any

from scanner.collectors.ci.model import ACTION, COMMAND, Reference, scalar_text, shell_lines
from scanner.yaml_source import LineDict

TASK_PREFIX = "azure-task/"
SCRIPT_KEYS = ("script", "bash", "pwsh", "powershell")
# Task inputs that hold an inline script (AzureCLI@2 `inlineScript`, PowerShell@2 and
# Bash@3 `script` with `targetType: inline`, AzurePowerShell@5 `Inline`).
INLINE_SCRIPT_INPUTS = ("inlineScript", "script", "Inline")
MANUAL_TASKS = frozenset({"manualvalidation"})


def step_references(step: LineDict) -> list[Reference]:
    """The commands and the task of a step (a template step is read where it is included)."""
    label = scalar_text(step.get("displayName") or step.get("name"))
    found: list[Reference] = []
    key = next((k for k in SCRIPT_KEYS if k in step), None)
    if key is not None and isinstance(step[key], str):
        folder = _working_directory(step.get("workingDirectory"))
        found += [Reference(COMMAND, line, step.locate(key, offset), label=label,
                            directory=folder)
                  for offset, line in shell_lines(step[key])]
    task = _task(step)
    if task is not None:
        name, version = task
        inputs = step.get("inputs")
        found.append(Reference(
            ACTION, TASK_PREFIX + name, step.locate("task"),
            tuple((str(k), scalar_text(v)) for k, v in inputs.items())
            if isinstance(inputs, dict) else (), version, label))
        if isinstance(inputs, LineDict):
            found += _inline_script(inputs, label)
    return found


def waits_for_a_person(step: LineDict) -> bool:
    task = _task(step)
    return task is not None and task[0] in MANUAL_TASKS


def _task(step: LineDict) -> tuple[str, str] | None:
    """The (name, version) of a `task:` step, the name in lower case without the publisher
    and extension (`Publisher.extension.contribution.Task@2`)."""
    task = step.get("task")
    if not (isinstance(task, str) and task.strip()):
        return None
    name, _, version = task.strip().partition("@")
    return name.rsplit(".", 1)[-1].lower(), version.strip()


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
