"""GitHub organisations and repositories, read through the API without cloning.

For each repository: one GraphQL request (protection, merged pull requests with
their reviews, deployments, environments, releases, issues, Dependabot alerts),
then more pages of those lists back to the window's start within the repository's
request budget (see `windowed`), the tarball of
the default branch's head read by the same parsers as a local clone (skipped
when the head has not moved since the last scan: what it gave is remembered),
and a few REST calls (code scanning analyses and alerts, secret scanning alerts,
deploy workflow runs when the repository records no deployments), conditional
on the ETags kept from the last scan. A repository the organisation's listing
shows unchanged since the last scan (last push and update, default branch,
archived flag) costs no request at all: what it gave then is reused, for at most
`collect.reuse_days`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlparse

from scanner import patterns
from scanner import validate as v
from scanner.collectors.api import ApiError, parse_time
from scanner.collectors.base import (
    ERROR,
    Collected,
    CollectSettings,
    Emitter,
    Problem,
    Target,
)
from scanner.collectors.bounds import Budget, RequestBudgetSpent
from scanner.collectors.ci.model import ExternalFile
from scanner.collectors.hosts.fleet import (
    SHARED_KEYS,
    CloneFailed,
    HeadFiles,
    Listed,
    RepositoryResult,
    Reuse,
    apart,
    collect_with_token,
    read_fleet,
    read_head_files,
    shared_options,
    to_read,
    wanted,
    well_formed_listing,
)
from scanner.collectors.hosts.github import parse
from scanner.collectors.hosts.github.client import (
    DEFAULT_BASE_URL,
    ApiSettings,
    GitHubApi,
)
from scanner.collectors.hosts.github.queries import REPOSITORY
from scanner.collectors.hosts.github.windowed import WindowedRecords
from scanner.collectors.hosts.paging import further_page
from scanner.collectors.hosts.records import Feature, HostRepository
from scanner.collectors.hosts.settings import HostSettings
from scanner.collectors.hosts.signals import SIGNALS as HOST_SIGNALS
from scanner.collectors.hosts.signals import (
    deployed_on_host,
    dora_by_service,
    emit_host_signals,
)
from scanner.collectors.local.collector import LocalRepoCollector
from scanner.collectors.tree import SkippedFile, file_text
from scanner.evidence import now_utc
from scanner.memory import NO_MEMORY, Memory
from scanner.signals import SignalSpec

TARGET_KEYS = ("org", "repos", "base_url", *SHARED_KEYS)


class GitHubCollector:
    id: ClassVar[str] = "github"
    title: ClassVar[str] = "GitHub API (organisations and repositories)"
    # With `clone: true` a repository is read as a local clone, history included.
    signals: ClassVar[tuple[SignalSpec, ...]] = (*LocalRepoCollector.signals, *HOST_SIGNALS)

    @classmethod
    def configure_target(cls, raw: Any, where: v.Where, base: Path) -> Target:
        entry = v.mapping(raw, where, "a mapping with org: or repos:")
        v.keys(entry, where, optional=TARGET_KEYS)
        if ("org" in entry) == ("repos" in entry):
            raise where.problem("give either org: (a whole organisation) or repos: "
                                "[owner/name, …]")
        options = shared_options(entry, where, "GITHUB_TOKEN")
        options["base_url"] = v.text(entry.get("base_url", DEFAULT_BASE_URL),
                                     where.at("base_url"))
        if not urlparse(options["base_url"]).scheme.startswith("http"):
            raise where.at("base_url").problem("must be an http(s) URL, e.g. "
                                               "https://github.example.com/api/v3")
        if "org" in entry:
            options["org"] = v.text(entry["org"], where.at("org"))
            label = f"{_host(options['base_url'])}/{options['org']}"
        else:
            options["repos"] = v.texts(entry["repos"], where.at("repos"))
            for name in options["repos"]:
                if name.count("/") != 1:
                    raise where.at("repos").problem(f"'{name}' is not owner/name")
            label = f"{_host(options['base_url'])}/{','.join(options['repos'])}"
        return Target(cls.id, label, options)

    def collect(self, target: Target, settings: CollectSettings,
                memory: Memory = NO_MEMORY) -> Collected:
        return collect_with_token(
            target, "a token that can read the repositories (a personal access token or a "
            "GitHub App installation token)",
            lambda token: GitHubApi(token, ApiSettings(
                base_url=str(target.options["base_url"]),
                pool_size=int(target.options["workers"]),
                max_response_bytes=settings.max_response_bytes,
                max_requests=int(target.options["max_requests"])), memory),
            lambda api, collected: _Organisation(api, target, settings, memory,
                                                 collected).scan())


class _Organisation:
    """One target: list its repositories, then read each in a bounded pool of threads."""

    def __init__(self, api: GitHubApi, target: Target, settings: CollectSettings,
                 memory: Memory, collected: Collected) -> None:
        self.api, self.target, self.settings = api, target, settings
        self.memory, self.collected = memory, collected
        self.options = target.options
        self.host = _host(str(self.options["base_url"]))
        self.host_settings = HostSettings(window_days=int(self.options["window_days"]),
                                          production_pattern=settings.production_pattern)
        self.now = now_utc()

    def scan(self) -> None:
        listing, whole = self._repositories()
        repositories = to_read(self.target.label, listing, whole=whole,
                               well_formed=_well_formed,
                               wanted=lambda r: _wanted(self.options, r),
                               options=self.options, into=self.collected)
        read_fleet(self.target.label, repositories, self._repository, listed=self._listed,
                   reuse=Reuse.of(self.memory, self.now, self.settings, self.options),
                   workers=int(self.options["workers"]), into=self.collected,
                   kept=self.api.kept)

    def _listed(self, listing: dict[str, Any]) -> Listed:
        return Listed(f"{self.host}/{listing.get('full_name') or ''}",
                      (listing.get("pushed_at"), listing.get("updated_at"),
                       listing.get("default_branch"), bool(listing.get("archived"))))

    def _repositories(self) -> tuple[list[Any], bool]:
        """The repositories listed (items as the API gave them), and whether the listing
        was read to its end."""
        if "org" in self.options:
            org = str(self.options["org"])
            answer, whole = self.api.listing(f"/orgs/{org}/repos", {"type": "all"})
            if not answer.ok:
                raise ApiError(f"organisation '{org}' cannot be listed on {self.host} "
                                f"({answer.message}); check the name and that the token "
                                "belongs to a member", answer.status)
            return answer.data, whole
        found = []
        for name in self.options["repos"]:
            answer = self.api.get(f"/repos/{name}")
            if answer.ok and isinstance(answer.data, dict):
                found.append(answer.data)
            else:
                self.collected.problems.append(Problem(
                    f"repo:{self.host}/{name}", f"repository not readable ({answer.message})",
                    ERROR))
        return found, True

    def _repository(self, listing: dict[str, Any]) -> RepositoryResult:
        full_name = str(listing.get("full_name") or "")
        reader = _RepositoryReader(self, full_name, listing)
        try:
            reader.read()
        except RequestBudgetSpent:
            raise  # the fleet leaves every repository it stops short of out, at once
        except (ApiError, CloneFailed) as exc:
            reader.result.collected.problems.append(
                Problem(reader.entity, f"not read: {exc}", ERROR))
        return reader.result


class _RepositoryReader:
    def __init__(self, organisation: _Organisation, full_name: str,
                 listing: dict[str, Any]) -> None:
        self.org = organisation
        self.result = RepositoryResult()
        self.api = apart(organisation.api, self.result.remembered)
        self.full_name = full_name
        self.listing = listing
        self.name = f"{organisation.host}/{full_name}"
        self.entity = f"repo:{self.name}"
        self.budget = Budget(int(organisation.options["request_budget"]))
        self.since = organisation.now
        self.variables: dict[str, Any] = {}

    def read(self) -> None:
        owner, _, name = self.full_name.partition("/")
        settings = self.org.host_settings
        self.since = self.org.now - timedelta(days=settings.window_days)
        self.variables = {"owner": owner, "name": name, "since": self.since.isoformat()}
        self.budget.take()  # the whole query
        data, errors = self.api.graphql(REPOSITORY, self.variables)
        repository = (data or {}).get("repository")
        if not isinstance(repository, dict):
            reason = "; ".join(str(e.get("message")) for e in errors) or "no answer"
            raise ApiError(f"the repository is gone or hidden ({reason})")
        records = WindowedRecords(repository, since=self.since, now=self.org.now,
                                  budget=self.budget,
                                  production=patterns.compiled(settings.production_pattern),
                                  follow=self.follow)
        host = self._records(records.read(), errors)
        host.notes += records.notes
        for kind, moment in records.cuts.items():
            host.cut(kind, moment)
        self._files(host)
        self._rest(host)
        out = Emitter(self.entity, GitHubCollector.id)
        emit_host_signals(host, settings, self.org.now, out)
        self.result.collected.evidence = deployed_on_host(host, self.entity,
                                                          self.result.collected.evidence)
        services, timelines = dora_by_service(host, self.result.collected.evidence,
                                              settings, self.org.now, GitHubCollector.id)
        self.result.collected.evidence += services
        self.result.collected.timeline += timelines
        self.result.collected.evidence += out.evidence
        for note in host.notes:
            self.result.collected.problems.append(Problem(self.entity, note))

    def follow(self, paging: dict[str, Any], notes: list[str]) -> dict[str, Any] | None:
        """The repository in the answer to the query run again for further pages."""
        return further_page(lambda: self.api.graphql(REPOSITORY, {**self.variables, **paging}),
                            "repository", notes)

    def _records(self, repository: dict[str, Any], errors: list[dict[str, Any]]
                 ) -> HostRepository:
        branch = repository.get("defaultBranchRef") or {}
        default = str(branch.get("name") or self.listing.get("default_branch") or "main")
        url = str(repository.get("url") or self.listing.get("html_url") or "")
        production = patterns.compiled(self.org.host_settings.production_pattern)
        host = HostRepository(
            name=self.name, url=url, default_branch=default,
            head_sha=(branch.get("target") or {}).get("oid"),
            archived=bool(repository.get("isArchived")),
            pushed_at=parse_time(repository.get("pushedAt")),
            rules=parse.branch_rules(repository, default),
            changes=parse.merged_changes(repository),
            deployments=parse.deployments(repository, production, url),
            releases=parse.releases(repository),
            issues=parse.issues(repository),
        )
        alerts = parse.dependency_alerts(repository, url)
        host.alerts["dependency"] = alerts
        host.features["dependency_alerts"] = Feature(True) if alerts is not None else Feature(
            None, "Dependabot alerts not readable with this token")
        for error in errors:
            path = ".".join(str(p) for p in error.get("path") or [])
            host.notes.append(f"{path or 'GraphQL'}: {error.get('message')}")
        return host

    def _files(self, host: HostRepository) -> None:
        """The repository's files at its head, through the same analysis as a clone."""
        if not host.head_sha:
            host.notes.append("the repository is empty: no files to read")
            return
        secret = base64.b64encode(f"x-access-token:{self.api.token}".encode()).decode()
        files = HeadFiles(
            name=self.name, source=GitHubCollector.id, head_sha=host.head_sha,
            archive=lambda: self.api.stream(f"/repos/{self.full_name}/tarball/{host.head_sha}"),
            clone_url=str(self.listing.get("clone_url") or f"{host.url}.git"),
            clone_auth_header=f"Authorization: Basic {secret}", clean=self.api.clean,
            external=CalledWorkflows(self.api))
        read_head_files(files, self.org.settings, self.org.memory, self.org.now,
                        as_clone=bool(self.org.options["clone"]), result=self.result)

    def _rest(self, host: HostRepository) -> None:
        base = f"/repos/{self.full_name}"
        analyses = self.api.pages(f"{base}/code-scanning/analyses", limit=100, feature=True)
        if analyses.status == 404 and "no analysis found" in analyses.message.lower():
            analyses = replace(analyses, status=200, data=[])  # on, but nothing analysed yet
        if analyses.ok:
            host.code_scanning_tools = parse.code_scanning_tools(analyses.data)
            host.features["code_scanning"] = Feature(bool(analyses.data))
            if analyses.data:
                alerts = self.api.pages(f"{base}/code-scanning/alerts", limit=500,
                                        feature=True)
                host.alerts["code"] = parse.code_alerts(alerts.data) if alerts.ok else None
        else:
            host.features["code_scanning"] = Feature(None, analyses.message)
            host.notes.append(f"code scanning not readable: {analyses.message}")
        secrets = self.api.pages(f"{base}/secret-scanning/alerts", limit=500, feature=True)
        if secrets.ok:
            host.features["secret_scanning"] = Feature(True)
            host.alerts["secret"] = parse.secret_alerts(secrets.data)
        else:
            host.features["secret_scanning"] = Feature(None, secrets.message)
            host.notes.append(f"secret scanning not readable: {secrets.message}")
        if not host.deployments:
            self._deploy_runs(host)

    def _deploy_runs(self, host: HostRepository) -> None:
        """No deployments recorded: deploy workflow runs stand in for them (DevLake)."""
        since = self.since.date()
        answer, complete = self.api.listing(
            f"/repos/{self.full_name}/actions/runs",
            {"branch": host.default_branch, "status": "completed",
             "created": f">={since.isoformat()}"}, budget=self.budget,
            unwrap="workflow_runs")
        if not answer.ok:
            return
        runs = [r for r in answer.data if isinstance(r, dict)]
        found = parse.deploy_runs(runs, host.default_branch,
                                  patterns.compiled(self.org.host_settings.deploy_run_pattern))
        if found:
            host.deployments = found
            host.deployment_source = "workflow_runs"
            if not complete:
                host.cut("deployments", min(
                    (moment for r in runs if (moment := parse_time(r.get("created_at")))),
                    default=self.org.now))


