"""Progressive delivery: canary and blue/green rollouts (Argo Rollouts, Flagger), weighted
routes (Istio, Gateway API, Knative), CodeDeploy traffic shifting (AppSpec, SAM) and
Spinnaker deployment strategies."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from typing import Any

from scanner.collectors.base import Emitter
from scanner.collectors.files.delivery.found import LOCKFILES, VENDORED, Found, first_line
from scanner.collectors.files.index import FileIndex, Manifest, is_example
from scanner.collectors.files.kubernetes import dig, mapping, sequence
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import LineDict

SPINNAKER_STRATEGY = lazy_compile(r"(?i)\b(red-?black|rollingredblack|blue-?green|blue/green|"
                                  r"canary|kayenta)\b")
TRAFFIC_HOOKS = frozenset({"beforeallowtraffic", "afterallowtraffic", "afterallowtesttraffic"})
SHIFTED_TYPES = frozenset({"aws::ecs::service", "aws::lambda::function"})


def progressive_delivery(files: FileIndex, manifests: Sequence[Manifest],
                         paths: Sequence[str], out: Emitter) -> None:
    found = Found()
    for m in manifests:
        spec = mapping(m.body.get("spec"))
        if spec is None:
            continue
        if m.kind == "Rollout" and m.group == "argoproj.io":
            strategy = mapping(spec.get("strategy"))
            key = next((k for k in ("canary", "blueGreen") if strategy and k in strategy), None)
            if strategy is not None and key is not None:
                found.add("argo-rollouts", f"{m.path}:{strategy.line_of(key)}")
        elif m.kind == "Canary" and m.group == "flagger.app":
            found.add("flagger", m.locator)
        elif m.kind == "VirtualService" and m.group == "networking.istio.io":
            for routes in (spec.get("http"), spec.get("tcp"), spec.get("tls")):
                for route in sequence(routes) or []:
                    if _weighted(dig(route, "route"), "weight"):
                        found.add("istio-traffic-split", f"{m.path}:{route.line_of('route')}")
        elif m.kind in ("HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute") and \
                m.group == "gateway.networking.k8s.io":
            for rule in sequence(spec.get("rules")) or []:
                if _weighted(dig(rule, "backendRefs"), "weight"):
                    found.add("gateway-api-traffic-split",
                              f"{m.path}:{rule.line_of('backendRefs')}")
        elif m.kind in ("Service", "Route") and m.group == "serving.knative.dev" and \
                _weighted(spec.get("traffic"), "percent"):
            found.add("knative-traffic-split", f"{m.path}:{spec.line_of('traffic')}")
    for path in paths:
        if is_example(path) or VENDORED.search(path):
            continue
        name = posixpath.basename(path)
        if name.lower() in ("appspec.yml", "appspec.yaml", "appspec.json"):
            where = _appspec_traffic_shift(files, path)
            if where:
                found.add("codedeploy", where)
        elif path.endswith((".yml", ".yaml", ".json", ".template")) and name not in LOCKFILES:
            text = files.text(path) or ""
            if "DeploymentPreference" in text or "CODE_DEPLOY" in text:
                where = _sam_traffic_shift(files, path)
                if where:
                    found.add("codedeploy", where)
        if name == "dinghyfile" or path.startswith(".spinnaker/") or "/.spinnaker/" in path:
            where = first_line(files, path, SPINNAKER_STRATEGY)
            if where:
                found.add("spinnaker", where)
    found.emit(out, "deploy.progressive.tools",
               "no canary or blue/green rollout (Argo Rollouts, Flagger, CodeDeploy traffic "
               "shifting, weighted Istio/Gateway API/Knative routes, Spinnaker strategy)")


def _weighted(targets: Any, key: str) -> bool:
    """Two or more destinations of one route carry a weight (a traffic split)."""
    return sum(1 for t in sequence(targets) or [] if isinstance(t, LineDict) and key in t) >= 2


def _ci(node: LineDict, key: str) -> Any:
    """`node[key]`, matching the key without regard to case (AppSpec accepts both)."""
    return next((v for k, v in node.items() if isinstance(k, str) and k.lower() == key), None)


def _appspec_traffic_shift(files: FileIndex, path: str) -> str | None:
    """An ECS or Lambda AppSpec: CodeDeploy shifts traffic between versions."""
    docs = files.yaml(path)
    spec = mapping(docs[0]) if docs else None
    if spec is None:
        return None
    hooks = sequence(_ci(spec, "hooks"))
    for index, hook in enumerate(hooks or []):
        if isinstance(hook, LineDict) and any(str(k).lower() in TRAFFIC_HOOKS for k in hook):
            return f"{path}:{hooks.line_of(index) if hooks else hook.line}"
    for resource in sequence(_ci(spec, "resources")) or []:
        for body in (resource.values() if isinstance(resource, LineDict) else ()):
            kind = _ci(body, "type") if isinstance(body, LineDict) else None
            if isinstance(kind, str) and kind.lower() in SHIFTED_TYPES:
                return f"{path}:{body.line}"
    return None


def _sam_traffic_shift(files: FileIndex, path: str) -> str | None:
    """SAM `DeploymentPreference` (canary/linear) or an ECS service deployed by CodeDeploy."""
    for doc in files.yaml(path):
        resources = mapping(dig(doc, "Resources"))
        if resources is None:
            continue
        functions = [dig(doc, "Globals", "Function")]
        functions += [dig(r, "Properties") for r in resources.values()]
        for props in functions:
            preference = mapping(dig(props, "DeploymentPreference"))
            kind = preference.get("Type") if preference is not None else None
            if preference is not None and isinstance(kind, str) and \
                    re.match(r"(?i)(canary|linear)", kind):
                return f"{path}:{preference.line_of('Type')}"
            controller = mapping(dig(props, "DeploymentController"))
            if controller is not None and controller.get("Type") == "CODE_DEPLOY":
                return f"{path}:{controller.line_of('Type')}"
    return None
