"""Reproducible development environments: dev containers, Gitpod, Nix, Vagrant, Tilt and
Compose files meant for development."""

from __future__ import annotations

import re

from scanner.collectors.base import Emitter
from scanner.collectors.files.index import FileIndex
from scanner.collectors.files.practices.reading import bounded_text, folder_names, is_own
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import LineDict

DEV_ENV_PATHS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("devcontainer", re.compile(r"^(\.devcontainer/([^/]+/)?devcontainer\.json|"
                                r"\.devcontainer\.json)$")),
    ("gitpod", re.compile(r"^\.gitpod\.ya?ml$")),
    ("nix", re.compile(r"^(flake\.nix|shell\.nix|devbox\.json|devenv\.nix)$")),
    ("vagrant", re.compile(r"^Vagrantfile$")),
    ("tilt", re.compile(r"^Tiltfile$")),
)
COMPOSE_FILE = lazy_compile(r"(?i)(^|/)(docker-compose|compose)(?P<rest>[-._][\w.-]*)?\.ya?ml$")
DEV_WORD = lazy_compile(r"(?i)(^|[-._])(dev|devel|develop|development|local|override)([-._]|$)")
DEV_FOLDER = frozenset({"dev", "development", "devenv"})
DEV_SERVICE = lazy_compile(r"(?i)(^|[-._])(dev|devel|develop|development)([-._]|$)")


def _emit_list(out: Emitter, signal: str, found: dict[str, str], negative: str) -> None:
    """A sorted list of names, each name's locator in the same order."""
    names = sorted(found)
    out.emit(signal, names, [found[name] for name in names], None if names else negative)


def dev_environments(files: FileIndex, out: Emitter) -> None:
    found: dict[str, str] = {}
    for path in sorted(files.paths()):
        for name, pattern in DEV_ENV_PATHS:
            if name not in found and pattern.match(path):
                found[name] = path
        if "compose-dev" not in found and (match := COMPOSE_FILE.search(path)) \
                and is_own(path) and not path.startswith(".devcontainer/"):
            where = _dev_compose(files, path, match["rest"] or "")
            if where:
                found["compose-dev"] = where
    _emit_list(out, "dev.environments", found,
               "no dev container, Gitpod, Nix, Vagrant, Tilt or development Compose file")


def _dev_compose(files: FileIndex, path: str, rest: str) -> str | None:
    """Where a Compose file shows it is for development: its name, folder or services."""
    if DEV_WORD.search(rest) or any(f in DEV_FOLDER for f in folder_names(path)):
        return path
    if bounded_text(files, path) is None:
        return None
    for document in files.yaml(path):
        services = document.get("services") if isinstance(document, LineDict) else None
        if not isinstance(services, LineDict):
            continue
        for name, service in services.items():
            if DEV_SERVICE.search(str(name)):
                return f"{path}:{services.line_of(name)}"
            build = service.get("build") if isinstance(service, LineDict) else None
            if isinstance(build, LineDict) and isinstance(build.get("target"), str) \
                    and DEV_SERVICE.search(build["target"]):
                return f"{path}:{build.line_of('target')}"
    return None
