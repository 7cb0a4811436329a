"""Signals from a repository's own files: policy, ownership, dependency updates,
pre-commit hooks, infrastructure as code, service artifacts and tests.

Works on any `RepoTree`, so a Git host collector can reuse it unchanged.  Each kind
of file is read by a module of this package; `RepoFiles` says what they show, and
`classification` combines the files with what CI does.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from scanner.collectors.base import Emitter
from scanner.collectors.build_facts import BuildFacts, codeql_languages
from scanner.collectors.build_versions import snapshot_version
from scanner.collectors.ci.model import Reference
from scanner.collectors.ci.tools import Catalogue
from scanner.collectors.repo_files.classification import classify, iac_applied
from scanner.collectors.repo_files.code_files import (
    SOURCE_SUFFIXES,
    non_test_code,
    read_code_files,
)
from scanner.collectors.repo_files.dependency_updates import read_dependency_updates
from scanner.collectors.repo_files.infrastructure import read_infrastructure
from scanner.collectors.repo_files.owners import PROW_OWNERS, owners_file, read_owners
from scanner.collectors.repo_files.precommit import (
    PRECOMMIT_CONFIG,
    read_precommit,
    security_hooks,
)
from scanner.collectors.repo_files.security_policy import EMAIL, read_security_policy
from scanner.collectors.tree import RepoTree, SkippedFile
from scanner.signals import SignalSpec, specs_about

__all__ = ["EMAIL", "PRECOMMIT_CONFIG", "PROW_OWNERS", "SIGNALS", "SOURCE_SUFFIXES",
           "FileFindings", "RepoFiles", "classify", "iac_applied"]

_spec = specs_about("repo")
# A signal that holds for a repository and for each service inside it.
_part = specs_about("repo", "service")


SIGNALS: tuple[SignalSpec, ...] = (
    _spec("repo.security_policy", "bool", "A security policy (SECURITY.md or similar) exists"),
    _spec("repo.security_policy.contact", "bool",
          "The security policy says how to report a vulnerability (address or link)"),
    _spec("repo.security_policy.fix_timeline", "bool",
          "The security policy commits to fixing vulnerabilities within a stated time"),
    _spec("repo.codeowners", "bool", "A CODEOWNERS file assigns owners to code"),
    _spec("repo.codeowners.security", "bool",
          "CODEOWNERS names a security team or person as an owner"),
    _spec("repo.dependency_updates.tools", "list",
          "Automated dependency update tools configured (Dependabot, Renovate, …)"),
    _spec("repo.precommit.security_tools", "list",
          "Security tools in pre-commit hooks (run while developing, before a commit)"),
    _part("iac.tools", "list", "Infrastructure-as-code tools with files in the repository"),
    _part("iac.applied_share", "float",
          "Share of the repository's infrastructure-as-code kinds that CI applies "
          "automatically after merge"),
    _part("service.artifacts", "list",
          "Artifacts of a deployable service (container image, Kubernetes workload, GitOps "
          "definition, …)"),
    _part("deployable", "bool",
          "Something here is deployed or shipped to run: a service, an application (program, "
          "desktop, mobile or web app, web archive, serving image) or a site CI deploys"),
    _part("application", "bool",
          "A runnable application lives here (a service, a program with an entry point, a "
          "desktop, mobile or web app, a web archive); libraries are not"),
    _part("runs_as_service", "bool",
          "The code runs as a service somewhere (workloads, serverless, PaaS, a serving "
          "image, or CI deploys it to an environment)"),
    _part("tests.files", "int", "Test files tracked in the repository"),
    _part("source.files", "int", "Source code files that are not tests"),
    _part("tests.ratio", "float", "Test files per source file"),
    _part("e2e.suites", "list",
          "End-to-end, browser, contract or integration test suites present in the "
          "repository (including tests that run the built program or start containers)"),
)


@dataclass
class FileFindings:
    """What the repository files showed, for the collector to combine with CI."""

    precommit_references: list[Reference] = field(default_factory=list)
    precommit_in_ci_service: bool = False  # pre-commit.ci runs the hooks on pull requests
    service_artifacts: list[tuple[str, str]] = field(default_factory=list)  # (kind, path)
    iac: dict[str, str] = field(default_factory=dict)  # IaC kind -> first file
    facts: BuildFacts = field(default_factory=BuildFacts)  # what changes how CI is read
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why)



class RepoFiles:
    def __init__(self, tree: RepoTree, catalogue: Catalogue, out: Emitter) -> None:
        self.tree = tree
        self.catalogue = catalogue
        self.out = out
        self.findings = FileFindings()

    def read(self, path: str) -> str | None:
        try:
            return self.tree.read_text(path)
        except SkippedFile as skipped:
            self.findings.skipped.append((path, str(skipped)))
            return None

    def collect(self) -> FileFindings:
        """Everything, for a whole repository."""
        self.security_policy()
        self.codeowners()
        self.dependency_updates()
        self.precommit()
        return self.collect_service()

    def collect_service(self) -> FileFindings:
        """What holds for one service's folder too: infrastructure, artifacts, tests."""
        self.infrastructure()
        self.tests()
        self.findings.facts = replace(
            self.findings.facts,
            snapshot_version=snapshot_version(
                lambda path: self.read(path) if self.tree.has(path) else None),
            codeql_languages=codeql_languages(non_test_code(self.tree.paths())))
        return self.findings

    def security_policy(self) -> None:
        policy = read_security_policy(self.tree, self.read)
        if policy is None:
            note = "no SECURITY file at the root, .github/, docs/ or doc/, and no section " \
                   "on reporting vulnerabilities in the README or CONTRIBUTING"
            self.out.emit("repo.security_policy", False, (), note)
            self.out.emit("repo.security_policy.contact", False, (), note)
            self.out.emit("repo.security_policy.fix_timeline", False, (), note)
            return
        path, contact, timeline = policy.path, policy.contact, policy.timeline
        if policy.in_section:
            self.out.emit("repo.security_policy", True, [f"{path}:{policy.first}"],
                          f"a section of {path} says how to report vulnerabilities")
        else:
            self.out.emit("repo.security_policy", True, [path])
        if not policy.readable:
            return
        self.out.emit("repo.security_policy.contact", contact is not None,
                      [f"{path}:{contact}" if contact else path],
                      None if contact else "no address or link to report a vulnerability")
        self.out.emit("repo.security_policy.fix_timeline", timeline is not None,
                      [f"{path}:{timeline}" if timeline else path],
                      None if timeline else "no time-bound commitment to fix vulnerabilities")

    def codeowners(self) -> None:
        path = owners_file(self.tree)
        if path is None:
            note = "no CODEOWNERS at the root, .github/, docs/ or .gitlab/, and no OWNERS"
            self.out.emit("repo.codeowners", False, (), note)
            self.out.emit("repo.codeowners.security", False, (), note)
            return
        text = self.read(path)
        if text is None:
            return
        owners = read_owners(path, text)
        self.out.emit("repo.codeowners", bool(owners.owned),
                      [f"{path}:{owners.owned[0]}" if owners.owned else path],
                      None if owners.owned else "CODEOWNERS assigns no owners")
        self.out.emit("repo.codeowners.security", bool(owners.security),
                      [f"{path}:{i}" for i in owners.security] or [path],
                      None if owners.security else "no security owner named")

    def dependency_updates(self) -> None:
        found = read_dependency_updates(self.tree, self.read)
        if found.idle_dependabot is not None:
            self.findings.skipped.append((found.idle_dependabot,
                                          "dependabot configuration has no 'updates'"))
        names = sorted(found.tools)
        self.out.emit("repo.dependency_updates.tools", names, [found.tools[n] for n in names],
                      None if names else "no Dependabot, Renovate, Scala Steward or PyUp "
                      "configuration")

    def precommit(self) -> None:
        precommit = read_precommit(self.tree, self.read)
        if precommit.invalid is not None:
            self.findings.skipped.append((PRECOMMIT_CONFIG, precommit.invalid))
        self.findings.precommit_references = list(precommit.references)
        self.findings.precommit_in_ci_service = precommit.in_ci_service
        hooks = security_hooks(precommit.references, self.catalogue)
        tools = sorted(hooks)
        self.out.emit("repo.precommit.security_tools", tools,
                      [hooks[tool] for tool in tools]
                      or ([PRECOMMIT_CONFIG] if precommit.present else []),
                      None if tools else "no security hooks in pre-commit configuration")

    def infrastructure(self) -> None:
        found = read_infrastructure(self.tree)
        self.findings.service_artifacts = sorted(found.services.items())
        self.findings.iac = found.iac
        names = sorted(found.iac)
        self.out.emit("iac.tools", names, [found.iac[n] for n in names],
                      None if names else "no Terraform, CloudFormation, Helm, Kustomize, Pulumi, "
                      "CDK, Ansible or other IaC files")

    def tests(self) -> None:
        code = read_code_files(self.tree.paths(), self.read)
        first = [code.first_test] if code.first_test else []
        self.out.emit("tests.files", code.tests, first)
        self.out.emit("source.files", code.sources)
        if code.sources:
            self.out.emit("tests.ratio", round(code.tests / code.sources, 2), first)
        self.findings.facts = replace(self.findings.facts, suites=code.program_suites)
        names = sorted(code.suites)
        self.out.emit("e2e.suites", names, [code.suites[n] for n in names],
                      None if names else "no Cypress, Playwright, Pact, Cucumber or similar "
                      "suite, and no tests that run the built program or start containers")
