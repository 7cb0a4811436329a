"""GitLab groups (subgroups included) and projects, read through the API without cloning.

For each project: one GraphQL request (the default branch's head, merged merge
requests with their approvers, issues, releases, environments' tiers, security
analyzers and vulnerabilities, and GitLab's own DORA metrics on Ultimate, whose
numbers replace the ones computed from deployments), then more pages of its lists
back to the window's start within the project's request budget, the archive of the default
branch's head read by the same parsers as a local clone (skipped when the head
has not moved since the last scan: what it gave is remembered), and a few REST
calls conditional on the ETags kept from the last scan: protected branches,
approval rules (Premium), deployments in the window (CI jobs that deploy when
there are none). A project the group's listing shows unchanged since the last
scan (last activity, default branch, archived flag) costs no request at all: what
it gave then is reused, for at most `collect.reuse_days`.

gitlab.com and self-managed instances (at a path prefix too) are the same to it;
on Community Edition, which has no security or push-rule types in its GraphQL
schema, the query leaves those out.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote, urlparse

from scanner import patterns
from scanner import validate as v
from scanner.collectors.api import parse_time
from scanner.collectors.base import Collected, CollectSettings, Emitter, Target
from scanner.collectors.ci.model import ExternalFile
from scanner.collectors.hosts.fleet import Fleet, RepositoryReader, collect_with_token
from scanner.collectors.hosts.gitlab import dora_api, parse
from scanner.collectors.hosts.gitlab.client import DEFAULT_URL, ApiSettings, GitLabApi
from scanner.collectors.hosts.gitlab.queries import (
    ENTERPRISE_FIELDS,
    PROJECT,
    PROJECT_COMMUNITY,
    PROJECT_WITH_DORA,
)
from scanner.collectors.hosts.head_files import called_file_text
from scanner.collectors.hosts.http import MAX_PAGES
from scanner.collectors.hosts.paging import Connection, ConnectionReader, at, further_page
from scanner.collectors.hosts.records import HostRepository
from scanner.collectors.hosts.reuse import Listed
from scanner.collectors.hosts.targets import (
    SHARED_KEYS,
    shared_options,
    wanted,
    well_formed_listing,
)
from scanner.collectors.sources import GITLAB, SIGNALS
from scanner.memory import NO_MEMORY, Memory
from scanner.signals import SignalSpec

TARGET_KEYS = ("group", "projects", "url", *SHARED_KEYS)
# GitLab moves a project's last_activity_at only when it is an hour old or more.
ACTIVITY_GRANULARITY = timedelta(hours=1)
# The connections read page by page, and the kind of record each holds.
CONNECTIONS = (Connection("mergeRequests", at("mergedAt")), Connection("issues", at("updatedAt")),
               Connection("releases", at("releasedAt")), Connection("environments"))
KINDS = {"mergeRequests": "changes", "issues": "issues", "releases": "releases"}


class GitLabCollector:
    id: ClassVar[str] = GITLAB.id
    title: ClassVar[str] = GITLAB.title
    signals: ClassVar[tuple[SignalSpec, ...]] = SIGNALS[GITLAB]
    # A sharded scan's shards each read their own repositories of an organisation.
    shards_by_repository: ClassVar[bool] = True

    @classmethod
    def configure_target(cls, raw: Any, where: v.Where, base: Path) -> Target:
        entry = v.mapping(raw, where, "a mapping with group: or projects:")
        v.keys(entry, where, optional=TARGET_KEYS)
        if ("group" in entry) == ("projects" in entry):
            raise where.problem("give either group: (a group and its subgroups) or projects: "
                                "[group/project, …]")
        options = shared_options(entry, where, "GITLAB_TOKEN")
        options["url"] = _base_url(v.text(entry.get("url", DEFAULT_URL), where.at("url")))
        if not urlparse(options["url"]).scheme.startswith("http"):
            raise where.at("url").problem("must be an http(s) URL, e.g. https://gitlab.com or "
                                          "https://gitlab.example.com/gitlab")
        host = _host(options["url"])
        if "group" in entry:
            options["group"] = v.text(entry["group"], where.at("group")).strip("/")
            label = f"{host}/{options['group']}"
        else:
            options["projects"] = [p.strip("/") for p in
                                   v.texts(entry["projects"], where.at("projects"))]
            for name in options["projects"]:
                if "/" not in name:
                    raise where.at("projects").problem(
                        f"'{name}' is not group/project (subgroups: group/sub/project)")
            label = f"{host}/{','.join(options['projects'])}"
        return Target(cls.id, label, options)

    def collect(self, target: Target, settings: CollectSettings,
                memory: Memory = NO_MEMORY) -> Collected:
        return collect_with_token(
            target, "a token that can read the projects (a personal, group or project access "
            "token with the read_api scope)",
            lambda token: GitLabApi(token, ApiSettings(
                url=str(target.options["url"]), pool_size=int(target.options["workers"]),
                max_response_bytes=settings.max_response_bytes,
                max_requests=int(target.options["max_requests"])), memory),
            lambda api, collected: _Group(api, target, settings, memory, collected,
                                          host=_host(str(target.options["url"]))).scan())


class _Group(Fleet[GitLabApi]):
    """A group and its subgroups, or the projects a target names one by one."""

    source = GitLabCollector.id
    owner_key, names_key, path_key = "group", "projects", "path_with_namespace"
    owner_noun, noun = "group", "project"
    listing_hint = "check its full path and that the token can read it"

    def __init__(self, api: GitLabApi, target: Target, settings: CollectSettings,
                 memory: Memory, collected: Collected, *, host: str) -> None:
        super().__init__(api, target, settings, memory, collected, host=host)
        # Set once a project's query finds no Enterprise types (Community Edition).
        self.community = threading.Event()

    def owner_listing(self, owner: str) -> tuple[str, dict[str, str]]:
        # Oldest first by id: a project created during the scan lands on the last page.
        return f"/groups/{quote(owner, safe='')}/projects", {
            "include_subgroups": "true", "with_shared": "false", "order_by": "id",
            "sort": "asc"}

    def repository_path(self, name: str) -> str:
        return f"/projects/{quote(name, safe='')}"

    def is_well_formed(self, item: Any) -> bool:
        """A project path of a group and up to 20 subgroups, and a numeric id if any (the id
        becomes part of every REST path)."""
        if not well_formed_listing(item, "path_with_namespace", parts=range(2, 23)):
            return False
        number = item.get("id")
        return number is None or (isinstance(number, int) and not isinstance(number, bool))

    def is_wanted(self, item: dict[str, Any]) -> bool:
        names = [str(item.get("path") or ""), str(item.get("path_with_namespace") or "")]
        return wanted(self.options, names, archived=bool(item.get("archived")),
                      fork=bool(item.get("forked_from_project")),
                      topics=item.get("topics") or [])

    def listed(self, item: dict[str, Any]) -> Listed:
        return Listed(f"{self.host}/{item.get('path_with_namespace') or ''}",
                      (item.get("last_activity_at"), item.get("updated_at"),
                       item.get("default_branch"), bool(item.get("archived"))),
                      ACTIVITY_GRANULARITY)

    def reader(self, item: dict[str, Any]) -> _ProjectReader:
        return _ProjectReader(self, item)


class _ProjectReader(RepositoryReader[_Group]):
    api: GitLabApi

    def __init__(self, group: _Group, item: dict[str, Any]) -> None:
        super().__init__(group, item)
        self.rest = f"/projects/{item.get('id') or quote(self.path, safe='')}"
        self.window = timedelta(days=group.host_settings.window_days)
        self.query, self.variables = PROJECT, dict[str, Any]()
        self.environments_complete = True
        self.notes: list[str] = []  # what failed while reading further pages
        self.dora: dora_api.DoraApi | None = None

    def host_record(self) -> HostRepository:
        project, errors = self._graphql()
        project, cuts = self._paged(project)
        host = self._records(project, errors)
        for kind, moment in cuts.items():
            host.cut(kind, moment)
        # GitLab takes any user name with a token as the password; `oauth2` suits every kind.
        self.read_files(
            host, user="oauth2",
            archive=lambda: self.api.stream(f"{self.rest}/repository/archive.tar.gz",
                                            {"sha": host.head_sha}),
            clone_url=str(self.listing.get("http_url_to_repo") or f"{host.url}.git"),
            external=IncludedFiles(self.api))
        self._branch_rules(host, project)
        self._deployments(host, project)
        self.dora = dora_api.offered(project, self.window.days, host.notes)
        return host

    def revise(self, out: Emitter, host: HostRepository) -> None:
        if self.dora is not None:
            dora_api.prefer(out, self.dora, host.url)

    def _graphql(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        variables = {"fullPath": self.path, "since": self.since.isoformat(),
                     "branch": str(self.listing.get("default_branch") or "main")}
        community = self.fleet.community.is_set()
        query = PROJECT_COMMUNITY if community else PROJECT
        if not community and self.window.days <= dora_api.DORA_MAX_DAYS:
            end = self.fleet.now.date()
            variables.update(doraStart=(end - self.window).isoformat(), doraEnd=end.isoformat())
            query = PROJECT_WITH_DORA
        self.budget.take()  # the whole query
        data, errors = self.api.graphql(query, variables)
        if data is None and not community and _without_enterprise_types(errors):
            self.fleet.community.set()
            query = PROJECT_COMMUNITY
            variables = {name: value for name, value in variables.items()
                         if not name.startswith("dora")}
            data, errors = self.api.graphql(query, variables)
        project = self.queried(data, errors, "project",
                               unexplained="not found, or the token may not read it")
        self.query, self.variables = query, variables
        return project, errors

    def _paged(self, project: dict[str, Any]) -> tuple[dict[str, Any], dict[str, datetime]]:
        """The project's answer with its merge requests, issues, releases and environments
        read back to the window's start (or as far as the budget went)."""
        reader = ConnectionReader(self._follow, self.since, self.fleet.now, self.budget)
        reader.first(project, CONNECTIONS)
        reader.read()
        merged, cuts = reader.answer(project, KINDS)
        self.environments_complete = reader.paged["environments"].complete
        return merged, cuts

    def _follow(self, paging: dict[str, Any]) -> dict[str, Any] | None:
        return further_page(lambda: self.api.graphql(self.query, {**self.variables, **paging}),
                            "project", self.notes)

    def _records(self, project: dict[str, Any], errors: list[dict[str, Any]]
                 ) -> HostRepository:
        repository = project.get("repository") or {}
        default = str(repository.get("rootRef") or self.listing.get("default_branch") or "main")
        head = ((repository.get("tree") or {}).get("lastCommit") or {}).get("sha")
        url = str(project.get("webUrl") or self.listing.get("web_url") or "")
        host = HostRepository(
            name=self.name, url=url, default_branch=default,
            head_sha=None if repository.get("empty") else head,
            archived=bool(project.get("archived")),
            pushed_at=parse_time(self.listing.get("last_activity_at")),
            changes=parse.merged_changes(project),
            releases=parse.releases(project, url),
            issues=parse.issues(project),
        )
        found = parse.security(project)
        host.features.update(found.features)
        host.alerts.update(found.alerts)
        host.code_scanning_tools = found.tools
        host.notes += found.notes + self.notes
        self.note_errors(host, errors)
        return host

    def _branch_rules(self, host: HostRepository, project: dict[str, Any]) -> None:
        protected = self.api.pages(f"{self.rest}/protected_branches", feature=True)
        if not protected.ok:
            host.notes.append(f"protected branches not readable: {protected.message}")
            return
        approvals = self.api.pages(f"{self.rest}/approval_rules", feature=True)
        if not approvals.ok:
            host.notes.append(f"approval rules not readable ({approvals.message}): required "
                              "approvals count as none (GitLab Free has no required approvals)")
        signed = bool((project.get("pushRules") or {}).get("rejectUnsignedCommits"))
        host.rules, notes = parse.branch_rules(
            protected.data, approvals.data if approvals.ok else None, host.default_branch,
            required_checks=self._pipeline_checks(project), signed_commits=signed,
            url=f"{host.url}/-/settings/repository#js-protected-branches-settings")
        host.notes += notes

    def _pipeline_checks(self, project: dict[str, Any]) -> list[str]:
        """GitLab has no named required checks: "Pipelines must succeed" makes the whole
        merge request pipeline required. It stands here as the check `pipeline`, and as
        `pipeline: sast (…)` / `pipeline: dependency-scan (…)` when the project's CI (read
        from its files) runs those scanners on merge requests, so the shared security-check
        judgement sees what the required pipeline enforces."""
        if not project.get("onlyAllowMergeIfPipelineSucceeds"):
            return []
        files = {e.signal: e.value for e in self.result.collected.evidence
                 if e.entity == self.entity}
        checks = ["pipeline"]
        for category, word in (("sast", "sast"), ("sca", "dependency-scan")):
            tools = files.get(f"ci.{category}.tools")
            if files.get(f"ci.{category}.before_merge") is True and isinstance(tools, list) \
                    and tools:
                checks.append(f"pipeline: {word} ({', '.join(str(t) for t in tools)})")
        return checks

    def _deployments(self, host: HostRepository, project: dict[str, Any]) -> None:
        """Deployments in the window, newest first: one page for every environment (review
        apps included); when it falls short of the window's start, on through the
        production environments only, each listed by name. Without a complete list of
        environments, every deployment is read on."""
        tiers = parse.environment_tiers(project)
        production = patterns.compiled(self.fleet.host_settings.production_pattern)
        path = f"{self.rest}/deployments"
        # Whole days, so that scans on the same day ask the same URL (and get a 304).
        window = {"updated_after": f"{self.since.date().isoformat()}T00:00:00Z",
                  "order_by": "updated_at", "sort": "desc"}
        narrow = tiers is not None and self.environments_complete
        answer, complete = self.api.listing(path, window, feature=True, budget=self.budget,
                                            limit=100 if narrow else 100 * MAX_PAGES)
        if not answer.ok:
            host.notes.append(f"deployments not readable: {answer.message}")
            return
        items = [d for d in answer.data if isinstance(d, dict)]
        if not items and not complete:
            host.notes.append("deployments not read: the request budget ran out first "
                              "(raise request_budget)")
            return
        records = parse.deployments(items, tiers, production, host.url)
        cut: datetime | None = None if complete else _oldest_update(items, self.fleet.now)
        if not complete and narrow:
            records = [d for d in records if not d.production]
            cut = None
            for name in parse.production_environments(tiers or {}, production):
                found, whole = self.api.listing(path, {**window, "environment": name},
                                                feature=True, budget=self.budget)
                listed = [d for d in found.data if isinstance(d, dict)] if found.ok else []
                records += parse.deployments(listed, tiers, production, host.url)
                if not whole:
                    cut = max(filter(None, [cut, _oldest_update(listed, self.fleet.now)]))
        host.deployments = records
        if cut is not None:
            host.cut("deployments", cut)
        if not host.deployments:
            self._deploy_jobs(host)

    def _deploy_jobs(self, host: HostRepository) -> None:
        """No deployments recorded: CI jobs that deploy stand in for them (DevLake)."""
        answer, complete = self.api.listing(
            f"{self.rest}/jobs", {"scope[]": ["success", "failed"]}, feature=True,
            budget=self.budget, until=lambda job: _created_before(job, self.since))
        if not answer.ok:
            host.notes.append(f"CI jobs not readable: {answer.message}")
            return
        jobs = [j for j in answer.data if isinstance(j, dict)
                and not _created_before(j, self.since)]
        self.runs_deploying(host, jobs, parse.deploy_jobs, "ci_jobs", complete=complete)


