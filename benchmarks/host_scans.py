"""The three scans the Git-host benchmarks time against a stand-in, with one store: cold,
warm with nothing changed (every repository reused), and warm with `--fresh` (every
repository read again, on the ETags and files remembered)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from child_env import CHILD_ENV, warm_up

from git_hosts import scan_config

MATURITY = str(Path(sys.executable).with_name("maturity"))
RUNS = {"cold": (), "warm": (), "warm --fresh": ("--fresh",)}


class Logging(Protocol):
    def clear_log(self) -> None: ...


def three_scans(server: Logging, counts: Callable[[], tuple[int, int]], *, folder: Path,
                kind: str, entry: Mapping[str, Any], token: str
                ) -> dict[str, tuple[float, int, int, int]]:
    """(seconds, exit code, and the server's two `counts` of requests) of each scan of the
    target `entry` of `kind`, whose `token_env` holds `token`."""
    config = scan_config(folder, kind, entry)
    env = {**CHILD_ENV, entry["token_env"]: token, "MATURITY_DB": str(folder / "bench.db")}
    warm_up([MATURITY, "--help"])
    runs = {}
    for name, options in RUNS.items():
        server.clear_log()
        began = time.perf_counter()
        completed = subprocess.run([MATURITY, "scan", "--config", str(config), "--format",
                                    "json", "--output", os.devnull, *options], env=env,
                                   capture_output=True, text=True, check=False)
        runs[name] = (time.perf_counter() - began, completed.returncode, *counts())
    return runs
