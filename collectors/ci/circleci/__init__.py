"""CircleCI (`.circleci/config.yml`) -> jobs.

Jobs run only through `workflows:`, so each workflow entry becomes a job:
its steps (with reusable `commands:` expanded where used, and `<<
parameters.x >>` filled in), its Docker images (also through `executors:`),
and its orb commands as ORB references `<namespace>/<orb>/<command>`
resolved through `orbs:`.  A workflow entry that is an orb job
(`aws-ecr/build-and-push-image`) is a job whose one reference is that orb.

Triggers come from the workflow's `triggers` / `when` and each entry's
branch and tag filters; CircleCI builds pull requests as branch builds, so
an unfiltered job runs on every push.  `type: approval` entries gate every
job that requires them, directly or not.  A setup configuration's
continuation file is read when it is in the repository.

What a file declares (orbs, executors, commands) is `declared`; steps are
`steps`; workflow entries are `workflows`; when they run is `triggers`.  `parse`
stays here: the CI reader is named after the module that defines it.
"""

from __future__ import annotations

import posixpath

from scanner.collectors.ci.circleci.workflows import SYSTEM, ConfigFile
from scanner.collectors.ci.model import ParseResult, read_yaml
from scanner.collectors.tree import RepoTree
from scanner.yaml_source import LineDict, stamp_file

__all__ = ["CONFIG_FILES", "SYSTEM", "ParseResult", "parse"]

CONFIG_FILES = (".circleci/config.yml", ".circleci/config.yaml")


def _load(tree: RepoTree, path: str, result: ParseResult) -> LineDict | None:
    read, data = read_yaml(tree, path, result)
    if not read:
        return None
    if not isinstance(data, LineDict) or not (
            isinstance(data.get("jobs"), dict) or isinstance(data.get("workflows"), dict)):
        result.unreadable.append((path, "not a CircleCI configuration: no 'jobs' or "
                                  "'workflows' mapping"))
        return None
    result.files.append(path)
    stamped: LineDict = stamp_file(data, path)
    return stamped


def parse(tree: RepoTree) -> ParseResult:
    result = ParseResult(SYSTEM)
    path = next((p for p in CONFIG_FILES if tree.has(p)), None)
    seen: set[str] = set()
    while path is not None and path not in seen and len(seen) < 3:
        seen.add(path)
        data = _load(tree, path, result)
        if data is None:
            break
        config = ConfigFile(path, data, result)
        result.jobs += config.workflows()
        following = config.continuation()
        path = None
        if following is not None:
            candidate = posixpath.normpath(following.lstrip("/"))
            if tree.has(candidate):
                path = candidate
            else:
                result.external.append((f"{config.path}:{data.line_of('setup')}", (
                    f"continuation configuration {candidate} is generated at run time or "
                    "not in the repository; not read")))
    return result

