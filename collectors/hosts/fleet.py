"""The skeleton both Git-host collectors fill in: a target's token, the listing of its
organisation or group (or the repositories it names), the repositories kept to read, and
each read in a bounded pool of threads, or recalled whole when the listing shows it
unchanged since the last scan (`reuse.Reuse`).

A host's `Fleet` says how its listing looks and what state of a listed repository
stands for its source; its `RepositoryReader` reads one repository into host-neutral
records, and the skeleton turns those into signals the same way on every host.
"""

from __future__ import annotations

import base64
import copy
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from scanner import credentials, patterns
from scanner.collectors.api import Answer, ApiError, parse_time
from scanner.collectors.base import (
    ERROR,
    Collected,
    CollectSettings,
    Emitter,
    Problem,
    Shard,
    Target,
    hand_over,
    keep_for_next_scan,
    report_items,
)
from scanner.collectors.bounds import Budget, RequestBudgetSpent, follow
from scanner.collectors.ci.model import ExternalFiles
from scanner.collectors.hosts.dora_signals import dora_by_service
from scanner.collectors.hosts.head_files import CloneFailed, HeadFiles, read_head_files
from scanner.collectors.hosts.http import MAX_PAGES
from scanner.collectors.hosts.records import Deployment, HostRepository
from scanner.collectors.hosts.reuse import Listed, RepositoryResult, Reuse
from scanner.collectors.hosts.settings import HostSettings
from scanner.collectors.hosts.signals import deployed_on_host, emit_host_signals
from scanner.evidence import now_utc
from scanner.memory import Memory, Remembered
from scanner.patterns import Pattern

Listing = TypeVar("Listing")


class HostApi(Protocol):
    kept: dict[str, Remembered]  # what the next scan of the same target may reuse
    token: str

    def get(self, path: str, params: Mapping[str, Any] | None = None,
            feature: bool = False) -> Answer: ...

    def listing(self, path: str, params: Mapping[str, Any] | None = None, *,
                limit: int = ...) -> tuple[Answer, bool]: ...

    def clean(self, error: Exception) -> str: ...

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
    variable = token_variable(target.options)
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


def token_variable(options: Mapping[str, Any]) -> str:
    """The environment variable holding this run's token: `token_env` names one, or several
    so that the shards of a scan spread over as many API quotas (shard I takes number I
    mod K; an unsharded scan the first)."""
    names = options["token_env"]
    if isinstance(names, str):
        return names
    shard: Shard | None = options.get("shard")
    return str(names[shard.index % len(names) if shard else 0])


