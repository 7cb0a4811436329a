"""Worker processes that never outlive the scan that started them.

However the main process ends, SIGKILL included, its workers end with it: on Linux
the kernel kills each worker when its parent dies (PR_SET_PDEATHSIG); everywhere, a
watchdog thread in each worker ends it within a second of its parent's death. (A
surviving worker would keep collecting for nobody, hold the scan's stderr and any
database connection it inherited, and, before the lock file used a lock that forks
do not inherit, the config's lock.)

Ctrl-C sends SIGINT to the whole foreground process group; workers ignore it, so that
only the main process answers (one line, no worker tracebacks). When the main process
stops early (Ctrl-C, SIGTERM, an error), its workers are killed, not awaited.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache, partial
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar, cast

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing.context import BaseContext

# Fork on Linux: a worker starts at once, with the collectors (plug-ins included) loaded;
# elsewhere the platform's own way (spawn), which starts a process afresh.
START_METHOD = "fork" if sys.platform == "linux" else "spawn"
_WATCH_SECONDS = 1.0
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_EXIT_ORPHANED = 1
_WATCHDOG = "parent-watchdog"
T = TypeVar("T")


class _ThisProcess:
    """What a worker is told of its pool when it starts (see forks_beside)."""

    cores_to_spare = True


@contextmanager
def worker_pool(workers: int, initializer: Callable[..., None], initargs: tuple[Any, ...]
                ) -> Iterator[ProcessPoolExecutor]:
    """A process pool whose workers end with this process; each runs `initializer`."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    others = set(multiprocessing.active_children())
    spare = workers < (os.cpu_count() or 1)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context(),
                               initializer=_start_worker,
                               initargs=(os.getpid(), spare, initializer, initargs))
    try:
        yield pool
    except BaseException:
        manager = getattr(pool, "_executor_manager_thread", None)
        pool.shutdown(wait=False, cancel_futures=True)
        for worker in set(multiprocessing.active_children()) - others:
            worker.kill()
        # With its workers gone the pool's manager thread ends at once and closes its wake-up
        # pipe. Python 3.11's exit handler still wakes every manager thread it knows, through
        # that closed pipe, and prints a traceback after the one line (3.12 checks first):
        # wait for the thread, then take it off the handler's list.
        pool.shutdown(wait=True)
        _forget(manager)
        raise
    pool.shutdown()


def _forget(manager: threading.Thread | None) -> None:
    from concurrent.futures import process

    wakeups = getattr(process, "_threads_wakeups", None)
    if manager is not None and wakeups is not None:
        wakeups.pop(manager, None)


def _start_worker(parent: int, spare: bool, initializer: Callable[..., None],
                  initargs: tuple[Any, ...]) -> None:
    _ThisProcess.cores_to_spare = spare
    _tie_to(parent)
    threading.Thread(target=_watch, args=(parent,), name=_WATCHDOG, daemon=True).start()
    initializer(*initargs)


