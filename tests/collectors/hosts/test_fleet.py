"""Whole-repository reuse across scans, on GitHub and GitLab alike (collectors/hosts/fleet.py
and reuse.py), against the real HTTP stand-ins in tests/fakes."""

from __future__ import annotations

import base64
import os
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scanner.collectors.base import ERROR, Collected, CollectSettings, sink_evidence
from scanner.collectors.hosts.fleet import in_order
from scanner.collectors.hosts.github.collector import GitHubCollector
from scanner.collectors.hosts.gitlab.collector import GitLabCollector
from scanner.collectors.hosts.head_files import FILES_KEY
from scanner.collectors.hosts.reuse import REPOSITORY_KEY
from scanner.evidence import Evidence
from scanner.memory import NO_MEMORY, Memory, Remembered, packed, unpacked
from scanner.spool import SpooledSet

from fakes.github_api import FakeGitHub
from fakes.gitlab_api import FakeGitLab
from git_hosts import collect_target
from gitrepo import GitRepo
from samples import FILES

TOKEN = "host-token-for-reuse-0123456789"
NOW = datetime.now(UTC).replace(microsecond=0)
DEFAULTS = CollectSettings()
NO_REUSE = CollectSettings(reuse_days=0)
IDLE = NOW - timedelta(days=10)  # when the repositories last changed, unless a test says
WAIVERS = """\
waivers:
  - subcompetency: build_test.code_scanning
    reason: generated code only
    owner: platform-team
"""


class Collecting:
    """A Git host's collector over its stand-in, scanning one organisation or group."""

    collector: type[GitHubCollector | GitLabCollector]
    where: dict[str, str]

    def collect(self, memory: Memory = NO_MEMORY, settings: CollectSettings = DEFAULTS,
                **entry: Any) -> Collected:
        return collect_target(self.collector, {**self.where, "token_env": "HOST_TOKEN", **entry},
                              settings, memory)


class GitHubHost(Collecting):
    """The GitHub stand-in and collector, as these tests drive a Git host."""

    collector = GitHubCollector
    listing = "/orgs/acme/repos"

    def __init__(self, fake: FakeGitHub) -> None:
        self.fake = fake
        self.where = {"org": "acme", "base_url": fake.base_url}

    def add(self, name: str, files: Mapping[str, str], **options: Any) -> None:
        deployed = NOW - timedelta(days=3)
        self.fake.add_repo("acme", name, files, **{"deployments": [
            {"environment": "production", "created_at": deployed, "state": "SUCCESS",
             "status_at": deployed}], "pushed_at": IDLE, **options})

    def push(self, name: str, path: str, text: str) -> None:
        repo = self.fake.repo(f"acme/{name}")
        repo.files[path] = text
        repo.pushed_at = (repo.pushed or IDLE) + timedelta(minutes=1)

    def fail_reading(self, name: str) -> None:
        self.fake.fail_next(f"/repos/acme/{name}/tarball", 404, body={"message": "Not Found"})

    def requests_for(self, name: str) -> int:
        return self.fake.count_for(f"acme/{name}", counted_only=False)

    def entity(self, name: str) -> str:
        return f"repo:127.0.0.1/acme/{name}"


class GitLabHost(Collecting):
    """The GitLab stand-in and collector, as these tests drive a Git host."""

    collector = GitLabCollector
    listing = "/groups/platform/projects"

    def __init__(self, fake: FakeGitLab) -> None:
        self.fake = fake
        self.where = {"group": "platform", "url": fake.base_url}

    def add(self, name: str, files: Mapping[str, str], **options: Any) -> None:
        self.fake.add_project(f"platform/{name}", files, **{
            "deployments": [{"environment": "production", "created_at": NOW - timedelta(days=3)}],
            "last_activity_at": IDLE, **options})

    def push(self, name: str, path: str, text: str) -> None:
        project = self.fake.project(f"platform/{name}")
        project.files[path] = text
        project.last_activity_at = project.activity + timedelta(minutes=1)

    def fail_reading(self, name: str) -> None:
        self.fake.fail_next(f"/projects/platform/{name}/repository/archive", 404)

    def requests_for(self, name: str) -> int:
        return self.fake.count_for(f"platform/{name}", not_modified=True)

    def entity(self, name: str) -> str:
        return f"repo:127.0.0.1/platform/{name}"


Host = GitHubHost | GitLabHost


@pytest.fixture(params=["github", "gitlab"])
def host(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Host]:
    monkeypatch.setenv("HOST_TOKEN", TOKEN)
    if request.param == "github":
        with FakeGitHub(TOKEN) as github:
            yield GitHubHost(github)
    else:
        with FakeGitLab(TOKEN) as gitlab:
            yield GitLabHost(gitlab)


def estate(host: Host) -> None:
    host.add("api", {**FILES, ".maturity.yaml": WAIVERS})
    host.add("docs", {"README.md": "# docs\n"})


def errors(collected: Collected) -> list[str]:
    return [p.line() for p in collected.problems if p.severity == ERROR]


def downloads(host: Host) -> list[str]:
    return [r.path for r in host.fake.requests if "tarball" in r.path or "archive" in r.path]