def _oldest_update(deployments: list[dict[str, Any]], now: datetime) -> datetime:
    """How far back a listing of deployments sorted by update reached (now: nowhere)."""
    return min((moment for d in deployments if (moment := parse_time(d.get("updated_at")))),
               default=now)


def _created_before(job: Any, since: datetime) -> bool:
    created = parse_time(job.get("created_at")) if isinstance(job, dict) else None
    return created is not None and created < since


def _without_enterprise_types(errors: list[dict[str, Any]]) -> bool:
    """The whole query failed because the schema has no Enterprise Edition fields."""
    messages = [str(e.get("message") or "") for e in errors]
    return bool(messages) and any(f"Field '{name}' doesn't exist on type 'Project'" in message
                                  for message in messages for name in ENTERPRISE_FIELDS)




def _base_url(url: str) -> str:
    """The instance's URL: an API URL pasted by mistake (…/api/v4) is cut back to it."""
    return url.rstrip("/").removesuffix("/api/v4").rstrip("/")


def _host(url: str) -> str:
    return urlparse(url).hostname or "gitlab"


class IncludedFiles:
    """Files of other projects that a pipeline includes (`include: project:`, components),
    read with the repository files API (remembered by ETag like every other read)."""

    def __init__(self, api: GitLabApi) -> None:
        self.api = api
        self.web = api.api_url.removesuffix("/api/v4")

    def read(self, repository: str, path: str, ref: str) -> ExternalFile | None:
        if ".." in path.split("/") or path.startswith("/") or not repository.strip("/"):
            return None
        project = quote(repository.strip("/"), safe="")
        answer = self.api.get(f"/projects/{project}/repository/files/{quote(path, safe='')}",
                              {"ref": ref})
        text = called_file_text(answer)
        if text is None:
            return None
        return ExternalFile(text, f"{self.web}/{repository.strip('/')}/-/blob/{ref}/{path}")
