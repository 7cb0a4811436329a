"""Kustomize: labels an overlay adds to the resources it includes."""

from __future__ import annotations

import posixpath

from scanner.collectors.files.index import FileIndex, is_example
from scanner.collectors.files.kubernetes.nodes import dig, mapping, sequence

KUSTOMIZATION_NAMES = frozenset({"kustomization.yaml", "kustomization.yml", "Kustomization"})


def kustomize_labels(files: FileIndex) -> dict[str, set[str]]:
    """Label keys that kustomizations add (commonLabels, labels[].pairs), by resource file."""
    kustomizations: dict[str, tuple[set[str], list[str]]] = {}
    for path in files.paths():
        name = posixpath.basename(path)
        if name not in KUSTOMIZATION_NAMES or is_example(path):
            continue
        docs = files.yaml(path)
        data = mapping(docs[0]) if docs else None
        if data is None:
            continue
        keys: set[str] = set()
        common = mapping(data.get("commonLabels"))
        if common is not None:
            keys.update(str(k) for k in common)
        for entry in sequence(data.get("labels")) or []:
            pairs = mapping(dig(entry, "pairs"))
            if pairs is not None:
                keys.update(str(k) for k in pairs)
        folder = posixpath.dirname(path)
        entries = [str(e) for key in ("resources", "bases", "components")
                   for e in sequence(data.get(key)) or [] if isinstance(e, str)]
        targets = [posixpath.normpath(posixpath.join(folder, e)) for e in entries
                   if "://" not in e and not e.startswith(("github.com/", "git@"))]
        kustomizations.setdefault(folder, (keys, targets))

    reach: dict[str, set[str]] = {}

    def files_of(folder: str, visiting: frozenset[str]) -> set[str]:
        if folder in reach:
            return reach[folder]
        found: set[str] = set()
        for target in kustomizations[folder][1]:
            if target in kustomizations and target not in visiting:
                found |= files_of(target, visiting | {target})
            elif files.has(target):
                found.add(target)
        reach[folder] = found
        return found

    labels: dict[str, set[str]] = {}
    for folder, (keys, _) in kustomizations.items():
        if keys:
            for path in files_of(folder, frozenset({folder})):
                labels.setdefault(path, set()).update(keys)
    return labels
