"""The Git hosts' collectors as their tests drive them over the stand-ins in tests/fakes: a
target configured and collected, the evidence of one entity, and an organisation or group
as `maturity scan --config` reads it (its config, its token)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from scanner import validate as v
from scanner.collectors.base import Collected, CollectSettings
from scanner.collectors.hosts.github.collector import GitHubCollector
from scanner.collectors.hosts.gitlab.collector import GitLabCollector
from scanner.evidence import Evidence
from scanner.memory import NO_MEMORY, Memory

from fakes.github_api import FakeGitHub
from fakes.gitlab_api import FakeGitLab
from samples import FILES

HostCollector = type[GitHubCollector] | type[GitLabCollector]
DEFAULTS = CollectSettings()


def collect_target(collector: HostCollector, entry: Mapping[str, Any],
                   settings: CollectSettings = DEFAULTS, memory: Memory = NO_MEMORY) -> Collected:
    """What `collector` collects from the target a config's `entry` gives."""
    target = collector.configure_target(dict(entry), v.Where("config.yaml"), Path("."))
    return collector().collect(target, settings, memory)


def by_signal(collected: Collected, entity: str) -> dict[str, Evidence]:
    return {e.signal: e for e in collected.evidence if e.entity == entity}


def scan_config(folder: Path, kind: str, entry: Mapping[str, Any], *extra: str) -> Path:
    """`config.yaml` in `folder` with one target of `kind` (github, gitlab) made of `entry`'s
    keys, then the `extra` lines."""
    path = folder / "config.yaml"
    lines = "\n      ".join(f"{key}: {value}" for key, value in entry.items())
    path.write_text(f"targets:\n  {kind}:\n    - {lines}\n" + "".join(extra))
    return path


def stages(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(subcompetency, stage) of every subcompetency a scan's JSON report judges."""
    return [(s["id"], s["stage"]) for c in document["competencies"] for s in c["subcompetencies"]]


@dataclass(frozen=True)
class ScannedHost:
    """An organisation or group of two repositories on a host's stand-in, as a scan's
    config names it."""

    fake: FakeGitHub | FakeGitLab
    kind: str  # the key of the host's targets in a config
    entry: Mapping[str, str]  # the target: what it reads, where, and the token's variable
    token: str

    @property
    def env(self) -> dict[str, str]:
        return {self.entry["token_env"]: self.token}

    def config(self, tmp_path: Path, *extra: str) -> Path:
        return scan_config(tmp_path, self.kind, self.entry, *extra)

    def add(self, name: str, files: Mapping[str, str], **options: Any) -> None:
        """A repository (a project) of the organisation (the group) besides the two."""
        if isinstance(self.fake, FakeGitHub):
            self.fake.add_repo(self.entry["org"], name, files, **options)
        else:
            self.fake.add_project(f"{self.entry['group']}/{name}", files, **options)


@contextmanager
def scanned_github(token: str) -> Iterator[ScannedHost]:
    """The organisation acme: api (the sample files) and web."""
    with FakeGitHub(token) as server:
        server.add_repo("acme", "api", FILES, pulls=[], secret_scanning=[], code_scanning=[])
        server.add_repo("acme", "web", {"index.js": "x\n"})
        yield ScannedHost(server, "github", {"org": "acme", "base_url": server.base_url,
                                             "token_env": "ACME_GITHUB_TOKEN"}, token)


@contextmanager
def scanned_gitlab(token: str) -> Iterator[ScannedHost]:
    """The group platform, on an instance under a path: api (the sample files, Ultimate's
    analyzers) and tools/cli in a subgroup."""
    with FakeGitLab(token, prefix="/gitlab") as server:
        idle = datetime.now(UTC) - timedelta(days=1)  # GitLab's activity time is hourly
        server.add_project("platform/api", FILES, tier="ultimate",
                           scanners=["SAST", "DEPENDENCY_SCANNING"], last_activity_at=idle)
        server.add_project("platform/tools/cli", {"main.go": "package main\n"}, tier="ultimate",
                           last_activity_at=idle)
        yield ScannedHost(server, "gitlab", {"group": "platform", "url": server.base_url,
                                             "token_env": "PLATFORM_GITLAB_TOKEN"}, token)
        assert server.server_errors == []
