"""Kubernetes workloads from plain manifests, Kustomize overlays and Helm chart templates."""

from __future__ import annotations

from collections.abc import Callable

from scanner.collectors.base import Emitter
from scanner.collectors.files.index import FileIndex
from scanner.collectors.files.kubernetes import SIGNALS, detect
from scanner.collectors.local.worktree import WorkTree
from scanner.evidence import Evidence

Tree = Callable[[dict[str, str]], WorkTree]
SHARES = {
    "k8s.multi_replica_share",
    "k8s.probes_share",
    "k8s.identity_labels_share",
    "k8s.autoscaled_share",
}


def scan(tree: Tree, files: dict[str, str]) -> dict[str, Evidence]:
    out = Emitter("repo:x", "test")
    detect(FileIndex(tree(files)), out)
    found = {e.signal: e for e in out.evidence}
    assert len(found) == len(out.evidence), "a signal was emitted twice"
    return found


API = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  labels:
    app.kubernetes.io/name: api
    app.kubernetes.io/version: "1.4.2"
spec:
  replicas: 3
  selector:
    matchLabels: {app.kubernetes.io/name: api}
  template:
    metadata:
      labels: {app.kubernetes.io/name: api}
    spec:
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: ScheduleAnyway
      containers:
        - name: api
          image: registry.example.com/api:1.4.2
          readinessProbe:
            httpGet: {path: /healthz, port: 8080}
        - name: proxy
          image: envoyproxy/envoy:v1.30
          readinessProbe:
            tcpSocket: {port: 9901}
---
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  selector: {app.kubernetes.io/name: api}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: api
spec:
  minAvailable: 1
  selector:
    matchLabels: {app.kubernetes.io/name: api}
"""

WORKER = """\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: worker
spec:
  replicas: 1
  serviceName: worker
  template:
    metadata:
      labels:
        app: worker
    spec:
      containers:
        - name: worker
          image: registry.example.com/worker:2.0
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: worker
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: StatefulSet
    name: worker
  minReplicas: 2
  maxReplicas: 6
"""

AGENT = """\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: log-agent
spec:
  template:
    metadata:
      labels:
        tags.datadoghq.com/service: log-agent
        tags.datadoghq.com/env: prod
    spec:
      containers:
        - name: agent
          image: fluent/fluent-bit:3.0
"""

SCALERS = """\
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: queue-consumer
spec:
  scaleTargetRef:
    name: queue-consumer
  minReplicaCount: 0
  triggers:
    - type: rabbitmq
      metadata: {queueName: jobs, mode: QueueLength, value: "20"}
    - type: cron
      metadata:
        timezone: Europe/Paris
        start: 0 7 * * 1-5
        end: 0 19 * * 1-5
        desiredReplicas: "4"
---
apiVersion: autoscaling.k8s.io/v1
kind: VerticalPodAutoscaler
metadata:
  name: worker
spec:
  targetRef: {apiVersion: apps/v1, kind: StatefulSet, name: worker}
  updatePolicy: {updateMode: "Off"}
