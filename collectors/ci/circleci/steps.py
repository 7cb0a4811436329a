"""CircleCI steps -> references: `run` commands with `<< parameters.x >>` filled in,
reusable `commands:` expanded where used (the configuration's own or an inline
orb's), and orb commands and jobs from the registry as ORB references
`<namespace>/<orb>/<command>`."""

from __future__ import annotations

import posixpath
import re
from typing import Any

from scanner.collectors.ci.circleci.declared import Declarations, section
from scanner.collectors.ci.model import (
    COMMAND,
    ORB,
    TEST_REPORT,
    ParseResult,
    Reference,
    scalar_text,
    shell_lines,
)
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import LineDict, LineList

DEFAULT_CHECKOUT = "~/project"  # where a job checks the repository out, unless it says
MAX_DEPTH = 6
# Keys of a workflow entry that configure the entry, not the job's parameters.
ENTRY_KEYS = frozenset({"requires", "filters", "context", "name", "matrix", "type",
                        "pre-steps", "post-steps", "serial-group", "override-with"})
# Steps built into CircleCI that run no tool.
BUILT_IN_STEPS = frozenset({
    "checkout", "setup_remote_docker", "save_cache", "restore_cache", "store_artifacts",
    "store_test_results", "persist_to_workspace", "attach_workspace", "add_ssh_keys",
})
_PARAMETER = lazy_compile(r"<<\s*parameters\.([\w-]+)\s*>>")
_STEPS_PARAMETER = lazy_compile(r"^\s*<<\s*parameters\.([\w-]+)\s*>>\s*$")
# A job's or command's parameter values: text, or the steps of a `type: steps` parameter.
Parameters = dict[str, "str | LineList"]


class StepReader:
    """Reads one configuration file's steps; remembers the orb references it made (a
    setup workflow names its continuation in them)."""

    def __init__(self, path: str, declared: Declarations, result: ParseResult) -> None:
        self.path = path
        self.declared = declared
        self.result = result
        self.orb_references: list[Reference] = []
        self.checkout = DEFAULT_CHECKOUT  # the job being read checks out here

    def steps(self, steps: Any, parameters: Parameters, depth: int,
              commands: LineDict | None = None) -> list[Reference]:
        found: list[Reference] = []
        if not isinstance(steps, LineList) or depth > MAX_DEPTH:
            return found
        commands = self.declared.commands if commands is None else commands
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
        if command and alias in self.declared.inline_orbs:
            orb_commands = section(self.declared.inline_orbs[alias], "commands")
            definition = orb_commands.get(command)
            if isinstance(definition, dict):
                return self.steps(definition.get("steps"), self.defaults(definition, arguments),
                                  depth + 1, orb_commands)
        resolved = self.declared.orb(alias, command) if command else None
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

    def job_references(self, name: str, arguments: Parameters,
                       where: str) -> tuple[list[Reference], LineDict | None, str]:
        """References of the job a workflow entry runs, its definition and its locator."""
        body = self.declared.jobs.get(name)
        if isinstance(body, LineDict):
            parameters = self.defaults(body, arguments)
            checkout = body.get("working_directory")
            self.checkout = checkout if isinstance(checkout, str) else DEFAULT_CHECKOUT
            references = self.declared.images(body) + self.steps(body.get("steps"), parameters, 0)
            return references, body, self.declared.jobs.locate(name)
        alias, _, job = name.partition("/")
        if job and alias in self.declared.inline_orbs:
            orb_jobs = section(self.declared.inline_orbs[alias], "jobs")
            orb_commands = section(self.declared.inline_orbs[alias], "commands")
            body = orb_jobs.get(job)
            if isinstance(body, LineDict):
                references = self.declared.images(body) + self.steps(
                    body.get("steps"), self.defaults(body, arguments), 0, orb_commands)
                return references, body, orb_jobs.locate(job)
        resolved = self.declared.orb(alias, job) if job else None
        if resolved is not None:
            reference = Reference(ORB, resolved[0], where, _texts(arguments), resolved[1])
            self.orb_references.append(reference)
            return [reference], None, where
        self.result.notes.append((where, f"job '{name}' is not defined"))
        return [], None, where


def _fill(text: str, parameters: Parameters) -> str:
    def value(match: re.Match[str]) -> str:
        found = parameters.get(match[1])
        return found if isinstance(found, str) else match[0]
    return _PARAMETER.sub(value, text)


def _texts(arguments: Parameters) -> tuple[tuple[str, str], ...]:
    return tuple((name, value) for name, value in arguments.items() if isinstance(value, str))



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
