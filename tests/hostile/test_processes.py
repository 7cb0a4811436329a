"""An interrupted fleet scan leaves nothing running and nothing locked.

A real `maturity scan` of real git repositories and a GitHub organisation (the API
stand-in answers slowly, so the scan is surely mid-collection in its worker processes)
is stopped the ways a scheduler or a person stops it: SIGKILL or SIGTERM to the main
process alone, Ctrl-C to the whole foreground process group. Every process it started
must be gone within a few seconds, and the next scan of the same config must run.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bounded import MATURITY, Run, run_bounded
from fakes.github_api import FakeGitHub
from gitrepo import GitRepo

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads processes in /proc")

TOKEN = "ghp_processes_0123456789"
HANGING = 600.0  # seconds the API stand-in takes to answer while a scan is to be stopped
BOUND = 60.0  # against a hang only


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(TOKEN) as fake:
        for org in ("acme", "beta"):
            fake.add_repo(org, "api", {"README.md": "# api\n"})
        yield fake


@pytest.fixture
def fleet(tmp_path: Path, make_repo: Callable[..., GitRepo], github: FakeGitHub) -> Path:
    """A config of four local clones and two GitHub organisations."""
    lines = ["targets:", "  local:"]
    for index in range(4):
        repo = make_repo({"README.md": f"# service {index}\n",
                          "app.py": "def main() -> int:\n    return 0\n"})
        lines.append(f"    - path: {repo.root}")
    lines.append("  github:")
    for org in ("acme", "beta"):
        lines += [f"    - org: {org}", f"      base_url: {github.base_url}",
                  "      token_env: GH"]
    config = tmp_path / "fleet.yaml"
    config.write_text("\n".join(lines) + "\n")
    return config


def environment(store: str) -> dict[str, str]:
    env = {**os.environ, "MATURITY_DB": store, "GH": TOKEN}
    env.pop("MATURITY_DEBUG", None)
    return env


def scan(config: Path) -> list[str]:
    return ["scan", "--config", str(config), "--jobs", "3", "--format", "json"]


def start(config: Path, store: str) -> subprocess.Popen[bytes]:
    """The scan in a process group of its own, as a shell runs a foreground job."""
    return subprocess.Popen([str(MATURITY), *scan(config)], cwd=config.parent,
                            env=environment(store), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)


def run_again(config: Path, store: str) -> Run:
    return run_bounded(scan(config), cwd=config.parent, env=environment(store), bound=BOUND)


def start_time(pid: int) -> str | None:
    """The process's start time (field 22 of /proc/PID/stat); None once it is gone or a
    zombie (a zombie has ended: only its exit status waits to be collected)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return None if fields[0] in ("Z", "X") else fields[19]


def descendants(root: int) -> dict[int, str]:
    """Every live process below `root`, with its start time (so a reused pid is not it)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
    found: dict[int, str] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and (started := start_time(pid)) is not None:
                found[pid] = started
                frontier.append(pid)
    return found


def mid_collection(scan_process: subprocess.Popen[bytes], github: FakeGitHub
                   ) -> dict[int, str]:
    """Wait until both organisations are being read, in two of the three workers (the
    third reads clones or, done with them, waits for work); the scan's processes."""
    deadline = time.monotonic() + BOUND
    while time.monotonic() < deadline:
        workers = descendants(scan_process.pid)
        if github.max_in_flight >= 2 and len(workers) >= 3:
            return workers
        assert scan_process.poll() is None, scan_process.communicate()
        time.sleep(0.1)
    raise AssertionError("the scan never got to collecting in worker processes")


def alive(processes: dict[int, str]) -> list[int]:
    return [pid for pid, started in processes.items() if start_time(pid) == started]


