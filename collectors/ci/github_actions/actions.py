"""What a step's `uses:` stands for: a remote action or reusable workflow, with its
inputs; the command lines handed to an action through its inputs; the command a
build action stands for."""

from __future__ import annotations

import posixpath
from typing import Any

from scanner.collectors.ci.model import COMMAND, Reference, scalar_text, shell_lines
from scanner.yaml_source import LineDict

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


def remote(kind: str, uses: str, where: str, inputs: tuple[tuple[str, str], ...],
           label: str = "") -> Reference:
    """`owner/repo/path@ref` -> a reference to `owner/repo/path` (lower-case) at `ref`."""
    name, _, version = uses.strip().partition("@")
    return Reference(kind, name.lower(), where, inputs, version, label)


def with_inputs(step: Any) -> tuple[tuple[str, str], ...]:
    """The `with:` inputs of a step or of a job that calls a workflow, as text."""
    raw = step.get("with") if isinstance(step, dict) else None
    if not isinstance(raw, dict):
        return ()
    return tuple((str(k), scalar_text(val)) for k, val in raw.items())


def repository_folder(value: Any) -> str:
    """A working directory as a repository folder ("" for the root or an expression)."""
    if not isinstance(value, str) or "${{" in value or value.startswith(("/", "~")):
        return ""
    folder = posixpath.normpath(value.removeprefix("./"))
    return "" if folder in (".", "") or folder.startswith("..") else folder


def action_directory(inputs: LineDict) -> str:
    """The folder an action runs its commands in: its own input for it, else the root
    (a step's `working-directory` applies to `run` only)."""
    for name in ("working-directory", "working_directory", "build-root-directory"):
        if isinstance(inputs.get(name), str):
            return repository_folder(inputs[name])
    return ""


def input_commands(step: LineDict, path: str, label: str,
                   container: bool) -> list[Reference]:
    """Command lines given to an action through its inputs (`with: command: …`), or the
    arguments of a `docker://` step, which are the command its container runs."""
    inputs = step.get("with")
    if not isinstance(inputs, LineDict):
        return []
    directory = action_directory(inputs)
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


def commands_of_action(action: Reference, step: LineDict, path: str) -> list[Reference]:
    """The command a build action stands for: a Gradle or Maven action's task list, an
    image build's target stage."""
    inputs = step.get("with")
    if not isinstance(inputs, LineDict):
        return []
    directory = action_directory(inputs)
    where = f"{path}:{step.line_of('with')}"
    for prefix, (name, tool) in BUILD_ARGUMENTS.items():
        if action.value.startswith(prefix) and isinstance(inputs.get(name), str):
            return [Reference(COMMAND, f"{tool} {inputs[name].strip()}",
                              f"{path}:{inputs.line_of(name)}", label=action.label,
                              directory=directory)]
    if action.value.startswith(BUILD_IMAGE_ACTIONS) and isinstance(inputs.get("target"), str):
        context = repository_folder(inputs.get("context")) or "."
        file = inputs.get("file")
        dockerfile = f" -f {file}" if isinstance(file, str) and "${{" not in file else ""
        return [Reference(COMMAND, f"docker build --target {inputs['target']}{dockerfile} "
                          f"{context}", where, label=action.label, directory=directory)]
    return []

