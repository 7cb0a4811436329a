"""Which manifests render, and the workloads they define.

A workload is counted once per kind and name: the same Deployment in a base, an
overlay patch and a per-environment copy is one workload, and a property holds for it
when any copy shows it (production overlays usually add replicas).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from scanner.collectors.files.index import FileIndex, Manifest
from scanner.collectors.files.kubernetes.helm import Helm
from scanner.collectors.files.kubernetes.nodes import dig, mapping, sequence
from scanner.yaml_source import LineDict

APPS_GROUPS = ("apps", "extensions")


@dataclass(frozen=True)
class Disabled:
    manifest: Manifest
    guard: str


def enabled_manifests(files: FileIndex, helm: Helm | None = None
                      ) -> tuple[list[Manifest], list[Disabled]]:
    """Manifests that render by default, and chart templates a guard keeps off."""
    helm = helm or Helm(files)
    enabled: list[Manifest] = []
    disabled: list[Disabled] = []
    for manifest in files.manifests:
        guard = helm.disabled(manifest.path, manifest.line)
        if guard is None:
            enabled.append(manifest)
        else:
            disabled.append(Disabled(manifest, guard))
    return enabled, disabled


def group_is(manifest: Manifest, helm: Helm, *groups: str) -> bool:
    """The manifest's API group is one of `groups` (or templated, in a chart)."""
    return manifest.group in groups or helm.templated(
        manifest.path, manifest.body.line_of("apiVersion"))


@dataclass
class Workload:
    kind: str
    name: str
    copies: list[Manifest] = field(default_factory=list)

    @property
    def locator(self) -> str:
        return self.copies[0].locator

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}" if self.name else self.kind


def workload_kind(manifest: Manifest, helm: Helm) -> str | None:
    kind, group = manifest.kind, manifest.group
    if kind in ("Deployment", "StatefulSet", "DaemonSet") and group_is(manifest, helm,
                                                                        *APPS_GROUPS):
        return kind
    if kind == "Rollout" and group == "argoproj.io":
        return kind
    if kind == "Service" and group == "serving.knative.dev":
        return "Knative Service"
    return None


def group_workloads(manifests: Iterable[Manifest], helm: Helm) -> list[Workload]:
    """One Workload per kind and literal name; templated names stay apart."""
    groups: dict[tuple[str, str], Workload] = {}
    for manifest in manifests:
        kind = workload_kind(manifest, helm)
        if kind is None:
            continue
        metadata = mapping(manifest.body.get("metadata"))
        name = helm.name(manifest.path, metadata, "name") if metadata is not None else None
        ref = mapping(dig(manifest.body, "spec", "workloadRef"))
        if kind == "Rollout" and ref is not None and isinstance(ref.get("kind"), str):
            target = helm.name(manifest.path, ref, "name")
            if target is not None:
                kind, name = str(ref["kind"]), target  # a Rollout of a Deployment
        key = (kind, name) if name is not None else (kind, manifest.locator)
        workload = groups.setdefault(key, Workload(kind, name or ""))
        workload.copies.append(manifest)
    return sorted(groups.values(), key=lambda w: (w.copies[0].path, w.copies[0].line))


def workloads_by_name(files: FileIndex) -> dict[str, str]:
    """Where each workload is declared, by its name and by its containers' image names.

    Lets a service inside a monorepo be matched to the shared manifests that deploy it.
    """
    helm = Helm(files)
    found: dict[str, str] = {}
    for workload in group_workloads(enabled_manifests(files, helm)[0], helm):
        names = {workload.name}
        for copy in workload.copies:
            for container in sequence(dig(pod_spec(copy), "containers")) or []:
                image = dig(container, "image")
                if isinstance(image, str):
                    names.add(image.rsplit("/", 1)[-1].split("@")[0].split(":")[0])
        for name in names - {""}:
            found.setdefault(name.lower(), workload.locator)
    return found


def pod_spec(manifest: Manifest) -> LineDict | None:
    return mapping(dig(manifest.body, "spec", "template", "spec"))
