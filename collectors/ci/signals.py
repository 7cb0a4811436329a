"""Source-neutral CI signals from parsed pipelines.

The same function serves every CI system and every source of CI files (a local
clone, a Git host's archive).  Positives always count.  A negative is claimed
only where nothing unread could hide what it denies: an unreadable file or
configuration from outside the repository leaves every negative unsaid; a CI
system read as plain commands leaves unsaid only what depends on when its jobs
run, and only for the tools it shows.  A negative cites what was examined.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.collectors.base import Emitter
from scanner.collectors.build_facts import BuildFacts
from scanner.collectors.ci.hits import (
    drafted,
    e2e_by_name,
    find_hits,
    hits_by_job,
    inferred_from_names,
    jobs_with,
    places,
    publishing_by_name,
    suites_run,
    test_points,
    test_regimes,
    tests_by_name,
    workflows_only,
)
from scanner.collectors.ci.model import (
    AFTER_MERGE,
    BEFORE_MERGE,
    DEFAULT_BRANCH,
    GITLAB_COMPONENT,
    MANUAL,
    PUSH,
    RELEASE,
    REUSABLE_WORKFLOW,
    TAG,
    Job,
)
from scanner.collectors.ci.reading import CONTENT, CiReading, Gap
from scanner.collectors.ci.tools import Catalogue, Hit
from scanner.patterns import Pattern
from scanner.signals import SignalSpec, specs_about

TOOL_CATEGORIES = (
    "sast", "dast", "sca", "secrets", "container_scan", "iac_scan", "signing", "provenance",
    "verification", "sbom", "tests", "coverage", "e2e", "lint", "deploy", "packaging",
    "load_test", "rollback", "fuzz", "sanitizer",
)
_CATEGORY_WORDS = {
    "sast": "static application security testing (SAST)",
    "dast": "dynamic application security testing (DAST)",
    "sca": "dependency vulnerability scanning or review (SCA)",
    "secrets": "secret detection",
    "container_scan": "container image scanning",
    "iac_scan": "infrastructure-as-code or Dockerfile misconfiguration scanning",
    "signing": "artifact or image signing",
    "provenance": "build provenance or attestation",
    "verification": "signature or provenance verification",
    "sbom": "SBOM generation",
    "tests": "automated test runs",
    "coverage": "test coverage measurement",
    "e2e": "end-to-end, smoke, browser, API or contract tests",
    "lint": "linters and non-security static checks",
    "deploy": "deployment to an environment",
    "packaging": "publishing release artifacts",
    "load_test": "load or performance tests",
    "rollback": "scripted or automatic rollback of a deployment",
    "fuzz": "coverage-guided fuzzing",
    "sanitizer": "test runs of builds instrumented with sanitizers (ASan, UBSan, MSan)",
}
TEARDOWN_JOB_NAME = re.compile(r"(?i)(clean[-_ ]?up|tear[-_ ]?down|destroy|delete|prune)")
PINNED = re.compile(r"^[0-9a-f]{40}$")
# Environments that name a package registry or a release: publishing, not deploying.
NOT_DEPLOY_ENVIRONMENT = re.compile(r"(?i)(pypi|npm|crates|rubygems|maven|nuget|release|"
                                    r"publish|snap|flathub|homebrew|chocolatey|winget|"
                                    r"play[-_ ]?store|app[-_ ]?store|testflight|docker[-_ ]?hub|"
                                    r"registry|marketplace|vsce|open[-_ ]?vsx)")
# A deployment of a documentation or static site (GitHub Pages and the like).
SITE_ENVIRONMENT = re.compile(r"(?i)(github-pages|(^|[-_ ])pages([-_ ]|$)|docs|documentation|"
                              r"storybook|chromatic)")
SITE_DEPLOY_TOOLS = frozenset({"static-pages-deploy"})
IMAGE_PUSH_TOOLS = frozenset({"container-push"})
# Tools that publish the version the build file declares (a snapshot between releases).
SNAPSHOT_PUBLISHERS = frozenset({"maven-deploy", "gradle-publish"})
# Names of environments and jobs that are not the live one.
NOT_PRODUCTION = re.compile(r"(?i)(^|[-_ /(])(stag(e|ing)|preview|dev(elop(ment)?)?|test(ing)?|"
                            r"qa|uat|sandbox|review|pr|nightly|canary|demo|int(egration)?)"
                            r"([-_ /)0-9]|$)")
_spec = specs_about("repo", "service")


SIGNALS: tuple[SignalSpec, ...] = (
    _spec("ci.present", "bool", "Any CI configuration was found in the repository"),
    _spec("ci.systems", "list", "CI systems configured (github_actions, gitlab_ci, jenkins, …)"),
    _spec("ci.jobs", "int", "Number of CI jobs read"),
    *(_spec(f"ci.{c}.tools", "list", f"Tools for {_CATEGORY_WORDS[c]} run in CI")
      for c in TOOL_CATEGORIES),
    _spec("ci.sast.before_merge", "bool",
          "SAST runs on pull / merge requests or on every branch push, before merge"),
    _spec("ci.sca.before_merge", "bool",
          "Dependency scanning or review runs on pull / merge requests or every branch push"),
    _spec("ci.tests.before_merge", "bool",
          "Tests (of any kind, end-to-end included) run on pull / merge requests or on every "
          "branch push, before merge"),
    _spec("ci.tests.regimes", "list",
          "Kinds of automated tests CI runs: unit, integration (API, functional), e2e "
          "(browser, smoke, acceptance), performance (load), contract"),
    _spec("ci.tests.points", "list",
          "Points of the lifecycle where CI runs tests automatically: change (before merge), "
          "merge (main line), release (tags, releases, deployments), schedule"),
    _spec("ci.e2e.automatic", "bool",
          "End-to-end or smoke tests run automatically (on change, after merge or on a "
          "schedule), not only by hand"),
    _spec("ci.deploy.present", "bool", "A CI job deploys to an environment"),
    _spec("ci.deploy.automatic", "bool",
          "A deploy job runs automatically after merge or on a tag, without a manual start"),
    _spec("ci.deploy.production", "bool",
          "A deploy job targets an environment matching the production pattern"),
    _spec("ci.deploy.production_automatic", "bool",
          "A production deploy job runs automatically after merge or on a tag"),
    _spec("ci.deploy.site_automatic", "bool",
          "A documentation or static site (GitHub Pages and the like) is deployed "
          "automatically after merge or on a tag"),
    _spec("ci.deploy.environments", "list", "Environments CI jobs deploy to"),
    _spec("delivery.days_per_week", "float",
          "Days per week on which changes reach users: main-line change days where CI delivers "
          "on merge, release days where it delivers on tags (release tags as a proxy "
          "otherwise)"),
    _spec("ci.deploy.gated", "bool",
          "Every deploy or publish job can only run after a security or policy check passes "
          "(in the job before the deploy step, or in a job it needs)"),
    _spec("ci.deploy.gated_share", "float",
          "Share of deploy or publish jobs that can only run after a security or policy "
          "check passes"),
    _spec("ci.deploy.gate_kinds", "list",
          "Kinds of security check that deploy or publish jobs wait for (static analysis, "
          "dependency, secret, image or infrastructure-code scanning, signature "
          "verification): how many criteria can stop a deployment"),
    _spec("ci.iac.applied", "list",
          "Infrastructure-as-code kinds that CI applies automatically after merge "
          "(terraform apply, helm upgrade, kubectl apply, …)"),
    _spec("ci.release.automatic", "bool",
          "Release artifacts are published automatically (on a tag, release or merge)"),
    _spec("ci.references.pinned_share", "float",
          "Share of third-party actions, reusable workflows and components pinned to a "
          "full commit SHA"),
    _spec("ci.references.third_party", "int",
          "Number of third-party actions, reusable workflows and components referenced"),
    _spec("ci.permissions.declared_share", "float",
          "Share of GitHub Actions workflows that declare token permissions"),
)


class _Output:
    """Emits positives always; a negative only where no gap could hide what it denies."""

    def __init__(self, out: Emitter, reading: CiReading, gaps: list[Gap],
                 hits: list[Hit]) -> None:
        self.out = out
        self.examined = reading.examined()
        self.content_known = not any(gap.scope == CONTENT for gap in gaps)
        self.untimed_files = reading.untimed_files
        # Categories with tools in jobs whose triggers are not known: whether those run
        # before merge or automatically cannot be denied.
        self.untimed = {h.category for h in hits if h.job and h.job.file in self.untimed_files}

    def tools(self, signal: str, found: list[Hit], absent_note: str) -> None:
        tools = sorted({h.tool for h in found})
        if tools:
            notes = sorted({h.note for h in found if h.note})
            self.out.emit(signal, tools, places(found), "; ".join(notes) or None)
        elif self.content_known:
            self.out.emit(signal, [], self.examined, absent_note)

    def flag(self, signal: str, found: Sequence[Hit | Job], absent_note: str,
             categories: Sequence[str] = ()) -> None:
        if found:
            self.out.emit(signal, True, [_place(item) for item in found])
        elif self.content_known and not self.untimed & set(categories):
            self.out.emit(signal, False, self.examined, absent_note)


def _place(item: Hit | Job) -> str:
    return item.trail if isinstance(item, Hit) else item.locator


@dataclass(frozen=True)
class CiSummary:
    """What the CI signals tell the rest of the analysis (`unknown()` when they failed)."""

    gaps: list[Gap]  # what kept negatives unsaid
    deploys: bool | None  # a deploy job was found; None when that cannot be said
    iac_applied: list[str] | None  # IaC kinds applied after merge; None when unknown
    delivers_on_merge: bool  # a deploy or publish job runs on pushes to the main line
    delivers_on_tag: bool  # a deploy or publish job runs on tags or releases
    deploy_places: tuple[str, ...] = ()  # where CI deploys, for `deployable`
    # CI deploys something other than a documentation or static site (a running service).
    deploys_service: bool | None = None
    pushes_images: bool = False  # CI publishes container images

    @classmethod
    def unknown(cls) -> CiSummary:
        """Nothing can be said: the CI signals could not be worked out."""
        return cls(gaps=[], deploys=None, iac_applied=None, delivers_on_merge=False,
                   delivers_on_tag=False)


def emit_ci_signals(reading: CiReading, catalogue: Catalogue, production: Pattern,
                    out: Emitter, facts: BuildFacts | None = None) -> CiSummary:
    """Emit the CI signals and say what kept negatives unsaid; `facts` are what the files
    say about the tests, versions and languages CI works on."""
    facts = facts or BuildFacts()
    snapshot = facts.snapshot_version
    jobs = reading.jobs
    hits = workflows_only(find_hits(jobs, catalogue), facts.codeql_languages)
    hits += suites_run(hits, facts.suites)
    inferred, unrecognised = inferred_from_names(jobs, catalogue)
    hits += inferred
    gaps = reading.gaps(unrecognised, frozenset(h.locator for h in hits))
    files = reading.files
    systems = reading.systems
    output = _Output(out, reading, gaps, hits)
    out.emit("ci.present", bool(systems), output.examined)
    out.emit("ci.systems", systems, output.examined)
    if output.content_known or jobs:
        out.emit("ci.jobs", len(jobs), output.examined)
    looked = f"looked in {len(files)} CI file(s)" if files else "no CI configuration"

    deploy_jobs = _deploy_jobs(jobs, hits)
    by_tool = jobs_with(hits, "deploy")
    hits += [Hit("environment", "deploy", job.locator, job) for job in deploy_jobs
             if id(job) not in by_tool]
    hits += e2e_by_name(jobs, hits)
    hits += tests_by_name(jobs, hits)
    hits += publishing_by_name(jobs, hits)
    untimed = output.untimed_files
    output.untimed |= {h.category for h in hits if h.job and h.job.file in untimed}
    for category in TOOL_CATEGORIES:
        output.tools(f"ci.{category}.tools", [h for h in hits if h.category == category],
                     f"no {_CATEGORY_WORDS[category]}; {looked}")

    def where(categories: Sequence[str], triggers: frozenset[str] | None = None) -> list[Hit]:
        """Hits in jobs that run at these times (automatically, when none are named); a job
        whose timing the repository does not show never counts for timing."""
        return [h for h in hits if h.category in categories and h.job
                and h.job.file not in untimed
                and (h.job.triggers & triggers if triggers is not None else h.job.automatic)]

    output.flag("ci.sast.before_merge", where(["sast"], BEFORE_MERGE),
                "no SAST job runs before merge", ["sast"])
    output.flag("ci.sca.before_merge", where(["sca"], BEFORE_MERGE),
                "no dependency scanning before merge", ["sca"])
    output.flag("ci.tests.before_merge", where(["tests", "e2e"], BEFORE_MERGE),
                "no test job runs before merge", ["tests", "e2e"])
    _emit_test_regimes(hits, deploy_jobs, output)
    output.flag("ci.e2e.automatic", where(["e2e"]), "no automatic end-to-end tests", ["e2e"])
    output.flag("ci.deploy.present", deploy_jobs, "no deploy job")
    timed = [job for job in deploy_jobs if job.file not in untimed]
    timed_ids = {id(job) for job in timed}
    grouped = hits_by_job(hits)
    output.flag("ci.deploy.automatic", [job for job in timed if job.triggers & AFTER_MERGE],
                "no deploy job starts automatically", ["deploy"])
    site_jobs = [job for job in deploy_jobs if _deploys_a_site(job, grouped.get(id(job), []))]
    site_ids = {id(job) for job in site_jobs}
    service_jobs = [job for job in deploy_jobs if id(job) not in site_ids]
    production_jobs = [job for job in service_jobs if _is_production(job, production)]
    output.flag("ci.deploy.production", production_jobs, "no deploy job targets production")
    output.flag("ci.deploy.production_automatic",
                [job for job in production_jobs
                 if id(job) in timed_ids and job.triggers & AFTER_MERGE],
                "no automatic production deploy", ["deploy"])
    output.flag("ci.deploy.site_automatic",
                [job for job in site_jobs if id(job) in timed_ids and job.triggers & AFTER_MERGE],
                "no automatic site deploy", ["deploy"])
    applied = [h for h in hits if h.applies and h.job and h.job.file not in untimed
               and h.job.triggers & AFTER_MERGE]
    kinds = sorted({kind for h in applied for kind in h.applies})
    if kinds or output.content_known:
        out.emit("ci.iac.applied", kinds,
                 [next(h.trail for h in applied if k in h.applies) for k in kinds]
                 or output.examined,
                 None if kinds else "no automatic terraform apply, helm upgrade, kubectl apply "
                 "or similar after merge")
    # What must be gated: the deployments, or where nothing deploys, the publishing of
    # what users run (a program's release is its deployment).
    publishing = [h.job for h in hits if h.category == "packaging" and h.job]
    delivery_jobs = deploy_jobs or list({id(job): job for job in publishing}.values())
    by_name = {(job.file, job.name): job for job in jobs}
    gates = {id(job): _gates(job, by_name, grouped) for job in delivery_jobs}
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
    environments = sorted({job.environment for job in deploy_jobs if job.environment})
    if environments or output.content_known:
        out.emit("ci.deploy.environments", environments,
                 [job.locator for job in deploy_jobs if job.environment] or output.examined)
    to_drafts = drafted(jobs)
    # Where releases are drafted, what runs when a release is published waits for the
    # person who publishes the draft.
    released = [h for h in where(["packaging"], AFTER_MERGE)
                if h.job and h.job.file not in to_drafts
                and not (to_drafts and h.job.triggers <= {RELEASE, MANUAL})]
    snapshots = [h for h in released if snapshot and h.tool in SNAPSHOT_PUBLISHERS
                 and h.job and not _release_only(h.job)]
    output.flag("ci.release.automatic", [h for h in released if h not in snapshots],
                "no release is published automatically (drafts wait for a person" + (
                    f"; {snapshots[0].trail} publishes development builds, since the "
                    f"version in {snapshot} is a snapshot)" if snapshots else ")"),
                ["packaging"])
    if output.content_known or jobs:
        _emit_pinning(jobs, out)
    declared = [(path, ok) for result in reading.results
                for path, ok in result.permissions_declared.items()]
    if declared:
        out.emit("ci.permissions.declared_share",
                 round(sum(1 for _, ok in declared if ok) / len(declared), 2),
                 [path for path, ok in declared if not ok] or [p for p, _ in declared])
    delivering = [job for job in deploy_jobs] + [
        h.job for h in hits if h.category == "packaging" and h.job]
    return CiSummary(gaps, True if deploy_jobs else (False if output.content_known else None),
                     kinds if kinds or output.content_known else None,
                     any(j.triggers & {PUSH, DEFAULT_BRANCH} for j in delivering),
                     any(j.triggers & {TAG, RELEASE} for j in delivering),
                     tuple(places(h for h in hits if h.category == "deploy")),
                     True if service_jobs else (False if output.content_known else None),
                     any(h.tool in IMAGE_PUSH_TOOLS for h in hits))


def _release_only(job: Job) -> bool:
    """A job run for tags or releases and not for every push: it publishes a release."""
    return bool(job.triggers & {TAG, RELEASE}) and not job.triggers & {PUSH, DEFAULT_BRANCH}


def _deploys_a_site(job: Job, job_hits: list[Hit]) -> bool:
    """A job that publishes a documentation or static site, not a running service."""
    if job.environment and SITE_ENVIRONMENT.search(job.environment[:200]):
        return True
    tools = {h.tool for h in job_hits if h.category == "deploy"}
    return bool(tools) and tools <= SITE_DEPLOY_TOOLS


def _is_production(job: Job, production: Pattern) -> bool:
    """A deploy job that reaches the live environment: named so, or (named neither way)
    run from the main line or a tag."""
    names = [name[:200] for name in (job.environment or "", job.name) if name]
    if any(production.search(name) for name in names):
        return True
    if job.environment:
        if NOT_PRODUCTION.search(job.environment[:200]):
            return False
    elif NOT_PRODUCTION.search(job.name[:200]):
        return False
    return bool(job.triggers & {DEFAULT_BRANCH, TAG, RELEASE})


def _emit_test_regimes(hits: list[Hit], deploy_jobs: list[Job], output: _Output) -> None:
    """Which kinds of tests run, and at which points of the lifecycle."""
    automatic = [h for h in hits if h.job and h.job.automatic]
    regimes = test_regimes(automatic)  # what CI runs, whenever it runs it
    points = test_points([h for h in automatic if h.job and h.job.file not in output.untimed_files],
                         deploy_jobs)
    for signal, found, what in (("ci.tests.regimes", regimes, "kinds of automated tests"),
                                ("ci.tests.points", points, "points where tests run")):
        if found:
            output.out.emit(signal, list(found),
                            [places(group)[0] for group in found.values()],
                            "; ".join(f"{name}: {len(group)} place(s)"
                                      for name, group in found.items()))
        elif output.content_known and not output.untimed & {"tests", "e2e", "load_test"}:
            output.out.emit(signal, [], output.examined, f"no {what} found")


def _deploy_jobs(jobs: list[Job], hits: list[Hit]) -> list[Job]:
    """Jobs that deploy: a deploy tool, or a deployment environment without publishing."""
    deploying: list[Job] = []
    grouped = hits_by_job(hits)
    for job in jobs:
        categories = {h.category for h in grouped.get(id(job), [])}
        if "deploy" in categories:
            deploying.append(job)
        elif "packaging" in categories:
            continue  # publishing a package is a release, not a deployment
        elif _names_an_environment(job):
            deploying.append(job)
    return deploying


GATE_WORDS = {"sast": "static analysis", "sca": "dependency scanning",
              "secrets": "secret scanning", "container_scan": "image scanning",
              "iac_scan": "infrastructure-code scanning",
              "verification": "signature verification"}
GATE_CATEGORIES = frozenset(GATE_WORDS)
MAX_NEEDS_WALKED = 200


def _gates(job: Job, by_name: dict[tuple[str, str], Job],
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


def _names_an_environment(job: Job) -> bool:
    """An environment job deploys, unless its name says it tears one down."""
    return bool(job.environment) and not NOT_DEPLOY_ENVIRONMENT.search(job.environment or "") \
        and not TEARDOWN_JOB_NAME.search(job.name)


def _emit_pinning(jobs: list[Job], out: Emitter) -> None:
    refs = {(ref.value, ref.version, ref.locator) for job in jobs for ref in job.references
            if ref.kind in ("action", REUSABLE_WORKFLOW, GITLAB_COMPONENT)}
    if not refs:
        out.emit("ci.references.third_party", 0)
        return
    unpinned = sorted(where for _, version, where in refs if not PINNED.match(version))
    out.emit("ci.references.third_party", len(refs))
    out.emit("ci.references.pinned_share", round(1 - len(unpinned) / len(refs), 2),
             unpinned or sorted(where for _, _, where in refs),
             f"{len(unpinned)} of {len(refs)} references not pinned to a commit SHA"
             if unpinned else None)


def delivery_frequency(cadence: Mapping[str, Any], summary: CiSummary, out: Emitter) -> None:
    """How often changes reach users: history (`git.*_days_per_week`) read the way CI
    delivers them."""
    mainline = cadence.get("git.mainline_days_per_week")
    releases = cadence.get("git.release_days_per_week")
    if summary.delivers_on_merge and mainline is not None:
        out.emit("delivery.days_per_week", mainline, (),
                 "CI delivers on every merge to the main line: main-line change days")
    elif releases is not None:
        basis = "CI delivers on tags: release days" if summary.delivers_on_tag \
            else "no automatic delivery found: release-tag days as a proxy"
        out.emit("delivery.days_per_week", releases, (), basis)
