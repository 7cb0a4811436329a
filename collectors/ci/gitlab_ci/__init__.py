"""GitLab CI -> jobs.

Follows `include: local` (and child pipelines' local files) inside the
repository, resolves `extends:` and `!reference` tags, applies `default:`,
and records `template:`, `component:`, `project:` and `remote:` includes.
Templates and components become jobs of their own so the tool catalogue can
recognise them; the Auto DevOps variables that switch a template's jobs off
are kept on those jobs so a disabled scanner is not counted.

Reading the files and their includes is `includes`; when a job runs is `rules`;
the jobs themselves are `jobs`.  `parse` stays here: the CI reader is named after
the module that defines it.
"""

from __future__ import annotations

import posixpath

from scanner.collectors.ci.gitlab_ci.includes import ConfigLoader
from scanner.collectors.ci.gitlab_ci.jobs import SYSTEM, JobBuilder
from scanner.collectors.ci.model import ParseResult, anchored
from scanner.collectors.tree import RepoTree

__all__ = ["ROOT_FILE", "SYSTEM", "ParseResult", "parse"]

ROOT_FILE = ".gitlab-ci.yml"


def parse(tree: RepoTree) -> ParseResult:
    result = ParseResult(SYSTEM)
    if not tree.has(ROOT_FILE):
        return result
    loader = ConfigLoader(tree, result)
    config = loader.resolve(ROOT_FILE)
    if config is None:
        return result
    builder = JobBuilder(config, result)
    first = len(result.jobs)
    result.jobs.extend(builder.jobs())
    for url in filter(None, loader.external_urls):
        result.jobs[first:] = [anchored(job, url) if job.file == url else job
                               for job in result.jobs[first:]]
    result.jobs.extend(builder.included_jobs(loader))
    for child, where, triggers in builder.child_pipelines():
        child_path = posixpath.normpath(child.lstrip("/"))
        if not tree.has(child_path):
            result.notes.append((where, f"child pipeline {child_path} not found"))
            continue
        child_loader = ConfigLoader(tree, result)
        child_config = child_loader.resolve(child_path, depth=1)
        if child_config is not None:
            child_builder = JobBuilder(child_config, result)
            result.jobs.extend(child_builder.jobs(inherited=triggers))
            result.jobs.extend(child_builder.included_jobs(child_loader))
    return result
