"""How changes reach production, and what protects it there.

Progressive delivery, GitOps, admission policy, feature flags, load tests,
chaos experiments and backups, each from the files that configure them:
Kubernetes manifests (Helm chart templates that are off by default do not
count), CodeDeploy AppSpec and SAM templates, Rego files, dependency
manifests and test scripts.
"""

from __future__ import annotations

from scanner.collectors.base import Emitter
from scanner.collectors.files import Detector
from scanner.collectors.files.delivery.backups import backups
from scanner.collectors.files.delivery.chaos import chaos
from scanner.collectors.files.delivery.feature_flags import feature_flags
from scanner.collectors.files.delivery.gitops import gitops
from scanner.collectors.files.delivery.load_tests import load_tests
from scanner.collectors.files.delivery.policy import policy
from scanner.collectors.files.delivery.progressive import progressive_delivery
from scanner.collectors.files.index import FileIndex
from scanner.collectors.files.kubernetes import Helm, enabled_manifests
from scanner.signals import SignalSpec, specs_about

_spec = specs_about("repo", "service")


SIGNALS: tuple[SignalSpec, ...] = (
    _spec("deploy.progressive.tools", "list",
          "Progressive delivery configured: argo-rollouts, flagger, codedeploy, "
          "istio-traffic-split, gateway-api-traffic-split, knative-traffic-split, spinnaker"),
    _spec("deploy.gitops.tools", "list", "GitOps controllers configured: argocd, flux"),
    _spec("deploy.gitops.verified", "bool",
          "The GitOps controller deploys only what passes a check: Flux sources that verify "
          "signatures (`spec.verify`) or Argo CD projects that require signed commits "
          "(`signatureKeys`); said only where GitOps is configured"),
    _spec("policy.tools", "list",
          "Policy-as-code: kyverno, gatekeeper, opa, kubewarden, conftest, "
          "k8s-admission-policy"),
    _spec("featureflags.tools", "list",
          "Feature-flag or experimentation SDKs among the dependencies"),
    _spec("loadtest.tools", "list", "Load test scripts: k6, locust, gatling, jmeter, artillery"),
    _spec("chaos.tools", "list",
          "Chaos experiments defined: litmus, chaos-mesh, chaos-toolkit, aws-fis-template"),
    _spec("chaos.scheduled", "bool", "A chaos experiment runs on a schedule"),
    _spec("backups.tools", "list",
          "Scheduled backups defined: velero, k8up, cloudnative-pg, stash, kasten"),
    _spec("backups.restore_tests", "bool",
          "Restores are checked in (Velero/K8up/Stash restore, Kasten restore policy): "
          "a restore drill"),
)


def detect(files: FileIndex, out: Emitter) -> None:
    helm = Helm(files)
    manifests, _ = enabled_manifests(files, helm)
    paths = sorted(files.paths())
    progressive_delivery(files, manifests, paths, out)
    gitops(manifests, out)
    policy(manifests, paths, helm, out)
    feature_flags(files, paths, out)
    load_tests(files, paths, out)
    chaos(files, manifests, paths, out)
    backups(manifests, out)


DETECTOR = Detector("delivery", SIGNALS, detect)
