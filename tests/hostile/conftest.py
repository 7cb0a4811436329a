"""The hostile corpus: each case runs the installed `maturity` in a child process with a
bound, in its own process group, so a hang is a failing test and never a stuck suite.

A case asserts the promise the issue makes for it: the run ends within its bound, with
the exit code for its kind of problem (0 ok, 2 bad input, never 4), and nothing it
must not print (a credential, a raw control character, a traceback).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from bounded import Run, run_bounded


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
