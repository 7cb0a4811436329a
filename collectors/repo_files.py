"""Signals from a repository's own files: policy, ownership, dependency updates,
pre-commit hooks, infrastructure as code, service artifacts and tests.

Works on any `RepoTree`, so a Git host collector can reuse it unchanged.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from scanner import patterns
from scanner.collectors.base import Emitter
from scanner.collectors.build_facts import BuildFacts, codeql_languages
from scanner.collectors.build_versions import snapshot_version
from scanner.collectors.ci.model import PRECOMMIT, Reference
from scanner.collectors.ci.tools import Catalogue
from scanner.collectors.folders import NOT_SHIPPED_FOLDER
from scanner.collectors.markup import headings
from scanner.collectors.program_tests import program_suites
from scanner.collectors.structured import load_json
from scanner.collectors.tree import RepoTree, SkippedFile
from scanner.signals import SignalSpec, specs_about
from scanner.yaml_source import LineDict, LineList, YamlError, load_yaml, load_yaml_documents

SECURITY_POLICY_FOLDERS = ("", ".github/", "docs/", "doc/")
SECURITY_POLICY_NAMES = ("SECURITY.md", "SECURITY.markdown", "SECURITY.adoc", "SECURITY.rst",
                         "SECURITY.txt", "SECURITY", "SECURITY_CONTACTS")
# Documents whose security section can stand for a security policy.
SECTION_DOCUMENTS = ("README.md", "CONTRIBUTING.md", "README.rst", "CONTRIBUTING.rst")
SECURITY_HEADING = re.compile(r"(?i)\b(security|vulnerabilit(y|ies))\b")
CODEOWNERS_PATHS = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
DEPENDENCY_UPDATE_FILES = {
    ".github/dependabot.yml": "dependabot",
    ".github/dependabot.yaml": "dependabot",
    "renovate.json": "renovate",
    "renovate.json5": "renovate",
    ".github/renovate.json": "renovate",
    ".github/renovate.json5": "renovate",
    ".gitlab/renovate.json": "renovate",
    ".gitlab/renovate.json5": "renovate",
    ".renovaterc": "renovate",
    ".renovaterc.json": "renovate",
    ".renovaterc.json5": "renovate",
    ".scala-steward.conf": "scala-steward",
    ".pyup.yml": "pyup",
}
PRECOMMIT_CONFIG = ".pre-commit-config.yaml"
PROW_OWNERS = "OWNERS"  # Kubernetes-style review ownership (Prow)
SECURITY_TOOL_CATEGORIES = frozenset({"sast", "secrets", "sca", "iac_scan"})

# On RE2: Python's re backtracks quadratically over a long line with no "@".
EMAIL = patterns.own(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Ways a policy says how to report, most specific first (a table of contents
# linking to "Reporting a vulnerability" is not itself the contact).
CONTACT_PATTERNS = (
    EMAIL,
    re.compile(r"(?i)(security/advisories|private vulnerability reporting|hackerone\.com|"
               r"bugcrowd\.com|huntr\.|/security/policy)"),
    re.compile(r"(?i)report[^\n]{0,80}https?://"),
    re.compile(r"(?i)https?://\S+"),
)
FIX_VERB = re.compile(r"(?i)\b(fix|patch|remediat|resolv|mitigat|release a fix|address)\w*")
TIMELINE = re.compile(
    r"(?i)\b(within|in under|under|no later than|inside of|inside|"
    r"(?:it\s+has\s+been|it's\s+been|been)\s+(?:more|longer)\s+than)\s+"
    r"(\d+|one|two|three|four|five|six|seven|ten|fourteen|thirty|sixty|ninety)\s+"
    r"(business\s+|working\s+|calendar\s+)?(hours?|days?|weeks?|months?)\b")
SLA_WORD = re.compile(r"(?i)\b(SLA|SLO|service level)\b")
SECURITY_OWNER = re.compile(
    r"(?i)(security|appsec|infosec|prodsec|secops|devsecops|(^|[/@._-])sec([._-]|$))")

TEST_PATH = re.compile(
    r"(?i)((^|/)(tests?|__tests__|spec|specs|testing|e2e|integration[-_]tests?)/"
    r"|(^|/)test_[^/]+\.py$|_test\.(py|go|rb|exs)$|\.(test|spec)\.[cm]?[jt]sx?$"
    r"|(Tests?|IT|Spec)\.(java|kt|scala|groovy|cs|swift)$|_spec\.rb$|(^|/)src/test/)")
SOURCE_SUFFIXES = (".py", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".go", ".java", ".kt",
                   ".rb", ".rs", ".cs", ".php", ".c", ".cc", ".cpp", ".h", ".hpp", ".swift",
                   ".scala", ".ex", ".exs", ".clj", ".dart", ".vue", ".m", ".lua", ".tf",
                   ".sh", ".bash", ".bats", ".ps1", ".psm1", ".vala", ".sol", ".fs", ".hs",
                   ".ml", ".erl", ".zig", ".nim", ".jl", ".pl", ".groovy", ".cxx", ".hh")
# Files without a suffix that are code all the same.
SOURCE_NAMES = re.compile(r"(^|/)(Dockerfile|Containerfile)(\.[\w.-]+)?$")
# Examples, documentation and fixtures are not the code under test.
NOT_CODE_FOLDER = re.compile(r"(?i)(^|/)(docs?|examples?|samples?|fixtures|testdata|test-data|"
                             r"node_modules|vendor|third_party)/")
E2E_FILES = {
    "cypress": re.compile(r"(^|/)cypress\.(config\.[cm]?[jt]s|json)$"),
    "playwright": re.compile(r"(^|/)playwright\.config\.[cm]?[jt]s$"),
    "pact": re.compile(r"(^|/)pacts?/[^/]+\.json$"),
    "cucumber": re.compile(r"\.feature$"),
    "robot-framework": re.compile(r"\.robot$"),
    "webdriverio": re.compile(r"(^|/)wdio\.conf\.[cm]?[jt]s$"),
    "postman": re.compile(r"\.postman_collection\.json$"),
}
IAC_BY_PATH = {
    "terraform": re.compile(r"\.(tf|tf\.json|tofu)$|(^|/)terragrunt\.hcl$"),
    "helm": re.compile(r"(^|/)Chart\.ya?ml$"),
    "kustomize": re.compile(r"(^|/)(kustomization\.ya?ml|Kustomization)$"),
    "pulumi": re.compile(r"(^|/)Pulumi\.ya?ml$"),
    "cdk": re.compile(r"(^|/)cdk\.json$"),
    "ansible": re.compile(r"(^|/)(ansible\.cfg|roles/[^/]+/tasks/main\.ya?ml)$"),
    "bicep": re.compile(r"\.bicep$"),
    "packer": re.compile(r"\.pkr\.(hcl|json)$"),
    "puppet": re.compile(r"\.pp$"),
    "serverless": re.compile(r"(^|/)serverless\.ya?ml$"),
}
SERVICE_BY_PATH = {
    "container": re.compile(r"(^|/)(Dockerfile|Containerfile)(\.[\w.-]+)?$|\.Dockerfile$"),
    "helm": IAC_BY_PATH["helm"],
    "serverless": IAC_BY_PATH["serverless"],
    "procfile": re.compile(r"(^|/)Procfile$"),
    "fly": re.compile(r"(^|/)fly\.toml$"),
    "codedeploy": re.compile(r"(^|/)appspec\.ya?ml$"),
    "compose": re.compile(r"(^|/)(docker-)?compose(\.[\w-]+)?\.ya?ml$"),
}
APP_ENGINE = re.compile(r"(^|/)app\.ya?ml$")
# Examples, fixtures and documentation are not the estate's infrastructure or services;
# CI and tooling folders hold build images, not services.
NOT_INFRASTRUCTURE_FOLDER = re.compile(r"(?i)(^|/)(docs?|examples?|samples?|tests?|testdata|"
                                       r"test-data|fixtures|e2e)/")
NOT_A_SERVICE_FOLDER = NOT_SHIPPED_FOLDER
WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "Rollout", "CronJob",
                            "Service", "Ingress", "HTTPRoute"})
SNIFF_SUFFIXES = (".yml", ".yaml", ".json", ".template")
SNIFF_MAX_BYTES = 512_000
LOCKFILE_NAMES = frozenset({"package-lock.json", "yarn.lock", "composer.lock", "Pipfile.lock",
                            "package.json", "tsconfig.json"})


_spec = specs_about("repo")


def _part(name: str, kind: str, description: str) -> SignalSpec:
    """A signal that holds for a repository and for each service inside it."""
    return SignalSpec(name, kind, description, ("repo", "service"))


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
            codeql_languages=codeql_languages(
                path for path in self.tree.paths()
                if not NOT_CODE_FOLDER.search(path) and not TEST_PATH.search(path)))
        return self.findings

    def security_policy(self) -> None:
        candidates = [folder + name for folder in SECURITY_POLICY_FOLDERS
                      for name in SECURITY_POLICY_NAMES]
        found = [p for p in candidates if self.tree.has(p)]
        section = None if found else self.security_section()
        if not found and section is None:
            note = "no SECURITY file at the root, .github/, docs/ or doc/, and no section " \
                   "on reporting vulnerabilities in the README or CONTRIBUTING"
            self.out.emit("repo.security_policy", False, (), note)
            self.out.emit("repo.security_policy.contact", False, (), note)
            self.out.emit("repo.security_policy.fix_timeline", False, (), note)
            return
        if section is not None:
            path, first, lines = section
            self.out.emit("repo.security_policy", True, [f"{path}:{first}"],
                          f"a section of {path} says how to report vulnerabilities")
        else:
            path, first = found[0], 0
            self.out.emit("repo.security_policy", True, [path])
            text = self.read(path)
            if text is None:
                return
            lines = text.splitlines()
        self.policy_details(path, first, lines)

    def security_section(self) -> tuple[str, int, list[str]] | None:
        """(path, heading line, the section's lines) of a README or CONTRIBUTING section on
        reporting vulnerabilities that gives a way to do it privately, or None."""
        for path in [folder + name for folder in SECURITY_POLICY_FOLDERS
                     for name in SECTION_DOCUMENTS]:
            text = self.read(path) if self.tree.has(path) else None
            if not text:
                continue
            lines = text.splitlines()
            sections = headings(path, text)
            for index, heading in enumerate(sections):
                if not SECURITY_HEADING.search(heading.title):
                    continue
                end = sections[index + 1].line - 1 if index + 1 < len(sections) else len(lines)
                body = lines[heading.line:end]
                if any(pattern.search(line) for pattern in CONTACT_PATTERNS[:3]
                       for line in body):
                    return path, heading.line, body
        return None

    def policy_details(self, path: str, first: int, lines: list[str]) -> None:
        """Contact and fix timeline of a policy whose lines start after line `first`."""
        contact = next((i for pattern in CONTACT_PATTERNS
                        for i, line in enumerate(lines, first + 1) if pattern.search(line)),
                       None)
        self.out.emit("repo.security_policy.contact", contact is not None,
                      [f"{path}:{contact}" if contact else path],
                      None if contact else "no address or link to report a vulnerability")
        timeline = next((i for i, line in enumerate(lines, first + 1)
                         if FIX_VERB.search(line) and (TIMELINE.search(line)
                                                       or SLA_WORD.search(line))), None)
        self.out.emit("repo.security_policy.fix_timeline", timeline is not None,
                      [f"{path}:{timeline}" if timeline else path],
                      None if timeline else "no time-bound commitment to fix vulnerabilities")

    def codeowners(self) -> None:
        path = next((p for p in CODEOWNERS_PATHS if self.tree.has(p)), None)
        if path is None and self.tree.has(PROW_OWNERS):
            path = PROW_OWNERS
        if path is None:
            note = "no CODEOWNERS at the root, .github/, docs/ or .gitlab/, and no OWNERS"
            self.out.emit("repo.codeowners", False, (), note)
            self.out.emit("repo.codeowners.security", False, (), note)
            return
        text = self.read(path)
        if text is None:
            return
        if path == PROW_OWNERS:
            owned = _prow_owners(text)
        else:
            rules = [(i, line.split()) for i, line in enumerate(text.splitlines(), 1)
                     if line.strip() and not line.lstrip().startswith("#")]
            owned = [(i, parts) for i, parts in rules if len(parts) > 1]
        self.out.emit("repo.codeowners", bool(owned), [f"{path}:{owned[0][0]}" if owned else path],
                      None if owned else "CODEOWNERS assigns no owners")
        security = [i for i, parts in owned
                    if any(SECURITY_OWNER.search(owner) for owner in parts[1:])]
        self.out.emit("repo.codeowners.security", bool(security),
                      [f"{path}:{i}" for i in security] or [path],
                      None if security else "no security owner named")

    def dependency_updates(self) -> None:
        tools: dict[str, str] = {}
        for path, tool in DEPENDENCY_UPDATE_FILES.items():
            if self.tree.has(path) and tool not in tools:
                tools[tool] = path
        if "renovate" not in tools and self.tree.has("package.json"):
            text = self.read("package.json")
            try:
                manifest = load_json(text) if text else None
            except ValueError:
                manifest = None
            if isinstance(manifest, dict) and "renovate" in manifest:
                tools["renovate"] = "package.json"
        if "dependabot" in tools:
            self._check_dependabot(tools)
        names = sorted(tools)
        self.out.emit("repo.dependency_updates.tools", names, [tools[n] for n in names],
                      None if names else "no Dependabot, Renovate, Scala Steward or PyUp "
                      "configuration")

    def _check_dependabot(self, tools: dict[str, str]) -> None:
        """A dependabot.yml without update entries updates nothing."""
        text = self.read(tools["dependabot"])
        try:
            data = load_yaml(text) if text else None
        except YamlError:
            data = None
        updates = data.get("updates") if isinstance(data, dict) else None
        if not isinstance(updates, list) or not updates:
            self.findings.skipped.append((tools.pop("dependabot"),
                                          "dependabot configuration has no 'updates'"))

    def precommit(self) -> None:
        text = self.read(PRECOMMIT_CONFIG) if self.tree.has(PRECOMMIT_CONFIG) else None
        references: list[Reference] = []
        if text is not None:
            try:
                data = load_yaml(text)
            except YamlError as exc:
                self.findings.skipped.append((PRECOMMIT_CONFIG, f"not valid YAML ({exc})"))
                data = None
            if isinstance(data, LineDict):
                references = list(_precommit_references(data))
                self.findings.precommit_in_ci_service = "ci" in data
        self.findings.precommit_references = references
        hits = [(m.tool, ref.locator) for ref in references
                for m in self.catalogue.match_reference(ref)
                if m.category in SECURITY_TOOL_CATEGORIES]
        tools = sorted({tool for tool, _ in hits})
        self.out.emit("repo.precommit.security_tools", tools,
                      [next(w for t, w in hits if t == tool) for tool in tools]
                      or ([PRECOMMIT_CONFIG] if text is not None else []),
                      None if tools else "no security hooks in pre-commit configuration")

    def infrastructure(self) -> None:
        iac: dict[str, str] = {}
        services: dict[str, str] = {}
        for path in self.tree.paths():
            if NOT_INFRASTRUCTURE_FOLDER.search(path):
                continue
            for tool, pattern in IAC_BY_PATH.items():
                if tool not in iac and pattern.search(path):
                    iac[tool] = path
            if not NOT_A_SERVICE_FOLDER.search(path):
                for kind, pattern in SERVICE_BY_PATH.items():
                    if kind not in services and pattern.search(path):
                        services[kind] = path
            if path.endswith(SNIFF_SUFFIXES) and posixpath.basename(path) not in LOCKFILE_NAMES \
                    and not path.startswith(".github/"):
                self._sniff(path, iac, services)
        self.findings.service_artifacts = sorted(services.items())
        self.findings.iac = iac
        names = sorted(iac)
        self.out.emit("iac.tools", names, [iac[n] for n in names],
                      None if names else "no Terraform, CloudFormation, Helm, Kustomize, Pulumi, "
                      "CDK, Ansible or other IaC files")

    def _sniff(self, path: str, iac: dict[str, str], services: dict[str, str]) -> None:
        """Look inside a YAML/JSON file for CloudFormation, Kubernetes or Ansible."""
        needed = {"cloudformation", "kubernetes", "ansible"} - set(iac)
        if not needed and "kubernetes" in services:
            return
        try:
            text = self.tree.read_text(path)
        except SkippedFile:
            return
        if len(text) > SNIFF_MAX_BYTES:
            return
        if "AWSTemplateFormatVersion" in text or re.search(r"""["']?Type["']?\s*:\s*["']?AWS::""",
                                                           text):
            iac.setdefault("cloudformation", path)
            return
        if path.endswith(".json") or not any(word in text for word in ("apiVersion", "hosts",
                                                                       "runtime")):
            return
        try:
            documents = load_yaml_documents(text)
        except YamlError:
            return
        for document in documents:
            if isinstance(document, dict) and APP_ENGINE.search(path) and "runtime" in document:
                services.setdefault("app-engine", path)
            elif isinstance(document, dict) and "apiVersion" in document and "kind" in document:
                iac.setdefault("kubernetes", path)
                if str(document.get("kind")) in WORKLOAD_KINDS and \
                        not NOT_A_SERVICE_FOLDER.search(path):
                    services.setdefault("kubernetes", path)
            elif isinstance(document, list) and document and all(
                    isinstance(play, dict) and "hosts" in play and
                    ("tasks" in play or "roles" in play) for play in document):
                iac.setdefault("ansible", path)

    def tests(self) -> None:
        tests = sources = 0
        first_test: str | None = None
        suites: dict[str, str] = {}
        for path in self.tree.paths():
            for tool, pattern in E2E_FILES.items():
                if tool not in suites and pattern.search(path):
                    suites[tool] = path
            if NOT_CODE_FOLDER.search(path):
                continue
            code = path.endswith(SOURCE_SUFFIXES) or bool(SOURCE_NAMES.search(path))
            if TEST_PATH.search(path):
                if code:
                    tests += 1
                    first_test = first_test or path
            elif code:
                sources += 1
        self.out.emit("tests.files", tests, [first_test] if first_test else [])
        self.out.emit("source.files", sources)
        if sources:
            self.out.emit("tests.ratio", round(tests / sources, 2),
                          [first_test] if first_test else [])
        found = program_suites(self.tree.paths(), self.read, NOT_CODE_FOLDER)
        self.findings.facts = replace(self.findings.facts, suites=tuple(found))
        suites.update((suite.name, suite.locator) for suite in found)
        names = sorted(suites)
        self.out.emit("e2e.suites", names, [suites[n] for n in names],
                      None if names else "no Cypress, Playwright, Pact, Cucumber or similar "
                      "suite, and no tests that run the built program or start containers")


def _prow_owners(text: str) -> list[tuple[int, list[str]]]:
    """Prow `OWNERS`: each approver or reviewer line, as (line, ['', owner])."""
    owners: list[tuple[int, list[str]]] = []
    section = ""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.split("#", 1)[0].strip()
        if stripped.endswith(":") and not stripped.startswith("-"):
            section = stripped[:-1]
        elif stripped.startswith("-") and section in ("approvers", "reviewers"):
            owners.append((number, ["", stripped[1:].strip()]))
    return owners


def _precommit_references(data: LineDict) -> Iterable[Reference]:
    repos = data.get("repos")
    if not isinstance(repos, LineList):
        return
    for repo in repos:
        if not isinstance(repo, LineDict):
            continue
        url = str(repo.get("repo") or "")
        hooks = repo.get("hooks")
        if not isinstance(hooks, LineList):
            continue
        for index, hook in enumerate(hooks):
            if not isinstance(hook, LineDict) or "id" not in hook:
                continue
            where = f"{PRECOMMIT_CONFIG}:{hooks.line_of(index)}"
            yield Reference(PRECOMMIT, str(hook["id"]), where)
            if url not in ("local", "meta"):
                yield Reference(PRECOMMIT, url, where)


def iac_applied(iac: dict[str, str], applied: Sequence[str] | None, out: Emitter) -> None:
    """`iac.applied_share`, once CI's automatic applies are known."""
    if not iac or applied is None:
        return
    kinds = sorted(iac)
    done = [kind for kind in kinds if kind in applied]
    out.emit("iac.applied_share", round(len(done) / len(kinds), 2),
             [iac[kind] for kind in kinds if kind not in applied] or [iac[k] for k in kinds],
             f"applied after merge: {', '.join(done) or 'none'}; "
             f"not applied: {', '.join(k for k in kinds if k not in done) or 'none'}")


APPLICATION_KINDS_SHIPPED = frozenset({"cli", "desktop", "mobile", "web", "web-archive",
                                       "container"})
# Artifacts that run a service by themselves; a Dockerfile alone may only build tooling.
RUNTIME_ARTIFACTS = frozenset({"helm", "serverless", "procfile", "fly", "codedeploy", "compose",
                               "kubernetes", "app-engine", "gitops"})


def classify(service_artifacts: Sequence[tuple[str, str]], app_kinds: Sequence[str] | None,
             ci: CiFacts, out: Emitter, decided: Emitter | None = None) -> None:
    """Whether the code runs as a service, ships an application, is deployable at all.

    A Dockerfile counts as a service when its image serves on a port or CI publishes
    images; a documentation site deployed by CI makes a library deployable, not an
    application.  Unknown stays unknown: a CI configuration that could not be read
    leaves a `False` unsaid.  `decided`, when given, emits the decisions with places
    seen from the repository root (a service's files are read from its folder).
    """
    kinds = [kind for kind, _ in service_artifacts]
    out.emit("service.artifacts", kinds, [path for _, path in service_artifacts],
             None if kinds else "no Dockerfile, Kubernetes workload, Helm chart or similar")
    runtime = [path for kind, path in service_artifacts if kind in RUNTIME_ARTIFACTS or (
        kind == "container" and (ci.pushes_images or "container" in (app_kinds or ())))]
    shipped = sorted(set(app_kinds or ()) & APPLICATION_KINDS_SHIPPED)
    if decided is not None:  # CI's places are the repository's; the files' are the folder's
        runtime = [out.locator_prefix + path for path in runtime]
        out = decided
    _decide(out, "runs_as_service", bool(runtime) or ci.deploys_service,
            [*runtime, *ci.deploy_places], "no service artifacts that run, and no deploy jobs")
    looked = app_kinds is not None  # the detector of application kinds did its work
    _decide(out, "application", bool(runtime or shipped) or (
        ci.deploys_service if looked else ci.deploys_service or None),
            [*runtime, *ci.deploy_places],
            "no runnable application: a library or a collection of files",
            note=f"ships: {', '.join(shipped)}" if shipped else None)
    _decide(out, "deployable", bool(runtime or shipped) or (
        ci.deploys if looked else ci.deploys or None),
            [*runtime, *ci.deploy_places], "nothing runs, ships or is deployed")


def _decide(out: Emitter, signal: str, known: bool | None, places: Sequence[str],
            absent: str, *, note: str | None = None) -> None:
    """True with where it shows; False only when nothing unread could make it true."""
    if known:
        out.emit(signal, True, places, note)
    elif known is False:
        out.emit(signal, False, (), absent)


class CiFacts(Protocol):
    """What classification needs from CI (`ci.signals.CiSummary` provides it)."""

    @property
    def deploys(self) -> bool | None: ...

    @property
    def deploys_service(self) -> bool | None: ...

    @property
    def pushes_images(self) -> bool: ...

    @property
    def deploy_places(self) -> tuple[str, ...]: ...