def _well_formed(repository: Any) -> bool:
    return well_formed_listing(repository, "full_name", parts=range(2, 3))


def _wanted(options: Mapping[str, Any], repository: dict[str, Any]) -> bool:
    if repository.get("disabled"):
        return False
    return wanted(options, [str(repository.get("name") or "")],
                  archived=bool(repository.get("archived")), fork=bool(repository.get("fork")),
                  topics=repository.get("topics") or [])


def _host(base_url: str) -> str:
    """github.com for the public API, else the server's host name (GitHub Enterprise)."""
    host = urlparse(base_url).hostname or "github"
    return "github.com" if host == "api.github.com" else host


MAX_CALLED_WORKFLOW_BYTES = 512_000
_SAFE_PART = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


class CalledWorkflows:
    """Other repositories' workflows a repository calls, read with the contents API (and
    remembered by ETag like every other read); what cannot be read stays unread."""

    def __init__(self, api: GitHubApi) -> None:
        self.api = api

    def read(self, repository: str, path: str, ref: str) -> ExternalFile | None:
        if not _SAFE_PART.fullmatch(repository) or ".." in path or path.startswith("/"):
            return None
        answer = self.api.get(f"/repos/{repository}/contents/{path}", {"ref": ref})
        data = answer.data if answer.ok else None
        if not isinstance(data, dict) or data.get("encoding") != "base64" or \
                not isinstance(data.get("content"), str) or \
                len(data["content"]) > MAX_CALLED_WORKFLOW_BYTES * 2:
            return None
        try:
            text = file_text(base64.b64decode(data["content"]))
        except (ValueError, SkippedFile):
            return None
        url = data.get("html_url")
        return ExternalFile(text, url if isinstance(url, str) and url.startswith("http")
                            else f"{repository}/{path}@{ref}")
