"""How changes reach production, and what protects it there.

Progressive delivery, GitOps, admission policy, feature flags, load tests,
chaos experiments and backups, each from the files that configure them:
Kubernetes manifests (Helm chart templates that are off by default do not
count), CodeDeploy AppSpec and SAM templates, Rego files, dependency
manifests and test scripts.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from scanner.collectors.base import Emitter
from scanner.collectors.files import Detector, pom
from scanner.collectors.files.index import FileIndex, Manifest, is_example
from scanner.collectors.files.kubernetes import (
    Helm,
    dig,
    enabled_manifests,
    group_is,
    mapping,
    sequence,
)
from scanner.collectors.structured import load_json, load_toml
from scanner.signals import SignalSpec
from scanner.yaml_source import LineDict, LineList


def _part(name: str, kind: str, description: str) -> SignalSpec:
    return SignalSpec(name, kind, description, ("repo", "service"))


SIGNALS: tuple[SignalSpec, ...] = (
    _part("deploy.progressive.tools", "list",
          "Progressive delivery configured: argo-rollouts, flagger, codedeploy, "
          "istio-traffic-split, gateway-api-traffic-split, knative-traffic-split, spinnaker"),
    _part("deploy.gitops.tools", "list", "GitOps controllers configured: argocd, flux"),
    _part("deploy.gitops.verified", "bool",
          "The GitOps controller deploys only what passes a check: Flux sources that verify "
          "signatures (`spec.verify`) or Argo CD projects that require signed commits "
          "(`signatureKeys`); said only where GitOps is configured"),
    _part("policy.tools", "list",
          "Policy-as-code: kyverno, gatekeeper, opa, kubewarden, conftest, "
          "k8s-admission-policy"),
    _part("featureflags.tools", "list",
          "Feature-flag or experimentation SDKs among the dependencies"),
    _part("loadtest.tools", "list", "Load test scripts: k6, locust, gatling, jmeter, artillery"),
    _part("chaos.tools", "list",
          "Chaos experiments defined: litmus, chaos-mesh, chaos-toolkit, aws-fis-template"),
    _part("chaos.scheduled", "bool", "A chaos experiment runs on a schedule"),
    _part("backups.tools", "list",
          "Scheduled backups defined: velero, k8up, cloudnative-pg, stash, kasten"),
    _part("backups.restore_tests", "bool",
          "Restores are checked in (Velero/K8up/Stash restore, Kasten restore policy): "
          "a restore drill"),
)

# Load tests are tests: only documentation, examples and fixtures are ignored for them.
NOT_LOAD_TESTS = re.compile(r"(?i)(^|/)(docs?|examples?|samples?|testdata|test-data|fixtures|"
                            r"node_modules|vendor|bower_components|third_party)/")
VENDORED = re.compile(r"(^|/)(node_modules|vendor|bower_components|third_party|\.venv|venv|"
                      r"site-packages)/")
LOCKFILES = frozenset({"package-lock.json", "npm-shrinkwrap.json", "composer.lock",
                       "Pipfile.lock", "package.json", "tsconfig.json", "composer.json"})
MAX_DEPTH = 40

FEATURE_FLAG_TOOLS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("configcat", re.compile(r"configcat")),
    ("devcycle", re.compile(r"devcycle")),
    ("flagsmith", re.compile(r"flagsmith")),
    ("flipt", re.compile(r"(?<![a-z0-9])flipt(?![a-z0-9])")),
    ("growthbook", re.compile(r"growthbook")),
    ("harness-ff", re.compile(r"(?<![a-z0-9])ff-[a-z0-9]+-(server|client)-sdk|"
                              r"harness-featureflags")),
    ("launchdarkly", re.compile(r"launchdarkly")),
    ("openfeature", re.compile(r"open-?feature")),
    ("optimizely", re.compile(r"optimizely")),
    ("posthog", re.compile(r"posthog")),
    ("split", re.compile(r"splitio|splitsoftware|(^|[/:])io\.split\.client|splitclient-rb")),
    ("statsig", re.compile(r"statsig")),
    ("unleash", re.compile(r"unleash")),
)

K6_IMPORT = re.compile(r"""(\bfrom\s*|\bimport\s*|\brequire\s*\(\s*)['"]k6(/[\w./-]*)?['"]""")
LOCUST_IMPORT = re.compile(r"^\s*(from\s+locust(\.\w+)*\s+import\b|import\s+locust\b)")
GATLING_IMPORT = re.compile(r"^\s*import\s+(static\s+)?io\.gatling\b")
JS_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")
JVM_SUFFIXES = (".scala", ".java", ".kt", ".kts")
SPINNAKER_STRATEGY = re.compile(r"(?i)\b(red-?black|rollingredblack|blue-?green|blue/green|"
                                r"canary|kayenta)\b")
TRAFFIC_HOOKS = frozenset({"beforeallowtraffic", "afterallowtraffic", "afterallowtesttraffic"})
SHIFTED_TYPES = frozenset({"aws::ecs::service", "aws::lambda::function"})


class Found:
    """Tools seen, with the first place each was seen."""

    def __init__(self) -> None:
        self.where: dict[str, str] = {}

    def add(self, tool: str, locator: str) -> None:
        self.where.setdefault(tool, locator)

    def emit(self, out: Emitter, signal: str, negative: str) -> None:
        tools = sorted(self.where)
        out.emit(signal, tools, [self.where[t] for t in tools], None if tools else negative)


def detect(files: FileIndex, out: Emitter) -> None:
    helm = Helm(files)
    manifests, _ = enabled_manifests(files, helm)
    paths = sorted(files.paths())
    _progressive(files, manifests, paths, out)
    _gitops(manifests, out)
    _policy(manifests, paths, helm, out)
    _feature_flags(files, paths, out)
    _load_tests(files, paths, out)
    _chaos(files, manifests, paths, out)
    _backups(manifests, out)


# --- progressive delivery ------------------------------------------------------------------


def _progressive(files: FileIndex, manifests: Sequence[Manifest], paths: Sequence[str],
                 out: Emitter) -> None:
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
            where = _first_line(files, path, SPINNAKER_STRATEGY)
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


def _first_line(files: FileIndex, path: str, pattern: re.Pattern[str]) -> str | None:
    for number, line in enumerate((files.text(path) or "").splitlines(), 1):
        if pattern.search(line):
            return f"{path}:{number}"
    return None


# --- GitOps and policy ---------------------------------------------------------------------


# The GitOps definitions that say what is deployed from where come first when cited: Flux
# Kustomizations and Argo CD Applications; then what they reconcile; the files `flux
# bootstrap` writes into flux-system/ last.
_GITOPS_RANK = {("flux", "Kustomization"): 0, ("argocd", "Application"): 0,
                ("argocd", "ApplicationSet"): 0}


def _gitops(manifests: Sequence[Manifest], out: Emitter) -> None:
    found: dict[str, list[tuple[int, str]]] = {}
    for m in manifests:
        tool = None
        if m.group == "argoproj.io" and m.kind in ("Application", "ApplicationSet",
                                                   "AppProject"):
            tool = "argocd"
        elif m.group.endswith("toolkit.fluxcd.io") and m.kind in (
                "Kustomization", "HelmRelease", "GitRepository", "OCIRepository"):
            tool = "flux"
        if tool:
            rank = 2 if "/flux-system/" in f"/{m.path}" else _GITOPS_RANK.get((tool, m.kind), 1)
            found.setdefault(tool, []).append((rank, m.locator))
    tools = sorted(found)
    places = [locator for tool in tools for _, locator in sorted(found[tool])]
    out.emit("deploy.gitops.tools", tools, places, None if tools else
             "no Argo CD Application/ApplicationSet/AppProject or Flux "
             "Kustomization/HelmRelease/GitRepository/OCIRepository")
    if tools:
        checked = [m.locator for m in manifests if _verifies(m)]
        out.emit("deploy.gitops.verified", bool(checked), checked or places[:1],
                 None if checked else "no Flux source verifies signatures and no Argo CD "
                 "project requires signed commits")


def _verifies(m: Manifest) -> bool:
    """A Flux source that verifies what it fetches, or an Argo CD project that only syncs
    signed commits."""
    if m.group == "source.toolkit.fluxcd.io":
        return bool(mapping(dig(m.body, "spec", "verify")))
    if m.group == "argoproj.io" and m.kind == "AppProject":
        return bool(sequence(dig(m.body, "spec", "signatureKeys")))
    return False


def _policy(manifests: Sequence[Manifest], paths: Sequence[str], helm: Helm,
            out: Emitter) -> None:
    found = Found()
    for m in manifests:
        if (m.group == "kyverno.io" and m.kind in ("ClusterPolicy", "Policy")) or \
                (m.group.endswith(".kyverno.io") and m.kind.endswith("Policy")):
            found.add("kyverno", m.locator)
        elif (m.group == "templates.gatekeeper.sh" and m.kind == "ConstraintTemplate") or \
                m.group in ("constraints.gatekeeper.sh", "mutations.gatekeeper.sh"):
            found.add("gatekeeper", m.locator)
        elif m.group == "policies.kubewarden.io" and "AdmissionPolicy" in m.kind:
            found.add("kubewarden", m.locator)
        elif m.kind in ("ValidatingAdmissionPolicy", "MutatingAdmissionPolicy") and \
                group_is(m, helm, "admissionregistration.k8s.io"):
            found.add("k8s-admission-policy", m.locator)
    for path in paths:
        if is_example(path) or VENDORED.search(path):
            continue
        if path.endswith(".rego") and not path.endswith("_test.rego"):
            where = _first_line(helm.files, path, re.compile(r"^\s*package\s")) or f"{path}:1"
            found.add("opa", where)
            if path.startswith("policy/") or "/policy/" in path:
                found.add("conftest", where)  # conftest's default policy folder
        elif posixpath.basename(path) == "conftest.toml":
            found.add("conftest", f"{path}:1")
    found.emit(out, "policy.tools",
               "no Kyverno, Gatekeeper, Kubewarden or admission policies, Rego files or "
               "Conftest configuration")


# --- feature flags -------------------------------------------------------------------------


def _feature_flags(files: FileIndex, paths: Sequence[str], out: Emitter) -> None:
    found = Found()
    looked: list[str] = []
    for path in paths:
        if is_example(path) or VENDORED.search(path):
            continue
        reader = _dependency_reader(path)
        if reader is None:
            continue
        looked.append(path)
        text = files.text(path)
        if text is None:
            continue
        try:
            names = list(reader(text))
        except (ValueError, TypeError, AttributeError, RecursionError):
            continue  # a manifest this reader cannot parse
        for name, line in names:
            lowered = name.lower()
            for tool, pattern in FEATURE_FLAG_TOOLS:
                if pattern.search(lowered):
                    found.add(tool, f"{path}:{line}")
    found.emit(out, "featureflags.tools",
               "no feature-flag SDK among the dependencies" if looked
               else "no dependency manifests")


Reader = Callable[[str], Iterable[tuple[str, int]]]


def _dependency_reader(path: str) -> Reader | None:
    name = posixpath.basename(path)
    folder = posixpath.basename(posixpath.dirname(path))
    if name == "package.json":
        return lambda text: _json_keys(text, ("dependencies", "devDependencies"))
    if name == "composer.json":
        return lambda text: _json_keys(text, ("require", "require-dev"))
    if re.match(r"(?i)^(requirements|constraints)[\w.-]*\.(txt|in)$", name) or \
            (folder == "requirements" and name.endswith((".txt", ".in"))):
        return _requirements
    if name in ("pyproject.toml", "Pipfile", "Cargo.toml", "libs.versions.toml"):
        return lambda text: _toml_names(text, name)
    if name == "go.mod":
        return _go_mod
    if name == "pom.xml":
        return pom.dependencies
    if name in ("build.gradle", "build.gradle.kts"):
        return _gradle
    if name == "Gemfile" or name.endswith(".gemspec"):
        return _gems
    if name.endswith((".csproj", ".fsproj", ".vbproj")) or name in (
            "Directory.Packages.props", "packages.config"):
        return _nuget
    return None


def _line_of(lines: Sequence[str], name: str, start: int = 0) -> int:
    """The first line at or after `start` naming the package (1-based; the first line if none)."""
    pattern = re.compile(r"(?<![\w.-])" + re.escape(name) + r"(?![\w.-])", re.IGNORECASE)
    order: list[int] = [*range(start, len(lines)), *range(0, start)]
    for index in order:
        if pattern.search(lines[index]) and not lines[index].lstrip().startswith(("#", "//")):
            return index + 1
    return 1


def _json_keys(text: str, sections: Sequence[str]) -> Iterator[tuple[str, int]]:
    data = load_json(text)
    if not isinstance(data, dict):
        return
    lines = text.splitlines()
    for section in sections:
        deps = data.get(section)
        if not isinstance(deps, dict):
            continue
        start = next((i for i, line in enumerate(lines)
                      if re.search(r'"' + re.escape(section) + r'"\s*:', line)), 0)
        for name in deps:
            yield str(name), _line_of(lines, str(name), start)


REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


def _requirements(text: str) -> Iterator[tuple[str, int]]:
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):
            egg = re.search(r"#egg=([A-Za-z0-9._-]+)", line)
            if egg:
                yield egg.group(1), number
            continue
        match = REQUIREMENT.match(line)
        if match:
            yield match.group(1), number


