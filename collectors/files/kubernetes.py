"""Kubernetes workloads: how many, how they scale and how they survive disruption.

Reads plain manifests, Kustomize bases and overlays, and Helm chart templates
(which `FileIndex` parses with `{{ … }}` blanked).  For charts, the little of
Helm that decides what renders is followed without running Helm: a document or
key guarded by `{{- if .Values.x }}` that no values file of the chart turns on
does not count, `replicas: {{ .Values.replicaCount }}` is read from the values
files, and labels written by `{{ include "chart.labels" . }}` are read from the
chart's `define` blocks.

A workload is counted once per kind and name: the same Deployment in a base,
an overlay patch and a per-environment copy is one workload, and a property
holds for it when any copy shows it (production overlays usually add replicas).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.collectors.base import Emitter
from scanner.collectors.files import Detector
from scanner.collectors.files.index import TEMPLATE, FileIndex, Manifest, is_example
from scanner.signals import SignalSpec
from scanner.yaml_source import LineDict, LineList


def _part(name: str, kind: str, description: str) -> SignalSpec:
    return SignalSpec(name, kind, description, ("repo", "service"))


SIGNALS: tuple[SignalSpec, ...] = (
    _part("k8s.workloads", "int",
          "Kubernetes workloads defined in the repository (Deployment, StatefulSet, DaemonSet, "
          "Argo Rollout, Knative Service), each counted once by kind and name"),
    _part("k8s.autoscalers", "list",
          "Autoscalers defined for workloads: hpa (HorizontalPodAutoscaler), "
          "vpa (VerticalPodAutoscaler), keda (ScaledObject/ScaledJob)"),
    _part("k8s.scheduled_scaling", "list",
          "Scaling ahead of demand: keda-cron, keda-predictive (PredictKube), "
          "cron-hpa (CronHorizontalPodAutoscaler), predictive-hpa"),
    _part("k8s.disruption_budgets", "bool",
          "A PodDisruptionBudget limits voluntary disruption of workloads"),
    _part("k8s.topology_spread", "bool",
          "A workload spreads its pods across availability zones (topologySpreadConstraints "
          "or podAntiAffinity on a zone key)"),
    _part("k8s.autoscaled_share", "float",
          "Share of workloads (DaemonSets aside) targeted by an HPA or KEDA scaler"),
    _part("k8s.multi_replica_share", "float",
          "Share of workloads running at least two replicas (replicas, autoscaler minimum, "
          "Knative min-scale; DaemonSets count)"),
    _part("k8s.probes_share", "float",
          "Share of Deployments, StatefulSets and Rollouts whose containers all declare "
          "a readiness probe"),
    _part("k8s.identity_labels_share", "float",
          "Share of workloads labelled with the service name and a version or environment"),
)

ZONE_KEYS = frozenset({"topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"})
NAME_LABELS = frozenset({"app.kubernetes.io/name", "app", "tags.datadoghq.com/service"})
VERSION_LABELS = frozenset({"app.kubernetes.io/version", "tags.datadoghq.com/version",
                            "tags.datadoghq.com/env", "env", "environment"})
KNATIVE_MIN_SCALE = ("autoscaling.knative.dev/min-scale", "autoscaling.knative.dev/minScale")
APPS_GROUPS = ("apps", "extensions")
PROBED_KINDS = frozenset({"Deployment", "StatefulSet", "Rollout"})
KUSTOMIZATION_NAMES = frozenset({"kustomization.yaml", "kustomization.yml", "Kustomization"})
MAX_LOCATORS = 20
MAX_DEPTH = 40

_CONTROL = re.compile(r"^\s*\{\{-?\s*(?P<verb>if|else|with|range|end|define|block)\b"
                      r"(?P<expr>(?:(?!\}\}).)*?)\s*-?\}\}\s*$")
_VALUES_REF = re.compile(r"\$?\.Values((?:\.[\w-]+)+)")
_ONLY_VALUE = re.compile(r"""^\s*["']?\{\{-?\s*\$?\.Values((?:\.[\w-]+)+)\s*-?\}\}["']?\s*$""")
_DEFAULT = re.compile(r"\bdefault\s+\"?(\d+)\"?")
_TOKEN = re.compile(r'\(|\)|"[^"]*"|[^\s()]+')
_INCLUDE = re.compile(r'\b(?:include|template)\s+"([^"]+)"')
_DEFINE = re.compile(r'\{\{-?\s*define\s+"([^"]+)"\s*-?\}\}')
_YAML_KEY = re.compile(r"^\s*(?:-\s+)?[\"']?([A-Za-z0-9][\w.\-/]*)[\"']?\s*:(?:\s|$)")
_VALUES_FILE = re.compile(r"^values([-._][\w.-]+)?\.ya?ml$")
_SUBCHART = re.compile(r"^(?P<parent>(?:.*/)?)charts/(?P<name>[^/]+)/$")


# --- small, forgiving accessors -----------------------------------------------------------


def mapping(value: Any) -> LineDict | None:
    return value if isinstance(value, LineDict) else None


def sequence(value: Any) -> LineList | None:
    return value if isinstance(value, LineList) else None


def dig(node: Any, *keys: str) -> Any:
    """`node[k1][k2]…`, or None where a step is not a mapping."""
    for key in keys:
        if not isinstance(node, LineDict):
            return None
        node = node.get(key)
    return node


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().strip("'\"").isdigit():
        return int(value.strip().strip("'\""))
    return None


def _truthy(value: Any) -> bool:
    """Go template truth: false, 0, nil and empty strings or collections are false."""
    return bool(value) and value not in ("false", "False")


def _locate(path: str, node: LineDict, key: str) -> str:
    return f"{path}:{node.line_of(key)}"


# --- Helm: what a chart renders, as far as it shows without running Helm -----------------


class Helm:
    """Chart roots, values files, guards and `define` blocks of the tree's Helm charts."""

    def __init__(self, files: FileIndex) -> None:
        self.files = files
        self._lines: dict[str, list[str]] = {}
        self._roots: dict[str, str | None] = {}
        self._values: dict[str, list[tuple[str, LineDict]]] = {}
        self._bases: dict[str, int] = {}
        self._defines: dict[str, str] | None = None
        self._folders: dict[str, list[str]] | None = None

    def lines(self, path: str) -> list[str]:
        if path not in self._lines:
            text = self.files.text(path)
            self._lines[path] = text.splitlines() if text else []
        return self._lines[path]

    def raw(self, path: str, line: int) -> str:
        lines = self.lines(path)
        return lines[line - 1] if 0 < line <= len(lines) else ""

    def templated(self, path: str, line: int) -> bool:
        return "{{" in self.raw(path, line)

    def _folder_files(self, folder: str) -> list[str]:
        if self._folders is None:
            self._folders = {}
            for path in self.files.paths():
                head, _, _ = path.rpartition("/")
                self._folders.setdefault(head + "/" if head else "", []).append(path)
        return self._folders.get(folder, [])

    def chart_root(self, path: str) -> str | None:
        """`deploy/chart/` for `deploy/chart/templates/x.yaml` when a Chart.yaml is there."""
        if path not in self._roots:
            root = None
            parts = path.split("/")
            for index in range(len(parts) - 2, -1, -1):
                if parts[index] != "templates":
                    continue
                candidate = "/".join(parts[:index])
                candidate = candidate + "/" if candidate else ""
                if self.files.has(candidate + "Chart.yaml") or \
                        self.files.has(candidate + "Chart.yml"):
                    root = candidate
                    break
            self._roots[path] = root
        return self._roots[path]

    def values(self, root: str) -> list[tuple[str, LineDict]]:
        """Every values mapping that applies to the chart: its own files, then a parent's."""
        base, overrides = self._chart_values(root)
        return base + overrides

    def _chart_values(self, root: str) -> tuple[list[tuple[str, LineDict]],
                                                list[tuple[str, LineDict]]]:
        """(values.yaml, the other values files and a parent chart's section for this chart)."""
        if root not in self._values:
            base: list[tuple[str, LineDict]] = []
            overrides: list[tuple[str, LineDict]] = []
            for path in sorted(self._folder_files(root)):
                name = path[len(root):]
                if _VALUES_FILE.match(name):
                    docs = [d for d in self.files.yaml(path)[:1] if isinstance(d, LineDict)]
                    (base if name in ("values.yaml", "values.yml") else overrides).extend(
                        (path, doc) for doc in docs)
            parent = _SUBCHART.match(root)
            if parent and (self.files.has(parent["parent"] + "Chart.yaml")
                           or self.files.has(parent["parent"] + "Chart.yml")):
                for path, doc in self.values(parent["parent"]):
                    section = mapping(doc.get(parent["name"]))
                    if section is not None:
                        overrides.append((path, section))
            self._values[root] = base + overrides
            self._bases[root] = len(base)
        everything = self._values[root]
        return everything[:self._bases[root]], everything[self._bases[root]:]

    def scenarios(self, root: str) -> list[list[LineDict]]:
        """Ways the chart is installed: values.yaml alone, and with each other values file."""
        base, overrides = self._chart_values(root)
        defaults = [doc for _, doc in base]
        return [[doc, *defaults] for _, doc in overrides] + ([defaults] if defaults else [])

    @staticmethod
    def lookup(scenario: Sequence[LineDict], dotted: str) -> tuple[bool, Any]:
        """(found, value) of `.Values.<dotted>` in one scenario, the first file setting it."""
        keys = [k for k in dotted.split(".") if k]
        for doc in scenario:
            node: Any = doc
            for key in keys:
                holder = mapping(node)
                if holder is None or key not in holder:
                    break
                node = holder[key]
            else:
                return True, node
        return False, None

    def numbers(self, path: str, node: LineDict, key: str) -> list[int]:
        """The numbers `key` may take: its literal value, or what its template reads."""
        line = node.line_of(key)
        literal = as_int(node.get(key))
        raw = self.raw(path, line)
        if "{{" not in raw:
            return [literal] if literal is not None else []
        root = self.chart_root(path)
        scenarios = self.scenarios(root) if root is not None else []
        found: list[int] = []
        for expression in TEMPLATE.findall(raw):
            refs = [ref.group(1) for ref in _VALUES_REF.finditer(expression)]
            defaults = [int(d) for d in _DEFAULT.findall(expression)]
            for scenario in scenarios or [[]]:
                values = [v for ref in refs for ok, v in [self.lookup(scenario, ref)] if ok]
                if values:
                    found.extend(n for value in values if (n := as_int(value)) is not None)
                else:  # `| default 2` applies where no values file sets it
                    found.extend(defaults)
        return found

    def name(self, path: str, node: LineDict, key: str) -> str | None:
        """A name as written, or read from the values when it is `{{ .Values.x.name }}`;
        None when it is computed (`{{ include "chart.fullname" . }}`) or differs by install."""
        value = node.get(key)
        raw = self.raw(path, node.line_of(key))
        if "{{" not in raw:
            return value if isinstance(value, str) else None
        only = _ONLY_VALUE.match(raw.split(":", 1)[1] if ":" in raw else "")
        root = self.chart_root(path)
        if only is None or root is None:
            return None
        names = {str(v) for scenario in self.scenarios(root)
                 for found, v in [self.lookup(scenario, only.group(1))]
                 if found and isinstance(v, str) and v}
        return names.pop() if len(names) == 1 else None

    def truth(self, root: str, expression: str) -> bool | None:
        """A guard such as `and .Values.a (not .Values.b)` over every way the chart installs:
        True when one turns it on, False when none does, None when it can't be told."""
        tokens = _TOKEN.findall(expression)
        scenarios = self.scenarios(root)
        if not tokens or not scenarios or any(
                t not in ("and", "or", "not", "(", ")") and not _VALUES_REF.fullmatch(t)
                for t in tokens):
            return None
        results: list[bool | None] = []
        for scenario in scenarios:
            try:
                value, end = self._call(scenario, tokens, 0)
            except (IndexError, ValueError):
                return None
            results.append(value if end == len(tokens) else None)
        return True if True in results else False if None not in results else None

    def _call(self, scenario: Sequence[LineDict], tokens: Sequence[str], i: int
              ) -> tuple[bool | None, int]:
        token = tokens[i]
        if token == "not":
            value, i = self._operand(scenario, tokens, i + 1)
            return (None if value is None else not value), i
        if token in ("and", "or"):
            args: list[bool | None] = []
            i += 1
            while i < len(tokens) and tokens[i] != ")":
                value, i = self._operand(scenario, tokens, i)
                args.append(value)
            if not args:
                raise ValueError("no operands")
            if token == "and":
                return (False if False in args else True if None not in args else None), i
            return (True if True in args else False if None not in args else None), i
        return self._operand(scenario, tokens, i)

    def _operand(self, scenario: Sequence[LineDict], tokens: Sequence[str], i: int
                 ) -> tuple[bool | None, int]:
        token = tokens[i]
        if token == "(":
            value, i = self._call(scenario, tokens, i + 1)
            if tokens[i] != ")":
                raise ValueError("unbalanced")
            return value, i + 1
        if token in ("and", "or", "not"):
            return self._call(scenario, tokens, i)
        ref = _VALUES_REF.fullmatch(token)
        if ref is None:
            raise ValueError(token)
        _, value = self.lookup(scenario, ref.group(1))
        return _truthy(value), i + 1

    def disabled(self, path: str, line: int) -> str | None:
        """The guard that keeps line `line` of a chart template from rendering by default.

        Walks up from the line through `{{ if }}`/`{{ with }}` blocks that enclose it; a
        guard counts only when no values file of the chart turns it on.
        """
        root = self.chart_root(path)
        if root is None:
            return None
        lines = self.lines(path)
        depth = 0
        in_else = False
        for index in range(min(line, len(lines) + 1) - 2, -1, -1):
            control = _CONTROL.match(lines[index])
            if control is None:
                continue
            verb, expression = control["verb"], control["expr"].strip()
            if verb == "end":
                depth += 1
            elif depth > 0:
                if verb in ("if", "with", "range", "define", "block"):
                    depth -= 1
            elif verb == "else":
                condition = expression[2:].strip() if expression.startswith("if") else ""
                value = self.truth(root, condition) if condition else None
                if (in_else and value is True) or (not in_else and value is False):
                    return condition  # an earlier branch wins, or this branch is off
                in_else = True
            elif verb in ("define", "block"):
                return None  # a named template: rendered where it is included
            elif verb in ("if", "with"):
                value = self.truth(root, expression)
                if (in_else and value is True) or (not in_else and value is False):
                    return f"not {expression}" if in_else else expression
                in_else = False
            else:
                in_else = False
        return None

    @property
    def defines(self) -> dict[str, str]:
        """`{{ define "name" }}` bodies of every .tpl file (text up to the next define)."""
        if self._defines is None:
            self._defines = {}
            for path in self.files.with_suffix(".tpl"):
                if is_example(path):
                    continue
                text = self.files.text(path) or ""
                marks = list(_DEFINE.finditer(text))
                for index, mark in enumerate(marks):
                    end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
                    self._defines.setdefault(mark.group(1), text[mark.end():end])
        return self._defines

    def expand(self, text: str) -> str:
        """`text` followed by the bodies of the templates it includes, recursively."""
        out = [text]
        seen: set[str] = set()
        pending = _INCLUDE.findall(text)
        while pending and len(seen) < 50:
            name = pending.pop()
            if name in seen or name not in self.defines:
                continue
            seen.add(name)
            out.append(self.defines[name])
            pending.extend(_INCLUDE.findall(self.defines[name]))
        return "\n".join(out)

    def block(self, path: str, line: int) -> str:
        """The raw text of a key's value: its line and the lines indented below it."""
        lines = self.lines(path)
        if not 0 < line <= len(lines):
            return ""
        first = lines[line - 1]
        indent = len(first) - len(first.lstrip())
        block = [first.split(":", 1)[1] if ":" in first else ""]
        for text in lines[line:]:
            if text.strip() and len(text) - len(text.lstrip()) <= indent:
                break
            block.append(text)
        return "\n".join(block)


@dataclass
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


# --- Kustomize: labels an overlay adds to the resources it includes ----------------------


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


# --- workloads -----------------------------------------------------------------------------


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


@dataclass
class Scaler:
    """An HPA or KEDA ScaledObject: what it scales and its minimum replicas."""

    kind: str
    name: str | None  # None when templated
    chart: str | None
    minimum: list[int]
    locator: str


def _scalers(manifests: Iterable[Manifest], helm: Helm) -> list[Scaler]:
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


def _targets(scaler: Scaler, workload: Workload, helm: Helm) -> bool:
    if scaler.kind != workload.kind:
        return False
    if scaler.name is not None and workload.name:
        return scaler.name == workload.name
    return scaler.chart is not None and any(helm.chart_root(c.path) == scaler.chart
                                            for c in workload.copies)


def _replicas(workload: Workload, helm: Helm, scalers: Sequence[Scaler]) -> str | None:
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
        if _targets(scaler, workload, helm) and any(n >= 2 for n in scaler.minimum):
            return scaler.locator
    return None


def _probed(workload: Workload, helm: Helm) -> bool | None:
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


def _label_keys(workload: Workload, helm: Helm, kustomized: dict[str, set[str]]) -> set[str]:
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


def _zone_spread(node: Any, path: str, helm: Helm, inside: bool = False,
                 depth: int = 0) -> Iterator[str]:
    """Locators of zone `topologyKey`s under topologySpreadConstraints or podAntiAffinity."""
    if depth > MAX_DEPTH:
        return
    if isinstance(node, LineDict):
        if inside and node.get("topologyKey") in ZONE_KEYS and \
                helm.disabled(path, node.line_of("topologyKey")) is None:
            yield _locate(path, node, "topologyKey")
        for key, value in node.items():
            yield from _zone_spread(value, path, helm,
                                    inside or key in ("topologySpreadConstraints",
                                                      "podAntiAffinity"), depth + 1)
    elif isinstance(node, LineList):
        for item in node:
            yield from _zone_spread(item, path, helm, inside, depth + 1)


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
    scalers = _scalers(manifests, helm)

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
            spread.extend(_zone_spread(pod_spec(copy), copy.path, helm))
    charts = sorted({root for w in workloads for c in w.copies
                     if (root := helm.chart_root(c.path)) is not None})
    for root in charts:
        for path, doc in helm.values(root):
            spread.extend(_zone_spread(doc, path, helm))
    out.emit("k8s.topology_spread", bool(spread),
             _some(spread) or _some(w.locator for w in workloads),
             None if spread else "no workload spreads its pods across zones "
             "(topologySpreadConstraints or podAntiAffinity on a zone key)")

    if not workloads:
        return
    shown = {id(w): _replicas(w, helm, scalers) for w in workloads}
    single = [w for w in workloads if shown[id(w)] is None]
    out.emit("k8s.multi_replica_share", _share(len(workloads) - len(single), len(workloads)),
             _some(w.locator for w in single) or _some(filter(None, shown.values())),
             f"{len(workloads) - len(single)} of {len(workloads)} workloads run two or more "
             "replicas" + (f"; single replica: {_names(single)}" if single else ""))

    scalable = [w for w in workloads if w.kind != "DaemonSet"]
    if scalable:
        fixed = [w for w in scalable if not any(_targets(s, w, helm) for s in scalers)]
        out.emit("k8s.autoscaled_share", _share(len(scalable) - len(fixed), len(scalable)),
                 _some(w.locator for w in fixed or scalable),
                 f"{len(scalable) - len(fixed)} of {len(scalable)} workloads are targeted by an "
                 "HPA or KEDA scaler" + (f"; fixed size: {_names(fixed)}" if fixed else ""))

    probed = {id(w): _probed(w, helm) for w in workloads if w.kind in PROBED_KINDS}
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
        keys = _label_keys(workload, helm, kustomized)
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
        tool = _autoscaler(manifest, helm)
        if tool is not None:
            found.setdefault(tool, manifest.locator)
    tools = sorted(found)
    note = None
    if not tools:
        note = "no HorizontalPodAutoscaler, VerticalPodAutoscaler or KEDA ScaledObject/ScaledJob"
        off = [d for d in disabled if _autoscaler(d.manifest, helm) is not None]
        if off:
            note += "; chart templates off by default: " + ", ".join(
                f"{d.manifest.locator} (if {d.guard})" for d in off[:5])
    out.emit("k8s.autoscalers", tools, [found[t] for t in tools], note)


def _autoscaler(manifest: Manifest, helm: Helm) -> str | None:
    if manifest.kind == "HorizontalPodAutoscaler" and group_is(manifest, helm, "autoscaling"):
        return "hpa"
    if manifest.kind == "VerticalPodAutoscaler" and manifest.group == "autoscaling.k8s.io":
        return "vpa"
    if manifest.kind in ("ScaledObject", "ScaledJob") and manifest.group == "keda.sh":
        return "keda"
    return None


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