def left_running(workers: dict[int, str], within: float = 15.0) -> list[int]:
    deadline = time.monotonic() + within
    while (running := alive(workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return running


def stop(scan_process: subprocess.Popen[bytes], workers: dict[int, str],
         how: Callable[[int], None]) -> tuple[int, str, list[int]]:
    """Stop the scan `how`; its exit code, its stderr, and the workers that outlived it
    (then killed: a worker holding the scan's stderr would keep it open)."""
    try:
        how(scan_process.pid)
        scan_process.wait(timeout=BOUND)
        survivors = left_running(workers)
    finally:
        with contextlib.suppress(ProcessLookupError):  # whatever is left of its group
            os.killpg(scan_process.pid, signal.SIGKILL)
        _, err = scan_process.communicate(timeout=BOUND)
    return scan_process.returncode, err.decode("utf-8", "replace"), survivors


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_scan_leaves_no_worker_and_the_next_run_proceeds(
        fleet: Path, store_url: str, github: FakeGitHub, sig: signal.Signals) -> None:
    """On SQLite the config's lock is a file; on PostgreSQL a lock the server holds for
    the scan's connection, which a worker's inherited copy of it would keep open."""
    github.latency = HANGING
    first = start(fleet, store_url)
    workers = mid_collection(first, github)
    code, err, survivors = stop(first, workers, lambda pid: os.kill(pid, sig))
    assert survivors == [], f"workers outlived the main process: {err}"
    if sig == signal.SIGTERM:
        assert code == 128 + sig, err
        assert "Traceback" not in err
        assert err.strip().splitlines() == ["maturity: terminated; nothing was stored"], err
    github.latency = 0
    again = run_again(fleet, store_url)
    assert again.code == 0, again.err
    assert "another scan" not in again.err
    if sig == signal.SIGKILL and store_url.startswith("sqlite"):
        # the lock file still names it: taken over, with a note
        assert f"pid {first.pid}" in again.err and "taken over" in again.err, again.err


def test_ctrl_c_ends_the_scan_with_one_line_and_no_worker_left(
        fleet: Path, tmp_path: Path, github: FakeGitHub) -> None:
    github.latency = HANGING
    store = str(tmp_path / "store" / "maturity.db")
    first = start(fleet, store)
    workers = mid_collection(first, github)
    # the terminal sends SIGINT to every process of the foreground group
    code, err, survivors = stop(first, workers, lambda pid: os.killpg(pid, signal.SIGINT))
    assert survivors == [], f"workers outlived the main process: {err}"
    assert code == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines() == ["maturity: interrupted; nothing was stored"], err
    github.latency = 0
    assert run_again(fleet, store).code == 0


HOLDER = """
import os, sys, time
from pathlib import Path
from scanner.lock import scan_lock

with scan_lock(Path(sys.argv[1]), "f00d"):
    if os.fork() == 0:  # a child of the holder, as a collector worker is, that lives on
        os.setsid()  # not killed with the holder's group
        time.sleep(60)
        os._exit(0)
    print("held", flush=True)
    time.sleep(60)
"""

TAKER = """
import sys
from pathlib import Path
from scanner.lock import scan_lock

with scan_lock(Path(sys.argv[1]), "f00d"):
    pass
"""


def test_a_child_of_a_killed_lock_holder_does_not_keep_the_lock(tmp_path: Path) -> None:
    lock = tmp_path / "maturity-f00d.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock)],
                              stdout=subprocess.PIPE, start_new_session=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        child = descendants(holder.pid)
        assert len(child) == 1
        holder.kill()
        holder.wait(BOUND)
        assert alive(child) == list(child)  # the child lives on
        taken = subprocess.run([sys.executable, "-c", TAKER, str(lock)], capture_output=True,
                               timeout=BOUND, check=False)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(holder.pid, signal.SIGKILL)
        for pid in child:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    err = taken.stderr.decode()
    assert taken.returncode == 0, err
    assert f"(pid {holder.pid} on host {socket.gethostname()} since " in err, err
    assert "taken over" in err, err
    assert lock.read_text() == ""  # released by the run that took it over



def test_a_scan_stopped_after_it_was_stored_stays_stored_and_says_so(
        tmp_path: Path, make_repo: Callable[..., GitRepo]) -> None:
    repo = make_repo({"README.md": "# api\n"})
    report = tmp_path / "report.txt"
    os.mkfifo(report)  # writing the report waits for a reader that never comes
    store = str(tmp_path / "store" / "maturity.db")
    scan_process = subprocess.Popen(
        [str(MATURITY), "scan", str(repo.root), "--output", str(report)], cwd=tmp_path,
        env=environment(store), stderr=subprocess.PIPE, start_new_session=True, text=True)
    try:
        assert scan_process.stderr is not None
        stored = scan_process.stderr.readline()
        assert " stored in " in stored, stored
        scan_process.send_signal(signal.SIGTERM)
        _, err = scan_process.communicate(timeout=BOUND)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(scan_process.pid, signal.SIGKILL)
    scan_id = stored.split()[1]
    assert scan_process.returncode == 128 + signal.SIGTERM, err
    assert err.splitlines() == [f"maturity: terminated; scan {scan_id} was stored"], err
    listed = run_bounded(["report", "--list"], cwd=tmp_path, env=environment(store),
                         bound=BOUND)
    assert scan_id in listed.out, listed.both