def aged(memory: Memory, days: float) -> dict[str, Remembered]:
    """`memory` as the store would hand it over `days` later."""
    older = dict(memory)
    for key, item in memory.items():
        if key.startswith(REPOSITORY_KEY.format(name="")):
            body = unpacked(item.body)
            body["collected_at"] = (datetime.fromisoformat(body["collected_at"])
                                    - timedelta(days=days)).isoformat()
            older[key] = Remembered(item.etag, packed(body))
    return older


def test_an_unchanged_repository_is_reused_whole_without_a_request(host: Host) -> None:
    estate(host)
    cold = host.collect()
    assert errors(cold) == [] and cold.waivers and cold.timeline
    time.sleep(1)  # a repository observed again would show a later time
    host.fake.clear_log()
    warm = host.collect(cold.memory)
    assert [r.path for r in host.fake.requests] == [host.listing]
    assert [e.to_dict() for e in warm.evidence] == [e.to_dict() for e in cold.evidence]
    assert warm.entities == cold.entities and warm.problems == cold.problems
    assert warm.waivers == cold.waivers and warm.timeline == cold.timeline
    # What the repository's own reading remembered stays for the next full read.
    assert set(warm.memory) == set(cold.memory)
    host.fake.clear_log()
    host.collect(warm.memory, NO_REUSE)
    assert downloads(host) == []


class Sink:
    """The scan's spool as a collector sees it: what was handed over, item by item or as
    sets already spooled."""

    def __init__(self) -> None:
        self.items: list[Evidence] = []
        self.sets: list[SpooledSet] = []

    def __call__(self, evidence: list[Evidence], *, sets: Sequence[SpooledSet]) -> None:
        self.items += evidence
        self.sets += sets


def handed_over(collect: Callable[[], Collected]) -> tuple[Collected, Sink]:
    sink = Sink()
    sink_evidence(sink)
    try:
        return collect(), sink
    finally:
        sink_evidence(None)


def test_an_unchanged_repository_is_handed_over_as_the_sets_it_kept(host: Host) -> None:
    """Recalled evidence is never serialised again: the spool gets the very records the
    cold scan made, and the collector keeps no evidence of its own."""
    estate(host)
    cold, cold_sink = handed_over(host.collect)
    warm, warm_sink = handed_over(lambda: host.collect(cold.memory))
    assert cold.evidence == warm.evidence == [] and warm_sink.items == []
    assert {s.entity for s in cold_sink.sets} >= {host.entity("api"), host.entity("docs")}
    assert warm_sink.sets == cold_sink.sets
    # Each service's set says which repository it lives in, without being read back.
    services = [s for s in warm_sink.sets if s.entity.startswith("service:")]
    assert services and {s.repositories for s in services} == {
        (host.entity("api"),), (host.entity("docs"),)}
    # Records kept compressed another way come back as they were kept, not made anew.
    recompressed = dict(cold.memory)
    for key, kept in cold.memory.items():
        if key.startswith(REPOSITORY_KEY.format(name="")):
            body = unpacked(kept.body)
            for kept_set in body["sets"]:
                text = zlib.decompress(base64.b64decode(kept_set[3]))
                kept_set[3] = base64.b64encode(zlib.compress(text, 9)).decode()
            recompressed[key] = Remembered(kept.etag, packed(body))
    _, again = handed_over(lambda: host.collect(recompressed))
    assert [s.record for s in again.sets] != [s.record for s in cold_sink.sets]
    assert [s.evidence() for s in again.sets] == [s.evidence() for s in cold_sink.sets]


def test_a_repository_whose_source_moved_is_read_again_and_the_others_reused(
        host: Host) -> None:
    estate(host)
    cold = host.collect()
    host.push("api", "SECURITY.md", "Report to security@example.com\n")
    host.fake.clear_log()
    warm = host.collect(cold.memory)
    assert host.requests_for("api") > 0 and host.requests_for("docs") == 0
    policy = next(e for e in warm.evidence
                  if e.entity == host.entity("api") and e.signal == "repo.security_policy")
    assert policy.value is True


@pytest.mark.parametrize(("days_ago", "settings", "read_again"), [
    (0, NO_REUSE, True), (8, DEFAULTS, True), (6, DEFAULTS, False)])
def test_what_was_read_is_reused_for_at_most_reuse_days(
        host: Host, days_ago: int, settings: CollectSettings, read_again: bool) -> None:
    estate(host)
    cold = host.collect()
    host.fake.clear_log()
    host.collect(aged(cold.memory, days_ago), settings)
    assert (host.requests_for("api") > 0) is read_again
    assert (host.requests_for("docs") > 0) is read_again


