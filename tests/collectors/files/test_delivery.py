"""How changes reach production and what protects it: progressive delivery, GitOps, policy,
feature flags, load tests, chaos experiments and backups."""

from __future__ import annotations

import json
from collections.abc import Callable

from scanner.collectors.base import Emitter
from scanner.collectors.files.delivery import SIGNALS, detect
from scanner.collectors.files.index import FileIndex
from scanner.collectors.local.worktree import WorkTree
from scanner.evidence import Evidence

from kept import assert_kept

Tree = Callable[[dict[str, str]], WorkTree]


def scan(tree: Tree, files: dict[str, str]) -> dict[str, Evidence]:
    out = Emitter("repo:x", "test")
    detect(FileIndex(tree(files)), out)
    found = {e.signal: e for e in out.evidence}
    assert len(found) == len(out.evidence), "a signal was emitted twice"
    return found


def test_every_signal_is_emitted_with_explicit_negatives(tree: Tree) -> None:
    assert all(spec.entity_kinds == ("repo", "service") for spec in SIGNALS)
    found = scan(tree, {"README.md": "# service\n"})
    # whether GitOps verifies its sources is said only where GitOps is configured
    assert set(found) == {spec.name for spec in SIGNALS} - {"deploy.gitops.verified"}
    for spec in SIGNALS:
        if spec.name == "deploy.gitops.verified":
            continue
        evidence = found[spec.name]
        assert evidence.value == ([] if spec.type == "list" else False), spec.name
        assert evidence.note, spec.name
    assert found["featureflags.tools"].note == "no dependency manifests"


ROLLOUT = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: cart
spec:
  replicas: 4
  strategy:
    canary:
      canaryService: cart-canary
      stableService: cart-stable
      steps:
        - setWeight: 10
        - pause: {duration: 10m}
"""

MESH = """\
apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: search
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: search}
  analysis: {interval: 1m, threshold: 5, maxWeight: 50, stepWeight: 10}
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
    - match: [{headers: {end-user: {exact: tester}}}]
      route:
        - destination: {host: reviews, subset: v2}
    - route:
        - destination: {host: reviews, subset: v1}
          weight: 90
        - destination: {host: reviews, subset: v2}
          weight: 10
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: store
spec:
  parentRefs: [{name: public}]
  rules:
    - backendRefs:
        - {name: store-v1, port: 8080, weight: 95}
        - {name: store-v2, port: 8080, weight: 5}
---
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: greeter
spec:
  template:
    spec:
      containers: [{image: registry.example.com/greeter:2}]
  traffic:
    - tag: current
      revisionName: greeter-00001
      percent: 80
    - tag: candidate
      latestRevision: true
      percent: 20
"""

APPSPEC_ECS = """\
version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: "arn:aws:ecs:eu-west-1:123456789012:task-definition/orders:7"
        LoadBalancerInfo:
          ContainerName: "orders"
          ContainerPort: 8080
Hooks:
  - BeforeInstall: "orders-before-install"
  - AfterAllowTestTraffic: "orders-smoke-test"
"""

APPSPEC_EC2 = """\
version: 0.0
os: linux
files:
  - source: /
    destination: /srv/app
hooks:
  ApplicationStart:
    - location: scripts/start.sh
"""

SAM = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Resize:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      AutoPublishAlias: live
      DeploymentPreference:
        Type: Canary10Percent5Minutes
        Alarms:
          - !Ref ResizeErrors
"""


def test_progressive_delivery(tree: Tree) -> None:
    found = scan(tree, {
        "deploy/rollout.yaml": ROLLOUT,
        "deploy/mesh.yaml": MESH,
        "ecs/appspec.yaml": APPSPEC_ECS,
        "lambda/template.yaml": SAM,
        "pipelines/dinghyfile": json.dumps({"application": "cart", "pipelines": [
            {"name": "deploy", "stages": [{"type": "deploy", "clusters": [
                {"strategy": "redblack", "account": "prod"}]}]}]}, indent=2),
    })
    progressive = found["deploy.progressive.tools"]
    assert progressive.value == ["argo-rollouts", "codedeploy", "flagger",
                                 "gateway-api-traffic-split", "istio-traffic-split",
                                 "knative-traffic-split", "spinnaker"]
    assert_kept(progressive, (
        "deploy/rollout.yaml:8", "ecs/appspec.yaml:12", "deploy/mesh.yaml:1",
        "deploy/mesh.yaml:32", "deploy/mesh.yaml:19", "deploy/mesh.yaml:44",
        "pipelines/dinghyfile:11"))
    sam = scan(tree, {"lambda/template.yaml": SAM})
    assert sam["deploy.progressive.tools"].locators == ("lambda/template.yaml:11",)


