"""Detectors for evidence in repository files, beyond CI configuration.

A detector has a stable id, declares the signals it can emit and has
`detect(files: FileIndex, out: Emitter) -> None`; it works on any tree (a local
clone, a Git host's archive, one service's folder inside a monorepo).  Detectors
are found through this registry, so a new one is one `register` call and a
failing one costs only its own signals (see `collectors.analysis`).
"""

from __future__ import annotations

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
    from scanner.collectors.files import (
        applications,
        cloud_iac,
        delivery,
        fuzzing,
        kubernetes,
        observability,
        practices,
        release_signing,
    )

    for module in (practices, cloud_iac, kubernetes, delivery, observability, applications,
                   fuzzing, release_signing):
        register(Detector(module.__name__.rsplit(".", 1)[-1], module.SIGNALS, module.detect))


_register_builtin()
