"""One repository's files and CI, read into evidence: the part every Git source shares.

A local clone, a GitHub repository and a GitLab project all end up as a tree of
files; this reads the tree the same way for each (CI systems, repository files,
the file detectors, services), so the same file gives the same evidence whatever
the source. History is the caller's: a clone has it, an API snapshot does not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial

from scanner import patterns
from scanner.collectors.base import Collected, CollectSettings, Emitter, Problem
from scanner.collectors.build_facts import BuildFacts
from scanner.collectors.cadence import Delivery, HistoryPlaces, as_service
from scanner.collectors.ci.delegated import read_ci
from scanner.collectors.ci.model import ExternalFiles, Job
from scanner.collectors.ci.reading import CiReading
from scanner.collectors.ci.signals import SIGNALS as CI_SIGNALS
from scanner.collectors.ci.signals import CiSummary, emit_ci_signals
from scanner.collectors.ci.tools import load_catalogue
from scanner.collectors.deadlines import OutOfTime, TimeBudget
from scanner.collectors.files import detectors
from scanner.collectors.files.index import FileIndex
from scanner.collectors.files.kubernetes import workloads_by_name
from scanner.collectors.repo_files import SIGNALS as FILE_SIGNALS
from scanner.collectors.repo_files import RepoFiles, classify, iac_applied
from scanner.collectors.services import SIGNALS as SERVICE_SIGNALS
from scanner.collectors.services import ServiceRoot, attributed, find_services
from scanner.collectors.tree import RepoTree, SubTree
from scanner.errors import FileProblem
from scanner.evidence import Evidence
from scanner.signals import SignalSpec
from scanner.waivers import REPO_FILE, parse_repository_waivers
from scanner.workers import Beside, WorkFailed, begun_beside

#: Signals every repository source emits from the files of a repository.
SIGNALS: tuple[SignalSpec, ...] = (
    *FILE_SIGNALS,
    *CI_SIGNALS,
    *SERVICE_SIGNALS,
    *(spec for detector in detectors() for spec in detector.signals),
)
_SERVICE_KIND = frozenset(spec.name for spec in SIGNALS if "service" in spec.entity_kinds)


class RepositoryAnalysis:
    """One repository: its own evidence, then each service inside it.

    `name` identifies the repository in entity ids (`repo:<name>`,
    `service:<name>/<path>`): a path for a clone, `github.com/acme/api` for a host.
    """

    def __init__(self, name: str, tree: RepoTree, source: str, settings: CollectSettings,
                 collected: Collected, *, external: ExternalFiles | None = None) -> None:
        self.name = name
        self.tree = tree
        self.source = source
        self.settings = settings
        self.collected = collected
        self.entity = f"repo:{name}"
        self.deliveries: list[Delivery] = []
        self.facts = BuildFacts()  # the repository's, which its services share
        self.production = patterns.compiled(settings.production_pattern)
        self.external = external
        self.budget = TimeBudget(settings.repository_seconds)

    def note(self, message: str, locator: str | None = None, entity: str | None = None) -> None:
        self.collected.problems.append(Problem(entity or self.entity, message,
                                               locator=locator))

    @contextmanager
    def isolated(self, part: str, out: Emitter,
                 where: Callable[[], str | None] = lambda: None) -> Iterator[None]:
        """Run one part of the analysis within its time, so that a bug in it or a file too
        big to read in that time costs only its own signals: what it emitted is dropped
        (left unknown) and a warning names it and the file."""
        kept = len(out.evidence)
        try:
            with self.budget.part(part):
                yield
        except OutOfTime as late:
            del out.evidence[kept:]
            self.note(f"{part} stopped: it {late}; its signals are left unknown", where(),
                      entity=out.entity)
        except Exception as exc:  # any bug in one detector; the rest of the scan goes on
            del out.evidence[kept:]
            self.note(f"{part} failed ({type(exc).__name__}: {exc}); its signals are left "
                      "unknown (a bug in the scanner; please report it)", where(),
                      entity=out.entity)

    def detect(self, files: FileIndex, out: Emitter) -> None:
        """Every registered file detector, each on its own."""
        for detector in detectors():
            part = f"detector '{detector.id}'"
            if self.budget.spent:
                self.budget.skipped.append(part)
                continue
            with self.isolated(part, out, lambda: files.last_read):
                detector.detect(files, out)

    def ci_signals(self, reading: CiReading, out: Emitter, facts: BuildFacts) -> CiSummary:
        """The CI signals, as one part: if they fail, they are unknown and so is what the
        rest of the analysis takes from them."""
        summary = CiSummary.unknown()
        if self.budget.spent:
            self.budget.skipped.append("the CI signals")
            return summary
        with self.isolated("the CI signals", out):
            summary = emit_ci_signals(reading, self.catalogue, self.production, out, facts)
        return summary

    def run(self, out: Emitter, *, detect_beside: bool = False) -> HistoryPlaces:
        """Read the tree into `out` (the repository's emitter), then each service; what
        the history adds joins at the places returned. `detect_beside`: the repository's
        file detectors run in a forked copy of this process while it reads the repository
        files and the CI (see `_taken`), for a caller that reads one repository at a time:
        a Git host's repositories are read by many threads at once, which leave no core
        for the copy and make forking unsafe."""
        self.collected.entities.append(self.entity)
        beside = begun_beside(partial(_detected, self, out)) if detect_beside else None
        self.catalogue = load_catalogue()
        findings = RepoFiles(self.tree, self.catalogue, out).collect()
        reading = read_ci(self.tree, self.catalogue, findings.precommit_references,
                          findings.precommit_in_ci_service, external=self.external,
                          budget=self.budget)
        summary = self.ci_signals(reading, out, findings.facts)
        self.facts = findings.facts
        iac_applied(findings.iac, summary.iac_applied, out)
        files = FileIndex(self.tree)
        if beside is None or not _taken(beside, self, files, out):
            self.detect(files, out)
        classify([*findings.service_artifacts, *_gitops(out)], _app_kinds(out), summary, out)
        self._delivers(self.entity, summary)
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
        for where, why in reading.notes:
            self.note(why, where)
        if summary.gaps:
            reasons = "; ".join(f"{gap.locator}: {gap.why}" for gap in summary.gaps[:3])
            more = f" (and {len(summary.gaps) - 3} more)" if len(summary.gaps) > 3 else ""
            self.note("CI evidence is incomplete, so some missing CI tools are reported as "
                      f"unknown rather than absent: {reasons}{more}")
        whole_service = None
        if len(services) == 1 and not services[0].path:
            whole_service = self._whole_repository_service(out.evidence)
        else:
            shared = workloads_by_name(files)
            for service in services:
                self._service(service, services, reading, shared)
        late = self.budget.note()
        if late:
            self.note(late)
        return HistoryPlaces(self.entity, self.source, tuple(self.deliveries), whole_service,
                             _SERVICE_KIND)

    def _delivers(self, entity: str, summary: CiSummary) -> None:
        self.deliveries.append(Delivery(entity, summary.delivers_on_merge,
                                        summary.delivers_on_tag))

    def _own_waivers(self, files: FileIndex) -> None:
        """Waivers the repository declares for itself in `.maturity.yaml`."""
        if not files.has(REPO_FILE):
            return
        documents = files.yaml(REPO_FILE)
        try:
            self.collected.waivers += parse_repository_waivers(
                documents[0] if documents else None, REPO_FILE, self.name)
        except FileProblem as problem:
            self.note(f"waivers ignored: {problem}", REPO_FILE)

    def _service_entity(self, path: str) -> str:
        return f"service:{self.name}/{path}" if path else f"service:{self.name}"

    def _whole_repository_service(self, evidence: list[Evidence]) -> str:
        """A plain repository is one service: the repository's own evidence, under it."""
        entity = self._service_entity("")
        self.collected.entities.append(entity)
        out = Emitter(entity, self.source)
        out.emit("service.repo", self.entity)
        out.emit("service.path", ".")
        self.collected.evidence.extend(out.evidence)
        self.collected.evidence.extend(as_service(evidence, entity, _SERVICE_KIND))
        return entity

    def _service(self, service: ServiceRoot, services: list[ServiceRoot],
                 reading: CiReading, shared: dict[str, str]) -> None:
        entity = self._service_entity(service.path)
        self.collected.entities.append(entity)
        prefix = f"{service.path}/" if service.path else ""
        subtree = SubTree(self.tree, service.path)
        files_out = Emitter(entity, self.source, locator_prefix=prefix)
        files_out.emit("service.repo", self.entity)
        files_out.emit("service.path", service.path or ".", [service.locator], service.reason)
        findings = RepoFiles(subtree, self.catalogue, files_out).collect_service()
        files = FileIndex(subtree)
        self.detect(files, files_out)
        ci_out = Emitter(entity, self.source)
        own = CiReading(results=reading.results,
                        external=reading.external, extra_jobs=reading.extra_jobs,
                        only=lambda job: self._serves(job, service, services))
        summary = self.ci_signals(own, ci_out, findings.facts.under(prefix, self.facts))
        classify([*findings.service_artifacts, *_gitops(files_out)], _app_kinds(files_out),
                 summary, files_out, ci_out)
        iac_applied(findings.iac, summary.iac_applied, files_out)
        self._delivers(entity, summary)
        kept = [_deployed_by_shared_manifests(item, service, shared) for item in files_out.evidence]
        self.collected.evidence += kept + ci_out.evidence

    @staticmethod
    def _serves(job: Job, service: ServiceRoot, services: list[ServiceRoot]) -> bool:
        """A job serves a service when it names it, or names no service at all."""
        named = attributed(job, services)
        return not named or service.path in named


@dataclass(frozen=True)
class _Detected:
    """What the file detectors added to a repository's analysis, in the order they did."""

    evidence: list[Evidence]
    notes: list[Problem]
    parts_skipped: list[str]  # parts the time budget left out
    files_skipped: dict[str, str]


def _taken(copy: Beside[_Detected], analysis: RepositoryAnalysis, files: FileIndex,
           out: Emitter) -> bool:
    """What the detectors found in their copy, added as if they had run here; False when
    the copy failed, so that they do. The copy runs while the process reads the repository
    files and the CI: on a large clone each is a tenth of a second of Python, and the
    detectors read every file again."""
    try:
        found = copy.result()
    except WorkFailed:
        return False
    out.evidence.extend(found.evidence)
    analysis.collected.problems.extend(found.notes)
    analysis.budget.skipped.extend(found.parts_skipped)
    files.skipped.update(found.files_skipped)
    return True


def _detected(analysis: RepositoryAnalysis, out: Emitter) -> _Detected:
    """In the copy: every file detector on a new index of the tree."""
    evidence, notes, skipped = (len(out.evidence), len(analysis.collected.problems),
                                len(analysis.budget.skipped))
    files = FileIndex(analysis.tree)
    analysis.detect(files, out)
    return _Detected(out.evidence[evidence:], analysis.collected.problems[notes:],
                     analysis.budget.skipped[skipped:], files.skipped)


def _gitops(out: Emitter) -> list[tuple[str, str]]:
    """The GitOps definitions the detectors found, as artifacts that deploy services (a
    Flux Kustomization or an Argo CD Application runs what it points at)."""
    return [("gitops", place) for item in out.evidence
            if item.signal == "deploy.gitops.tools" and item.value
            for place in item.locators]


def _app_kinds(out: Emitter) -> list[str] | None:
    """The application kinds the detectors found (None when that detector failed)."""
    found = next((item.value for item in out.evidence if item.signal == "app.kinds"), None)
    return [str(kind) for kind in found] if isinstance(found, list) else None


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