def test_what_is_not_progressive(tree: Tree) -> None:
    canary, mesh = MESH.split("---")[:2]
    single_route = mesh.replace("          weight: 90\n", "")
    found = scan(tree, {
        "deploy/rollout.yaml": ROLLOUT.replace("canary:", "rollingUpdate:"),
        "deploy/vs.yaml": single_route,
        "server/appspec.yml": APPSPEC_EC2,  # EC2 in-place deployment: no traffic shift
        "pipelines/dinghyfile": '{"application": "cart", "pipelines": []}\n',
        "examples/rollout.yaml": ROLLOUT,
        "deploy/chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\n",
        "deploy/chart/values.yaml": "canary:\n  enabled: false\n",
        "deploy/chart/templates/canary.yaml":
            "{{- if .Values.canary.enabled }}\n" + canary + "{{- end }}\n",
    })
    assert found["deploy.progressive.tools"].value == []
    assert found["deploy.progressive.tools"].note
    enabled = scan(tree, {
        "deploy/chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\n",
        "deploy/chart/values.yaml": "canary:\n  enabled: false\n",
        "deploy/chart/values-prod.yaml": "canary:\n  enabled: true\n",
        "deploy/chart/templates/canary.yaml":
            "{{- if .Values.canary.enabled }}\n" + canary + "{{- end }}\n",
    })
    assert enabled["deploy.progressive.tools"].value == ["flagger"]
    assert enabled["deploy.progressive.tools"].locators == (
        "deploy/chart/templates/canary.yaml:2",)


def test_gitops_and_policy(tree: Tree) -> None:
    found = scan(tree, {
        "clusters/prod/apps.yaml": """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop
  namespace: argocd
spec:
  project: default
  source: {repoURL: "https://git.example.com/shop.git", path: deploy, targetRevision: main}
  destination: {server: "https://kubernetes.default.svc", namespace: shop}
  syncPolicy: {automated: {prune: true, selfHeal: true}}
""",
        "clusters/prod/flux-system/gotk-sync.yaml": """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m0s
  url: ssh://git@git.example.com/platform/fleet
  ref: {branch: main}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 10m0s
  path: ./clusters/prod
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
""",
        "infrastructure/redis.yaml": "apiVersion: helm.toolkit.fluxcd.io/v2\n"
                                     "kind: HelmRelease\nmetadata: {name: redis}\n"
                                     "spec: {chart: {spec: {chart: redis}}}\n",
        "clusters/prod/infrastructure.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\n"
                                             "kind: Kustomization\nmetadata: {name: infra}\n"
                                             "spec: {path: ./infrastructure, prune: true}\n",
        "policies/require-labels.yaml": """\
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: require-labels
spec:
  validationFailureAction: Enforce
  rules:
    - name: check-team
      match: {any: [{resources: {kinds: [Pod]}}]}
      validate:
        message: "label team is required"
        pattern: {metadata: {labels: {team: "?*"}}}
---
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8srequiredlabels
spec:
  crd: {spec: {names: {kind: K8sRequiredLabels}}}
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8srequiredlabels
        violation[{"msg": "missing labels"}] { false }
---
apiVersion: policies.kubewarden.io/v1
kind: ClusterAdmissionPolicy
metadata:
  name: no-privileged
spec:
  module: registry://ghcr.io/kubewarden/policies/pod-privileged:v0.3.2
  rules: [{apiGroups: [""], apiVersions: [v1], resources: [pods], operations: [CREATE]}]
  mutating: false
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replica-limit
spec:
  matchConstraints:
    resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE],
                     resources: [deployments]}]
  validations: [{expression: "object.spec.replicas <= 5"}]
""",
        "policy/deployment.rego": "# Conftest policy\npackage main\n\n"
                                  "deny contains msg if {\n  input.kind == \"Deployment\"\n"
                                  "  msg := \"no\"\n}\n",
        "policy/deployment_test.rego": "package main\n",
        "examples/sample.rego": "package sample\n",
        "deploy/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\n"
                                     "kind: Kustomization\nresources: [app.yaml]\n",
    })
    assert found["deploy.gitops.tools"].value == ["argocd", "flux"]
    # What is deployed from where first; the files `flux bootstrap` writes last.
    assert found["deploy.gitops.tools"].locators == (
        "clusters/prod/apps.yaml:1", "clusters/prod/infrastructure.yaml:1",
        "infrastructure/redis.yaml:1", "clusters/prod/flux-system/gotk-sync.yaml:1",
        "clusters/prod/flux-system/gotk-sync.yaml:11")
    assert found["policy.tools"].value == ["conftest", "gatekeeper", "k8s-admission-policy",
                                           "kubewarden", "kyverno", "opa"]
    # conftest and opa both point at the Rego file (locators are not repeated)
    assert found["policy.tools"].locators == (
        "policy/deployment.rego:2", "policies/require-labels.yaml:14",
        "policies/require-labels.yaml:35", "policies/require-labels.yaml:26",
        "policies/require-labels.yaml:1")
    only_rego = scan(tree, {"opa/authz.rego": "package authz\n", "conftest.toml": 'policy = "x"\n'})
    assert only_rego["policy.tools"].value == ["conftest", "opa"]
    assert only_rego["policy.tools"].locators == ("conftest.toml:1", "opa/authz.rego:1")


