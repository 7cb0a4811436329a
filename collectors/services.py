"""Services inside a repository: each becomes an entity of its own.

A monorepo with twelve services is judged as twelve services, not as one
repository that "has DAST" because one of them does.  A service root is a
folder with its own container build, a Backstage component, or a platform
deployment file; a repository with none is a single service at its root.
CI jobs are attributed to the services they name (by path); jobs that name
none serve the whole repository and count for every service.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from scanner.collectors.ci.model import Job
from scanner.collectors.files.index import FileIndex
from scanner.collectors.folders import NOT_SHIPPED_FOLDER
from scanner.lazy_patterns import lazy_compile
from scanner.signals import SignalSpec
from scanner.yaml_source import LineDict

SIGNALS: tuple[SignalSpec, ...] = (
    SignalSpec("repo.services", "list",
               "Service roots found in the repository ('.' when the repository is one service)"),
    SignalSpec("service.repo", "str", "The repository a service lives in", ("service",)),
    SignalSpec("service.path", "str", "The service's folder in its repository ('.' for the root)",
               ("service",)),
)

MAX_SERVICES = 200
SERVICE_FILES = lazy_compile(r"(^|/)(Dockerfile|Containerfile)(\.[\w.-]+)?$|\.Dockerfile$|"
                             r"(^|/)(serverless\.ya?ml|Procfile|fly\.toml|appspec\.ya?ml)$")
CATALOG_FILE = lazy_compile(r"(^|/)catalog-info\.ya?ml$")
# Folders whose container builds are not services (CI images, tooling, examples).
NOT_SERVICE = NOT_SHIPPED_FOLDER
# Folders that hold a service's build files rather than the service itself.
BUILD_FOLDER = lazy_compile(r"(?i)^(docker|dockerfiles|\.docker|build|deploy|deployments?|"
                            r"container|containers|images|packaging)$")


@dataclass(frozen=True)
class ServiceRoot:
    path: str  # "" for the repository root
    reason: str
    locator: str

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1] if self.path else ""


def find_services(files: FileIndex) -> list[ServiceRoot]:
    """Service roots, outermost first; the repository root when there are none."""
    candidates: dict[str, ServiceRoot] = {}
    for path in files.paths():
        if NOT_SERVICE.search(path):
            continue
        if SERVICE_FILES.search(path):
            root = _owning_folder(posixpath.dirname(path))
            candidates.setdefault(root, ServiceRoot(root, posixpath.basename(path), path))
        elif CATALOG_FILE.search(path):
            for document in files.yaml(path):
                if isinstance(document, LineDict) and document.get("kind") == "Component":
                    root = posixpath.dirname(path)
                    candidates[root] = ServiceRoot(root, "Backstage component",
                                                   f"{path}:{document.line}")
    outermost_first = sorted(candidates.values(), key=lambda r: (r.path.count("/"), r.path))
    kept: list[ServiceRoot] = []
    for candidate in outermost_first:
        if not any(_inside(candidate.path, outer.path) for outer in kept):
            kept.append(candidate)
    if not kept:
        return [ServiceRoot("", "the repository is one service", "")]
    return sorted(kept, key=lambda r: r.path)[:MAX_SERVICES]


def _owning_folder(folder: str) -> str:
    """`api/docker` -> `api`: a build-files folder belongs to the folder above it."""
    while folder and BUILD_FOLDER.match(posixpath.basename(folder)):
        folder = posixpath.dirname(folder)
    return folder


def _inside(path: str, outer: str) -> bool:
    return outer in ("", path) or path.startswith(outer + "/")


def attributed(job: Job, services: list[ServiceRoot]) -> set[str]:
    """The service paths a CI job names (its file, name, commands, inputs or the folders
    its steps run in)."""
    if len(services) < 2:
        return set()
    text = " ".join([job.file, job.name] + [r.value for r in job.references]
                    + [value for r in job.references for _, value in r.inputs]
                    + [r.directory for r in job.references if r.directory])
    words = set(re.split(r"[^a-z0-9]+", job.name.lower()))
    found = set()
    for service in services:
        if service.path and (
                re.search(rf"(^|[\s/'\"=:]){re.escape(service.path)}(/|\b)", text)
                or job.file.startswith(service.path + "/")
                or (len(service.name) >= 4 and service.name.lower() in words)):
            found.add(service.path)
    return found