def _tie_to(parent: int) -> None:
    """In a process just forked from `parent`: Ctrl-C left to the main process, SIGTERM
    not answered by the main process's handler, and an end with `parent`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    if os.getppid() != parent:  # it died before the kernel was told to end us with it
        os._exit(_EXIT_ORPHANED)


def _die_with_parent() -> None:
    """Linux: SIGKILL this process when the thread that forked it ends.

    That thread is the one that submitted the pool's first task and waits for the
    results, so it lives as long as the scan.
    """
    if sys.platform != "linux":
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # failing, the watchdog remains


def _watch(parent: int) -> None:
    """An orphan is adopted by another process, so its parent pid changes."""
    while os.getppid() == parent:
        time.sleep(_WATCH_SECONDS)
    os._exit(_EXIT_ORPHANED)


@cache
def context() -> BaseContext:
    """multiprocessing, as workers start here; imported only when a pool or queue is made
    (0.045 s: a single clone's reading starts `Beside`, without it)."""
    import multiprocessing

    return multiprocessing.get_context(START_METHOD)


def forks() -> bool:
    """Whether processes start as forks here (Linux): a fork begins at once, holding all
    this process has loaded; a process started afresh would load it all again."""
    return START_METHOD == "fork"


def forks_beside() -> bool:
    """Whether part of this process's work is worth doing `Beside`, in a forked copy, and
    safe to: where processes fork; not in a worker of a pool that has a worker for every
    core, where the copy would find no idle core and cost its fork and its answer's
    pickling for nothing (50 clones on two cores: 12% slower); and only while no other
    thread runs here but a worker's watchdog, since a fork copies the forking thread
    alone, and a lock another thread held then (a log handler's, a stream's) would stay
    held in the copy, which would hang on it."""
    return forks() and _ThisProcess.cores_to_spare and all(
        thread is threading.current_thread() or thread.name == _WATCHDOG
        for thread in threading.enumerate())


def begun_beside(work: Callable[[], T]) -> Beside[T] | None:
    """`work` begun in a forked copy where `forks_beside` says it is worth it and safe;
    None there, or when no copy can be made (a process limit reached), so that the caller
    does the work itself."""
    if not forks_beside():
        return None
    try:
        return Beside(work)
    except OSError:
        return None


def worker_beside(work: Callable[[], T]) -> Beside[T]:
    """`work` begun in a forked copy that stands where a pool's one worker would: like
    such a worker, it forks copies of its own only if the machine has another core."""
    return Beside(partial(_as_sole_worker, (os.cpu_count() or 1) > 1, work))


def _as_sole_worker(spare: bool, work: Callable[[], T]) -> T:
    _ThisProcess.cores_to_spare = spare
    return work()


class WorkFailed(Exception):
    """Work done beside failed or ended without an answer; the message says how."""


class Beside(Generic[T]):
    """`work` done in a forked copy of this process while this one goes on, for Python work
    that would otherwise wait for this process's turn on one core.

    `result()` waits for the copy and hands back what `work` returned (pickled across),
    or raises WorkFailed. The copy is tied to this process as a worker is (it ignores
    Ctrl-C and ends with this process), and is killed if this object is dropped with its
    result never asked for. Only where `forks()`; the caller does the work itself
    elsewhere.
    """

    def __init__(self, work: Callable[[], T]) -> None:
        reading, writing = os.pipe()
        parent = os.getpid()
        try:
            child = os.fork()
        except OSError:  # a process limit reached: the caller does the work itself
            os.close(reading)
            os.close(writing)
            raise
        if child == 0:
            os.close(reading)
            _work_beside(work, writing, parent)
        os.close(writing)
        self._child, self._reading = child, reading
        self._abandon = weakref.finalize(self, _abandon, child, reading)

    def abandon(self) -> None:
        """Kill the copy, its answer no longer wanted (the caller stops early)."""
        self._abandon()

    def result(self) -> T:
        self._abandon.detach()
        chunks: list[bytes] = []
        try:
            while chunk := os.read(self._reading, 1 << 20):
                chunks.append(chunk)
        finally:
            os.close(self._reading)
            os.waitpid(self._child, 0)
        try:
            outcome, value = pickle.loads(b"".join(chunks))
        except Exception:  # killed mid-answer, or it never began one
            raise WorkFailed("the process doing it ended without an answer") from None
        if outcome != "done":
            raise WorkFailed(value)
        return cast(T, value)


def _work_beside(work: Callable[[], Any], writing: int, parent: int) -> NoReturn:
    """In the copy: do the work, write the pickled outcome, and leave without running
    anything of the parent's at exit (its buffered output, its exit handlers)."""
    try:
        _tie_to(parent)
        try:
            outcome: tuple[str, Any] = ("done", work())
        except Exception as exc:  # handed to the parent, which reports it
            outcome = ("failed", f"{type(exc).__name__}: {exc}")
        try:
            answer = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            answer = pickle.dumps(("failed", f"its answer could not be handed back: {exc}"))
        with os.fdopen(writing, "wb") as pipe:
            pipe.write(answer)
    finally:
        os._exit(0)


def _abandon(child: int, reading: int) -> None:
    os.close(reading)
    try:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