def test_feature_flag_sdks_in_dependency_manifests(tree: Tree) -> None:
    found = scan(tree, {
        "web/package.json": json.dumps({
            "name": "web", "dependencies": {"react": "^18.3.0",
                                            "launchdarkly-react-client-sdk": "^3.3.0"},
            "devDependencies": {"@openfeature/web-sdk": "^1.2.0", "split": "^1.0.1"}},
            indent=2),
        "api/requirements.txt": "# runtime\nfastapi==0.111.0\nUnleashClient==5.11.1  # flags\n",
        "worker/pyproject.toml": "[tool.poetry]\nname = \"worker\"\n\n"
                                 "[tool.poetry.dependencies]\npython = \"^3.11\"\n"
                                 "flagsmith = \"^3.7\"\n",
        "gateway/go.mod": "module example.com/gateway\n\ngo 1.22\n\nrequire (\n"
                          "\tgithub.com/go-chi/chi/v5 v5.0.12\n"
                          "\tgithub.com/growthbook/growthbook-golang v0.1.10\n)\n",
        "billing/pom.xml": "<project>\n  <dependencies>\n    <dependency>\n"
                           "      <groupId>io.harness</groupId>\n"
                           "      <artifactId>ff-java-server-sdk</artifactId>\n"
                           "      <version>1.8.0</version>\n    </dependency>\n"
                           "  </dependencies>\n</project>\n",
        "android/app/build.gradle.kts": "dependencies {\n"
                                        "    implementation(\"com.configcat:"
                                        "configcat-android-client:10.1.0\")\n}\n",
        "admin/Gemfile": "source 'https://rubygems.org'\ngem 'rails', '~> 7.1'\ngem 'statsig'\n",
        "shop/Shop.csproj": "<Project Sdk=\"Microsoft.NET.Sdk\">\n  <ItemGroup>\n"
                            "    <PackageReference Include=\"Optimizely.SDK\""
                            " Version=\"4.0.0\" />\n"
                            "  </ItemGroup>\n</Project>\n",
        "cms/composer.json": json.dumps({"require": {"php": ">=8.2",
                                                     "posthog/posthog-php": "^3.3"}}, indent=4),
        "edge/Cargo.toml": "[package]\nname = \"edge\"\n\n[dependencies]\n"
                           "serde = \"1\"\nflipt = { version = \"1.1\" }\n",
        "mobile/package.json": '{"dependencies": {"@devcycle/react-native-client-sdk": "1.0.0",\n'
                               '  "@splitsoftware/splitio": "10.25.0",\n'
                               '  "@growthbook/growthbook": "1.0.0",\n'
                               '  "configcat-js": "9.0.0"}}\n',
        "node_modules/unleash-client/package.json": '{"dependencies": {"posthog-node": "1"}}\n',
        "examples/app/requirements.txt": "optimizely-sdk==5.0\n",
    })
    flags = found["featureflags.tools"]
    assert flags.value == ["configcat", "devcycle", "flagsmith", "flipt", "growthbook",
                           "harness-ff", "launchdarkly", "openfeature", "optimizely", "posthog",
                           "split", "statsig", "unleash"]
    assert_kept(flags, (
        "android/app/build.gradle.kts:2", "mobile/package.json:1", "worker/pyproject.toml:6",
        "edge/Cargo.toml:6", "gateway/go.mod:7", "billing/pom.xml:5", "web/package.json:5",
        "web/package.json:8", "shop/Shop.csproj:3", "cms/composer.json:4",
        "mobile/package.json:2", "admin/Gemfile:3", "api/requirements.txt:3"))


