"""A clone's reading kept while its files stay as they were: taken back only when nothing it
was read from has changed, and each change read again as a fresh reading reads it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.collectors.base import Collected
from scanner.collectors.local import kept

from gitrepo import GitRepo
from local_scan import collect
from samples import FILES

MakeRepo = Callable[..., GitRepo]
PAST_NS = 1_700_000_000 * 1_000_000_000


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "maturity-scanner" / "clone-readings"


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    """Files made settled as a test writes them: their modification time set to a moment
    of their own in the past (each change gets another), and no wait for the racy window,
    which a file's change time, always now, would otherwise fall into."""
    monkeypatch.setattr(kept, "RACY_SECONDS", 0)
    moments = iter(range(PAST_NS, PAST_NS + 10**15, 10**9))

    def settle(path: Path) -> None:
        moment = next(moments)
        os.utime(path, ns=(moment, moment), follow_symlinks=False)

    yield settle


def described(collected: Collected) -> list[Any]:
    """Everything collected but when it was observed."""
    return [sorted(json.dumps({**e.to_dict(), "observed_at": None}, sort_keys=True)
                   for e in collected.evidence),
            sorted(json.dumps(p.to_dict(), sort_keys=True) for p in collected.problems),
            sorted(collected.entities), [w.to_dict() for w in collected.waivers]]


def settled_repo(make_repo: MakeRepo, settle: Callable[[Path], None],
                 files: dict[str, str] | None = None) -> GitRepo:
    repo = make_repo(files or FILES)
    for path in (files or FILES):
        settle(repo.root / path)
    return repo


@pytest.mark.usefixtures("cache")
def test_an_unchanged_clone_gives_what_a_fresh_reading_gives(
        make_repo: MakeRepo, settled: Callable[[Path], None], cache: Path) -> None:
    repo = settled_repo(make_repo, settled)
    first = collect(repo.root)
    assert len(list(cache.glob("*.json"))) == 1
    again = collect(repo.root)
    assert described(again) == described(first) == described(collect(repo.root,
                                                                      reuse_days=0))
    assert min(e.observed_at for e in again.evidence) >= max(e.observed_at
                                                             for e in first.evidence)


def edit_same_size(repo: GitRepo, settle: Callable[[Path], None]) -> None:
    path = repo.root / ".github/workflows/ci.yml"
    text = path.read_text()
    path.write_text(text.replace("pytest", "nose2x"))
    settle(path)


def add_file(repo: GitRepo, settle: Callable[[Path], None]) -> None:
    settle(repo.write("SECURITY.md", "# Security\n\nMail security@example.com; fixed "
                                     "within 30 days.\n"))
    repo.git("add", "SECURITY.md")


def remove_file(repo: GitRepo, settle: Callable[[Path], None]) -> None:
    (repo.root / "Dockerfile").unlink()


def retarget_link(repo: GitRepo, settle: Callable[[Path], None]) -> None:
    link = repo.root / "docs" / "SECURITY.md"
    link.unlink()
    link.symlink_to("../README.md")
    settle(link)


def edit_link_target(repo: GitRepo, settle: Callable[[Path], None]) -> None:
    path = repo.root / "policy.md"
    path.write_text(FILES["SECURITY.md"].replace("security@acme.example", "the maintainers"))
    settle(path)


def link_folder_outside(repo: GitRepo, settle: Callable[[Path], None]) -> None:
    """The folder of a tracked file swapped for a link to a copy outside the clone: the
    same file, now to be skipped."""
    outside = repo.root.parent / f"{repo.root.name}-outside"
    (outside / ".github").mkdir(parents=True)
    os.rename(repo.root / ".github/workflows", outside / ".github/workflows")
    (repo.root / ".github/workflows").symlink_to(outside / ".github/workflows")


@pytest.mark.parametrize("change", [edit_same_size, add_file, remove_file, retarget_link,
                                    edit_link_target, link_folder_outside])
@pytest.mark.usefixtures("cache")
def test_each_change_is_read_as_a_fresh_reading_reads_it(
        make_repo: MakeRepo, settled: Callable[[Path], None],
        change: Callable[[GitRepo, Callable[[Path], None]], None]) -> None:
    files = {**{path: text for path, text in FILES.items() if path != "SECURITY.md"},
             "README.md": "# The app\n"}
    repo = make_repo(files)
    # The policy is a link to a file git does not track: only the link's target shows it.
    (repo.root / ".git/info/exclude").write_text("policy.md\n")
    repo.write("policy.md", FILES["SECURITY.md"])
    (repo.root / "docs").mkdir()
    (repo.root / "docs" / "SECURITY.md").symlink_to("../policy.md")
    repo.commit("a security policy, linked")
    for path in [*files, "policy.md", "docs/SECURITY.md"]:
        settled(repo.root / path)
    before = collect(repo.root)
    change(repo, settled)
    after, fresh = collect(repo.root), collect(repo.root, reuse_days=0)
    assert described(after) == described(fresh)
    assert described(after) != described(before)


