"""Work done beside the scan in a forked copy of its process: its answer, its failures,
and no copy left behind."""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from scanner.workers import Beside, WorkFailed, forks_beside, worker_beside, worker_pool

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="forks and reads /proc")


def _gone(pid: int) -> bool:
    """Neither running nor left as a zombie: reaped."""
    return not Path(f"/proc/{pid}").exists()


def test_the_work_is_done_in_another_process_and_its_answer_comes_back() -> None:
    here = os.getpid()
    copy = Beside(lambda: {"pid": os.getpid(), "rows": [1, 2, 3] * 100_000})
    answer = copy.result()
    assert answer["pid"] != here
    assert answer["rows"] == [1, 2, 3] * 100_000  # larger than a pipe holds at once
    assert _gone(copy._child)


def test_work_that_fails_says_why() -> None:
    def broken() -> None:
        raise ValueError("no such revision")

    with pytest.raises(WorkFailed, match="ValueError: no such revision"):
        Beside(broken).result()


def test_a_copy_killed_mid_work_is_a_failure_not_a_hang() -> None:
    def killed() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    with pytest.raises(WorkFailed, match="ended without an answer"):
        Beside(killed).result()


def test_an_answer_that_cannot_cross_is_a_failure() -> None:
    with pytest.raises(WorkFailed, match="could not be handed back"):
        Beside(threading.Lock).result()


def test_a_copy_whose_answer_is_never_asked_for_is_ended() -> None:
    copy = Beside(lambda: time.sleep(600))
    child = copy._child
    assert not _gone(child)
    del copy
    gc.collect()
    assert _gone(child)


def test_the_copy_leaves_ctrl_c_to_the_process_that_started_it() -> None:
    def interrupted() -> str:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.2)
        return "carried on"

    assert Beside(interrupted).result() == "carried on"


def test_output_buffered_before_the_fork_is_written_once(tmp_path: Path) -> None:
    """The copy leaves without flushing what it inherited, so nothing is written twice."""
    out = tmp_path / "out.txt"
    with out.open("w") as stream:
        stream.write("once\n")  # still in the buffer when the process forks
        Beside(lambda: None).result()
    assert out.read_text() == "once\n"


def test_a_copy_that_cannot_be_made_leaves_no_pipe_open(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def refused() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    before = set(os.listdir("/proc/self/fd"))
    monkeypatch.setattr(os, "fork", refused)
    with pytest.raises(BlockingIOError):
        Beside(lambda: None)
    assert set(os.listdir("/proc/self/fd")) == before


def _noop() -> None:
    pass


@pytest.mark.parametrize("cores", [1, 2, 4])
@pytest.mark.usefixtures("only_this_tests_threads")
def test_a_worker_forks_beside_only_with_a_core_to_spare(
        cores: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker of a pool with a worker for every core finds no idle core for a copy."""
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    assert forks_beside()  # the main process, in no pool
    with worker_pool(2, _noop, ()) as pool:
        assert pool.submit(forks_beside).result() == (cores > 2)


@pytest.mark.parametrize("cores", [1, 2])
@pytest.mark.usefixtures("only_this_tests_threads")
def test_a_sole_worker_forked_beside_forks_copies_only_with_a_core_to_spare(
        cores: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """As a pool's one worker would: on one core its copies would only take turns."""
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    assert worker_beside(forks_beside).result() == (cores > 1)


@pytest.mark.usefixtures("only_this_tests_threads")
def test_no_copy_is_forked_while_another_thread_runs() -> None:
    """It could hold a lock (a log handler's, a stream's) that the copy would wait on for
    good: the fork copies only the thread that forks."""
    release = threading.Event()
    other = threading.Thread(target=release.wait, name="reader")
    other.start()
    try:
        assert not forks_beside()
    finally:
        release.set()
        other.join()
    assert forks_beside()
