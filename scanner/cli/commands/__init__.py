"""The sub-commands of `maturity`, found here rather than listed by hand.

A module of this package declares `COMMANDS`, a tuple of `Command`; `maturity --help`
lists them by `order`. Adding a command is adding a module (copy `catalogue.py`).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    order: int  # where it appears in `maturity --help`
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def all_commands() -> list[Command]:
    found: list[Command] = []
    for module_info in pkgutil.iter_modules(__path__, prefix=f"{__name__}."):
        found.extend(getattr(importlib.import_module(module_info.name), "COMMANDS", ()))
    names = [command.name for command in found]
    if len(names) != len(set(names)):
        raise ValueError(f"a command is declared twice: {sorted(names)}")
    return sorted(found, key=lambda command: command.order)
