from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import pgserver
from gitrepo import GitRepo


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., GitRepo]:
    counter = iter(range(1000))

    def make(files: dict[str, str] | None = None, name: str | None = None) -> GitRepo:
        repo = GitRepo(tmp_path / (name or f"repo{next(counter)}"))
        if files is not None:
            repo.files(files)
        return repo

    return make


@dataclass
class CliResult:
    code: int
    out: str
    err: str


MATURITY = Path(sys.executable).with_name("maturity")


def _cli_environment(tmp_path: Path, env: dict[str, str] | None) -> dict[str, str]:
    environment = {**os.environ, "MATURITY_DB": str(tmp_path / "store" / "maturity.db"),
                   **(env or {})}
    environment.pop("MATURITY_DEBUG", None)
    return environment


@pytest.fixture
def cli(tmp_path: Path) -> Callable[..., CliResult]:
    """Runs the installed `maturity` entry point in a child process, with its own store."""

    def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 120) -> CliResult:
        completed = subprocess.run([str(MATURITY), *args], cwd=cwd or tmp_path,
                                   env=_cli_environment(tmp_path, env), capture_output=True,
                                   text=True, timeout=timeout, check=False)
        return CliResult(completed.returncode, completed.stdout, completed.stderr)

    return run


@pytest.fixture
def cli_started(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Starts the `maturity` entry point as `cli` runs it, without waiting for it: several
    at once, or one to kill. Whatever is still running at the test's end is killed."""
    started: list[subprocess.Popen[str]] = []

    def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        process = subprocess.Popen([str(MATURITY), *args], cwd=tmp_path,
                                   env=_cli_environment(tmp_path, env), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate()


@pytest.fixture(scope="session")
def postgres() -> Iterator[pgserver.Server]:
    """One real PostgreSQL server for the session (CI installs Debian's `postgresql`)."""
    folder = pgserver.binaries()
    if folder is None:
        if os.environ.get("CI"):  # its absence there is a failure, not a skip
            pytest.fail("PostgreSQL is not installed; .ci/run should have installed it")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    server = pgserver.start(folder)
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty store on each backend the scanner supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'maturity.db'}"
    server: pgserver.Server = request.getfixturevalue("postgres")
    return server.url(server.new_database())


@pytest.fixture
def only_this_tests_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Threads other tests left running (a stand-in's handler still waiting on a connection
    its test hung up) are not seen: `workers.forks_beside` would see them and rightly
    refuse to fork, in a test about what the copy does."""
    earlier = {thread.ident for thread in threading.enumerate()
               if thread is not threading.main_thread()}
    every = threading.enumerate
    monkeypatch.setattr(threading, "enumerate",
                        lambda: [thread for thread in every() if thread.ident not in earlier])