def _toml_names(text: str, kind: str) -> Iterator[tuple[str, int]]:
    data = load_toml(text)
    lines = text.splitlines()
    for name in _toml_dependencies(data, kind):
        yield name, _line_of(lines, name)


def _toml_dependencies(data: dict[str, Any], kind: str) -> Iterator[str]:
    def keys(table: Any) -> Iterator[str]:
        if isinstance(table, dict):
            for key, value in table.items():
                package = value.get("package") if isinstance(value, dict) else None
                yield str(package) if isinstance(package, str) else str(key)

    def specs(items: Any) -> Iterator[str]:
        for item in items if isinstance(items, list) else []:
            match = REQUIREMENT.match(item.strip()) if isinstance(item, str) else None
            if match:
                yield match.group(1)

    def table(*steps: str) -> Any:
        node: Any = data
        for step in steps:
            node = node.get(step) if isinstance(node, dict) else None
        return node

    if kind == "pyproject.toml":
        yield from specs(table("project", "dependencies"))
        for group in (table("project", "optional-dependencies"), table("dependency-groups"),
                      table("tool", "pdm", "dev-dependencies")):
            for items in group.values() if isinstance(group, dict) else []:
                yield from specs(items)
        yield from specs(table("tool", "uv", "dev-dependencies"))
        poetry = table("tool", "poetry")
        yield from keys(table("tool", "poetry", "dependencies"))
        yield from keys(table("tool", "poetry", "dev-dependencies"))
        groups = poetry.get("group") if isinstance(poetry, dict) else None
        for group in groups.values() if isinstance(groups, dict) else []:
            yield from keys(group.get("dependencies") if isinstance(group, dict) else None)
    elif kind == "Pipfile":
        yield from keys(table("packages"))
        yield from keys(table("dev-packages"))
    elif kind == "Cargo.toml":
        sections = ("dependencies", "dev-dependencies", "build-dependencies")
        for section in sections:
            yield from keys(table(section))
            yield from keys(table("workspace", section))
        targets = table("target")
        for target in targets.values() if isinstance(targets, dict) else []:
            for section in sections:
                yield from keys(target.get(section) if isinstance(target, dict) else None)
    elif kind == "libs.versions.toml":
        libraries = table("libraries")
        for value in libraries.values() if isinstance(libraries, dict) else []:
            if isinstance(value, str):
                yield ":".join(value.split(":")[:2])
            elif isinstance(value, dict) and isinstance(value.get("module"), str):
                yield value["module"]
            elif isinstance(value, dict) and isinstance(value.get("group"), str):
                yield f"{value['group']}:{value.get('name', '')}"


