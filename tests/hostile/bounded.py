"""A bounded run of the installed `maturity`: in its own process group, killed with all its
workers and failed as a hang when it outlives its bound."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

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
