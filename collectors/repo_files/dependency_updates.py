"""Automated dependency updates: which tools (Dependabot, Renovate, …) are configured."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from scanner.collectors.structured import load_json
from scanner.collectors.tree import RepoTree
from scanner.yaml_source import YamlError, load_yaml

CONFIG_FILES = {
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


@dataclass(frozen=True)
class DependencyUpdates:
    tools: Mapping[str, str]  # tool -> the file that configures it
    idle_dependabot: str | None  # a dependabot configuration without updates: not counted


def read_dependency_updates(tree: RepoTree,
                            read: Callable[[str], str | None]) -> DependencyUpdates:
    tools: dict[str, str] = {}
    for path, tool in CONFIG_FILES.items():
        if tree.has(path) and tool not in tools:
            tools[tool] = path
    if "renovate" not in tools and tree.has("package.json"):
        text = read("package.json")
        try:
            manifest = load_json(text) if text else None
        except ValueError:
            manifest = None
        if isinstance(manifest, dict) and "renovate" in manifest:
            tools["renovate"] = "package.json"
    idle = None
    if "dependabot" in tools and not _updates_something(read(tools["dependabot"])):
        idle = tools.pop("dependabot")
    return DependencyUpdates(tools, idle)


def _updates_something(text: str | None) -> bool:
    """A dependabot.yml without update entries updates nothing."""
    try:
        data = load_yaml(text) if text else None
    except YamlError:
        data = None
    updates = data.get("updates") if isinstance(data, dict) else None
    return isinstance(updates, list) and bool(updates)
