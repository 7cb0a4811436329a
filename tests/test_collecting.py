"""Collecting local repositories in a worker process started before the rules and the
store load (scanner/collecting.py), and the `maturity` program's quick exit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scanner.collecting import collection, early
from scanner.collectors.base import CollectSettings, Target
from scanner.collectors.local import LocalRepoCollector
from scanner.config import Config
from scanner.scan import run_scan

from documents import assessment
from gitrepo import GitRepo
from samples import FILES

MakeRepo = Callable[..., GitRepo]


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_local_repositories_start_early_and_sources_that_remember_do_not() -> None:
    local = LocalRepoCollector.target("/srv/api")
    github = Target("github", "acme", {"org": "acme"})
    assert early([local])
    assert early([local, local])
    assert not early([local, github])  # GitHub's collector reads its memory from the store
    assert not early([Target("no-such-source", "x", {})])
    assert not early([])


def test_workers_started_afresh_do_not_start_early(monkeypatch: pytest.MonkeyPatch) -> None:
    import scanner.workers

    monkeypatch.setattr(scanner.workers, "START_METHOD", "spawn")
    assert not early([LocalRepoCollector.target("/srv/api")])


@pytest.mark.parametrize("repositories", [1, 2])
def test_collecting_started_early_gives_the_scan_collected_in_turn(
        make_repo: MakeRepo, repositories: int) -> None:
    config = Config()
    targets = [LocalRepoCollector.target(str(make_repo(
        {**FILES, "README.md": f"# service {n}\n"}).root)) for n in range(repositories)]
    in_turn = run_scan(config, targets, workers=1)
    with collection(targets, config.collect, at_once=True) as running:
        started_early = run_scan(config, targets, started_early=running)
    assert assessment(started_early.document) == assessment(in_turn.document)
    assert [e.signal for e in started_early.evidence] == [e.signal for e in in_turn.evidence]


def _children() -> set[int]:
    """This thread's child processes (Linux)."""
    listing = Path(f"/proc/self/task/{threading.get_native_id()}/children").read_text()
    return {int(pid) for pid in listing.split()}


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_one_target_collected_early_is_read_in_one_forked_copy(make_repo: MakeRepo) -> None:
    target = LocalRepoCollector.target(str(make_repo(FILES).root))
    before = _children()
    with collection([target], CollectSettings(), at_once=True) as running:
        copies = _children() - before
        [found] = running.results()
    assert len(copies) == 1 and not found.problems and found.evidence


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_a_copy_that_dies_collecting_alone_is_a_problem_of_its_target(
        make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    import scanner.collecting

    monkeypatch.setattr(scanner.collecting, "collect_one",
                        lambda *_: os.kill(os.getpid(), signal.SIGKILL))
    target = LocalRepoCollector.target(str(make_repo(FILES).root))
    with collection([target], CollectSettings(), at_once=True) as running:
        [found] = running.results()
    assert [(p.target, p.message) for p in found.problems] == [
        (target.label, "collection failed: the process doing it ended without an answer")]


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_a_scan_stopped_early_kills_the_copy_collecting_alone(make_repo: MakeRepo) -> None:
    target = LocalRepoCollector.target(str(make_repo(FILES).root))
    before = _children()
    with pytest.raises(KeyboardInterrupt), \
            collection([target], CollectSettings(), at_once=True):
        copies = _children() - before
        raise KeyboardInterrupt
    assert len(copies) == 1 and not [pid for pid in copies if _alive(pid)]


def test_a_store_that_cannot_open_after_collecting_started_is_one_line(
        make_repo: MakeRepo, cli: Any, tmp_path: Path) -> None:
    """The store opens while the worker reads the clone; failing, it ends the scan."""
    repo = make_repo(FILES)
    result = cli("scan", str(repo.root), "--db", str(tmp_path))  # a folder
    assert result.code == 2, result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "cannot open the store" in lines[0], result.err


def test_a_worker_collecting_early_ends_with_a_killed_scan(make_repo: MakeRepo,
                                                           tmp_path: Path) -> None:
    """The worker starts before anything else; killed then, the scan leaves nothing."""
    repo = make_repo(FILES)
    ready = tmp_path / "forked"
    script = (
        "import os, sys, time\n"
        "from scanner.collecting import collection\n"
        "from scanner.collectors.base import CollectSettings\n"
        "from scanner.collectors.local import LocalRepoCollector\n"
        "target = LocalRepoCollector.target(sys.argv[1])\n"
        "with collection([target], CollectSettings(), at_once=True) as running:\n"
        "    children = open(f'/proc/self/task/{os.getpid()}/children').read()\n"
        "    open(sys.argv[2], 'w').write(children)\n"
        "    time.sleep(60)\n")
    process = subprocess.Popen([sys.executable, "-c", script, str(repo.root), str(ready)],
                               start_new_session=True)
    try:
        for _ in range(600):
            if ready.exists() and ready.read_text():
                break
            assert process.poll() is None
            time.sleep(0.05)
        workers = [int(pid) for pid in ready.read_text().split()]
        assert workers
        os.kill(process.pid, signal.SIGKILL)
        process.wait(30)
        for _ in range(100):
            if not [pid for pid in workers if _alive(pid)]:
                break
            time.sleep(0.05)
        assert not [pid for pid in workers if _alive(pid)]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_the_program_delivers_everything_before_its_quick_exit(
        make_repo: MakeRepo, cli: Any, tmp_path: Path) -> None:
    """The program leaves without the interpreter's teardown: what it wrote to a pipe, a
    file and the store must all be there."""
    repo = make_repo(FILES)
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    table = subprocess.run([str(Path(sys.executable).with_name("maturity")), "scan",
                            str(repo.root), "--no-store"], env=buffered, capture_output=True,
                           text=True, timeout=120, check=False)
    assert table.returncode == 0, table.stderr
    assert len(table.stdout) < 8192  # less than the stream's buffer: left to the final flush
    assert table.stdout.startswith("DevSecOps maturity:"), table.stdout
    piped = cli("scan", str(repo.root), "--format", "json", "--explain")
    assert piped.code == 0, piped.err
    assert len(piped.out) > 65_536  # more than a pipe holds: written while read
    first = json.loads(piped.out)["scan"]["id"]
    written = tmp_path / "report.json"
    to_file = cli("scan", str(repo.root), "--format", "json", "--output", str(written))
    assert to_file.code == 0, to_file.err
    second = json.loads(written.read_text())["scan"]["id"]
    history = cli("history", "--format", "json")
    assert history.code == 0, history.err
    assert [scan["id"] for scan in json.loads(history.out)["scans"]] == [first, second]


def test_the_stores_a_command_opened_are_closed_when_it_ends(tmp_path: Path,
                                                             make_repo: MakeRepo) -> None:
    """The program leaves without the teardown that would have closed them."""
    from scanner.cli import common, main
    from scanner.cli.common import close_stores, open_store

    store = open_store(str(tmp_path / "store.db"), Config())
    store.scans()
    assert store.engine.pool.checkedin() == 1  # a connection kept for the next query
    close_stores()
    assert store.engine.pool.checkedin() == 0
    assert store.scans() == []  # opened again if asked
    close_stores()
    assert main(["scan", str(make_repo(FILES).root), "--db", str(tmp_path / "s.db"),
                 "--output", str(tmp_path / "report.txt")]) == 0
    assert common._opened == []
