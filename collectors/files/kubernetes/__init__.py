"""Kubernetes workloads: how many, how they scale and how they survive disruption.

Reads plain manifests, Kustomize bases and overlays, and Helm chart templates
(which `FileIndex` parses with `{{ … }}` blanked).  The little of Helm that decides
what renders is followed without running Helm (`helm`); `manifests` groups what
renders into workloads, `kustomize` adds the labels overlays set, and `properties`
reads what each workload shows.  This module turns that into evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from scanner.collectors.base import Emitter
from scanner.collectors.files import Detector
from scanner.collectors.files.index import FileIndex, Manifest
from scanner.collectors.files.kubernetes.helm import Helm
from scanner.collectors.files.kubernetes.kustomize import kustomize_labels
from scanner.collectors.files.kubernetes.manifests import (
    Disabled,
    Workload,
    enabled_manifests,
    group_is,
    group_workloads,
    pod_spec,
    workloads_by_name,
)
from scanner.collectors.files.kubernetes.nodes import dig, mapping, sequence
from scanner.collectors.files.kubernetes.properties import (
    autoscaler_tool,
    label_keys,
    readiness_probed,
    replicas_shown,
    scaler_targets,
    scalers_of,
    zone_spread,
)
from scanner.signals import SignalSpec, specs_about

__all__ = ["DETECTOR", "SIGNALS", "Helm", "detect", "dig", "enabled_manifests", "group_is",
           "mapping", "sequence", "workloads_by_name"]


_spec = specs_about("repo", "service")


SIGNALS: tuple[SignalSpec, ...] = (
    _spec("k8s.workloads", "int",
          "Kubernetes workloads defined in the repository (Deployment, StatefulSet, DaemonSet, "
          "Argo Rollout, Knative Service), each counted once by kind and name"),
    _spec("k8s.autoscalers", "list",
          "Autoscalers defined for workloads: hpa (HorizontalPodAutoscaler), "
          "vpa (VerticalPodAutoscaler), keda (ScaledObject/ScaledJob)"),
    _spec("k8s.scheduled_scaling", "list",
          "Scaling ahead of demand: keda-cron, keda-predictive (PredictKube), "
          "cron-hpa (CronHorizontalPodAutoscaler), predictive-hpa"),
    _spec("k8s.disruption_budgets", "bool",
          "A PodDisruptionBudget limits voluntary disruption of workloads"),
    _spec("k8s.topology_spread", "bool",
          "A workload spreads its pods across availability zones (topologySpreadConstraints "
          "or podAntiAffinity on a zone key)"),
    _spec("k8s.autoscaled_share", "float",
          "Share of workloads (DaemonSets aside) targeted by an HPA or KEDA scaler"),
    _spec("k8s.multi_replica_share", "float",
          "Share of workloads running at least two replicas (replicas, autoscaler minimum, "
          "Knative min-scale; DaemonSets count)"),
    _spec("k8s.probes_share", "float",
          "Share of Deployments, StatefulSets and Rollouts whose containers all declare "
          "a readiness probe"),
    _spec("k8s.identity_labels_share", "float",
          "Share of workloads labelled with the service name and a version or environment"),
)

NAME_LABELS = frozenset({"app.kubernetes.io/name", "app", "tags.datadoghq.com/service"})
VERSION_LABELS = frozenset({"app.kubernetes.io/version", "tags.datadoghq.com/version",
                            "tags.datadoghq.com/env", "env", "environment"})
PROBED_KINDS = frozenset({"Deployment", "StatefulSet", "Rollout"})
MAX_LOCATORS = 20


def _share(part: int, whole: int) -> float:
    return round(part / whole, 2)


def _some(locators: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(locators))[:MAX_LOCATORS]


def _names(workloads: Sequence[Workload], limit: int = 5) -> str:
    shown = ", ".join(f"{w.label} ({w.locator})" for w in workloads[:limit])
    return shown + (f" and {len(workloads) - limit} more" if len(workloads) > limit else "")


def detect(files: FileIndex, out: Emitter) -> None:
    helm = Helm(files)
    manifests, disabled = enabled_manifests(files, helm)
    workloads = group_workloads(manifests, helm)
    scalers = scalers_of(manifests, helm)

    out.emit("k8s.workloads", len(workloads), _some(w.locator for w in workloads),
             None if workloads else "no Deployment, StatefulSet, DaemonSet, Argo Rollout or "
             "Knative Service manifests")
    _autoscalers(manifests, disabled, helm, out)
    _scheduled_scaling(manifests, out)

    budgets = [m for m in manifests if m.kind == "PodDisruptionBudget"
               and group_is(m, helm, "policy")]
    out.emit("k8s.disruption_budgets", bool(budgets), _some(m.locator for m in budgets),
             None if budgets else "no PodDisruptionBudget")

    spread: list[str] = []
    for workload in workloads:
        for copy in workload.copies:
            spread.extend(zone_spread(pod_spec(copy), copy.path, helm))
    charts = sorted({root for w in workloads for c in w.copies
                     if (root := helm.chart_root(c.path)) is not None})
    for root in charts:
        for path, doc in helm.values(root):
            spread.extend(zone_spread(doc, path, helm))
    out.emit("k8s.topology_spread", bool(spread),
             _some(spread) or _some(w.locator for w in workloads),
             None if spread else "no workload spreads its pods across zones "
             "(topologySpreadConstraints or podAntiAffinity on a zone key)")

    if not workloads:
        return
    shown = {id(w): replicas_shown(w, helm, scalers) for w in workloads}
    single = [w for w in workloads if shown[id(w)] is None]
    out.emit("k8s.multi_replica_share", _share(len(workloads) - len(single), len(workloads)),
             _some(w.locator for w in single) or _some(filter(None, shown.values())),
             f"{len(workloads) - len(single)} of {len(workloads)} workloads run two or more "
             "replicas" + (f"; single replica: {_names(single)}" if single else ""))

    scalable = [w for w in workloads if w.kind != "DaemonSet"]
    if scalable:
        fixed = [w for w in scalable if not any(scaler_targets(s, w, helm) for s in scalers)]
        out.emit("k8s.autoscaled_share", _share(len(scalable) - len(fixed), len(scalable)),
                 _some(w.locator for w in fixed or scalable),
                 f"{len(scalable) - len(fixed)} of {len(scalable)} workloads are targeted by an "
                 "HPA or KEDA scaler" + (f"; fixed size: {_names(fixed)}" if fixed else ""))

    probed = {id(w): readiness_probed(w, helm) for w in workloads if w.kind in PROBED_KINDS}
    known = [w for w in workloads if probed.get(id(w)) is not None]
    unprobed = [w for w in known if probed[id(w)] is False]
    if known:
        out.emit("k8s.probes_share", _share(len(known) - len(unprobed), len(known)),
                 _some(w.locator for w in unprobed or known),
                 f"{len(known) - len(unprobed)} of {len(known)} Deployments, StatefulSets and "
                 "Rollouts declare a readiness probe on every container"
                 + (f"; missing: {_names(unprobed)}" if unprobed else ""))

    kustomized = kustomize_labels(files)
    unlabelled = []
    for workload in workloads:
        keys = label_keys(workload, helm, kustomized)
        if not (keys & NAME_LABELS and keys & VERSION_LABELS):
            unlabelled.append(workload)
    out.emit("k8s.identity_labels_share",
             _share(len(workloads) - len(unlabelled), len(workloads)),
             _some(w.locator for w in unlabelled or workloads),
             f"{len(workloads) - len(unlabelled)} of {len(workloads)} workloads carry a service "
             "name label and a version or environment label"
             + (f"; without: {_names(unlabelled)}" if unlabelled else ""))


def _autoscalers(manifests: Sequence[Manifest], disabled: Sequence[Disabled], helm: Helm,
                 out: Emitter) -> None:
    found: dict[str, str] = {}
    for manifest in manifests:
        tool = autoscaler_tool(manifest, helm)
        if tool is not None:
            found.setdefault(tool, manifest.locator)
    tools = sorted(found)
    note = None
    if not tools:
        note = "no HorizontalPodAutoscaler, VerticalPodAutoscaler or KEDA ScaledObject/ScaledJob"
        off = [d for d in disabled if autoscaler_tool(d.manifest, helm) is not None]
        if off:
            note += "; chart templates off by default: " + ", ".join(
                f"{d.manifest.locator} (if {d.guard})" for d in off[:5])
    out.emit("k8s.autoscalers", tools, [found[t] for t in tools], note)


def _scheduled_scaling(manifests: Sequence[Manifest], out: Emitter) -> None:
    found: dict[str, str] = {}
    for manifest in manifests:
        if manifest.kind in ("ScaledObject", "ScaledJob") and manifest.group == "keda.sh":
            triggers = sequence(dig(manifest.body, "spec", "triggers"))
            for index, trigger in enumerate(triggers or []):
                kind = dig(trigger, "type")
                tool = {"cron": "keda-cron", "predictkube": "keda-predictive"}.get(
                    kind.lower() if isinstance(kind, str) else "")
                if tool and triggers is not None:
                    found.setdefault(tool, f"{manifest.path}:{triggers.line_of(index)}")
        elif manifest.kind in ("CronHorizontalPodAutoscaler", "CronHPA"):
            found.setdefault("cron-hpa", manifest.locator)
        elif manifest.kind == "PredictiveHorizontalPodAutoscaler":
            found.setdefault("predictive-hpa", manifest.locator)
    tools = sorted(found)
    out.emit("k8s.scheduled_scaling", tools, [found[t] for t in tools],
             None if tools else "no KEDA cron or predictive trigger, CronHPA or predictive "
             "autoscaler")


DETECTOR = Detector("kubernetes", SIGNALS, detect)