def _go_mod(text: str) -> Iterator[tuple[str, int]]:
    in_block = False
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.split("//", 1)[0].strip()
        if stripped.startswith("require ("):
            in_block = True
        elif in_block and stripped == ")":
            in_block = False
        elif in_block and stripped:
            yield stripped.split()[0], number
        elif stripped.startswith("require "):
            parts = stripped.split()
            if len(parts) >= 2:
                yield parts[1], number


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


GRADLE_COORDINATE = re.compile(r"""["']([\w.-]+):([\w.-]+)(:[^"']*)?["']""")
GRADLE_MAP = re.compile(r"""group\s*[:=]\s*["']([^"']+)["']\s*,\s*name\s*[:=]\s*["']([^"']+)""")


def _gradle(text: str) -> Iterator[tuple[str, int]]:
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("//"):
            continue
        for match in GRADLE_COORDINATE.finditer(line):
            yield f"{match.group(1)}:{match.group(2)}", number
        for match in GRADLE_MAP.finditer(line):
            yield f"{match.group(1)}:{match.group(2)}", number


GEM = re.compile(r"""^\s*(gem|\w+\.add_(?:runtime_|development_)?dependency)\s*\(?\s*["']"""
                 r"""([^"']+)["']""")


def _gems(text: str) -> Iterator[tuple[str, int]]:
    for number, line in enumerate(text.splitlines(), 1):
        match = GEM.match(line)
        if match:
            yield match.group(2), number


