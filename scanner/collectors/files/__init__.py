"""Detectors for evidence in repository files, beyond CI configuration.

Each detector module exposes `SIGNALS` (what it can emit) and
`detect(files: FileIndex, out: Emitter) -> None`, and works on any tree
(a local clone, a Git host's API, one service's folder inside a monorepo).
"""

from __future__ import annotations

from types import ModuleType

from scanner.collectors.files import cloud_iac, delivery, kubernetes, observability, practices

#: Detector modules run on every repository and on every service inside one.
DETECTORS: tuple[ModuleType, ...] = (practices, cloud_iac, kubernetes, delivery, observability)
