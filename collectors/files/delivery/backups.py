"""Backups: scheduled backups (Velero, K8up, CloudNativePG, Stash, Kasten) and checked-in
restores, a restore drill."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from scanner.collectors.base import Emitter
from scanner.collectors.files.delivery.found import Found
from scanner.collectors.files.index import Manifest
from scanner.collectors.files.kubernetes import dig, sequence


def backups(manifests: Sequence[Manifest], out: Emitter) -> None:
    found = Found()
    restores: list[str] = []
    for m in manifests:
        group, kind = m.group, m.kind
        if group == "velero.io" and kind == "Schedule":
            found.add("velero", m.locator)
        elif group in ("k8up.io", "backup.appuio.ch") and kind == "Schedule":
            found.add("k8up", m.locator)
        elif group == "postgresql.cnpg.io" and kind == "ScheduledBackup":
            found.add("cloudnative-pg", m.locator)
        elif group in ("stash.appscode.com", "core.kubestash.com") and \
                kind == "BackupConfiguration":
            found.add("stash", m.locator)
        elif group == "config.kio.kasten.io" and kind == "Policy":
            actions = set(_kasten_actions(m))
            if "backup" in actions:
                found.add("kasten", m.locator)
            if "restore" in actions:
                restores.append(m.locator)
        if (group in ("velero.io", "k8up.io", "backup.appuio.ch") and kind == "Restore") or \
                (group in ("stash.appscode.com", "core.kubestash.com")
                 and kind == "RestoreSession") or \
                (group == "actions.kio.kasten.io" and kind == "RestoreAction"):
            restores.append(m.locator)
    found.emit(out, "backups.tools",
               "no Velero, K8up, CloudNativePG, Stash or Kasten backup schedule")
    out.emit("backups.restore_tests", bool(restores), restores[:1] or list(found.where.values()),
             None if restores else "no checked-in restore (Velero/K8up Restore, Stash "
             "RestoreSession, Kasten restore policy)")


def _kasten_actions(manifest: Manifest) -> Iterator[str]:
    for action in sequence(dig(manifest.body, "spec", "actions")) or []:
        name = dig(action, "action")
        if isinstance(name, str):
            yield name
