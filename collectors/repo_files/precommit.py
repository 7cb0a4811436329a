"""pre-commit hooks: what `.pre-commit-config.yaml` runs, and which hooks are security
tools."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from scanner.collectors.ci.model import PRECOMMIT, Reference
from scanner.collectors.ci.tools import Catalogue
from scanner.collectors.tree import RepoTree
from scanner.yaml_source import LineDict, LineList, YamlError, load_yaml

PRECOMMIT_CONFIG = ".pre-commit-config.yaml"
SECURITY_TOOL_CATEGORIES = frozenset({"sast", "secrets", "sca", "iac_scan"})


@dataclass(frozen=True)
class Precommit:
    present: bool  # a configuration that could be read
    references: tuple[Reference, ...]  # each hook's id and repository, where it is
    in_ci_service: bool  # pre-commit.ci runs the hooks on pull requests
    invalid: str | None  # why the configuration could not be parsed


def read_precommit(tree: RepoTree, read: Callable[[str], str | None]) -> Precommit:
    text = read(PRECOMMIT_CONFIG) if tree.has(PRECOMMIT_CONFIG) else None
    if text is None:
        return Precommit(False, (), False, None)
    try:
        data = load_yaml(text)
    except YamlError as exc:
        return Precommit(True, (), False, f"not valid YAML ({exc})")
    if not isinstance(data, LineDict):
        return Precommit(True, (), False, None)
    return Precommit(True, tuple(_references(data)), "ci" in data, None)


def security_hooks(references: Sequence[Reference], catalogue: Catalogue) -> dict[str, str]:
    """Security tools among the hooks, each with where it is first named."""
    found: dict[str, str] = {}
    for ref in references:
        for match in catalogue.match_reference(ref):
            if match.category in SECURITY_TOOL_CATEGORIES:
                found.setdefault(match.tool, ref.locator)
    return found


def _references(data: LineDict) -> Iterable[Reference]:
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
