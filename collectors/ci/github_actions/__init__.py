"""GitHub Actions workflows -> jobs.

Reads `.github/workflows/*.yml|yaml` (GitHub reads no sub-folders), follows
local reusable workflows (`uses: ./.github/workflows/x.yml` at job level) and
local composite actions (`uses: ./path` at step level) inside the repository,
and records remote `uses:` at step *and* job level (reusable workflows such
as the SLSA generator sit at job level, where step-only readers miss them).

Reading the workflow files is `workflows`; what a step's `uses:` stands for is
`actions`; when a workflow runs is `triggers`.  `parse` stays here: the CI reader
is named after the module that defines it.
"""

from __future__ import annotations

from typing import Any

from scanner.collectors.ci.github_actions.triggers import MAIN_LINE_BRANCH, workflow_triggers
from scanner.collectors.ci.github_actions.workflows import SYSTEM, WorkflowReader
from scanner.collectors.ci.model import ParseResult
from scanner.collectors.tree import RepoTree, in_folder

__all__ = ["MAIN_LINE_BRANCH", "SYSTEM", "WORKFLOW_FOLDER", "ParseResult", "parse"]

WORKFLOW_FOLDER = ".github/workflows"


def parse(tree: RepoTree) -> ParseResult:
    result = ParseResult(SYSTEM)
    reader = WorkflowReader(tree, result)
    reusable_only: list[tuple[str, Any]] = []
    for path in in_folder(tree, WORKFLOW_FOLDER, ".yml", ".yaml"):
        data = reader.load(path)
        on = data.get("on") if isinstance(data, dict) else None
        called_only = isinstance(on, dict | str | list) and "workflow_call" in on
        if called_only and not workflow_triggers(on):
            reusable_only.append((path, data))  # judged with its callers' triggers
            continue
        reader.workflow(path, data, None, 0)
    for path, data in reusable_only:
        if path not in reader.called:
            reader.workflow(path, data, frozenset(), 0)
    return result