class Fleet(ABC, Generic[Api]):
    """One target: list its repositories, then read each in a bounded pool of threads.

    A host says how its listing looks (the class variables), which listed repositories
    can and should be read, the state that stands for a repository's source, and which
    reader reads one.
    """

    source: ClassVar[str]  # the collector's id
    owner_key: ClassVar[str]  # the target option naming a whole organisation or group
    names_key: ClassVar[str]  # the target option naming repositories one by one
    path_key: ClassVar[str]  # the key of a listed repository's path in the listing
    owner_noun: ClassVar[str]
    noun: ClassVar[str]  # what the host calls a repository
    listing_hint: ClassVar[str]  # what to check when the owner cannot be listed

    def __init__(self, api: Api, target: Target, settings: CollectSettings, memory: Memory,
                 collected: Collected, *, host: str) -> None:
        self.api, self.target, self.settings = api, target, settings
        self.memory, self.collected = memory, collected
        self.options = target.options
        self.host = host
        self.host_settings = HostSettings(window_days=int(self.options["window_days"]),
                                          production_pattern=settings.production_pattern)
        self.now = now_utc()

    # --- what a host says -----------------------------------------------------------------

    @abstractmethod
    def owner_listing(self, owner: str) -> tuple[str, dict[str, str]]:
        """The path and parameters that list every repository of `owner`."""

    @abstractmethod
    def repository_path(self, name: str) -> str:
        """The path of one repository the target names."""

    @abstractmethod
    def is_well_formed(self, item: Any) -> bool:
        """Whether a listed item is a repository that can be read (see `targets`)."""

    @abstractmethod
    def is_wanted(self, item: dict[str, Any]) -> bool:
        """Whether the target's filters keep a listed repository (see `targets.wanted`)."""

    @abstractmethod
    def listed(self, item: dict[str, Any]) -> Listed:
        """The listed repository's name and the state of its source, for reuse."""

    @abstractmethod
    def reader(self, item: dict[str, Any]) -> RepositoryReader[Any]:
        """What reads one listed repository."""

    # --- the same on every host -----------------------------------------------------------

    def scan(self) -> None:
        """Every shard lists the whole target (so all deal out the same repositories) and
        reads only those it owns; each repository keeps its place in the listing."""
        listing, whole = self.repositories()
        repositories = to_read(self.target.label, listing, whole=whole,
                               well_formed=self.is_well_formed, wanted=self.is_wanted,
                               options=self.options, into=self.collected)
        shard: Shard | None = self.options.get("shard")
        places = [place for place, item in enumerate(repositories)
                  if shard is None or shard.owns(self.entity(item))]
        read_fleet(self.target.label, [repositories[place] for place in places],
                   self.read_one, listed=self.listed,
                   reuse=Reuse.of(self.memory, self.now, self.settings, self.options),
                   workers=int(self.options["workers"]), into=self.collected,
                   kept=self.api.kept, places=places)

    def entity(self, item: dict[str, Any]) -> str:
        """The entity a listed repository is scanned as."""
        return f"repo:{self.host}/{item.get(self.path_key) or ''}"

    def repositories(self) -> tuple[list[Any], bool]:
        """The repositories listed (items as the API gave them), and whether the listing
        was read to its end."""
        if self.owner_key in self.options:
            owner = str(self.options[self.owner_key])
            # Twice the repositories the target reads, so that those filtered out (archived,
            # forks) do not starve the ceiling; never fewer than a usual listing reads.
            limit = max(100 * MAX_PAGES, 2 * int(self.options["max_repositories"]))
            answer, whole = self.api.listing(*self.owner_listing(owner), limit=limit)
            if not answer.ok:
                raise ApiError(f"{self.owner_noun} '{owner}' cannot be listed on {self.host} "
                               f"({answer.message}); {self.listing_hint}", answer.status)
            return answer.data, whole
        found = []
        for name in self.options[self.names_key]:
            answer = self.api.get(self.repository_path(name))
            if answer.ok and isinstance(answer.data, dict):
                found.append(answer.data)
            else:
                self.collected.problems.append(Problem(
                    f"repo:{self.host}/{name}", f"{self.noun} not readable ({answer.message})",
                    ERROR))
        return found, True

    def read_one(self, item: dict[str, Any]) -> RepositoryResult:
        reader = self.reader(item)
        try:
            reader.read()
        except RequestBudgetSpent:
            raise  # the fleet leaves every repository it stops short of out, at once
        except (ApiError, CloneFailed) as exc:
            reader.result.collected.problems.append(
                Problem(reader.entity, f"not read: {exc}", ERROR))
        return reader.result


FleetOf = TypeVar("FleetOf", bound=Fleet[Any])


