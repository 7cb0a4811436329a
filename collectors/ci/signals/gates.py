"""Gate signals: what a deploy or publish job waits for (`ci.deploy.gated`,
`gated_share`, `gate_kinds`): security or policy checks earlier in the job, or in
the jobs it needs."""

from __future__ import annotations

from scanner.collectors.ci.hits import places
from scanner.collectors.ci.model import Job
from scanner.collectors.ci.signals.findings import Findings, Output
from scanner.collectors.ci.tools import Hit

GATE_WORDS = {"sast": "static analysis", "sca": "dependency scanning",
              "secrets": "secret scanning", "container_scan": "image scanning",
              "iac_scan": "infrastructure-code scanning",
              "verification": "signature verification"}
GATE_CATEGORIES = frozenset(GATE_WORDS)
MAX_NEEDS_WALKED = 200


def emit(found: Findings, grouped: dict[int, list[Hit]], output: Output) -> None:
    """`grouped`: each job's hits, keyed by the job's identity."""
    out = output.out
    # What must be gated: the deployments, or where nothing deploys, the publishing of
    # what users run (a program's release is its deployment).
    publishing = [h.job for h in found.hits if h.category == "packaging" and h.job]
    delivery_jobs = found.deploy_jobs or list({id(job): job for job in publishing}.values())
    by_name = {(job.file, job.name): job for job in found.jobs}
    gates = {id(job): checks_before(job, by_name, grouped) for job in delivery_jobs}
    ungated = [job for job in delivery_jobs if not gates[id(job)]]
    if delivery_jobs:
        gated = [job for job in delivery_jobs if gates[id(job)]]
        checks = [gate for job in gated for gate in gates[id(job)]]
        gate_kinds = sorted({GATE_WORDS[gate.category] for gate in checks})
        out.emit("ci.deploy.gate_kinds", gate_kinds,
                 places(checks) or [job.locator for job in delivery_jobs],
                 None if gate_kinds else "no deploy or publish job waits for a security check")
        out.emit("ci.deploy.gated", not ungated,
                 [job.locator for job in ungated] or [job.locator for job in delivery_jobs],
                 f"{len(ungated)} of {len(delivery_jobs)} deploy or publish jobs run without a "
                 "security or policy check first" if ungated else None)
        out.emit("ci.deploy.gated_share", round(len(gated) / len(delivery_jobs), 2),
                 [job.locator for job in gated] or [job.locator for job in delivery_jobs],
                 f"{len(gated)} of {len(delivery_jobs)} deploy or publish jobs wait for a "
                 "security or policy check")


def checks_before(job: Job, by_name: dict[tuple[str, str], Job],
                  grouped: dict[int, list[Hit]]) -> list[Hit]:
    """The security or policy checks that must pass before this job deploys: earlier in the
    job itself, or in the jobs it needs (directly or through others, up to
    `MAX_NEEDS_WALKED` of them: real pipelines are far shorter, and a chain of thousands
    must not make this quadratic)."""
    own = grouped.get(id(job), [])
    position = {ref.locator: index for index, ref in enumerate(job.references)}
    deploy_at = min((position.get(h.locator, 0) for h in own
                     if h.category in ("deploy", "packaging")),
                    default=len(job.references))
    found = [h for h in own if h.category in GATE_CATEGORIES
             and position.get(h.locator, deploy_at) < deploy_at]
    pending, seen = list(job.needs), set[str]()
    while pending and len(seen) < MAX_NEEDS_WALKED:
        name = pending.pop()
        needed = by_name.get((job.file, name))
        if needed is None or name in seen:
            continue
        seen.add(name)
        # What its configuration switches on (gosec in .golangci.yml) is part of the job.
        configured = by_name.get((job.file, f"{name} (configured)"))
        for part in (needed, configured):
            if part is not None:
                found += [h for h in grouped.get(id(part), [])
                          if h.category in GATE_CATEGORIES]
        pending += list(needed.needs)
    return found
