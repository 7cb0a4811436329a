"""Whether chart-releaser (`cr`, `helm/chart-releaser-action`) signs the charts it packages.

`cr package` signs each chart (a Helm provenance file, signed with GPG) when its `sign`
setting is on: `CR_SIGN=true` in the environment, `sign: true` in the configuration
file the action's `config` input or `--config` names, or `--sign` on the command line
(matched by the catalogue directly).  The action packages unless `skip_packaging` is set.
"""

from __future__ import annotations

from scanner.collectors.ci.configured.context import Context, chained, in_directory, step_env
from scanner.collectors.ci.model import ACTION, COMMAND, CONFIGURED, Job, Reference
from scanner.collectors.ci.resolve.words import pieces, words
from scanner.yaml_source import LineDict

ACTION_NAME = "helm/chart-releaser-action"
SETTING = "chart-releaser:sign"


def signing(context: Context, job: Job, reference: Reference,
            tools: frozenset[str]) -> list[Reference]:
    env = {name: (value, job.locator) for name, value in job.variables}
    config = ""
    if reference.kind == ACTION and reference.value == ACTION_NAME:
        if reference.input("skip_packaging").strip().lower() == "true":
            return []
        env.update(step_env(context, reference))
        config = reference.input("config")
        directory = ""
    elif reference.kind == COMMAND and "cr" in reference.value:
        command = _cr_package(reference.value)
        if command is None:
            return []
        env.update({name: (value, reference.locator) for name, value in command[0]})
        config = command[1]
        directory = reference.directory
    else:
        return []
    value, where = env.get("CR_SIGN", ("", ""))
    if value.strip().lower() == "true":
        return [_signed(where, reference)]
    path = in_directory(directory, config) if config else None
    data = context.yaml(path) if path else None
    if isinstance(data, LineDict) and data.get("sign") is True:
        return [_signed(f"{path}:{data.line_of('sign')}", reference, chained(reference))]
    return []


def _signed(where: str, reference: Reference, via: tuple[str, ...] | None = None) -> Reference:
    return Reference(CONFIGURED, SETTING, where, via=reference.via if via is None else via,
                     label="chart-releaser signs the charts it packages")


def _cr_package(line: str) -> tuple[list[tuple[str, str]], str] | None:
    """For a line running `cr package`: (its leading VAR=value assignments, the file its
    `--config` names); None for other lines."""
    for piece in pieces(line):
        command = words(piece)
        assignments = []
        while command and "=" in command[0] and not command[0].startswith("-"):
            name, _, value = command.pop(0).partition("=")
            assignments.append((name, value))
        if command[:2] == ["cr", "package"]:
            config = next((arg.partition("=")[2] if "=" in arg else nxt
                           for arg, nxt in zip(command, [*command[1:], ""], strict=True)
                           if arg.split("=", 1)[0] == "--config"), "")
            return assignments, config
    return None
