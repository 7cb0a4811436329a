"""Deployment signals: whether CI deploys, automatically, to production or only a site,
which environments, what infrastructure code it applies after merge, and (through
`gates`) what a deployment waits for."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.collectors.ci.hits import hits_by_job, jobs_with
from scanner.collectors.ci.model import AFTER_MERGE, DEFAULT_BRANCH, RELEASE, TAG, Job
from scanner.collectors.ci.signals import gates
from scanner.collectors.ci.signals.findings import Findings, Output
from scanner.collectors.ci.tools import Hit
from scanner.lazy_patterns import lazy_compile
from scanner.patterns import Pattern

TEARDOWN_JOB_NAME = lazy_compile(r"(?i)(clean[-_ ]?up|tear[-_ ]?down|destroy|delete|prune)")
# Environments that name a package registry or a release: publishing, not deploying.
NOT_DEPLOY_ENVIRONMENT = lazy_compile(r"(?i)(pypi|npm|crates|rubygems|maven|nuget|release|"
                                      r"publish|snap|flathub|homebrew|chocolatey|winget|"
                                      r"play[-_ ]?store|app[-_ ]?store|testflight|docker[-_ ]?hub|"
                                      r"registry|marketplace|vsce|open[-_ ]?vsx)")
# A deployment of a documentation or static site (GitHub Pages and the like).
SITE_ENVIRONMENT = lazy_compile(r"(?i)(github-pages|(^|[-_ ])pages([-_ ]|$)|docs|documentation|"
                                r"storybook|chromatic)")
SITE_DEPLOY_TOOLS = frozenset({"static-pages-deploy"})
# Names of environments and jobs that are not the live one.
NOT_PRODUCTION = lazy_compile(r"(?i)(^|[-_ /(])(stag(e|ing)|preview|dev(elop(ment)?)?|test(ing)?|"
                              r"qa|uat|sandbox|review|pr|nightly|canary|demo|int(egration)?)"
                              r"([-_ /)0-9]|$)")


@dataclass(frozen=True)
class Deployed:
    """What the deployment signals found that the summary of CI carries on."""

    service_jobs: list[Job]  # jobs that deploy something other than a site
    applied: list[str]  # infrastructure-code kinds applied automatically after merge


def deploying_jobs(jobs: list[Job], hits: list[Hit]) -> list[Job]:
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


def environment_hits(deploy_jobs: list[Job], hits: list[Hit]) -> list[Hit]:
    """A deploy hit for each deploying job in which no deploy tool was found: it deploys
    by its environment."""
    by_tool = jobs_with(hits, "deploy")
    return [Hit("environment", "deploy", job.locator, job) for job in deploy_jobs
            if id(job) not in by_tool]


def emit(found: Findings, production: Pattern, output: Output) -> Deployed:
    """The deployment signals, the gates' among them, in the reports' order."""
    out = output.out
    deploy_jobs = found.deploy_jobs
    untimed = found.untimed_files
    output.flag("ci.deploy.present", deploy_jobs, "no deploy job")
    timed = [job for job in deploy_jobs if job.file not in untimed]
    timed_ids = {id(job) for job in timed}
    grouped = hits_by_job(found.hits)
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
    applied = [h for h in found.hits if h.applies and h.job and h.job.file not in untimed
               and h.job.triggers & AFTER_MERGE]
    kinds = sorted({kind for h in applied for kind in h.applies})
    if kinds or output.content_known:
        out.emit("ci.iac.applied", kinds,
                 [next(h.trail for h in applied if k in h.applies) for k in kinds]
                 or output.examined,
                 None if kinds else "no automatic terraform apply, helm upgrade, kubectl apply "
                 "or similar after merge")
    gates.emit(found, grouped, output)
    environments = sorted({job.environment for job in deploy_jobs if job.environment})
    if environments or output.content_known:
        out.emit("ci.deploy.environments", environments,
                 [job.locator for job in deploy_jobs if job.environment] or output.examined)
    return Deployed(service_jobs, kinds)


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


def _names_an_environment(job: Job) -> bool:
    """An environment job deploys, unless its name says it tears one down."""
    return bool(job.environment) and not NOT_DEPLOY_ENVIRONMENT.search(job.environment or "") \
        and not TEARDOWN_JOB_NAME.search(job.name)
