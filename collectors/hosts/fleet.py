"""What the Git-host collectors do alike: the target options they share, the pool that
reads a fleet's repositories (a repository the listing shows unchanged since the last scan
gives what it gave then, without a request), and a repository's files read from an
archive of its head (recalled when the head has not moved since the last scan) or from a
shallow clone."""

from __future__ import annotations

import base64
import copy
import fnmatch
import hashlib
import json
import re
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar

from scanner import __version__, credentials
from scanner import validate as v
from scanner.collectors.analysis import RepositoryAnalysis
from scanner.collectors.api import ApiError, parse_time
from scanner.collectors.base import (
    ERROR,
    Collected,
    CollectSettings,
    Emitter,
    Problem,
    Target,
    report_items,
)
from scanner.collectors.bounds import RequestBudgetSpent, follow
from scanner.collectors.ci.model import ExternalFiles
from scanner.collectors.hosts.archive import ArchiveTooLarge, ArchiveTree
from scanner.collectors.hosts.http import DEFAULT_MAX_REPOSITORIES, DEFAULT_MAX_REQUESTS
from scanner.collectors.hosts.paging import DEFAULT_REQUEST_BUDGET
from scanner.collectors.local.collector import read_clone
from scanner.collectors.local.git import GitError, GitRepo, clone
from scanner.evidence import Evidence
from scanner.memory import Memory, Remembered
from scanner.timeline import DeployTimeline
from scanner.waivers import Waiver

# Keys every host target takes besides the ones that name what to read and where.
SHARED_KEYS = ("token_env", "include", "exclude", "topics", "archived", "forks", "workers",
               "window_days", "request_budget", "clone", "max_repositories", "max_requests")
FILES_KEY = "tree {name}@{sha}"
REPOSITORY_KEY = "repository {name}"
_PATH_SEGMENT = re.compile(r"[A-Za-z0-9_.-]+")

Listing = TypeVar("Listing")


class HostApi(Protocol):
    kept: dict[str, Remembered]  # what the next scan of the same target may reuse

    def close(self) -> None: ...


Api = TypeVar("Api", bound=HostApi)


def apart(api: Api, kept: dict[str, Remembered]) -> Api:
    """The same client on the same connections, keeping what it remembers in `kept`: one
    repository's own memory, carried along whole when the repository is reused."""
    view = copy.copy(api)
    view.kept = kept
    return view


def collect_with_token(target: Target, token_hint: str, open_api: Callable[[str], Api],
                       scan: Callable[[Api, Collected], None]) -> Collected:
    """Run `scan` with a client holding the token from the target's environment variable.

    An unset variable or a failure of the whole target (a refused token, an unknown
    organisation) is one error line for the target; what was read stays.
    """
    collected = Collected()
    variable = str(target.options["token_env"])
    token = credentials.from_env(variable)
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
        "request_budget": v.integer(entry.get("request_budget", DEFAULT_REQUEST_BUDGET),
                                    where.at("request_budget"), minimum=1, maximum=1000),
        "clone": v.boolean(entry.get("clone", False), where.at("clone")),
        "max_repositories": v.integer(entry.get("max_repositories", DEFAULT_MAX_REPOSITORIES),
                                      where.at("max_repositories"), minimum=1,
                                      maximum=1_000_000),
        "max_requests": v.integer(entry.get("max_requests", DEFAULT_MAX_REQUESTS),
                                  where.at("max_requests"), minimum=1, maximum=10_000_000),
    }
    return options


def to_read(label: str, listing: Iterable[Any], *, whole: bool,
            well_formed: Callable[[Any], bool], wanted: Callable[[Any], bool],
            options: Mapping[str, Any], into: Collected) -> list[dict[str, Any]]:
    """The repositories of a listing that will be read: well formed, wanted, and at most
    `max_repositories` of them; one warning for each kind left out, and one when the
    listing itself was read only in part (`whole` False)."""
    followed = follow(listing, well_formed, wanted=wanted,
                      ceiling=int(options["max_repositories"]))
    where = "the listing"  # of the target each warning is reported on
    notes = followed.notes(where, "repositories", named_by="path",
                           ceiling_key="max_repositories")
    if not whole:
        notes.append(f"{where} was read only in part: its pages stopped short of its end")
    into.problems += [Problem(label, note) for note in notes]
    return followed.items


