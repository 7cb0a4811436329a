"""What a Tekton step runs: its `image` is an image reference, its `script` (when a
shell script) or `command` / `args` its command lines, and `workingDir` the folder they
run in (relative to the checked-out workspace); a sidecar's image is a reference too."""

from __future__ import annotations

import posixpath

from scanner.collectors.ci.model import COMMAND, IMAGE, Reference, scalar_text, shell_lines
from scanner.collectors.ci.shapes import (
    argv_commands,
    image_tool,
    script_commands,
    texts,
    working_directory,
)
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import LineDict, LineList

_WORKSPACE = lazy_compile(r"^(\$\(workspaces\.[\w-]+\.path\)|/workspace/[\w.-]+)")
_SHELLS = ("sh", "bash", "ash", "dash", "zsh")


def step_commands(step: LineDict, label: str) -> list[Reference]:
    """The image and command lines of a step (a StepAction's spec, where it uses one)."""
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


def sidecar_images(spec: LineDict) -> list[Reference]:
    found: list[Reference] = []
    sidecars = spec.get("sidecars")
    for sidecar in sidecars if isinstance(sidecars, LineList) else []:
        if isinstance(sidecar, LineDict) and scalar_text(sidecar.get("image")):
            found.append(Reference(IMAGE, scalar_text(sidecar["image"]),
                                   sidecar.locate("image")))
    return found


def _directory(working_dir: str) -> str:
    """`$(workspaces.source.path)/api` -> 'api': the workspace holds the checkout."""
    match = _WORKSPACE.match(working_dir)
    if match:
        return working_directory(working_dir[match.end():].lstrip("/"))
    return working_directory(working_dir)