@pytest.mark.usefixtures("cache")
def test_the_history_is_read_each_time(make_repo: MakeRepo,
                                       settled: Callable[[Path], None]) -> None:
    """The files' reading is taken back under another history window (the settings that
    shape only the history are not in the state); the history's figures are its own."""
    repo = settled_repo(make_repo, settled)
    yearly = {e.signal: e.value for e in collect(repo.root, history_days=3650).evidence
              if e.entity.startswith("repo:")}
    monthly = {e.signal: e.value for e in collect(repo.root, history_days=1).evidence
               if e.entity.startswith("repo:")}
    assert (yearly["git.window_days"], monthly["git.window_days"]) == (3650, 1)
    assert (yearly["git.commits"], monthly["git.commits"]) == (1, 0)


def test_a_file_changed_within_the_racy_window_keeps_nothing(
        make_repo: MakeRepo, cache: Path) -> None:
    """A file just written could change again within the same tick of the file system's
    clock without its status showing it: such a reading is not kept."""
    repo = make_repo(FILES)
    collect(repo.root)
    assert not list(cache.glob("*.json"))


@pytest.mark.parametrize("settings", [{"reuse_days": 0}, {"repository_seconds": 0.0}])
@pytest.mark.usefixtures("settled")
def test_nothing_is_kept_without_reuse_or_from_a_reading_cut_short(
        make_repo: MakeRepo, settled: Callable[[Path], None], cache: Path,
        settings: dict[str, Any]) -> None:
    repo = settled_repo(make_repo, settled)
    collect(repo.root, **settings)
    assert not list(cache.glob("*.json"))


def kept_entry(cache: Path) -> Path:
    [entry] = cache.glob("*.json")
    return entry


@pytest.mark.parametrize("spoil", [
    lambda entry: entry.write_text("{not json"),
    lambda entry: entry.write_text(json.dumps({**json.loads(entry.read_text()),
                                               "body": "bm90IGNvbXByZXNzZWQ="})),
    lambda entry: entry.chmod(0o664),  # others may write it: not trusted
    lambda entry: entry.write_text(json.dumps({**json.loads(entry.read_text()),
                                               "read_at": "2020-01-01T00:00:00+00:00"})),
])
def test_an_entry_that_cannot_be_trusted_costs_a_reading(
        make_repo: MakeRepo, settled: Callable[[Path], None], cache: Path,
        spoil: Callable[[Path], None]) -> None:
    """Read again, and kept anew: an entry taken back as it was would have kept its
    spoiled text, time or mode."""
    repo = settled_repo(make_repo, settled)
    first = collect(repo.root)
    entry = kept_entry(cache)
    kept_first = json.loads(entry.read_text())
    spoil(entry)
    assert described(collect(repo.root)) == described(first)
    kept_again = json.loads(entry.read_text())
    assert kept_again["state"] == kept_first["state"]
    assert kept_again["read_at"] >= kept_first["read_at"]
    assert entry.stat().st_mode & 0o077 == 0


def test_a_scan_of_an_unchanged_clone_imports_no_file_detector(
        make_repo: MakeRepo, tmp_path: Path) -> None:
    """The point of keeping: the detectors' import and the reading of every file are most
    of a local scan. Two real scans, after the racy window."""
    repo = make_repo(FILES)
    time.sleep(kept.RACY_SECONDS + 0.2)
    script = ("import json, sys\n"
              "from local_scan import collect\n"
              f"found = collect({str(repo.root)!r})\n"
              "print(json.dumps(['scanner.collectors.local.clone' in sys.modules,\n"
              "    sorted(json.dumps({**e.to_dict(), 'observed_at': None}, sort_keys=True)\n"
              "           for e in found.evidence)]))\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2]),
                                          os.environ.get("PYTHONPATH", "")])}
    runs = [json.loads(subprocess.run([sys.executable, "-c", script], capture_output=True,
                                      text=True, check=True, timeout=120, env=env).stdout)
            for _ in range(2)]
    assert [imported for imported, _ in runs] == [True, False]
    assert runs[0][1] == runs[1][1]


def test_a_detector_from_outside_the_scanner_keeps_nothing(
        make_repo: MakeRepo, settled: Callable[[Path], None], cache: Path,
        exploding_detector: Callable[[str], None]) -> None:
    """A plug-in's (here a test's) detector is code the state does not name: a reading
    with it is not kept, and none is taken back."""
    repo = settled_repo(make_repo, settled)
    exploding_detector("Dockerfile")
    collect(repo.root)
    assert not list(cache.glob("*.json"))


def test_without_reuse_the_walk_before_the_window_is_neither_taken_nor_kept(
        make_repo: MakeRepo, cache: Path) -> None:
    """`reuse_days: 0` (and `--fresh`) keep no walk either; with reuse, a walk is kept (the
    month's window leaves the repository's one commit before it)."""
    walks = cache.parent / "history-walks"
    repo = make_repo(FILES)
    collect(repo.root, reuse_days=0, history_days=30)
    assert not list(walks.glob("*.json"))
    collect(repo.root, history_days=30)
    assert len(list(walks.glob("*.json"))) == 1
