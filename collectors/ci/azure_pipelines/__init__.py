"""Azure Pipelines (`azure-pipelines.yml`, `.azure-pipelines/*.yml`) -> jobs.

Reads the three pipeline shapes (stages -> jobs -> steps, jobs only, steps
only), regular and deployment jobs (with their strategy hooks), and
follows `template:` includes of stage, job, step and variable templates and
`extends:` templates inside the repository; templates from another
repository (`file.yml@alias`) are recorded as external (`reader`).  Template
`parameters` are not evaluated: `${{ }}` text stays as written, and
`${{ if }}` blocks are read as if they apply (narrowing triggers where the
condition is about the branch or build reason: `triggers`).

Steps (`steps`): `script` / `bash` / `pwsh` / `powershell` become command
references, one per script line; `task: Name@N` becomes an action reference
`azure-task/<name>` with its version and inputs.  A job with a
`ManualValidation` task waits for a person, and so does everything that
depends on it (`jobs`).  Deployment environments are recorded; their approvals
live outside the repository.
"""

from __future__ import annotations

from scanner.collectors.ci.azure_pipelines.jobs import (
    SYSTEM,
    PipelineJob,
    as_job,
    wait_for_validation,
)
from scanner.collectors.ci.azure_pipelines.reader import MAX_TEMPLATES, PipelineReader
from scanner.collectors.ci.model import ParseResult
from scanner.collectors.tree import RepoTree, in_folder

__all__ = ["MAX_TEMPLATES", "SYSTEM", "ParseResult", "parse", "pipeline_files"]

ROOT_FILES = ("azure-pipelines.yml", "azure-pipelines.yaml")
# Folders pipelines are kept in by convention (Azure DevOps takes any path; these are the
# ones teams use): `.azure-pipelines/`, and `.pipelines/` (OneBranch).
FOLDERS = (".azure-pipelines", ".pipelines")
# Keys only a pipeline has; a file with `parameters` and none of these is a template.
PIPELINE_KEYS = frozenset({"trigger", "pr", "schedules", "resources", "pool", "name",
                           "extends", "lockBehavior", "appendCommitMessageToRunName"})


def pipeline_files(tree: RepoTree) -> list[str]:
    return [p for p in ROOT_FILES if tree.has(p)] + [
        path for folder in FOLDERS for path in in_folder(tree, folder, ".yml", ".yaml")]


def parse(tree: RepoTree) -> ParseResult:
    result = ParseResult(SYSTEM)
    reader = PipelineReader(tree, result)
    read: list[tuple[str, list[PipelineJob] | None]] = []
    for path in pipeline_files(tree):
        data = reader.files.load(path)
        if data is None:
            continue
        try:
            read.append((path, reader.pipeline(path, data)))
        except RecursionError:
            result.unreadable.append((path, "nesting too deep"))
    for path, jobs in read:
        if path in reader.used_as_template:
            continue  # read where it is included, with its caller's triggers
        data = reader.files.load(path)  # read above
        if path not in ROOT_FILES and isinstance(data, dict) and "parameters" in data and \
                not PIPELINE_KEYS & set(data):
            result.notes.append((path, "a template (parameters, no triggers) not included by "
                                 "a pipeline here; not read as a pipeline"))
            continue
        if jobs is None:
            result.unreadable.append((path, "not a pipeline: no stages, jobs, steps or "
                                      "extends"))
            continue
        wait_for_validation(jobs)
        result.jobs += [as_job(job) for job in jobs]
    return result
