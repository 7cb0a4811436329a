"""The sub-commands of `maturity`, listed here in the order `maturity --help` shows them,
each with its line of help and the module of this package that implements it.

A module is imported only when one of its commands runs (or its options are asked for):
`maturity --help` imports none, and a command imports no other's. A module declares
`COMMANDS`, a mapping of the names of its commands to their `Command`. Adding a command is
a line in `LISTED` and a module (copy `catalogue.py`); a test checks that the two agree.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

#: (name, module, help), in the order of `maturity --help`.
LISTED: tuple[tuple[str, str, str], ...] = (
    ("scan", "scan", "collect evidence, score it, store and report it"),
    ("finalize", "shards", "judge and report a sharded scan once its shards have reported"),
    ("report", "stored", "render a stored scan again"),
    ("history", "stored", "stages over time, from stored scans"),
    ("diff", "stored", "what changed between two stored scans"),
    ("prune", "stored", "drop old scans from the store"),
    ("rules", "catalogue", "list, validate or explain rules"),
    ("signals", "catalogue", "every signal, its type and sources"),
    ("model", "catalogue", "show the maturity model"),
    ("survey", "leaders", "self-assessment: ask in the terminal, or combine answers files"),
    ("compare", "leaders", "self-reported stages against a stored scan's observed ones"),
    ("plan", "leaders", "the next cells to work on, from a stored scan and per-competency "
                        "targets"),
)


class Command:
    """How a command adds its options to its parser, and runs with what was parsed."""

    __slots__ = ("arguments", "run")

    def __init__(self, arguments: Callable[[argparse.ArgumentParser], None],
                 run: Callable[[argparse.Namespace], int]) -> None:
        self.arguments = arguments
        self.run = run


def implementation(name: str) -> Command:
    """The command `name` (one of LISTED), its module imported."""
    module = next(module for listed, module, _ in LISTED if listed == name)
    command: Command = importlib.import_module(f"{__name__}.{module}").COMMANDS[name]
    return command
