"""The jobs an Azure pipeline yields: each job as read (its stage, what it depends on,
whether it holds a ManualValidation task), made manual where it waits for a person,
then carried in the parse result as a CI-neutral `Job`."""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner.collectors.ci.model import MANUAL, Job, Reference

SYSTEM = "azure_pipelines"


@dataclass
class PipelineJob:
    name: str
    file: str
    locator: str
    triggers: frozenset[str]
    stage: str | None
    references: list[Reference] = field(default_factory=list)
    environment: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    needs: tuple[str, ...] = ()
    stage_needs: tuple[str, ...] = ()
    manual: bool = False


def wait_for_validation(jobs: list[PipelineJob]) -> None:
    """Jobs waiting for a ManualValidation task, directly or through what they depend on."""
    by_stage: dict[str | None, list[PipelineJob]] = {}
    for job in jobs:
        by_stage.setdefault(job.stage, []).append(job)
    gates: dict[int, frozenset[str]] = {id(j): j.triggers for j in jobs if j.manual}
    changed = True
    while changed:
        changed = False
        gated_stages: dict[str | None, frozenset[str]] = {}
        for job in jobs:
            if id(job) in gates:
                gated_stages[job.stage] = gated_stages.get(job.stage, frozenset()) | gates[id(job)]
        for job in jobs:
            if id(job) in gates:
                continue
            upstream = frozenset().union(*(
                [gates[id(other)] for other in by_stage.get(job.stage, [])
                 if other.name in job.needs and id(other) in gates] +
                [gated_stages[stage] for stage in job.stage_needs if stage in gated_stages]))
            if upstream & job.triggers:
                gates[id(job)] = upstream
                changed = True
    for job in jobs:
        if job.manual:
            job.triggers = frozenset({MANUAL})
        elif id(job) in gates:
            gate = gates[id(job)]
            job.triggers = frozenset((job.triggers - gate) | {MANUAL})


def as_job(job: PipelineJob) -> Job:
    return Job(SYSTEM, job.file, job.name, job.locator, job.triggers, tuple(job.references),
               job.environment, job.stage, tuple(job.variables.items()), job.needs)