def test_unrelated_and_broken_manifests(tree: Tree) -> None:
    found = scan(tree, {
        "package.json": '{"dependencies": {"split": "1", "split2": "4", "unflipt": "1"}}\n',
        "broken/package.json": '{"dependencies": {"launchdarkly-node-server-sdk": ',
        "broken/pyproject.toml": "[project\ndependencies = [\"flagsmith\"]\n",
        "broken/Cargo.toml": "[dependencies]\nflipt = {",
        "list/package.json": "[1, 2]\n",
        "requirements-dev.txt": "-r requirements.txt\n-e git+https://example.com/x.git#egg=tooling\n"
                                "--hash=sha256:abc\n",
    })
    assert found["featureflags.tools"].value == []
    assert found["featureflags.tools"].note == "no feature-flag SDK among the dependencies"


def test_load_tests(tree: Tree) -> None:
    found = scan(tree, {
        "tests/load/checkout.js": "import http from 'k6/http';\nimport { sleep } from 'k6';\n\n"
                                  "export default function () {\n  http.get('https://test.example');\n"
                                  "  sleep(1);\n}\n",
        "perf/locustfile.py": "from locust import HttpUser, task\n\n\nclass Shopper(HttpUser):\n"
                              "    @task\n    def browse(self):\n        self.client.get('/')\n",
        "src/test/scala/simulations/BrowseSimulation.scala":
            "package simulations\n\nimport io.gatling.core.Predef._\n"
            "import io.gatling.http.Predef._\n",
        "perf/plan.jmx": "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                         "<jmeterTestPlan version=\"1.2\" properties=\"5.0\">\n</jmeterTestPlan>\n",
        "load/artillery.yml": "config:\n  target: https://api.example.com\n  phases:\n"
                              "    - duration: 60\n      arrivalRate: 5\nscenarios:\n"
                              "  - flow:\n      - get: {url: /health}\n",
        "examples/k6.js": "import http from 'k6/http';\n",
    })
    assert found["loadtest.tools"].value == ["artillery", "gatling", "jmeter", "k6", "locust"]
    assert found["loadtest.tools"].locators == (
        "load/artillery.yml:1", "src/test/scala/simulations/BrowseSimulation.scala:3",
        "perf/plan.jmx:2", "tests/load/checkout.js:1", "perf/locustfile.py:1")
    none = scan(tree, {"app.js": "const k6 = 'not a load test';\n", "app.py": "import os\n",
                       "ci.yml": "config:\n  target: x\n"})
    assert none["loadtest.tools"].value == []


LITMUS = """\
apiVersion: litmuschaos.io/v1alpha1
kind: ChaosEngine
metadata:
  name: cart-pod-delete
spec:
  engineState: active
  appinfo: {appns: shop, applabel: app=cart, appkind: deployment}
  chaosServiceAccount: pod-delete-sa
  experiments:
    - name: pod-delete
---
apiVersion: litmuschaos.io/v1alpha1
kind: ChaosSchedule
metadata:
  name: cart-nightly
spec:
  schedule:
    repeat:
      properties: {minChaosInterval: 2h}
  engineTemplateSpec:
    engineState: active
"""