class RepositoryReader(ABC, Generic[FleetOf]):
    """One repository of a fleet: the host's records of it read by `host_record`, its files
    on the way, and the host signals made of them into `result`."""

    def __init__(self, fleet: FleetOf, item: dict[str, Any]) -> None:
        self.fleet = fleet
        self.result = RepositoryResult()
        self.api = apart(fleet.api, self.result.remembered)
        self.listing = item
        self.path = str(item.get(fleet.path_key) or "")
        self.name = f"{fleet.host}/{self.path}"
        self.entity = fleet.entity(item)
        self.since = fleet.now - timedelta(days=fleet.host_settings.window_days)
        self.budget = Budget(int(fleet.options["request_budget"]))

    @abstractmethod
    def host_record(self) -> HostRepository:
        """Everything the host says about the repository, its files read on the way."""

    def revise(self, out: Emitter, host: HostRepository) -> None:
        """Change the signals emitted before they join the evidence (a host's own numbers
        replacing computed ones); nothing by default."""

    def read(self) -> None:
        host = self.host_record()
        fleet = self.fleet
        out = Emitter(self.entity, fleet.source)
        emit_host_signals(host, fleet.host_settings, fleet.now, out)
        found = self.result.collected
        found.evidence = deployed_on_host(host, self.entity, found.evidence)
        services, timelines = dora_by_service(host, found.evidence, fleet.host_settings,
                                              fleet.now, fleet.source)
        found.evidence += services
        found.timeline += timelines
        self.revise(out, host)
        found.evidence += out.evidence
        for note in host.notes:
            found.problems.append(Problem(self.entity, note))

    def queried(self, data: Any, errors: list[dict[str, Any]], key: str, *,
                unexplained: str) -> dict[str, Any]:
        """The repository (`key`) in the answer to the whole query; an ApiError when the
        answer holds none, with the errors' words or `unexplained`."""
        found = (data or {}).get(key)
        if not isinstance(found, dict):
            reason = "; ".join(str(e.get("message")) for e in errors) or unexplained
            raise ApiError(f"the {self.fleet.noun} is gone or hidden ({reason})")
        return found

    def note_errors(self, host: HostRepository, errors: list[dict[str, Any]]) -> None:
        """The parts of a partial GraphQL answer that failed, each a note."""
        for error in errors:
            path = ".".join(str(p) for p in error.get("path") or [])
            host.notes.append(f"{path or 'GraphQL'}: {error.get('message')}")

    def runs_deploying(self, host: HostRepository, runs: list[dict[str, Any]],
                       deploying: Callable[[list[dict[str, Any]], str, Pattern],
                                           list[Deployment]],
                       source: str, *, complete: bool) -> None:
        """With no deployments recorded, the CI runs that deploy (`deploying`, by DevLake's
        deploymentPattern) stand in for them, as `source`; read only in part (`complete`
        False), they count back to the oldest run read."""
        found = deploying(runs, host.default_branch,
                          patterns.compiled(self.fleet.host_settings.deploy_run_pattern))
        if found:
            host.deployments = found
            host.deployment_source = source
            if not complete:
                host.cut("deployments", min(
                    (moment for r in runs if (moment := parse_time(r.get("created_at")))),
                    default=self.fleet.now))

    def read_files(self, host: HostRepository, *, user: str,
                   archive: Callable[[], Iterator[bytes]], clone_url: str,
                   external: ExternalFiles) -> None:
        """The repository's files at its head, through the same analysis as a clone; a
        clone authenticates as `user` with the token as password."""
        if not host.head_sha:
            host.notes.append("the repository is empty: no files to read")
            return
        secret = base64.b64encode(f"{user}:{self.api.token}".encode()).decode()
        files = HeadFiles(
            name=self.name, source=self.fleet.source, head_sha=host.head_sha, archive=archive,
            clone_url=clone_url, clone_auth_header=f"Authorization: Basic {secret}",
            clean=self.api.clean, external=external)
        read_head_files(files, self.fleet.settings, self.fleet.memory, self.fleet.now,
                        as_clone=bool(self.fleet.options["clone"]), result=self.result)


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


Item = TypeVar("Item")
Result = TypeVar("Result")


def in_order(pool: ThreadPoolExecutor, work: Callable[[Item], Result], items: Sequence[Item],
             *, ahead: int) -> Iterator[Result]:
    """`pool.map`, but with at most `ahead` items in flight: repositories recalled from
    memory come faster than they are taken in, and a whole organisation's waiting at once
    would be the scan's peak of memory."""
    waiting: deque[Future[Result]] = deque(pool.submit(work, item) for item in items[:ahead])
    for item in items[ahead:]:
        result = waiting.popleft().result()
        waiting.append(pool.submit(work, item))
        yield result
    while waiting:
        yield waiting.popleft().result()


def read_fleet(label: str, listings: Sequence[Listing],
               read: Callable[[Listing], RepositoryResult], *,
               listed: Callable[[Listing], Listed], reuse: Reuse, workers: int,
               into: Collected, kept: dict[str, Remembered], places: Sequence[int]) -> None:
    """Read every repository in a bounded pool of threads, reporting progress as they end;
    one unchanged since the last scan is recalled instead (see `Reuse`). Once the target's
    request budget is spent, the repositories still unread are left out with one error
    (`read` lets RequestBudgetSpent through). `places` are the repositories' places in
    the whole listing, kept for every entity each gave."""

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
    threads = min(workers, max(1, len(listings)))
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for done, (place, result) in enumerate(zip(
                places, in_order(pool, one, listings, ahead=2 * threads), strict=True), 1):
            report_items(label, done, len(listings))
            if result is not None:
                into.places.update(dict.fromkeys(
                    [*result.collected.entities, *(e.entity for e in result.collected.evidence),
                     *(spooled.entity for spooled in result.sets)], place))
                hand_over(result.collected, result.sets)
                into.absorb(result.collected)
                keep_for_next_scan(kept, result.remembered)
    if spent:
        into.problems.append(Problem(label, f"{len(spent):,} of {len(listings):,} "
                                     f"repositories not read: {spent[0]}", ERROR))
