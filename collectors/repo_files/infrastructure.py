"""Infrastructure as code and service artifacts: which IaC tools have files here, and
what shows that something here runs as a service (an image, a workload, a PaaS file).

Most are known by their paths; YAML and JSON files are looked inside for
CloudFormation, Kubernetes and Ansible.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from scanner.collectors.folders import NOT_SHIPPED_FOLDER
from scanner.collectors.path_patterns import any_of
from scanner.collectors.tree import RepoTree, SkippedFile
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import YamlError, load_yaml_documents

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
ANY_IAC = any_of(IAC_BY_PATH.values())
ANY_SERVICE = any_of(SERVICE_BY_PATH.values())
APP_ENGINE = lazy_compile(r"(^|/)app\.ya?ml$")
# Examples, fixtures and documentation are not the estate's infrastructure or services;
# CI and tooling folders hold build images, not services.
NOT_INFRASTRUCTURE_FOLDER = lazy_compile(r"(?i)(^|/)(docs?|examples?|samples?|tests?|testdata|"
                                         r"test-data|fixtures|e2e)/")
NOT_A_SERVICE_FOLDER = NOT_SHIPPED_FOLDER
WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "Rollout", "CronJob",
                            "Service", "Ingress", "HTTPRoute"})
SNIFF_SUFFIXES = (".yml", ".yaml", ".json", ".template")
SNIFF_MAX_BYTES = 512_000
LOCKFILE_NAMES = frozenset({"package-lock.json", "yarn.lock", "composer.lock", "Pipfile.lock",
                            "package.json", "tsconfig.json"})


@dataclass(frozen=True)
class Infrastructure:
    iac: dict[str, str]  # IaC kind -> first file
    services: dict[str, str]  # service artifact kind -> first file


def read_infrastructure(tree: RepoTree) -> Infrastructure:
    iac: dict[str, str] = {}
    services: dict[str, str] = {}
    for path in tree.paths():
        if NOT_INFRASTRUCTURE_FOLDER.search(path):
            continue
        if ANY_IAC.search(path):
            for tool, pattern in IAC_BY_PATH.items():
                if tool not in iac and pattern.search(path):
                    iac[tool] = path
        if ANY_SERVICE.search(path) and not NOT_A_SERVICE_FOLDER.search(path):
            for kind, pattern in SERVICE_BY_PATH.items():
                if kind not in services and pattern.search(path):
                    services[kind] = path
        if path.endswith(SNIFF_SUFFIXES) and posixpath.basename(path) not in LOCKFILE_NAMES \
                and not path.startswith(".github/"):
            _sniff(tree, path, iac, services)
    return Infrastructure(iac, services)


def _sniff(tree: RepoTree, path: str, iac: dict[str, str], services: dict[str, str]) -> None:
    """Look inside a YAML/JSON file for CloudFormation, Kubernetes or Ansible."""
    needed = {"cloudformation", "kubernetes", "ansible"} - set(iac)
    if not needed and "kubernetes" in services:
        return
    try:
        text = tree.read_text(path)
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