def well_formed_listing(item: Any, path_key: str, *, parts: range) -> bool:
    """Whether a listed repository can be read: an object whose `path_key` is a repository
    path (`parts` segments of name characters, none of them `.` or `..`) and whose topics,
    if any, are a list of names."""
    if not isinstance(item, dict):
        return False
    path = item.get(path_key)
    segments = path.split("/") if isinstance(path, str) else []
    if len(segments) not in parts or not all(
            _PATH_SEGMENT.fullmatch(s) and s not in (".", "..") for s in segments):
        return False
    topics = item.get("topics")
    return topics is None or (isinstance(topics, list)
                              and all(isinstance(t, str) for t in topics))


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


@dataclass(frozen=True)
class Listed:
    """A repository as the listing of its organisation or group shows it, for free: its
    name (host/path) and the state of its source, the time it last changed first."""

    name: str
    state: tuple[str | bool | None, ...]
    # How long the time of the last change may stand still through further changes (GitLab
    # moves last_activity_at at most hourly): a read that soon after it may have missed some.
    granularity: timedelta = timedelta(0)


@dataclass(frozen=True)
class Reuse:
    """When a repository's whole contribution to the last scan stands for this one.

    It does while the listing shows the repository in the same state and it would be
    read the same way (target options, settings, scanner version), for at most `days`:
    deployments, alerts and the DORA window move without a push. A contribution with an
    error is never reused. Reused evidence keeps the time it was observed.
    """

    memory: Memory
    now: datetime
    days: int
    reading: str  # what besides the repository decides what reading it gives

    @classmethod
    def of(cls, memory: Memory, now: datetime, settings: CollectSettings,
           options: Mapping[str, Any]) -> Reuse:
        reading = json.dumps([__version__, asdict(replace(settings, reuse_days=0)),
                              dict(options)], sort_keys=True, default=str)
        return cls(memory, now, settings.reuse_days, reading)

    def recalled(self, listed: Listed) -> RepositoryResult | None:
        key = REPOSITORY_KEY.format(name=listed.name)
        before = self.memory.get(key)
        if before is None or self.days <= 0 or before.etag != self._token(listed):
            return None
        data = unpacked(before.body)
        collected = datetime.fromisoformat(data["collected_at"])
        changed = parse_time(listed.state[0])
        if (self.now - collected >= timedelta(days=self.days) or changed is None
                or collected < changed + listed.granularity):
            return None
        kept = {name: self.memory[name] for name in data["memory"] if name in self.memory}
        return RepositoryResult(_thawed(data["found"]), {**kept, key: before})

    def remembered(self, listed: Listed, result: RepositoryResult) -> RepositoryResult:
        """`result`, with what it gave kept whole for the next scan."""
        token = self._token(listed)
        if token is None or any(p.severity == ERROR for p in result.collected.problems):
            return result
        body = {"collected_at": self.now.isoformat(), "found": _frozen(result.collected),
                "memory": sorted(result.remembered)}
        result.remembered[REPOSITORY_KEY.format(name=listed.name)] = Remembered(
            token, packed(body))
        return result

    def _token(self, listed: Listed) -> str | None:
        """None when the listing does not say when the repository last changed."""
        if not listed.state or listed.state[0] is None:
            return None
        state = json.dumps([self.reading, *listed.state])
        return hashlib.sha256(state.encode()).hexdigest()