NUGET = re.compile(r"""<(?:PackageReference|PackageVersion|package)\b[^>]*?\s"""
                   r"""(?:Include|Update|id)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def _nuget(text: str) -> Iterator[tuple[str, int]]:
    for match in NUGET.finditer(text):
        yield match.group(1), _line_at(text, match.start())


# --- load tests ----------------------------------------------------------------------------


def _load_tests(files: FileIndex, paths: Sequence[str], out: Emitter) -> None:
    found = Found()
    for path in paths:
        if NOT_LOAD_TESTS.search(path):
            continue
        name = posixpath.basename(path)
        if path.endswith(JS_SUFFIXES) and not path.endswith(".d.ts"):
            where = _grep(files, path, "k6", K6_IMPORT)
            if where:
                found.add("k6", where)
        elif path.endswith(".py"):
            where = _grep(files, path, "locust", LOCUST_IMPORT)
            if where or name == "locustfile.py":
                found.add("locust", where or f"{path}:1")
        elif path.endswith(JVM_SUFFIXES):
            where = _grep(files, path, "io.gatling", GATLING_IMPORT)
            if where:
                found.add("gatling", where)
        elif path.endswith(".jmx"):
            found.add("jmeter", _grep(files, path, "jmeterTestPlan",
                                      re.compile(r"<jmeterTestPlan\b")) or f"{path}:1")
        elif path.endswith((".yml", ".yaml")) and not path.startswith(".github/"):
            where = _artillery(files, path)
            if where:
                found.add("artillery", where)
    found.emit(out, "loadtest.tools",
               "no k6, Locust, Gatling, JMeter or Artillery load test scripts")


def _grep(files: FileIndex, path: str, word: str, pattern: re.Pattern[str]) -> str | None:
    text = files.text(path)
    if not text or word not in text:
        return None
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.search(line):
            return f"{path}:{number}"
    return None


def _artillery(files: FileIndex, path: str) -> str | None:
    text = files.text(path) or ""
    if "scenarios" not in text or "config" not in text:
        return None
    for doc in files.yaml(path):
        config = mapping(dig(doc, "config"))
        if config is None or not isinstance(dig(doc, "scenarios"), LineList):
            continue
        environments = mapping(config.get("environments"))
        if "target" in config or (environments is not None and any(
                isinstance(e, LineDict) and "target" in e for e in environments.values())):
            return f"{path}:{doc.line_of('config')}"
    return None


# --- chaos ---------------------------------------------------------------------------------


def _chaos(files: FileIndex, manifests: Sequence[Manifest], paths: Sequence[str],
           out: Emitter) -> None:
    found = Found()
    scheduled: list[str] = []
    for m in manifests:
        spec = mapping(m.body.get("spec"))
        if m.group == "litmuschaos.io" and m.kind in ("ChaosEngine", "ChaosExperiment",
                                                      "ChaosSchedule"):
            found.add("litmus", m.locator)
            if m.kind == "ChaosSchedule":
                scheduled.append(m.locator)
        elif m.group == "chaos-mesh.org" and (m.kind.endswith("Chaos") or m.kind in (
                "Schedule", "Workflow")):
            found.add("chaos-mesh", m.locator)
            if m.kind == "Schedule":
                scheduled.append(m.locator)
        elif m.group == "argoproj.io" and m.kind in ("Workflow", "CronWorkflow",
                                                     "WorkflowTemplate") and \
                "litmuschaos" in (files.text(m.path) or ""):
            found.add("litmus", m.locator)  # a Litmus chaos workflow (Argo Workflows)
            if m.kind == "CronWorkflow":
                scheduled.append(m.locator)
        elif m.kind == "CronJob" and m.group == "batch":
            tool = _chaos_job(m)
            if tool:
                found.add(tool, m.locator)
                scheduled.append(m.locator)
        if m.group in ("litmuschaos.io", "chaos-mesh.org") and spec is not None:
            key = next((k for k in ("scheduler", "schedule") if k in spec), None)
            if key is not None and m.kind not in ("ChaosSchedule", "Schedule"):
                scheduled.append(f"{m.path}:{spec.line_of(key)}")  # chaos with its own cron
    for path in paths:
        if is_example(path) or VENDORED.search(path) or \
                not path.endswith((".json", ".yaml", ".yml")) or \
                posixpath.basename(path) in LOCKFILES:
            continue
        text = files.text(path) or ""
        if "stopConditions" in text:
            where = _experiment(files, path, text, _fis_template)
            if where:
                found.add("aws-fis-template", where)
        if "method" in text and ("steady-state-hypothesis" in text or "provider" in text):
            where = _experiment(files, path, text, _chaos_toolkit)
            if where:
                found.add("chaos-toolkit", where)
    found.emit(out, "chaos.tools",
               "no Litmus, Chaos Mesh, Chaos Toolkit or AWS FIS experiments")
    out.emit("chaos.scheduled", bool(scheduled), scheduled[:1] or list(found.where.values()),
             None if scheduled else "no chaos schedule (Litmus ChaosSchedule, Chaos Mesh "
             "Schedule, chaos CronWorkflow or CronJob)")


def _chaos_job(manifest: Manifest) -> str | None:
    """A CronJob that runs chaos: a Chaos Toolkit or Litmus image, or `chaos run`."""
    pod = dig(manifest.body, "spec", "jobTemplate", "spec", "template", "spec")
    for container in sequence(dig(pod, "containers")) or []:
        image = str(dig(container, "image") or "")
        words = " ".join(str(w) for key in ("command", "args")
                         for w in sequence(dig(container, key)) or [])
        if "chaostoolkit" in image or re.search(r"\bchaos\s+run\b", words):
            return "chaos-toolkit"
        if "litmuschaos" in image:
            return "litmus"
    return None


def _experiment(files: FileIndex, path: str, text: str,
                shape: Callable[[Any], bool]) -> str | None:
    docs = files.yaml(path)
    if not docs and path.endswith(".json"):
        try:
            docs = [load_json(text)]
        except ValueError:
            return None
    for doc in docs:
        if shape(doc):
            return f"{path}:{doc.line}" if isinstance(doc, LineDict) else f"{path}:1"
    return None


def _fis_template(doc: Any) -> bool:
    """An AWS FIS experiment template: actions, targets and stop conditions at the top."""
    return isinstance(doc, dict) and isinstance(doc.get("actions"), dict) and \
        "targets" in doc and isinstance(doc.get("stopConditions"), list)


def _chaos_toolkit(doc: Any) -> bool:
    """A Chaos Toolkit experiment: a `method` of actions and probes, with a hypothesis or title."""
    if not isinstance(doc, dict) or not isinstance(doc.get("method"), list):
        return False
    steps = [s for s in doc["method"] if isinstance(s, dict)]
    return bool(steps) and all(s.get("type") in ("action", "probe") or "ref" in s
                               for s in steps) and \
        ("steady-state-hypothesis" in doc or "title" in doc)


# --- backups -------------------------------------------------------------------------------


def _backups(manifests: Sequence[Manifest], out: Emitter) -> None:
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


DETECTOR = Detector("delivery", SIGNALS, detect)
