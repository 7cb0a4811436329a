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

from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlparse

from scanner import patterns
from scanner import validate as v
from scanner.collectors.api import parse_time
from scanner.collectors.base import Collected, CollectSettings, Target
from scanner.collectors.ci.model import ExternalFile
from scanner.collectors.hosts.fleet import Fleet, RepositoryReader, collect_with_token
from scanner.collectors.hosts.github import parse
from scanner.collectors.hosts.github.client import DEFAULT_BASE_URL, ApiSettings, GitHubApi
from scanner.collectors.hosts.github.queries import REPOSITORY
from scanner.collectors.hosts.github.windowed import WindowedRecords
from scanner.collectors.hosts.head_files import called_file_text
from scanner.collectors.hosts.paging import further_page
from scanner.collectors.hosts.records import Feature, HostRepository
from scanner.collectors.hosts.reuse import Listed
from scanner.collectors.hosts.targets import (
    SHARED_KEYS,
    shared_options,
    wanted,
    well_formed_listing,
)
from scanner.collectors.sources import GITHUB, SIGNALS
from scanner.lazy_patterns import lazy_compile
from scanner.memory import NO_MEMORY, Memory
from scanner.signals import SignalSpec

TARGET_KEYS = ("org", "repos", "base_url", *SHARED_KEYS)


class GitHubCollector:
    id: ClassVar[str] = GITHUB.id
    title: ClassVar[str] = GITHUB.title
    signals: ClassVar[tuple[SignalSpec, ...]] = SIGNALS[GITHUB]
    # A sharded scan's shards each read their own repositories of an organisation.
    shards_by_repository: ClassVar[bool] = True

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
            lambda api, collected: _Organisation(
                api, target, settings, memory, collected,
                host=_host(str(target.options["base_url"]))).scan())


class _Organisation(Fleet[GitHubApi]):
    """An organisation, or the repositories a target names one by one."""

    source = GitHubCollector.id
    owner_key, names_key, path_key = "org", "repos", "full_name"
    owner_noun, noun = "organisation", "repository"
    listing_hint = "check the name and that the token belongs to a member"

    def owner_listing(self, owner: str) -> tuple[str, dict[str, str]]:
        return f"/orgs/{owner}/repos", {"type": "all"}

    def repository_path(self, name: str) -> str:
        return f"/repos/{name}"

    def is_well_formed(self, item: Any) -> bool:
        return well_formed_listing(item, "full_name", parts=range(2, 3))

    def is_wanted(self, item: dict[str, Any]) -> bool:
        if item.get("disabled"):
            return False
        return wanted(self.options, [str(item.get("name") or "")],
                      archived=bool(item.get("archived")), fork=bool(item.get("fork")),
                      topics=item.get("topics") or [])

    def listed(self, item: dict[str, Any]) -> Listed:
        return Listed(f"{self.host}/{item.get('full_name') or ''}",
                      (item.get("pushed_at"), item.get("updated_at"),
                       item.get("default_branch"), bool(item.get("archived"))))

    def reader(self, item: dict[str, Any]) -> _RepositoryReader:
        return _RepositoryReader(self, item)


class _RepositoryReader(RepositoryReader[_Organisation]):
    api: GitHubApi

    def __init__(self, organisation: _Organisation, item: dict[str, Any]) -> None:
        super().__init__(organisation, item)
        self.variables: dict[str, Any] = {}

    def host_record(self) -> HostRepository:
        owner, _, name = self.path.partition("/")
        settings = self.fleet.host_settings
        self.variables = {"owner": owner, "name": name, "since": self.since.isoformat()}
        self.budget.take()  # the whole query
        data, errors = self.api.graphql(REPOSITORY, self.variables)
        repository = self.queried(data, errors, "repository", unexplained="no answer")
        records = WindowedRecords(repository, since=self.since, now=self.fleet.now,
                                  budget=self.budget,
                                  production=patterns.compiled(settings.production_pattern),
                                  follow=self.follow)
        host = self._records(records.read(), errors)
        host.notes += records.notes
        for kind, moment in records.cuts.items():
            host.cut(kind, moment)
        self.read_files(
            host, user="x-access-token",
            archive=lambda: self.api.stream(f"/repos/{self.path}/tarball/{host.head_sha}"),
            clone_url=str(self.listing.get("clone_url") or f"{host.url}.git"),
            external=CalledWorkflows(self.api))
        self._rest(host)
        return host

    def follow(self, paging: dict[str, Any], notes: list[str]) -> dict[str, Any] | None:
        """The repository in the answer to the query run again for further pages."""
        return further_page(lambda: self.api.graphql(REPOSITORY, {**self.variables, **paging}),
                            "repository", notes)

    def _records(self, repository: dict[str, Any], errors: list[dict[str, Any]]
                 ) -> HostRepository:
        branch = repository.get("defaultBranchRef") or {}
        default = str(branch.get("name") or self.listing.get("default_branch") or "main")
        url = str(repository.get("url") or self.listing.get("html_url") or "")
        production = patterns.compiled(self.fleet.host_settings.production_pattern)
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
        self.note_errors(host, errors)
        return host

    def _rest(self, host: HostRepository) -> None:
        base = f"/repos/{self.path}"
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
            f"/repos/{self.path}/actions/runs",
            {"branch": host.default_branch, "status": "completed",
             "created": f">={since.isoformat()}"}, budget=self.budget,
            unwrap="workflow_runs")
        if not answer.ok:
            return
        runs = [r for r in answer.data if isinstance(r, dict)]
        self.runs_deploying(host, runs, parse.deploy_runs, "workflow_runs", complete=complete)


def _host(base_url: str) -> str:
    """github.com for the public API, else the server's host name (GitHub Enterprise)."""
    host = urlparse(base_url).hostname or "github"
    return "github.com" if host == "api.github.com" else host


_SAFE_PART = lazy_compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


class CalledWorkflows:
    """Other repositories' workflows a repository calls, read with the contents API (and
    remembered by ETag like every other read); what cannot be read stays unread."""

    def __init__(self, api: GitHubApi) -> None:
        self.api = api

    def read(self, repository: str, path: str, ref: str) -> ExternalFile | None:
        if not _SAFE_PART.fullmatch(repository) or ".." in path or path.startswith("/"):
            return None
        answer = self.api.get(f"/repos/{repository}/contents/{path}", {"ref": ref})
        text = called_file_text(answer)
        if text is None:
            return None
        url = answer.data.get("html_url")
        return ExternalFile(text, url if isinstance(url, str) and url.startswith("http")
                            else f"{repository}/{path}@{ref}")