def read_fleet(label: str, listings: Sequence[Listing],
               read: Callable[[Listing], RepositoryResult], *,
               listed: Callable[[Listing], Listed], reuse: Reuse, workers: int,
               into: Collected, kept: dict[str, Remembered]) -> None:
    """Read every repository in a bounded pool of threads, reporting progress as they end;
    one unchanged since the last scan is recalled instead (see `Reuse`). Once the target's
    request budget is spent, the repositories still unread are left out with one error
    (`read` lets RequestBudgetSpent through)."""

    def one(listing: Listing) -> RepositoryResult | None:
        repository = listed(listing)
        recalled = reuse.recalled(repository)
        if recalled is not None:
            return recalled
        try:
            return reuse.remembered(repository, read(listing))
        except RequestBudgetSpent as exc:
            spent.append(str(exc))
            return None

    spent: list[str] = []
    report_items(label, 0, len(listings))
    with ThreadPoolExecutor(max_workers=min(workers, max(1, len(listings)))) as pool:
        for done, result in enumerate(pool.map(one, listings), 1):
            report_items(label, done, len(listings))
            if result is not None:
                into.absorb(result.collected)
                kept.update(result.remembered)
    if spent:
        into.problems.append(Problem(label, f"{len(spent):,} of {len(listings):,} "
                                     f"repositories not read: {spent[0]}", ERROR))


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
    # Other repositories' CI configuration that this one calls, read through the host.
    external: ExternalFiles | None = None


class CloneFailed(Exception):
    """The clone failed; the message is one line and holds no token."""


def read_head_files(files: HeadFiles, settings: CollectSettings, memory: Memory,
                    now: datetime, *, as_clone: bool, result: RepositoryResult) -> None:
    """The files at the head through the same analysis as a local clone.

    From the archive, what they gave is remembered under the head's sha and reused
    while the head stays put; a clone (history included) is not, since history signals
    move with the window (the whole repository's reuse is bounded in time).
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
            analysis = RepositoryAnalysis(files.name, tree, files.source, settings, found,
                                          external=files.external)
            analysis.run(Emitter(analysis.entity, files.source), None)
    except ArchiveTooLarge as exc:
        found.entities.append(entity)
        found.problems.append(Problem(entity, f"files not read: the archive is {exc}", ERROR))
    result.collected.absorb(found)
    result.remembered[key] = Remembered(files.head_sha, packed(_frozen(found)))


def _cloned(files: HeadFiles, settings: CollectSettings, since: datetime) -> Collected:
    found = Collected()
    with tempfile.TemporaryDirectory(prefix="maturity-clone-") as folder:
        path = Path(folder) / "repo"
        try:
            clone(files.clone_url, path, since=since.date(),
                  auth_header=files.clone_auth_header)
            repo = GitRepo(path)
            read_clone(repo, repo.tracked_files(), found, name=files.name,
                       source=files.source, settings=settings, external=files.external)
        except GitError as exc:
            raise CloneFailed(f"clone failed: {files.clean(exc)}") from None
    return found


def _recalled(before: Remembered, now: datetime) -> Collected:
    """What the files gave at this same commit last time: still true, observed again."""
    found = _thawed(unpacked(before.body))
    found.evidence = [replace(item, observed_at=now) for item in found.evidence]
    return found


def _frozen(found: Collected) -> dict[str, Any]:
    """`found` (its memory aside) as JSON data; a repository's timeline is its deployments."""
    return {"entities": found.entities,
            "evidence": [item.to_dict() for item in found.evidence],
            "problems": [p.to_dict() for p in found.problems],
            "waivers": [w.to_dict() for w in found.waivers],
            "timeline": [t.to_dict() for t in found.timeline if isinstance(t, DeployTimeline)]}


def _thawed(data: dict[str, Any]) -> Collected:
    return Collected(
        evidence=[Evidence.from_dict(item) for item in data["evidence"]],
        problems=[Problem.from_dict(p) for p in data["problems"]],
        entities=list(data["entities"]),
        waivers=[Waiver.from_dict(w) for w in data["waivers"]],
        timeline=[DeployTimeline.from_dict(t) for t in data["timeline"]])


def packed(data: dict[str, Any]) -> str:
    """JSON, compressed: what a repository gave is tens of KB, kept for every repository
    and written to the store on every scan."""
    return base64.b64encode(zlib.compress(json.dumps(data).encode(), 6)).decode()


def unpacked(body: str) -> Any:
    return json.loads(zlib.decompress(base64.b64decode(body)))
