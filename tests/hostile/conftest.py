"""The hostile corpus: each case runs the installed `maturity` in a child process with a
bound, in its own process group, so a hang is a failing test and never a stuck suite.

A case asserts the promise the issue makes for it: the run ends within its bound, with
the exit code for its kind of problem (0 ok, 2 bad input, never 4), and nothing it
must not print (a credential, a raw control character, a traceback).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

MATURITY = Path(sys.executable).with_name("maturity")


@dataclass
class Run:
    code: int
    out: str
    err: str
    seconds: float

    @property
    def both(self) -> str:
        return self.out + self.err

    def one_clear_line(self) -> str:
        """The single problem line a bad-input run prints (and no traceback)."""
        assert "Traceback" not in self.err, self.err
        lines = [line for line in self.err.splitlines() if line.strip()]
        assert lines, "nothing on stderr"
        return lines[-1]


class Hung(AssertionError):
    pass


def run_bounded(args: list[str], *, cwd: Path, env: dict[str, str], bound: float) -> Run:
    """Run `maturity ARGS`; kill its whole process group and fail if it outlives `bound`."""
    started = time.monotonic()
    process = subprocess.Popen([str(MATURITY), *args], cwd=cwd, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    try:
        out, err = process.communicate(timeout=bound)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise Hung(f"maturity {' '.join(args)} ran past its bound of {bound:.0f} s") from None
    return Run(process.returncode, out.decode("utf-8", "replace"),
               err.decode("utf-8", "replace"), time.monotonic() - started)


@pytest.fixture
def hostile(tmp_path: Path) -> Callable[..., Run]:
    """`hostile(*args, cwd=…, env=…, bound=…)`: a bounded run with its own store."""
    database = tmp_path / "store" / "maturity.db"

    def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            bound: float = 60) -> Run:
        environment = {**os.environ, "MATURITY_DB": str(database), **(env or {})}
        environment.pop("MATURITY_DEBUG", None)
        return run_bounded(list(args), cwd=cwd or tmp_path, env=environment, bound=bound)

    return run
