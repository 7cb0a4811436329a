"""CircleCI workflows -> jobs: each workflow entry becomes a job.

An entry runs its job's steps (or, as `aws-ecr/build-and-push-image`, an orb's job:
one reference, that orb), with its own `pre-steps` and `post-steps`.  It runs when
its workflow starts and its filters admit; `type: approval` entries gate every job
that requires them, directly or not.  A setup configuration names the file it
continues with.
"""

from __future__ import annotations

from typing import Any

from scanner.collectors.ci.circleci.declared import Declarations
from scanner.collectors.ci.circleci.steps import StepReader
from scanner.collectors.ci.circleci.triggers import (
    EVERY_BRANCH,
    filter_triggers,
    workflow_triggers,
)
from scanner.collectors.ci.model import (
    MANUAL,
    OTHER,
    SCHEDULE,
    Job,
    ParseResult,
    scalar_text,
)
from scanner.yaml_source import LineDict, LineList

SYSTEM = "circleci"
DEFAULT_CONTINUATION = ".circleci/continue_config.yml"


class ConfigFile:
    """One CircleCI configuration file read into jobs."""

    def __init__(self, path: str, data: LineDict, result: ParseResult) -> None:
        self.path = path
        self.data = data
        self.result = result
        self.declared = Declarations(data)
        self.reader = StepReader(path, self.declared, result)

    def workflows(self) -> list[Job]:
        jobs: list[Job] = []
        workflows = self.data.get("workflows")
        if not isinstance(workflows, LineDict):
            body = self.declared.jobs.get("build")
            if isinstance(body, LineDict):  # version 2.0 without workflows: `build` runs
                references, _, locator = self.reader.job_references(
                    "build", {}, self.declared.jobs.locate("build"))
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
        started = workflow_triggers(workflow, self.declared.pipeline_defaults)
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
            arguments = self.reader.arguments(options, {})
            references, body, locator = self.reader.job_references(job_name, arguments, where)
            for key in ("pre-steps", "post-steps"):
                references += self.reader.steps(options.get(key), arguments, 0)
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
        for reference in self.reader.orb_references:
            if reference.value.endswith("path-filtering/filter"):
                return reference.input("config-path") or DEFAULT_CONTINUATION
            if reference.value.endswith("continuation/continue") and \
                    reference.input("configuration_path"):
                return reference.input("configuration_path")
        return DEFAULT_CONTINUATION



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

