"""What the Git-host collectors do alike: the target options they share, the pool that
reads a fleet's repositories, and a repository's files read from an archive of its head
(recalled when the head has not moved since the last scan) or from a shallow clone."""

from __future__ import annotations

import fnmatch
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar

from scanner import validate as v
from scanner.collectors.analysis import RepositoryAnalysis
from scanner.collectors.api import ApiError
from scanner.collectors.base import (
    ERROR,
    Collected,
    CollectSettings,
    Emitter,
    Problem,
    Target,
    report_items,
)
from scanner.collectors.hosts.archive import ArchiveTooLarge, ArchiveTree
from scanner.collectors.local.collector import read_clone
from scanner.collectors.local.git import GitError, GitRepo, clone
from scanner.evidence import Evidence
from scanner.memory import Memory, Remembered

# Keys every host target takes besides the ones that name what to read and where.
SHARED_KEYS = ("token_env", "include", "exclude", "topics", "archived", "forks", "workers",
               "window_days", "clone")
FILES_KEY = "files {name}@{sha}"

Listing = TypeVar("Listing")


class HostApi(Protocol):
    kept: dict[str, Remembered]  # what the next scan of the same target may reuse

    def close(self) -> None: ...


Api = TypeVar("Api", bound=HostApi)


def collect_with_token(target: Target, token_hint: str, open_api: Callable[[str], Api],
                       scan: Callable[[Api, Collected], None]) -> Collected:
    """Run `scan` with a client holding the token from the target's environment variable.

    An unset variable or a failure of the whole target (a refused token, an unknown
    organisation) is one error line for the target; what was read stays.
    """
    collected = Collected()
    variable = str(target.options["token_env"])
    token = os.environ.get(variable, "")
    if not token:
        collected.problems.append(Problem(
            target.label, f"environment variable {variable} is not set; export {token_hint}",
            ERROR))
        return collected
    api = open_api(token)
    try:
        scan(api, collected)
    except ApiError as exc:
        collected.problems.append(Problem(target.label, str(exc), ERROR))
    finally:
        api.close()
    collected.memory = dict(api.kept)
    return collected


def shared_options(entry: Any, where: v.Where, token_env: str) -> dict[str, Any]:
    options: dict[str, Any] = {
        "token_env": v.env_name(entry.get("token_env", token_env), where.at("token_env"),
                                example=token_env, holds="token"),
        "include": v.texts(entry.get("include"), where.at("include")),
        "exclude": v.texts(entry.get("exclude"), where.at("exclude")),
        "topics": v.texts(entry.get("topics"), where.at("topics")),
        "archived": v.boolean(entry.get("archived", False), where.at("archived")),
        "forks": v.boolean(entry.get("forks", False), where.at("forks")),
        "workers": v.integer(entry.get("workers", 16), where.at("workers"), minimum=1,
                             maximum=64),
        "window_days": v.integer(entry.get("window_days", 90), where.at("window_days"),
                                 minimum=7, maximum=730),
        "clone": v.boolean(entry.get("clone", False), where.at("clone")),
    }
    return options


def wanted(options: Mapping[str, Any], names: Sequence[str], *, archived: bool, fork: bool,
           topics: Sequence[str]) -> bool:
    """Whether a listed repository passes the target's filters (globs on any of `names`)."""
    if (archived and not options["archived"]) or (fork and not options["forks"]):
        return False
    include, exclude = options["include"], options["exclude"]
    if include and not _matches(names, include):
        return False
    if _matches(names, exclude):
        return False
    required = set(options["topics"])
    return not required or bool(required & set(topics))


def _matches(names: Sequence[str], patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for name in names for pattern in patterns)


@dataclass
class RepositoryResult:
    """What one repository gave, and what to remember of it for the next scan."""

    collected: Collected = field(default_factory=Collected)
    remembered: dict[str, Remembered] = field(default_factory=dict)


def read_fleet(label: str, listings: Sequence[Listing],
               read: Callable[[Listing], RepositoryResult], *, workers: int,
               into: Collected, kept: dict[str, Remembered]) -> None:
    """Read every repository in a bounded pool of threads, reporting progress as they end."""
    report_items(label, 0, len(listings))
    with ThreadPoolExecutor(max_workers=min(workers, max(1, len(listings)))) as pool:
        for done, result in enumerate(pool.map(read, listings), 1):
            report_items(label, done, len(listings))
            into.absorb(result.collected)
            kept.update(result.remembered)


@dataclass(frozen=True)
class HeadFiles:
    """Where a repository's files at its head come from."""

    name: str  # host/path, as entities name it
    source: str  # the collector's id
    head_sha: str
    archive: Callable[[], Iterator[bytes]]  # the head's tarball, chunk by chunk
    clone_url: str
    clone_auth_header: str  # sent by git through its environment, never on a command line
    clean: Callable[[Exception], str]  # an error's text with the token taken out


class CloneFailed(Exception):
    """The clone failed; the message is one line and holds no token."""


def read_head_files(files: HeadFiles, settings: CollectSettings, memory: Memory,
                    now: datetime, *, as_clone: bool, result: RepositoryResult) -> None:
    """The files at the head through the same analysis as a local clone.

    From the archive, what they gave is remembered under the head's sha and reused
    while the head stays put; a clone (history included) is read afresh each time,
    since history signals move with the window.
    """
    if as_clone:
        since = now - timedelta(days=settings.history_days)
        result.collected.absorb(_cloned(files, settings, since))
        return
    key = FILES_KEY.format(name=files.name, sha=files.head_sha)
    before = memory.get(key)
    if before is not None:
        result.collected.absorb(_recalled(before, now))
        result.remembered[key] = before
        return
    found = Collected()
    entity = f"repo:{files.name}"
    try:
        with ArchiveTree(files.archive(), settings.max_file_bytes) as tree:
            analysis = RepositoryAnalysis(files.name, tree, files.source, settings, found)
            analysis.run(Emitter(analysis.entity, files.source), None)
    except ArchiveTooLarge as exc:
        found.entities.append(entity)
        found.problems.append(Problem(entity, f"files not read: the archive is {exc}", ERROR))
    result.collected.absorb(found)
    result.remembered[key] = Remembered(files.head_sha, _frozen(found))


def _cloned(files: HeadFiles, settings: CollectSettings, since: datetime) -> Collected:
    found = Collected()
    with tempfile.TemporaryDirectory(prefix="maturity-clone-") as folder:
        path = Path(folder) / "repo"
        try:
            clone(files.clone_url, path, since=since.date(),
                  auth_header=files.clone_auth_header)
            repo = GitRepo(path)
            read_clone(repo, repo.tracked_files(), found, name=files.name,
                       source=files.source, settings=settings)
        except GitError as exc:
            raise CloneFailed(f"clone failed: {files.clean(exc)}") from None
    return found


def _recalled(before: Remembered, now: datetime) -> Collected:
    """What the files gave at this same commit last time: still true, observed again."""
    data = json.loads(before.body)
    found = Collected(entities=list(data["entities"]), evidence=[
        replace(Evidence.from_dict(item), observed_at=now) for item in data["evidence"]])
    found.problems = [Problem(p["target"], p["message"], p["severity"], p.get("locator"))
                      for p in data["problems"]]
    return found


def _frozen(found: Collected) -> str:
    return json.dumps({"entities": found.entities,
                       "evidence": [item.to_dict() for item in found.evidence],
                       "problems": [p.to_dict() for p in found.problems]})