"""


def test_plain_manifests(tree: Tree) -> None:
    found = scan(tree, {"deploy/api.yaml": API, "deploy/worker.yaml": WORKER,
                        "deploy/agent.yaml": AGENT, "deploy/scalers.yaml": SCALERS})
    assert found["k8s.workloads"].value == 3
    assert found["k8s.workloads"].locators == ("deploy/agent.yaml:1", "deploy/api.yaml:1",
                                               "deploy/worker.yaml:1")
    assert found["k8s.autoscalers"].value == ["hpa", "keda", "vpa"]
    assert found["k8s.autoscalers"].locators == ("deploy/worker.yaml:17", "deploy/scalers.yaml:1",
                                                 "deploy/scalers.yaml:19")
    assert found["k8s.scheduled_scaling"].value == ["keda-cron"]
    assert found["k8s.scheduled_scaling"].locators == ("deploy/scalers.yaml:12",)
    assert found["k8s.disruption_budgets"].value is True
    assert found["k8s.disruption_budgets"].locators == ("deploy/api.yaml:38",)
    assert found["k8s.topology_spread"].value is True
    assert found["k8s.topology_spread"].locators == ("deploy/api.yaml:18",)
    # api: replicas 3; worker: HPA minimum 2; log-agent: a DaemonSet runs on every node
    assert found["k8s.multi_replica_share"].value == 1.0
    assert found["k8s.multi_replica_share"].locators == (
        "deploy/agent.yaml:1", "deploy/api.yaml:9", "deploy/worker.yaml:17")
    # the worker is scaled by an HPA; api keeps a fixed count; a DaemonSet is not counted
    assert found["k8s.autoscaled_share"].value == 0.5
    assert found["k8s.autoscaled_share"].locators == ("deploy/api.yaml:1",)
    assert "fixed size: Deployment api" in (found["k8s.autoscaled_share"].note or "")
    # the DaemonSet is not asked for probes; the worker has none
    assert found["k8s.probes_share"].value == 0.5
    assert found["k8s.probes_share"].locators == ("deploy/worker.yaml:1",)
    assert "StatefulSet worker (deploy/worker.yaml:1)" in (found["k8s.probes_share"].note or "")
    # the worker names itself (app) but carries no version or environment
    assert found["k8s.identity_labels_share"].value == 0.67
    assert found["k8s.identity_labels_share"].locators == ("deploy/worker.yaml:1",)


def test_every_signal_is_emitted_and_negatives_are_explicit(tree: Tree) -> None:
    assert all(spec.entity_kinds == ("repo", "service") for spec in SIGNALS)
    found = scan(tree, {"README.md": "# nothing to deploy\n"})
    assert set(found) == {spec.name for spec in SIGNALS} - SHARES
    assert found["k8s.workloads"].value == 0
    assert found["k8s.workloads"].note
    for signal in ("k8s.autoscalers", "k8s.scheduled_scaling"):
        assert found[signal].value == [] and found[signal].note
    for signal in ("k8s.disruption_budgets", "k8s.topology_spread"):
        assert found[signal].value is False and found[signal].note
    declared = {spec.name: spec.type for spec in SIGNALS}
    full = scan(tree, {"deploy/api.yaml": API, "deploy/worker.yaml": WORKER})
    assert set(full) == set(declared)
    for evidence in full.values():
        kind = {"bool": bool, "int": int, "float": float, "list": list}[declared[evidence.signal]]
        assert type(evidence.value) is kind, evidence.signal


def test_examples_tests_and_docs_are_not_workloads(tree: Tree) -> None:
    found = scan(tree, {"examples/api.yaml": API, "test/fixtures/worker.yaml": WORKER,
                        "docs/agent.yaml": AGENT, "charts/app/tests/scaler.yaml": SCALERS,
                        ".github/kind/api.yaml": API})
    assert found["k8s.workloads"].value == 0
    assert found["k8s.autoscalers"].value == []
    assert found["k8s.disruption_budgets"].value is False
    assert not SHARES & set(found)


HELPERS = """\
{{/*
Expand the name of the chart.
*/}}
{{- define "shop.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "shop.fullname" -}}
{{- printf "%s-%s" .Release.Name (include "shop.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Common labels */}}
{{- define "shop.labels" -}}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{ include "shop.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
{{- end }}

{{- define "shop.selectorLabels" -}}
app.kubernetes.io/name: {{ include "shop.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "shop.fullname" . }}
  labels:
    {{- include "shop.labels" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "shop.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "shop.labels" . | nindent 8 }}
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          {{- with .Values.readinessProbe }}
          readinessProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
        {{- if .Values.metricsProxy.enabled }}
        - name: metrics-proxy
          image: quay.io/brancz/kube-rbac-proxy:v0.18.0
        {{- end }}
"""

HPA = """\
{{- if .Values.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "shop.fullname" . }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "shop.fullname" . }}
  minReplicas: {{ .Values.autoscaling.minReplicas }}
  maxReplicas: {{ .Values.autoscaling.maxReplicas }}
{{- end }}
"""

PDB = """\
{{- if .Values.podDisruptionBudget.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "shop.fullname" . }}
spec:
  maxUnavailable: 1
{{- end }}
"""

VALUES = """\
replicaCount: 1
image:
  repository: registry.example.com/shop
  tag: ""
readinessProbe:
  httpGet:
    path: /ready
    port: http
autoscaling:
  enabled: false
  minReplicas: 1
  maxReplicas: 10
podDisruptionBudget:
  enabled: false
topologySpreadConstraints: []
metricsProxy:
  enabled: false
"""


def chart(**extra: str) -> dict[str, str]:
    return {"charts/shop/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 0.3.0\n"
                                      "appVersion: \"2.1.0\"\n",
            "charts/shop/values.yaml": VALUES,
            "charts/shop/templates/_helpers.tpl": HELPERS,
            "charts/shop/templates/deployment.yaml": DEPLOYMENT,
            "charts/shop/templates/hpa.yaml": HPA,
            "charts/shop/templates/pdb.yaml": PDB,
            "charts/shop/templates/tests/test-connection.yaml":
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"{{ .Release.Name }}-test\"\n",
            **extra}


def test_helm_chart_as_installed_with_default_values(tree: Tree) -> None:
    found = scan(tree, chart())
    assert found["k8s.workloads"].value == 1
    assert found["k8s.workloads"].locators == ("charts/shop/templates/deployment.yaml:1",)
    # the HPA and PDB templates render only when a values file turns them on
    assert found["k8s.autoscalers"].value == []
    assert "charts/shop/templates/hpa.yaml:2 (if .Values.autoscaling.enabled)" in (
        found["k8s.autoscalers"].note or "")
    assert found["k8s.disruption_budgets"].value is False
    assert found["k8s.multi_replica_share"].value == 0.0  # replicaCount: 1
    # the probe comes from values.readinessProbe; the sidecar without one is off by default
    assert found["k8s.probes_share"].value == 1.0
    # app.kubernetes.io/name and /version come from the chart's "shop.labels" helper
    assert found["k8s.identity_labels_share"].value == 1.0
    assert found["k8s.topology_spread"].value is False


def test_helm_values_for_an_environment_turn_features_on(tree: Tree) -> None:
    prod = """\
autoscaling:
  enabled: true
  minReplicas: 3
podDisruptionBudget:
  enabled: true
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: DoNotSchedule
"""
    found = scan(tree, chart(**{"charts/shop/values-prod.yaml": prod}))
    assert found["k8s.autoscalers"].value == ["hpa"]
    assert found["k8s.autoscalers"].locators == ("charts/shop/templates/hpa.yaml:2",)
    assert found["k8s.disruption_budgets"].locators == ("charts/shop/templates/pdb.yaml:3",)
    assert found["k8s.multi_replica_share"].value == 1.0
    assert found["k8s.multi_replica_share"].locators == ("charts/shop/templates/hpa.yaml:2",)
    assert found["k8s.topology_spread"].value is True
    assert found["k8s.topology_spread"].locators == ("charts/shop/values-prod.yaml:8",)


def test_helm_names_read_from_values_join_plain_manifests(tree: Tree) -> None:
    template = """\
{{- if .Values.api.create }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Values.api.name }}
  labels:
    app: {{ .Values.api.name }}
    app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
spec:
  replicas: {{ .Values.api.replicas }}
{{- end }}
"""
    found = scan(tree, {"deploy/api.yaml": API,
                        "helm/Chart.yaml": "apiVersion: v2\nname: api\nversion: 1.0.0\n",
                        "helm/values.yaml": "api:\n  create: true\n  name: api\n  replicas: 1\n",
                        "helm/templates/api.yaml": template})
    assert found["k8s.workloads"].value == 1
    assert found["k8s.workloads"].locators == ("deploy/api.yaml:1",)
    assert found["k8s.multi_replica_share"].locators == ("deploy/api.yaml:9",)


def test_helm_replicas_and_probes_read_from_values(tree: Tree) -> None:
    values = VALUES.replace("replicaCount: 1", "replicaCount: 2").replace(
        "readinessProbe:\n  httpGet:\n    path: /ready\n    port: http\n", "readinessProbe: {}\n")
    found = scan(tree, chart(**{"charts/shop/values.yaml": values}))
    assert found["k8s.multi_replica_share"].value == 1.0
    assert found["k8s.multi_replica_share"].locators == (
        "charts/shop/templates/deployment.yaml:9",)
    assert found["k8s.probes_share"].value == 0.0  # `with` an empty probe renders nothing


def test_kustomize_overlays_are_one_workload(tree: Tree) -> None:
    base = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.0
"""
    patch = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 4
"""
    found = scan(tree, {
        "k8s/base/deployment.yaml": base,
        "k8s/base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
        "k8s/overlays/prod/kustomization.yaml":
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            "resources:\n  - ../../base\nlabels:\n  - pairs:\n      environment: production\n"
            "    includeTemplates: true\npatches:\n  - path: replicas.yaml\n",
        "k8s/overlays/prod/replicas.yaml": patch,
    })
    assert found["k8s.workloads"].value == 1
    assert found["k8s.workloads"].locators == ("k8s/base/deployment.yaml:1",)
    assert found["k8s.multi_replica_share"].value == 1.0
    assert found["k8s.multi_replica_share"].locators == ("k8s/overlays/prod/replicas.yaml:6",)
    # app from the base, environment from the production overlay's labels
    assert found["k8s.identity_labels_share"].value == 1.0
    assert found["k8s.probes_share"].value == 0.0
    assert found["k8s.probes_share"].locators == ("k8s/base/deployment.yaml:1",)


def test_rollouts_knative_and_anti_affinity(tree: Tree) -> None:
    manifests = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: checkout
spec:
  replicas: 5
  workloadRef:
    apiVersion: apps/v1
    kind: Deployment
    name: checkout
  strategy:
    canary:
      steps: [{setWeight: 20}, {pause: {}}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
spec:
  replicas: 0
  template:
    spec:
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: failure-domain.beta.kubernetes.io/zone
                labelSelector: {matchLabels: {app: checkout}}
      containers:
        - name: checkout
          image: registry.example.com/checkout:3
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
---
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: thumbnails
spec:
  template:
    metadata:
      annotations:
        autoscaling.knative.dev/min-scale: "2"
    spec:
      containers:
        - image: registry.example.com/thumbnails:1
"""
    found = scan(tree, {"apps/checkout.yaml": manifests})
    # the Rollout manages the Deployment it references: one workload
    assert found["k8s.workloads"].value == 2
    assert found["k8s.multi_replica_share"].value == 1.0
    assert found["k8s.multi_replica_share"].locators == ("apps/checkout.yaml:6",
                                                         "apps/checkout.yaml:43")
    assert found["k8s.topology_spread"].locators == ("apps/checkout.yaml:28",)
    assert found["k8s.probes_share"].value == 1.0  # a Knative Service is not asked for probes


def test_malformed_and_unexpected_yaml_does_not_raise(tree: Tree) -> None:
    found = scan(tree, {
        "deploy/broken.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: [\n",
        "deploy/odd.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: name\n"
                           "spec:\n  replicas: many\n  template: [1, 2]\n---\n"
                           "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  labels: [a]\n"
                           "spec:\n  template:\n    spec:\n      containers: nope\n"
                           "      topologySpreadConstraints: {topologyKey: 3}\n---\n- a list\n"
                           "---\nplain text\n",
        "deploy/scaler.yaml": "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\n"
                              "spec:\n  triggers: {type: cron}\n  scaleTargetRef: x\n",
        "deploy/hpa.yaml": "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nspec: 7\n",
        "k8s/kustomization.yaml": "resources: deployment.yaml\ncommonLabels: [x]\n",
        "chart/Chart.yaml": "name: c\n",
        "chart/values.yaml": "- not a mapping\n",
        "chart/templates/_helpers.tpl":
            "{{- define \"c.labels\" -}}\n{{ include \"c.labels\" . }}\n",
        "chart/templates/d.yaml": "{{- if and .Values.a (eq .Values.b \"x\") }}\n{{- else if }}\n"
                                  "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels:\n"
                                  "    {{- include \"c.labels\" . | nindent 4 }}\n"
                                  "spec:\n  replicas: {{ .Values.replicas | default 3 }}\n"
                                  "{{- end }}\n{{- end }}\n",
    })
    assert found["k8s.workloads"].value == 3
    assert found["k8s.autoscalers"].value == ["hpa", "keda"]
    assert found["k8s.scheduled_scaling"].value == []
    assert found["k8s.topology_spread"].value is False
    # chart/templates/d.yaml: replicas default 3 (no values file sets .Values.replicas)
    assert found["k8s.multi_replica_share"].value == 0.33