@pytest.mark.parametrize("body", ["not base64 at all", "AAAA", packed({"found": {}})])
def test_a_kept_reading_that_cannot_be_read_back_means_reading_the_repository_again(
        host: Host, body: str) -> None:
    """The store's copy is damaged (by hand, a disk, a bug): it costs that repository a
    fresh read, never the scan."""
    estate(host)
    cold = host.collect()
    damaged = dict(cold.memory)
    for key in [key for key in cold.memory if key.startswith(REPOSITORY_KEY.format(name=""))]:
        damaged[key] = Remembered(cold.memory[key].etag, body)
    host.fake.clear_log()
    warm = host.collect(damaged)
    assert errors(warm) == []
    assert host.requests_for("api") > 0 and host.requests_for("docs") > 0
    assert {(e.entity, e.signal) for e in warm.evidence} == \
        {(e.entity, e.signal) for e in cold.evidence}


def test_files_kept_that_cannot_be_read_back_are_downloaded_again(host: Host) -> None:
    estate(host)
    cold = host.collect()
    damaged = {key: Remembered(item.etag, "AAAA") if key.startswith(FILES_KEY.split("{")[0])
               else item for key, item in cold.memory.items()}
    host.fake.clear_log()
    warm = host.collect(damaged, NO_REUSE)
    assert errors(warm) == [] and len(downloads(host)) == 2
    assert {(e.entity, e.signal) for e in warm.evidence} == \
        {(e.entity, e.signal) for e in cold.evidence}


@pytest.mark.parametrize("body", ["{not json", '{"status": "x"}', "[]"])
def test_answers_kept_that_cannot_be_read_back_are_asked_for_in_full(
        host: Host, body: str) -> None:
    """Kept API answers (pages, resources, refusals) damaged in the store: each is asked
    for again without its ETag, and the scan reads what it read before."""
    estate(host)
    cold = host.collect()
    damaged = {key: Remembered(item.etag, body) if key.startswith("GET ") else item
               for key, item in cold.memory.items()}
    assert damaged != cold.memory
    warm = host.collect(damaged, NO_REUSE)
    assert errors(warm) == []
    assert {(e.entity, e.signal, str(e.value)) for e in warm.evidence} == \
        {(e.entity, e.signal, str(e.value)) for e in cold.evidence}


def test_a_repository_that_failed_is_read_again(host: Host) -> None:
    estate(host)
    host.fail_reading("docs")
    cold = host.collect()
    assert [line.split(": ")[1] for line in errors(cold)] == [host.entity("docs")]
    host.fake.clear_log()
    warm = host.collect(cold.memory)
    assert host.requests_for("docs") > 0 and host.requests_for("api") == 0
    assert errors(warm) == []


def test_a_clone_is_reused_too(host: Host, tmp_path: Path) -> None:
    source = GitRepo(tmp_path / "source")
    source.files(FILES)
    host.add("history", {"README.md": "x"}, git_dir=str(source.root))
    cold = host.collect(clone=True)
    assert errors(cold) == []
    host.fake.clear_log()
    warm = host.collect(cold.memory, clone=True)
    assert [r.path for r in host.fake.requests] == [host.listing]
    assert [e.to_dict() for e in warm.evidence] == [e.to_dict() for e in cold.evidence]


def test_a_clone_reads_its_history_in_the_collecting_process(
        host: Host, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Git host's clones are read by many threads at once: forking one of them would
    copy a process whose other threads may hold locks, for no core left to use."""
    source = GitRepo(tmp_path / "source")
    source.files(FILES)
    host.add("history", {"README.md": "x"}, git_dir=str(source.root))

    def forbidden() -> int:
        raise AssertionError("a host's clone forked")

    monkeypatch.setattr(os, "fork", forbidden)
    found = host.collect(clone=True)
    assert errors(found) == []
    assert [e.value for e in found.evidence if e.signal == "git.commits"] == [1]


def test_files_at_an_unmoved_head_keep_the_repositorys_own_waivers(host: Host) -> None:
    estate(host)
    cold = host.collect()
    host.fake.clear_log()
    warm = host.collect(cold.memory, NO_REUSE)
    assert downloads(host) == [] and host.requests_for("api") > 0
    assert warm.waivers == cold.waivers


def test_a_project_active_in_the_hour_before_its_read_is_read_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """GitLab moves last_activity_at at most hourly: a push in that hour would not show."""
    monkeypatch.setenv("HOST_TOKEN", TOKEN)
    with FakeGitLab(TOKEN) as fake:
        host = GitLabHost(fake)
        host.add("api", FILES, last_activity_at=NOW - timedelta(minutes=30))
        host.add("docs", {"README.md": "# docs\n"})
        cold = host.collect()
        fake.clear_log()
        host.collect(cold.memory)
        assert host.requests_for("api") > 0 and host.requests_for("docs") == 0


def test_repositories_are_taken_in_order_with_a_bounded_number_in_flight() -> None:
    """Recalled repositories come faster than the scan takes them in: at most `ahead` are
    read before they are taken, so an organisation is never held in memory whole."""
    started: list[int] = []
    lock = threading.Lock()

    def read(number: int) -> int:
        with lock:
            started.append(number)
        return number * 10

    taken = []
    with ThreadPoolExecutor(max_workers=3) as pool:
        for result in in_order(pool, read, list(range(200)), ahead=6):
            time.sleep(0.001)  # the scan is slower than the reads
            with lock:
                assert len(started) <= len(taken) + 6 + 1
            taken.append(result)
    assert taken == [n * 10 for n in range(200)]
