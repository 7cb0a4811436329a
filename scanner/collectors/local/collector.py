"""Collects evidence from a git clone on disk, offline and read-only.

It reads only files git tracks, never follows a symlink out of the tree,
never runs anything from the repository, and says what it skipped.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from scanner import validate as v
from scanner.collectors.base import (
    ERROR,
    Collected,
    CollectSettings,
    Emitter,
    Problem,
    Target,
)
from scanner.collectors.ci.delegated import read_ci
from scanner.collectors.ci.model import Job
from scanner.collectors.ci.signals import SIGNALS as CI_SIGNALS
from scanner.collectors.ci.signals import CiReading, delivery_frequency, emit_ci_signals
from scanner.collectors.ci.tools import load_catalogue
from scanner.collectors.files import DETECTORS
from scanner.collectors.files.index import FileIndex
from scanner.collectors.files.kubernetes import workloads_by_name
from scanner.collectors.local.git import GitError, GitRepo
from scanner.collectors.local.history import SIGNALS as HISTORY_SIGNALS
from scanner.collectors.local.history import HistoryReads
from scanner.collectors.local.worktree import WorkTree
from scanner.collectors.repo_files import SIGNALS as FILE_SIGNALS
from scanner.collectors.repo_files import RepoFiles, deployable, iac_applied
from scanner.collectors.services import SIGNALS as SERVICE_SIGNALS
from scanner.collectors.services import ServiceRoot, attributed, find_services
from scanner.collectors.tree import SubTree
from scanner.errors import FileProblem
from scanner.evidence import Evidence, now_utc
from scanner.signals import SignalSpec
from scanner.waivers import REPO_FILE, parse_repository_waivers


class LocalRepoCollector:
    id: ClassVar[str] = "local"
    title: ClassVar[str] = "local git repository"
    signals: ClassVar[tuple[SignalSpec, ...]] = (
        SignalSpec("repo.has_commits", "bool", "The repository has at least one commit"),
        *HISTORY_SIGNALS,
        *FILE_SIGNALS,
        *CI_SIGNALS,
        *SERVICE_SIGNALS,
        *(spec for detector in DETECTORS for spec in detector.SIGNALS),
    )

    @classmethod
    def configure_target(cls, raw: Any, where: v.Where, base: Path) -> Target:
        """`- path: ../api` or just `- ../api`."""
        if isinstance(raw, dict):
            v.keys(raw, where, required=("path",))
            raw = raw["path"]
        path = Path(v.text(raw, where)).expanduser()
        resolved = str(path if path.is_absolute() else (base / path).resolve())
        return cls.target(resolved)

    @staticmethod
    def target(path: str) -> Target:
        return Target("local", path, {"path": path})

    def collect(self, target: Target, settings: CollectSettings) -> Collected:
        collected = Collected()
        path = Path(str(target.options.get("path", target.label))).expanduser()
        try:
            repo = GitRepo(path)
            tracked = repo.tracked_files()
        except GitError as exc:
            collected.problems.append(Problem(target.label, str(exc), ERROR))
            return collected
        _RepositoryScan(repo, tracked, settings, collected).run()
        return collected


class _RepositoryScan:
    """One repository: its own evidence, then each service inside it."""

    def __init__(self, repo: GitRepo, tracked: list[str], settings: CollectSettings,
                 collected: Collected) -> None:
        self.repo = repo
        self.settings = settings
        self.collected = collected
        self.entity = f"repo:{repo.root}"
        self.cadence: dict[str, Any] = {}
        self.tree = WorkTree(repo.root, tracked, settings.max_file_bytes)
        self.production = re.compile(settings.production_pattern)

    def note(self, message: str, locator: str | None = None, entity: str | None = None) -> None:
        self.collected.problems.append(Problem(entity or self.entity, message,
                                               locator=locator))

    def run(self) -> None:
        self.collected.entities.append(self.entity)
        out = Emitter(self.entity, LocalRepoCollector.id)
        has_commits = self.repo.head() is not None
        out.emit("repo.has_commits", has_commits, (), None if has_commits else "no commits yet")
        history = HistoryReads(self.repo, self.settings.history_days, now_utc()) \
            if has_commits else None
        self.catalogue = load_catalogue()
        findings = RepoFiles(self.tree, self.catalogue, out).collect()
        reading = read_ci(self.tree, self.catalogue, findings.precommit_references,
                          findings.precommit_in_ci_service)
        summary = emit_ci_signals(reading, self.catalogue, self.production, out)
        deployable(findings.service_artifacts, summary.deploys, out)
        iac_applied(findings.iac, summary.iac_applied, out)
        files = FileIndex(self.tree)
        for detector in DETECTORS:
            detector.detect(files, out)
        if history is not None:
            for message in history.finish(out):
                self.note(message)
        else:
            self.note("the repository has no commits yet; judged on its work tree only")
        self.cadence = {item.signal: item.value for item in out.evidence
                        if item.signal in ("git.mainline_days_per_week",
                                           "git.release_days_per_week")}
        delivery_frequency(self.cadence, summary, out)
        self._own_waivers(files)
        services = find_services(files)
        out.emit("repo.services", [s.path or "." for s in services],
                 [s.locator for s in services if s.locator])
        self.collected.evidence.extend(out.evidence)
        for where, why in [*findings.skipped, *files.skipped.items()]:
            self.note(f"skipped: {why}", where)
        for result in reading.results:
            for where, why in result.unreadable:
                self.note(f"CI file skipped: {why}", where)
        if summary.gaps:
            reasons = "; ".join(f"{where}: {why}" for where, why in summary.gaps[:3])
            more = f" (and {len(summary.gaps) - 3} more)" if len(summary.gaps) > 3 else ""
            self.note("CI evidence is incomplete, so missing CI tools are reported as "
                      f"unknown rather than absent: {reasons}{more}")
        if len(services) == 1 and not services[0].path:
            self._whole_repository_service(out.evidence)
        else:
            shared = workloads_by_name(files)
            for service in services:
                self._service(service, services, reading, shared)

    def _own_waivers(self, files: FileIndex) -> None:
        """Waivers the repository declares for itself in `.maturity.yaml`."""
        if not files.has(REPO_FILE):
            return
        documents = files.yaml(REPO_FILE)
        try:
            self.collected.waivers += parse_repository_waivers(
                documents[0] if documents else None, REPO_FILE, str(self.repo.root))
        except FileProblem as problem:
            self.note(f"waivers ignored: {problem}", REPO_FILE)

    def _service_entity(self, path: str) -> str:
        return f"service:{self.repo.root}/{path}" if path else f"service:{self.repo.root}"

    def _whole_repository_service(self, evidence: list[Evidence]) -> None:
        """A plain repository is one service: the repository's own evidence, under it."""
        entity = self._service_entity("")
        self.collected.entities.append(entity)
        out = Emitter(entity, LocalRepoCollector.id)
        out.emit("service.repo", self.entity)
        out.emit("service.path", ".")
        kinds = {spec.name: spec.entity_kinds for spec in LocalRepoCollector.signals}
        self.collected.evidence.extend(out.evidence)
        self.collected.evidence.extend(
            replace(item, entity=entity) for item in evidence
            if "service" in kinds.get(item.signal, ()))

    def _service(self, service: ServiceRoot, services: list[ServiceRoot],
                 reading: CiReading, shared: dict[str, str]) -> None:
        entity = self._service_entity(service.path)
        self.collected.entities.append(entity)
        prefix = f"{service.path}/" if service.path else ""
        subtree = SubTree(self.tree, service.path)
        files_out = Emitter(entity, LocalRepoCollector.id, locator_prefix=prefix)
        files_out.emit("service.repo", self.entity)
        files_out.emit("service.path", service.path or ".", [service.locator], service.reason)
        findings = RepoFiles(subtree, self.catalogue, files_out).collect_service()
        files = FileIndex(subtree)
        for detector in DETECTORS:
            detector.detect(files, files_out)
        ci_out = Emitter(entity, LocalRepoCollector.id)
        own = CiReading(results=reading.results, unparsed_systems=reading.unparsed_systems,
                        external=reading.external, extra_jobs=reading.extra_jobs,
                        only=lambda job: self._serves(job, service, services))
        summary = emit_ci_signals(own, self.catalogue, self.production, ci_out)
        deployable(findings.service_artifacts, summary.deploys, files_out)
        iac_applied(findings.iac, summary.iac_applied, files_out)
        delivery_frequency(self.cadence, summary, ci_out)
        kept = [_deployed_by_shared_manifests(item, service, shared) for item in files_out.evidence]
        self.collected.evidence += kept + ci_out.evidence

    @staticmethod
    def _serves(job: Job, service: ServiceRoot, services: list[ServiceRoot]) -> bool:
        """A job serves a service when it names it, or names no service at all."""
        named = attributed(job, services)
        return not named or service.path in named


def _deployed_by_shared_manifests(item: Evidence, service: ServiceRoot,
                                  shared: dict[str, str]) -> Evidence:
    """A service without infrastructure code of its own is still kept as code when the
    repository's shared manifests deploy it (a workload or image named like its folder)."""
    if item.signal != "iac.tools" or item.value:
        return item
    named = [shared[part] for part in service.path.lower().split("/") if part in shared]
    if not named:
        return item
    return replace(item, value=["kubernetes"], locators=(named[0],),
                   note=f"deployed by the repository's shared manifests ({named[0]})")
