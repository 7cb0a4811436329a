"""Detectors for evidence in repository files, beyond CI configuration.

A detector has a stable id, declares the signals it can emit and has
`detect(files: FileIndex, out: Emitter) -> None`; it works on any tree (a local
clone, a Git host's archive, one service's folder inside a monorepo).  A module of
this package (or of a package inside it) declares its detector as a module-level
`DETECTOR = Detector(...)`; the registry finds every one, so adding a detector is
adding a module, and a failing one costs only its own signals (see
`collectors.analysis`).  Plug-ins and tests may `register` more.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scanner.signals import SignalSpec

if TYPE_CHECKING:
    from scanner.collectors.base import Emitter
    from scanner.collectors.files.index import FileIndex

Detect = Callable[["FileIndex", "Emitter"], None]


@dataclass(frozen=True)
class Detector:
    id: str
    signals: tuple[SignalSpec, ...]
    detect: Detect


_REGISTRY: dict[str, Detector] = {}


def register(detector: Detector) -> None:
    """Add a detector; an id already taken is a programming error."""
    if detector.id in _REGISTRY:
        raise ValueError(f"detector id '{detector.id}' is registered twice")
    _REGISTRY[detector.id] = detector


def unregister(detector_id: str) -> None:
    _REGISTRY.pop(detector_id, None)


def detectors() -> tuple[Detector, ...]:
    """Every registered detector, in registration order."""
    return tuple(_REGISTRY.values())


def _register_builtin() -> None:
    """Every `DETECTOR` declared in this package's modules, by id (the order detectors run
    in does not change what they find: each reads the files and emits its own signals)."""
    found: list[Detector] = []
    for module_info in pkgutil.walk_packages(__path__, prefix=f"{__name__}."):
        declared = getattr(importlib.import_module(module_info.name), "DETECTOR", None)
        if isinstance(declared, Detector):
            found.append(declared)
    for detector in sorted(found, key=lambda d: d.id):
        register(detector)


_register_builtin()
