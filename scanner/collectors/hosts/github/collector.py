"""GitHub organisations and repositories, read through the API without cloning.

For each repository: one GraphQL request (protection, merged pull requests with
their reviews, deployments, releases, issues, Dependabot alerts), the tarball of
the default branch's head read by the same parsers as a local clone (skipped
when the head has not moved since the last scan: what it gave is remembered),
and a few REST calls (code scanning analyses and alerts, secret scanning alerts,
deploy workflow runs when the repository records no deployments), conditional
on the ETags kept from the last scan.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlparse

from scanner import validate as v
from scanner.collectors.analysis import RepositoryAnalysis
from scanner.collectors.base import (
    ERROR,
    Collected,
    CollectSettings,
    Emitter,
    Problem,
    Target,
    report_items,
)
from scanner.collectors.hosts.archive import ArchiveTooLarge, ArchiveTree
from scanner.collectors.hosts.github import parse
from scanner.collectors.hosts.github.client import (
    DEFAULT_BASE_URL,
    ApiSettings,
    GitHubApi,
    HostError,
)
from scanner.collectors.hosts.github.queries import REPOSITORY
from scanner.collectors.hosts.records import Feature, HostRepository
from scanner.collectors.hosts.settings import HostSettings
from scanner.collectors.hosts.signals import SIGNALS as HOST_SIGNALS
from scanner.collectors.hosts.signals import emit_host_signals
from scanner.collectors.local.collector import LocalRepoCollector, read_clone
from scanner.collectors.local.git import GitError, GitRepo, clone
from scanner.evidence import Evidence, now_utc
from scanner.memory import NO_MEMORY, Memory, Remembered
from scanner.signals import SignalSpec

TARGET_KEYS = ("org", "repos", "base_url", "token_env", "include", "exclude", "topics",
               "archived", "forks", "workers", "window_days", "clone")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
FILES_KEY = "files {name}@{sha}"


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
        options: dict[str, Any] = {
            "base_url": v.text(entry.get("base_url", DEFAULT_BASE_URL), where.at("base_url")),
            "token_env": v.text(entry.get("token_env", "GITHUB_TOKEN"), where.at("token_env")),
            "include": _texts(entry.get("include"), where.at("include")),
            "exclude": _texts(entry.get("exclude"), where.at("exclude")),
            "topics": _texts(entry.get("topics"), where.at("topics")),
            "archived": v.boolean(entry.get("archived", False), where.at("archived")),
            "forks": v.boolean(entry.get("forks", False), where.at("forks")),
            "workers": v.integer(entry.get("workers", 16), where.at("workers"), minimum=1,
                                 maximum=64),
            "window_days": v.integer(entry.get("window_days", 90), where.at("window_days"),
                                     minimum=7, maximum=730),
            "clone": v.boolean(entry.get("clone", False), where.at("clone")),
        }
        if not ENV_NAME.match(options["token_env"]):
            raise where.at("token_env").problem(
                "name an environment variable (e.g. GITHUB_TOKEN), not the token itself")
        if not urlparse(options["base_url"]).scheme.startswith("http"):
            raise where.at("base_url").problem("must be an http(s) URL, e.g. "
                                               "https://github.example.com/api/v3")
        if "org" in entry:
            options["org"] = v.text(entry["org"], where.at("org"))
            label = f"{_host(options['base_url'])}/{options['org']}"
        else:
            options["repos"] = _texts(entry["repos"], where.at("repos"))
            for name in options["repos"]:
                if name.count("/") != 1:
                    raise where.at("repos").problem(f"'{name}' is not owner/name")
            label = f"{_host(options['base_url'])}/{','.join(options['repos'])}"
        return Target(cls.id, label, options)

    def collect(self, target: Target, settings: CollectSettings,
                memory: Memory = NO_MEMORY) -> Collected:
        collected = Collected()
        options = target.options
        token = os.environ.get(str(options["token_env"]), "")
        if not token:
            collected.problems.append(Problem(
                target.label, f"environment variable {options['token_env']} is not set; "
                "export a token that can read the repositories (a personal access token or "
                "a GitHub App installation token)", ERROR))
            return collected
        api = GitHubApi(token, ApiSettings(base_url=str(options["base_url"]),
                                           pool_size=int(options["workers"])), memory)
        try:
            _Organisation(api, target, settings, memory, collected).scan()
        except HostError as exc:
            collected.problems.append(Problem(target.label, str(exc), ERROR))
        finally:
            api.close()
        collected.memory = dict(api.kept)
        return collected


@dataclass
class _RepositoryResult:
    collected: Collected
    remembered: dict[str, Remembered]


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
        repositories = [r for r in self._repositories() if self._wanted(r)]
        workers = min(int(self.options["workers"]), max(1, len(repositories)))
        report_items(self.target.label, 0, len(repositories))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for done, result in enumerate(pool.map(self._repository, repositories), 1):
                report_items(self.target.label, done, len(repositories))
                found = result.collected
                self.collected.evidence += found.evidence
                self.collected.problems += found.problems
                self.collected.entities += found.entities
                self.collected.waivers += found.waivers
                self.api.kept.update(result.remembered)

    def _repositories(self) -> list[dict[str, Any]]:
        if "org" in self.options:
            org = str(self.options["org"])
            answer = self.api.pages(f"/orgs/{org}/repos", {"type": "all"})
            if not answer.ok:
                raise HostError(f"organisation '{org}' cannot be listed on {self.host} "
                                f"({answer.message}); check the name and that the token "
                                "belongs to a member", answer.status)
            return [r for r in answer.data if isinstance(r, dict)]
        found = []
        for name in self.options["repos"]:
            answer = self.api.get(f"/repos/{name}")
            if answer.ok and isinstance(answer.data, dict):
                found.append(answer.data)
            else:
                self.collected.problems.append(Problem(
                    f"repo:{self.host}/{name}", f"repository not readable ({answer.message})",
                    ERROR))
        return found

    def _wanted(self, repository: dict[str, Any]) -> bool:
        name = str(repository.get("name") or "")
        if repository.get("archived") and not self.options["archived"]:
            return False
        if repository.get("fork") and not self.options["forks"]:
            return False
        if repository.get("disabled"):
            return False
        include, exclude = self.options["include"], self.options["exclude"]
        if include and not any(fnmatch.fnmatchcase(name, p) for p in include):
            return False
        if any(fnmatch.fnmatchcase(name, p) for p in exclude):
            return False
        topics = set(self.options["topics"])
        return not topics or bool(topics & set(repository.get("topics") or []))

    def _repository(self, listing: dict[str, Any]) -> _RepositoryResult:
        full_name = str(listing.get("full_name") or "")
        reader = _RepositoryReader(self, full_name, listing)
        try:
            reader.read()
        except HostError as exc:
            reader.collected.problems.append(Problem(reader.entity, f"not read: {exc}", ERROR))
        return _RepositoryResult(reader.collected, reader.remembered)


class _RepositoryReader:
    def __init__(self, organisation: _Organisation, full_name: str,
                 listing: dict[str, Any]) -> None:
        self.org = organisation
        self.api = organisation.api
        self.full_name = full_name
        self.listing = listing
        self.name = f"{organisation.host}/{full_name}"
        self.entity = f"repo:{self.name}"
        self.collected = Collected()
        self.remembered: dict[str, Remembered] = {}

    def read(self) -> None:
        owner, _, name = self.full_name.partition("/")
        since = self.org.now - timedelta(days=self.org.host_settings.window_days)
        data, errors = self.api.graphql(REPOSITORY, {"owner": owner, "name": name,
                                                     "since": since.isoformat()})
        repository = (data or {}).get("repository")
        if not isinstance(repository, dict):
            reason = "; ".join(str(e.get("message")) for e in errors) or "no answer"
            raise HostError(f"the repository is gone or hidden ({reason})")
        host = self._records(repository, errors)
        self._files(host)
        self._rest(host)
        out = Emitter(self.entity, GitHubCollector.id)
        emit_host_signals(host, self.org.host_settings, self.org.now, out)
        self.collected.evidence += out.evidence
        for note in host.notes:
            self.collected.problems.append(Problem(self.entity, note))

    def _records(self, repository: dict[str, Any], errors: list[dict[str, Any]]
                 ) -> HostRepository:
        branch = repository.get("defaultBranchRef") or {}
        default = str(branch.get("name") or self.listing.get("default_branch") or "main")
        url = str(repository.get("url") or self.listing.get("html_url") or "")
        production = re.compile(self.org.host_settings.production_pattern)
        host = HostRepository(
            name=self.name, url=url, default_branch=default,
            head_sha=(branch.get("target") or {}).get("oid"),
            archived=bool(repository.get("isArchived")),
            pushed_at=parse.when(repository.get("pushedAt")),
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
        if self.org.options.get("clone"):
            self._clone(host)
            return
        key = FILES_KEY.format(name=self.name, sha=host.head_sha)
        before = self.org.memory.get(key)
        if before is not None:
            self._recall_files(before)
            self.remembered[key] = before
            return
        found = Collected()
        chunks = self.api.stream(f"/repos/{self.full_name}/tarball/{host.head_sha}")
        try:
            with ArchiveTree(chunks, self.org.settings.max_file_bytes) as tree:
                analysis = RepositoryAnalysis(self.name, tree, GitHubCollector.id,
                                              self.org.settings, found)
                analysis.run(Emitter(analysis.entity, GitHubCollector.id), None)
        except ArchiveTooLarge as exc:
            found.entities.append(self.entity)
            found.problems.append(Problem(self.entity, f"files not read: the archive is {exc}",
                                          ERROR))
        self._merge(found)
        self.remembered[key] = Remembered(host.head_sha, _freeze(found))

    def _clone(self, host: HostRepository) -> None:
        """A shallow clone cut at the history window: files and history, as a local scan.

        Not remembered between scans: history signals move with the window.
        """
        url = str(self.listing.get("clone_url") or f"{host.url}.git")
        since = (self.org.now - timedelta(days=self.org.settings.history_days)).date()
        secret = base64.b64encode(f"x-access-token:{self.api.token}".encode()).decode()
        found = Collected()
        with tempfile.TemporaryDirectory(prefix="maturity-clone-") as folder:
            path = Path(folder) / "repo"
            try:
                clone(url, path, since=since, auth_header=f"Authorization: Basic {secret}")
                repo = GitRepo(path)
                read_clone(repo, repo.tracked_files(), found, name=self.name,
                           source=GitHubCollector.id, settings=self.org.settings)
            except GitError as exc:
                raise HostError(f"clone failed: {self.api.clean(exc)}") from None
        self._merge(found)

    def _recall_files(self, before: Remembered) -> None:
        """What the files gave at this same commit last time: still true, observed again."""
        data = json.loads(before.body)
        found = Collected(entities=list(data["entities"]), evidence=[
            replace(Evidence.from_dict(item), observed_at=self.org.now)
            for item in data["evidence"]])
        found.problems = [Problem(p["target"], p["message"], p["severity"], p.get("locator"))
                          for p in data["problems"]]
        self._merge(found)

    def _merge(self, found: Collected) -> None:
        self.collected.entities += found.entities
        self.collected.evidence += found.evidence
        self.collected.problems += found.problems
        self.collected.waivers += found.waivers

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
        since = (self.org.now - timedelta(days=self.org.host_settings.window_days)).date()
        answer = self.api.get(f"/repos/{self.full_name}/actions/runs",
                              {"per_page": 100, "branch": host.default_branch,
                               "status": "completed", "created": f">={since.isoformat()}"})
        if not answer.ok or not isinstance(answer.data, dict):
            return
        runs = [r for r in answer.data.get("workflow_runs") or [] if isinstance(r, dict)]
        found = parse.deploy_runs(runs, host.default_branch,
                                  re.compile(self.org.host_settings.deploy_run_pattern))
        if found:
            host.deployments = found
            host.deployment_source = "workflow_runs"


def _freeze(found: Collected) -> str:
    return json.dumps({"entities": found.entities,
                       "evidence": [item.to_dict() for item in found.evidence],
                       "problems": [p.to_dict() for p in found.problems]})


def _host(base_url: str) -> str:
    """github.com for the public API, else the server's host name (GitHub Enterprise)."""
    host = urlparse(base_url).hostname or "github"
    return "github.com" if host == "api.github.com" else host


def _texts(value: Any, where: v.Where) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [v.text(item, where.at(index)) for index, item in enumerate(v.sequence(value, where))]

