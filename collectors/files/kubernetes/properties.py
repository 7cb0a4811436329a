"""What a workload shows about scaling and surviving disruption: the scalers that
target it, its replicas, its readiness probes, its labels and its spread over zones."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.collectors.files.index import TEMPLATE, Manifest
from scanner.collectors.files.kubernetes.helm import Helm
from scanner.collectors.files.kubernetes.manifests import Workload, group_is, pod_spec
from scanner.collectors.files.kubernetes.nodes import dig, mapping, sequence
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import LineDict, LineList

ZONE_KEYS = frozenset({"topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"})
KNATIVE_MIN_SCALE = ("autoscaling.knative.dev/min-scale", "autoscaling.knative.dev/minScale")
MAX_DEPTH = 40
_YAML_KEY = lazy_compile(r"^\s*(?:-\s+)?[\"']?([A-Za-z0-9][\w.\-/]*)[\"']?\s*:(?:\s|$)")


def _locate(path: str, node: LineDict, key: str) -> str:
    return f"{path}:{node.line_of(key)}"


@dataclass(frozen=True)
class Scaler:
    """An HPA or KEDA ScaledObject: what it scales and its minimum replicas."""

    kind: str
    name: str | None  # None when templated
    chart: str | None
    minimum: list[int]
    locator: str


def scalers_of(manifests: Iterable[Manifest], helm: Helm) -> list[Scaler]:
    scalers = []
    for manifest in manifests:
        spec = mapping(manifest.body.get("spec"))
        if spec is None:
            continue
        if manifest.kind == "HorizontalPodAutoscaler" and group_is(manifest, helm,
                                                                     "autoscaling"):
            minimum = helm.numbers(manifest.path, spec, "minReplicas") \
                if "minReplicas" in spec else [1]
        elif manifest.kind == "ScaledObject" and manifest.group == "keda.sh":
            minimum = helm.numbers(manifest.path, spec, "minReplicaCount") \
                if "minReplicaCount" in spec else [0]
        else:
            continue
        target = mapping(spec.get("scaleTargetRef"))
        if target is None:
            continue
        kind = target.get("kind") if isinstance(target.get("kind"), str) else "Deployment"
        scalers.append(Scaler(str(kind), helm.name(manifest.path, target, "name"),
                              helm.chart_root(manifest.path), minimum, manifest.locator))
    return scalers


def scaler_targets(scaler: Scaler, workload: Workload, helm: Helm) -> bool:
    if scaler.kind != workload.kind:
        return False
    if scaler.name is not None and workload.name:
        return scaler.name == workload.name
    return scaler.chart is not None and any(helm.chart_root(c.path) == scaler.chart
                                            for c in workload.copies)


def replicas_shown(workload: Workload, helm: Helm, scalers: Sequence[Scaler]) -> str | None:
    """Where the workload shows two or more replicas, or None."""
    for copy in workload.copies:
        if workload.kind == "DaemonSet":
            return copy.locator
        spec = mapping(copy.body.get("spec"))
        if spec is None:
            continue
        if workload.kind == "Knative Service":
            annotations = mapping(dig(spec, "template", "metadata", "annotations"))
            for key in KNATIVE_MIN_SCALE:
                if annotations is not None and key in annotations and \
                        any(n >= 2 for n in helm.numbers(copy.path, annotations, key)):
                    return _locate(copy.path, annotations, key)
        elif "replicas" in spec and any(n >= 2 for n in helm.numbers(copy.path, spec,
                                                                     "replicas")):
            return _locate(copy.path, spec, "replicas")
    for scaler in scalers:
        if scaler_targets(scaler, workload, helm) and any(n >= 2 for n in scaler.minimum):
            return scaler.locator
    return None


def readiness_probed(workload: Workload, helm: Helm) -> bool | None:
    """Whether every container declares a readiness probe (None: no containers seen)."""
    seen = False
    for copy in workload.copies:
        containers = sequence(dig(pod_spec(copy), "containers"))
        items = [c for c in containers or [] if isinstance(c, LineDict)
                 and helm.disabled(copy.path, c.line) is None]  # a sidecar that is off
        if not items:
            continue
        seen = True
        if all("readinessProbe" in c and c.get("readinessProbe") != {}
               and helm.disabled(copy.path, c.line_of("readinessProbe")) is None
               for c in items):
            return True
    return False if seen else None


def label_keys(workload: Workload, helm: Helm, kustomized: dict[str, set[str]]) -> set[str]:
    keys: set[str] = set()
    for copy in workload.copies:
        keys |= kustomized.get(copy.path, set())
        for holder in (mapping(copy.body.get("metadata")),
                       mapping(dig(copy.body, "spec", "template", "metadata"))):
            if holder is None or "labels" not in holder:
                continue
            labels = mapping(holder.get("labels"))
            if labels is not None:
                keys.update(str(k) for k in labels)
            if helm.chart_root(copy.path) is not None:
                text = helm.expand(helm.block(copy.path, holder.line_of("labels")))
                keys.update(m.group(1) for line in text.splitlines()
                            if (m := _YAML_KEY.match(TEMPLATE.sub("", line))))
    return keys


def zone_spread(node: Any, path: str, helm: Helm, inside: bool = False,
                 depth: int = 0) -> Iterator[str]:
    """Locators of zone `topologyKey`s under topologySpreadConstraints or podAntiAffinity."""
    if depth > MAX_DEPTH:
        return
    if isinstance(node, LineDict):
        if inside and node.get("topologyKey") in ZONE_KEYS and \
                helm.disabled(path, node.line_of("topologyKey")) is None:
            yield _locate(path, node, "topologyKey")
        for key, value in node.items():
            yield from zone_spread(value, path, helm,
                                    inside or key in ("topologySpreadConstraints",
                                                      "podAntiAffinity"), depth + 1)
    elif isinstance(node, LineList):
        for item in node:
            yield from zone_spread(item, path, helm, inside, depth + 1)


def autoscaler_tool(manifest: Manifest, helm: Helm) -> str | None:
    if manifest.kind == "HorizontalPodAutoscaler" and group_is(manifest, helm, "autoscaling"):
        return "hpa"
    if manifest.kind == "VerticalPodAutoscaler" and manifest.group == "autoscaling.k8s.io":
        return "vpa"
    if manifest.kind in ("ScaledObject", "ScaledJob") and manifest.group == "keda.sh":
        return "keda"
    return None
