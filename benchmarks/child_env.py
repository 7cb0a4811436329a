"""How benchmarks start `maturity`: as it runs on a user's machine after `pip install .`.

pip compiles the package to byte-code when it installs it, so a user's scan does
not recompile its modules; a development shell with PYTHONDONTWRITEBYTECODE set
would, and would time the compiler instead of the scan. Children therefore run
without that variable, after one untimed warm-up run.
"""

from __future__ import annotations

import os
import subprocess

CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def warm_up(command: list[str], env: dict[str, str] = CHILD_ENV) -> None:
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=env)