FIS = {"description": "Stop an AZ's instances", "roleArn": "arn:aws:iam::123456789012:role/fis",
       "targets": {"web": {"resourceType": "aws:ec2:instance", "selectionMode": "ALL",
                           "resourceTags": {"app": "web"}}},
       "actions": {"stop": {"actionId": "aws:ec2:stop-instances", "targets": {"Instances": "web"},
                            "parameters": {"startInstancesAfterDuration": "PT5M"}}},
       "stopConditions": [{"source": "aws:cloudwatch:alarm",
                           "value": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:5xx"}]}

TOOLKIT = """\
version: 1.0.0
title: The catalogue survives losing a pod
description: Delete one catalogue pod; the API stays up.
steady-state-hypothesis:
  title: API responds
  probes:
    - type: probe
      name: api-ok
      tolerance: 200
      provider: {type: http, url: "https://shop.example.com/api/health"}
method:
  - type: action
    name: delete-pod
    provider:
      type: python
      module: chaosk8s.pod.actions
      func: terminate_pods
      arguments: {label_selector: app=catalogue, ns: shop, qty: 1}
"""


def test_chaos_experiments_and_schedules(tree: Tree) -> None:
    found = scan(tree, {
        "chaos/litmus.yaml": LITMUS,
        "chaos/network.yaml": "apiVersion: chaos-mesh.org/v1alpha1\nkind: NetworkChaos\n"
                              "metadata: {name: delay}\nspec:\n  action: delay\n  mode: one\n",
        "chaos/fis/az-outage.json": json.dumps(FIS, indent=2),
        "chaos/catalogue.yaml": TOOLKIT,
        "infra/fis.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Exp:\n"
                          "    Type: AWS::FIS::ExperimentTemplate\n    Properties:\n"
                          "      Actions: {}\n      Targets: {}\n      StopConditions: []\n",
        "examples/experiment.json": json.dumps(FIS),
    })
    assert found["chaos.tools"].value == ["aws-fis-template", "chaos-mesh", "chaos-toolkit",
                                          "litmus"]
    assert found["chaos.tools"].locators == ("chaos/fis/az-outage.json:1",
                                             "chaos/network.yaml:1", "chaos/catalogue.yaml:1",
                                             "chaos/litmus.yaml:1")
    assert found["chaos.scheduled"].value is True
    assert found["chaos.scheduled"].locators == ("chaos/litmus.yaml:12",)

    unscheduled = scan(tree, {"chaos/litmus.yaml": LITMUS.split("---", maxsplit=1)[0]})
    assert unscheduled["chaos.scheduled"].value is False
    assert unscheduled["chaos.scheduled"].locators == ("chaos/litmus.yaml:1",)
    assert unscheduled["chaos.scheduled"].note


def test_chaos_run_by_a_cron_job(tree: Tree) -> None:
    job = """\
apiVersion: batch/v1
kind: CronJob
metadata:
  name: weekly-chaos
spec:
  schedule: "0 3 * * 1"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: chaos
              image: registry.example.com/tools/runner:1
              args: [chaos, run, /experiments/catalogue.yaml]
"""
    found = scan(tree, {"ops/chaos-cron.yaml": job})
    assert found["chaos.tools"].value == ["chaos-toolkit"]
    assert found["chaos.scheduled"].value is True
    assert found["chaos.scheduled"].locators == ("ops/chaos-cron.yaml:1",)


def test_backups_and_restore_drills(tree: Tree) -> None:
    found = scan(tree, {
        "backup/velero.yaml": """\
apiVersion: velero.io/v1
kind: Schedule
metadata:
  name: daily
  namespace: velero
spec:
  schedule: "0 2 * * *"
  template:
    includedNamespaces: [shop]
    ttl: 720h0m0s
---
apiVersion: velero.io/v1
kind: Restore
metadata:
  name: drill-shop
  namespace: velero
spec:
  backupName: daily-20260101020000
  namespaceMapping: {shop: shop-restore-drill}
""",
        "backup/k8up.yaml": "apiVersion: k8up.io/v1\nkind: Schedule\nmetadata: {name: files}\n"
                            "spec:\n  backup: {schedule: '@daily-random'}\n",
        "db/backup.yaml": "apiVersion: postgresql.cnpg.io/v1\nkind: ScheduledBackup\n"
                          "metadata: {name: orders-db}\nspec:\n  schedule: '0 0 0 * * *'\n"
                          "  cluster: {name: orders-db}\n",
        "backup/stash.yaml": "apiVersion: stash.appscode.com/v1beta1\nkind: BackupConfiguration\n"
                             "metadata: {name: uploads}\nspec:\n  schedule: '*/30 * * * *'\n",
        "backup/kasten.yaml": "apiVersion: config.kio.kasten.io/v1alpha1\nkind: Policy\n"
                              "metadata: {name: hourly, namespace: kasten-io}\nspec:\n"
                              "  frequency: '@hourly'\n  actions:\n    - action: backup\n",
    })
    assert found["backups.tools"].value == ["cloudnative-pg", "k8up", "kasten", "stash",
                                            "velero"]
    assert found["backups.tools"].locators == ("db/backup.yaml:1", "backup/k8up.yaml:1",
                                               "backup/kasten.yaml:1", "backup/stash.yaml:1",
                                               "backup/velero.yaml:1")
    assert found["backups.restore_tests"].value is True
    assert found["backups.restore_tests"].locators == ("backup/velero.yaml:12",)
    only_schedule = scan(tree, {"backup/k8up.yaml": "apiVersion: k8up.io/v1\nkind: Schedule\n"
                                                    "metadata: {name: files}\n"})
    assert only_schedule["backups.restore_tests"].value is False
    assert only_schedule["backups.restore_tests"].note


def test_malformed_files_do_not_raise(tree: Tree) -> None:
    found = scan(tree, {
        "deploy/bad.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nspec: [\n",
        "deploy/odd.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nspec:\n"
                           "  strategy: canary\n---\napiVersion: networking.istio.io/v1\n"
                           "kind: VirtualService\nspec:\n  http: {route: 1}\n---\n"
                           "apiVersion: config.kio.kasten.io/v1alpha1\nkind: Policy\n"
                           "spec: {actions: backup}\n---\napiVersion: batch/v1\nkind: CronJob\n"
                           "spec: {jobTemplate: 3}\n",
        "appspec.yml": "Resources: 5\nHooks: {a: b}\n",
        "appspec.json": "{not json",
        "template.yaml": "Resources:\n  F:\n    Properties:\n      DeploymentPreference: 3\n",
        "chaos/exp.json": '{"method": [1, 2], "title": "x", "stopConditions": "no"}',
        "chaos/tabs.json": '{\t"actions": {}, "targets": {}, "stopConditions": []}',
        "load/x.yml": "config: [1]\nscenarios: {}\n",
        ".spinnaker/spinnaker.yml": "\x00",
    })
    assert found["deploy.progressive.tools"].value == []
    assert found["chaos.tools"].value == ["aws-fis-template"]  # JSON YAML cannot read (tabs)
    assert found["chaos.tools"].locators == ("chaos/tabs.json:1",)
    assert found["backups.tools"].value == []


def test_gitops_sources_that_verify_signatures(tree: Tree) -> None:
    source = ("apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: OCIRepository\n"
              "metadata: {name: app}\nspec:\n  url: oci://ghcr.io/acme/manifests\n"
              "  verify: {provider: cosign}\n")
    found = scan(tree, {"clusters/prod/app.yaml": source})
    assert found["deploy.gitops.verified"].value is True
    assert found["deploy.gitops.verified"].locators == ("clusters/prod/app.yaml:1",)
    unverified = scan(tree, {"clusters/prod/app.yaml": source.replace(
        "  verify: {provider: cosign}\n", "")})
    assert unverified["deploy.gitops.verified"].value is False
    assert "deploy.gitops.verified" not in scan(tree, {"README.md": "# x\n"})
