"""Observability and detection kept as code in a repository.

SLOs (OpenSLO, Sloth, Pyrra, Google's slo-generator, Nobl9, Prometheus SLO
recording rules) and alerting on their error budget; Prometheus alerting and
recording rules (rule files, PrometheusRule resources, rules inside ConfigMaps
and Helm values); real-user monitoring SDKs and synthetic checks (Checkly,
Elastic synthetics, Datadog synthetics, blackbox probes); telemetry
conventions (OpenTelemetry, Datadog unified service tagging, Prometheus client
libraries) and whether deployments name their service and environment; and
security detection rules (Falco, Sigma, Datadog, Elastic, Prometheus alerts on
failed authentication).

Terraform is the cloud IaC detector's (`iac.slos`, `iac.synthetics`, `iac.rum`,
`iac.security_monitoring`): this one reads the tools' own files.

Everything is read through the shared `FileIndex`, each file once: a plain
substring test decides whether a file is parsed at all.  Examples, tests,
documentation and vendored code are ignored (synthetic checks, being tests by
nature, may live in a `tests/` or `e2e/` folder); a file that cannot be read
or parsed is left out, never fatal.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.collectors.base import Emitter
from scanner.collectors.files import Detector, pom
from scanner.collectors.files.index import YAML_SUFFIXES, FileIndex, is_example
from scanner.collectors.structured import load_json, load_toml
from scanner.signals import SignalSpec, specs_about
from scanner.yaml_source import LineDict, LineList, TextPosition, YamlError, load_yaml_documents

KINDS = ("repo", "service")


_spec = specs_about(*KINDS)


SIGNALS: tuple[SignalSpec, ...] = (
    _spec("slo.specs", "list",
          "Kinds of SLO-as-code in the repository: openslo, sloth, pyrra, slo-generator, nobl9, "
          "prometheus-slo-rules (recording rules named for SLOs, SLIs, error budgets or burn "
          "rates)"),
    _spec("slo.count", "int",
          "SLOs defined: OpenSLO and Nobl9 SLO objects, Sloth `slos` entries, Pyrra and "
          "slo-generator objectives, and SLOs that only show as recording rules (one per "
          "sloth_id / slo label or rule group)"),
    _spec("slo.burn_rate_alerts", "bool",
          "Alerting on error-budget burn: Sloth page/ticket alerts, Pyrra objectives (burn-rate "
          "alerts unless disabled), OpenSLO burnrate alert conditions, Nobl9 burn alert "
          "policies, slo-generator alerting policy steps, or Prometheus alerts on burn rate or "
          "error budget"),
    _spec("prometheus.alert_rules", "int",
          "Prometheus alerting rules in rule files, PrometheusRule resources, ConfigMaps and "
          "Helm values (the same name and expression counted once)"),
    _spec("prometheus.recording_rules", "int",
          "Prometheus recording rules in rule files, PrometheusRule resources, ConfigMaps and "
          "Helm values (the same name and expression counted once)"),
    _spec("ux.rum.tools", "list",
          "Real-user monitoring browser SDKs among package.json dependencies: datadog-rum, "
          "newrelic-browser, grafana-faro, elastic-rum, sentry-browser, splunk-rum, otel-web, "
          "dynatrace, aws-rum, azure-app-insights"),
    _spec("ux.synthetics.tools", "list",
          "Synthetic monitoring as code: checkly, elastic-synthetics, datadog-synthetics, "
          "blackbox (Prometheus Probe resources or blackbox-exporter HTTP modules)"),
    _spec("telemetry.conventions", "list",
          "Telemetry conventions followed: opentelemetry (an SDK dependency, OTEL_SERVICE_NAME "
          "or OTEL_RESOURCE_ATTRIBUTES set, operator auto-instrumentation), "
          "datadog-unified-tags (two of service/env/version set together by DD_* variables or "
          "Datadog tag labels), prometheus-instrumentation (a Prometheus client library)"),
    _spec("telemetry.service_identity", "bool",
          "A deployment (Kubernetes document, Compose service, Helm values, Dockerfile) sets "
          "both a service name and an environment for its telemetry"),
    _spec("security.rules", "list",
          "Security detection rules as code: falco, sigma, prometheus-auth-alerts, "
          "datadog-security-rules, elastic-detection-rules"),
)

MAX_LOCATORS = 20
MAX_DEPTH = 40
MAX_FILE_CHARS = 1_000_000

# Vendored, built or installed code: not the repository's own.
VENDORED = re.compile(r"(?i)(^|/)(vendor|vendors|third[-_]?party|node_modules|bower_components|"
                      r"jspm_packages|dist|build|\.venv|venv|site-packages|\.yarn|Pods)/")
# Synthetic checks are tests by nature: only documentation, examples and fixtures are ignored.
NOT_MONITORS = re.compile(r"(?i)(^|/)(docs?|examples?|samples?|testdata|test-data|fixtures|"
                          r"__tests__)/")
# CI configuration sets variables for jobs, not for deployed services.
CI_CONFIG = re.compile(r"^(\.github/|\.gitlab/|\.circleci/|\.buildkite/|\.gitlab-ci\.ya?ml$|"
                       r"azure-pipelines[^/]*$|bitbucket-pipelines\.ya?ml$)")

# --- SLOs ----------------------------------------------------------------------------------

OPENSLO_GROUP = re.compile(r"^openslo(\.com)?$")
NOBL9_BURN = frozenset({"averageburnrate", "timetoburnbudget", "timetoburnentirebudget",
                        "burnedbudget"})
SLO_RECORD = re.compile(r"(?i)(^|[:_])(slo|sli)([:_]|$)|error_?budget|burn_?rate")
BURN_ALERT = re.compile(r"(?i)burn_?rate|error_?budget|slo:sli_error")
SLO_ID_LABELS = ("sloth_id", "slo", "slo_name")

# --- security ------------------------------------------------------------------------------

AUTH_WORDS = re.compile(
    r"(?i)auth(entication|n)?[\s_-]*(fail|error|denied|reject)|"
    r"(log[\s_-]?in|log[\s_-]?on|sign[\s_-]?in)[\s_-]*(fail|error|attempt)|"
    r"failed[\s_-]*(log[\s_-]?in|log[\s_-]?on|auth|password|credential)|unauthori[sz]ed|forbidden|"
    r"brute[\s_-]*force|invalid[\s_-]*(token|credential|password|login)|access[\s_-]*denied|"
    r"password[\s_-]*(fail|mismatch)")
AUTH_STATUS = re.compile(r"(?i)\b(code|status)\w*\s*=~?\s*[\"'][^\"']*\b40[13]\b")
FALCO_ITEM = re.compile(r"-\s+rule\s*:")
DATADOG_RULE_TYPES = frozenset({"log_detection", "workload_security", "signal_correlation",
                                "application_security", "cloud_configuration",
                                "infrastructure_configuration"})
SECURITY_PATH = re.compile(r"(?i)(secur|detect|rule|siem|datadog|threat|signal)")

# --- user experience -----------------------------------------------------------------------

RUM_PACKAGES: dict[str, str] = {
    "@datadog/browser-rum": "datadog-rum",
    "@datadog/browser-rum-slim": "datadog-rum",
    "@datadog/browser-rum-react": "datadog-rum",
    "@newrelic/browser-agent": "newrelic-browser",
    "@grafana/faro-web-sdk": "grafana-faro",
    "@grafana/faro-react": "grafana-faro",
    "@elastic/apm-rum": "elastic-rum",
    "@elastic/apm-rum-react": "elastic-rum",
    "@elastic/apm-rum-angular": "elastic-rum",
    "@elastic/apm-rum-vue": "elastic-rum",
    **{f"@sentry/{name}": "sentry-browser"
       for name in ("browser", "react", "vue", "angular", "angular-ivy", "nextjs", "svelte",
                    "sveltekit", "remix", "gatsby", "ember", "solid", "astro", "nuxt")},
    "@splunk/otel-web": "splunk-rum",
    "@opentelemetry/sdk-trace-web": "otel-web",
    "@dynatrace/dtrum-api-types": "dynatrace",
    "aws-rum-web": "aws-rum",
    "@microsoft/applicationinsights-web": "azure-app-insights",
}
JS_SUFFIXES = (".ts", ".js", ".mjs", ".cjs", ".mts", ".cts")
CHECKLY_CONFIG = re.compile(r"^checkly\.config\.(ts|js|mjs|cjs|mts|cts)$")
ELASTIC_CONFIG = re.compile(r"^synthetics\.config\.(ts|js|mjs|cjs|mts|cts)$")
ELASTIC_IMPORT = re.compile(
    r"""(\bfrom\s*|\bimport\s*|\brequire\s*\(\s*)['"]@elastic/synthetics['"]""")
CHECKLY_IMPORT = re.compile(
    r"""(\bfrom\s*|\brequire\s*\(\s*)['"](checkly|@checkly/cli)(/[\w/-]*)?['"]""")
DATADOG_CI_SYNTHETICS = ("publicIds", "testSearchQuery", "defaultTestOverrides")

# --- telemetry -----------------------------------------------------------------------------

OTEL_VARS = ("OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES")
DD_VARS = {"DD_SERVICE": "service", "DD_ENV": "env", "DD_VERSION": "version"}
ENV_VARS = frozenset({*OTEL_VARS, *DD_VARS})
DD_LABELS = {f"{prefix}{tag}": tag for prefix in ("tags.datadoghq.com/", "com.datadoghq.tags.")
             for tag in ("service", "env", "version")}
OTEL_INJECT = "instrumentation.opentelemetry.io/inject-"
OTEL_ENV_ATTRIBUTES = frozenset({"deployment.environment", "deployment.environment.name"})
ASSIGNMENT = re.compile(r"^\s*([A-Za-z_][\w.\-/]*)\s*=(.*)$")
DOCKERFILE = re.compile(r"(?i)^(dockerfile|containerfile)([.-][\w.-]+)?$|\.dockerfile$")

# Dependency names by ecosystem; a trailing `*` matches any name with that beginning.
Patterns = dict[str, tuple[str, ...]]
OTEL_SDKS: Patterns = {
    "npm": ("@opentelemetry/sdk-*",),
    "pypi": ("opentelemetry-sdk", "opentelemetry-distro"),
    "go": ("go.opentelemetry.io/otel/sdk*",),
    "maven": ("io.opentelemetry:opentelemetry-sdk*",
              "io.opentelemetry.instrumentation:opentelemetry-spring-boot-starter",
              "io.opentelemetry.javaagent:opentelemetry-javaagent"),
    "nuget": ("opentelemetry", "opentelemetry.extensions.hosting"),
    "gem": ("opentelemetry-sdk",),
    "cargo": ("opentelemetry-sdk",),
    "composer": ("open-telemetry/sdk",),
}
PROMETHEUS_CLIENTS: Patterns = {
    "npm": ("prom-client", "express-prom-bundle"),
    "pypi": ("prometheus-client", "aioprometheus", "prometheus-fastapi-instrumentator",
             "django-prometheus", "prometheus-flask-exporter", "starlette-exporter"),
    "go": ("github.com/prometheus/client_golang",),
    "maven": ("io.micrometer:micrometer-registry-prometheus*", "io.prometheus:simpleclient*",
              "io.prometheus:prometheus-metrics-*"),
    "nuget": ("prometheus-net*",),
    "gem": ("prometheus-client",),
    "cargo": ("prometheus", "prometheus-client"),
    "composer": ("promphp/prometheus_client_php",),
}
DEPENDENCY_HINTS = ("opentelemetry", "open-telemetry", "prometheus", "prom-client", "prom-bundle",
                    "@datadog/browser", "@newrelic/browser", "faro", "apm-rum", "@sentry/",
                    "otel-web", "dtrum", "aws-rum", "applicationinsights-web", "promphp")


# --- where things are ----------------------------------------------------------------------

@dataclass(frozen=True)
class Where:
    """Turns a line of a parsed document into `path:line`.

    YAML kept inside a string (a ConfigMap's data, a Helm value) counts its lines
    from the string's first line: `offset` maps them back into the file, or
    `fixed` names the key's line when the string is not a literal block.
    """

    path: str
    offset: int = 0
    fixed: int = 0

    def at(self, line: int) -> str:
        return f"{self.path}:{self.fixed or line + self.offset}"


@dataclass
class Rule:
    alert: bool
    name: str
    expr: str
    locator: str
    path: str
    slo_id: str


@dataclass
class Found:
    """Everything seen in one pass over the tree."""

    slo_kinds: dict[str, str] = field(default_factory=dict)
    slos: list[tuple[str, str]] = field(default_factory=list)  # (kind, locator)
    slo_ids: set[str] = field(default_factory=set)  # Sloth ids and Pyrra names of the specs
    burn: list[str] = field(default_factory=list)
    rules: dict[tuple[bool, str, str], Rule] = field(default_factory=dict)
    rule_copies: int = 0
    rum: dict[str, str] = field(default_factory=dict)
    synthetics: dict[str, str] = field(default_factory=dict)
    conventions: dict[str, str] = field(default_factory=dict)
    scopes: list[Scope] = field(default_factory=list)
    security: dict[str, str] = field(default_factory=dict)
    packages: int = 0  # package.json files read

    def slo(self, kind: str, locator: str) -> None:
        self.slo_kinds.setdefault(kind, locator)
        self.slos.append((kind, locator))

    def rule(self, rule: Rule) -> None:
        key = (rule.alert, rule.name, " ".join(rule.expr.split()))
        if key in self.rules:
            self.rule_copies += 1
        else:
            self.rules[key] = rule


@dataclass
class Scope:
    """One deployment's telemetry settings: a Kubernetes document, a Compose service,
    a Helm values file or a Dockerfile."""

    otel_service: str | None = None
    otel_env: str | None = None
    datadog: dict[str, str] = field(default_factory=dict)  # service/env/version -> locator

    def identity(self) -> list[str] | None:
        if self.otel_service and self.otel_env:
            return [self.otel_service, self.otel_env]
        if "service" in self.datadog and "env" in self.datadog:
            return [self.datadog["service"], self.datadog["env"]]
        return None

    def named(self) -> str | None:
        return self.otel_service or self.datadog.get("service")


# --- entry point ---------------------------------------------------------------------------

def detect(files: FileIndex, out: Emitter) -> None:
    found = Found()
    for path in sorted(files.paths()):
        if VENDORED.search(path):
            continue
        name = posixpath.basename(path)
        lower = name.lower()
        try:
            if not NOT_MONITORS.search(path):
                _synthetic_file(files, path, name, found)
            if is_example(path):
                continue
            if lower.endswith(YAML_SUFFIXES):
                _yaml_file(files, path, found)
            elif lower.endswith(".toml") and name not in ("pyproject.toml", "Cargo.toml"):
                _toml_rule(files, path, found)
            elif lower.endswith(".json") and SECURITY_PATH.search(path) \
                    and name not in ("package.json", "composer.json"):
                _json_security_rules(files, path, found)
            if DOCKERFILE.search(name):
                _dockerfile(files, path, found)
            reader = _dependency_reader(path)
            if reader is not None:
                _dependencies(files, path, reader, found)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
            # Unparseable JSON or TOML, or a shape nobody foresaw: that file is left out,
            # the scan goes on.
            continue
    _emit(found, out)


def _text(files: FileIndex, path: str) -> str | None:
    text = files.text(path)
    if text is None or len(text) > MAX_FILE_CHARS:
        return None
    return text


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _first_line(text: str, pattern: re.Pattern[str]) -> int | None:
    match = pattern.search(text)
    return _line(text, match.start()) if match else None


# --- walking parsed documents --------------------------------------------------------------

def _nodes(node: Any) -> Iterator[LineDict | LineList]:
    """Every mapping and sequence of a document, each once (YAML aliases can share or
    nest them), to a bounded depth."""
    seen: set[int] = set()
    pending: list[tuple[Any, int]] = [(node, 0)]
    while pending:
        item, depth = pending.pop()
        if not isinstance(item, LineDict | LineList) or id(item) in seen or depth > MAX_DEPTH:
            continue
        seen.add(id(item))
        yield item
        children = item.values() if isinstance(item, LineDict) else item
        pending.extend((child, depth + 1) for child in reversed(list(children)))


def _mappings(node: Any) -> Iterator[LineDict]:
    return (item for item in _nodes(node) if isinstance(item, LineDict))


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _scalar(value: Any) -> str | None:
    """A scalar setting's text, None when unset (missing, null, empty, a collection)."""
    if isinstance(value, bool) or value is None or isinstance(value, LineDict | LineList):
        return None
    text = str(value).strip()
    return text or None


def _group(document: LineDict) -> str:
    return _str(document.get("apiVersion")).rpartition("/")[0]


def _embedded(documents: Sequence[Any], path: str, markers: Sequence[str]
              ) -> Iterator[tuple[Any, Where]]:
    """YAML documents kept in string values (ConfigMap data, Helm values such as
    `customRules`), when the string holds one of the markers."""
    for node in documents:
        for item in _nodes(node):
            keys: Iterable[Any] = item.keys() if isinstance(item, LineDict) else range(len(item))
            for key in keys:
                value = item[key]
                if not isinstance(value, str) or "\n" not in value \
                        or not any(marker in value for marker in markers):
                    continue
                try:
                    inner = load_yaml_documents(value)
                except YamlError:
                    continue
                position: TextPosition = item.position_of(key)
                where = Where(path, offset=position.line) if position.literal_block \
                    else Where(path, fixed=position.line)
                yield from ((doc, where) for doc in inner if doc is not None)


# --- YAML files ----------------------------------------------------------------------------

def _yaml_file(files: FileIndex, path: str, found: Found) -> None:
    text = _text(files, path)
    if text is None:
        return
    kube = "apiVersion" in text and "kind" in text and any(
        group in text for group in ("openslo", "pyrra.dev", "n9/", "sre.google.com",
                                    "sloth.slok.dev", "monitoring.coreos.com",
                                    "opentelemetry.io"))
    sloth = "prometheus/v1" in text and "slos" in text
    slo_generator = "slo_target" in text or "burn_rate_threshold" in text
    rules = "groups" in text and "rules" in text and "expr" in text
    falco = "rule" in text and "condition" in text and FALCO_ITEM.search(text) is not None
    sigma = "logsource" in text and "detection" in text
    blackbox = "prober" in text and "modules" in text
    datadog_rule = "cases" in text and "queries" in text
    telemetry = not CI_CONFIG.match(path) and any(
        hint in text for hint in ("OTEL_", "DD_", "datadoghq", OTEL_INJECT))
    if not (kube or sloth or slo_generator or rules or falco or sigma or blackbox
            or datadog_rule or telemetry):
        return
    documents = files.yaml(path)
    sources: list[tuple[Any, Where]] = [(doc, Where(path)) for doc in documents]
    if rules or falco or sigma:
        sources += _embedded(documents, path, ("groups:", "rule:", "logsource:"))
    for document, where in sources:
        if isinstance(document, LineDict):
            if kube and isinstance(document.get("kind"), str):
                _kubernetes(document, where, found)
            if sloth and document.get("version") == "prometheus/v1":
                _sloth(document, where, found)
            if slo_generator:
                _slo_generator(document, where, found)
            if sigma:
                _sigma(document, where, found)
            if blackbox:
                _blackbox(document, where, found)
            if datadog_rule and _datadog_rule(document):
                found.security.setdefault("datadog-security-rules",
                                          where.at(document.line_of("cases")))
        elif isinstance(document, LineList):
            if kube:  # sloctl and OpenSLO tools also take a list of objects
                for item in document:
                    if isinstance(item, LineDict) and isinstance(item.get("kind"), str):
                        _kubernetes(item, where, found)
            if falco:
                _falco(document, where, found)
            if slo_generator:
                _slo_generator_policy(document, where, found)
        if rules:
            _prometheus_rules(document, where, found)
    if telemetry:
        _telemetry_yaml(documents, path, found)


def _kubernetes(document: LineDict, where: Where, found: Found) -> None:
    kind = document["kind"]
    group = _group(document)
    spec = document.get("spec")
    at = where.at(document.line)
    if OPENSLO_GROUP.match(group):
        if kind == "SLO":
            found.slo("openslo", at)
        if kind in ("SLO", "AlertPolicy", "AlertCondition"):
            found.burn += [where.at(node.line_of("kind")) for node in _mappings(spec)
                           if _str(node.get("kind")).lower() == "burnrate"]
    elif group == "n9":
        if kind == "SLO":
            found.slo("nobl9", at)
        elif kind == "AlertPolicy" and isinstance(spec, LineDict) \
                and isinstance(spec.get("conditions"), LineList):
            found.burn += [where.at(condition.line_of("measurement"))
                           for condition in spec["conditions"]
                           if isinstance(condition, LineDict)
                           and _str(condition.get("measurement")).lower() in NOBL9_BURN]
    elif group.endswith("pyrra.dev") and kind == "ServiceLevelObjective":
        found.slo("pyrra", at)
        metadata = document.get("metadata")
        if isinstance(metadata, LineDict) and isinstance(metadata.get("name"), str):
            found.slo_ids.add(metadata["name"])
        alerting = spec.get("alerting") if isinstance(spec, LineDict) else None
        alerting = alerting if isinstance(alerting, LineDict) else LineDict()
        if alerting.get("disabled") is not True and alerting.get("burnrates") is not False:
            found.burn.append(at)  # Pyrra generates multi-window burn-rate alerts by default
    elif group == "sre.google.com" and kind == "ServiceLevelObjective":
        found.slo("slo-generator", at)
    elif group == "sloth.slok.dev" and kind == "PrometheusServiceLevel" \
            and isinstance(spec, LineDict):
        _sloth(spec, where, found)
    elif group == "monitoring.coreos.com" and kind == "Probe":
        found.synthetics.setdefault("blackbox", at)
    elif group == "opentelemetry.io" and kind == "Instrumentation":
        found.conventions.setdefault("opentelemetry", at)


def _sloth(spec: LineDict, where: Where, found: Found) -> None:
    """A Sloth spec (`prometheus/v1` file or the PrometheusServiceLevel resource's spec)."""
    slos = spec.get("slos")
    if not isinstance(slos, LineList):
        return
    service = _str(spec.get("service"))
    for index, slo in enumerate(slos):
        if not isinstance(slo, LineDict):
            continue
        found.slo("sloth", where.at(slos.line_of(index)))
        if service and isinstance(slo.get("name"), str):
            found.slo_ids.add(f"{service}-{slo['name']}")
        alerting = slo.get("alerting")
        if not isinstance(alerting, LineDict):
            continue
        alerts = [alerting.get(key) for key in ("page_alert", "pageAlert", "ticket_alert",
                                                "ticketAlert")]
        disabled = [alert for alert in alerts
                    if isinstance(alert, LineDict) and alert.get("disable") is True]
        if len(disabled) < 2:  # Sloth generates a page and a ticket multi-burn-rate alert
            found.burn.append(where.at(slo.line_of("alerting")))


def _slo_generator(document: LineDict, where: Where, found: Found) -> None:
    """slo-generator v1 SLO configs, and the alerting steps of a v2 shared config."""
    backend = document.get("backend")
    if "slo_target" in document and "slo_name" in document and isinstance(backend, LineDict) \
            and ("class" in backend or "method" in backend):
        found.slo("slo-generator", where.at(document.line))
    policies = document.get("error_budget_policies")
    for policy in policies.values() if isinstance(policies, LineDict) else []:
        steps = policy.get("steps") if isinstance(policy, LineDict) else None
        if isinstance(steps, LineList):
            _slo_generator_policy(steps, where, found)


def _slo_generator_policy(steps: LineList, where: Where, found: Found) -> None:
    """Error-budget policy steps that alert when the budget burns past a threshold."""
    for step in steps:
        if isinstance(step, LineDict) and (
                ("burn_rate_threshold" in step and step.get("alert") is True)
                or ("alerting_burn_rate_threshold" in step
                    and step.get("urgent_notification") is True)):
            found.burn.append(where.at(step.line))
            return


def _prometheus_rules(document: Any, where: Where, found: Found) -> None:
    """Rule groups anywhere in a document: a rule file's `groups`, a PrometheusRule's
    `spec.groups`, a Helm values section (serverFiles, additionalPrometheusRulesMap)."""
    for node in _mappings(document):
        groups = node.get("groups")
        if not isinstance(groups, LineList):
            continue
        for group in groups:
            rules = group.get("rules") if isinstance(group, LineDict) else None
            if not isinstance(rules, LineList):
                continue
            group_name = _str(group.get("name"))
            for rule in rules:
                if not isinstance(rule, LineDict) or "expr" not in rule:
                    continue
                for key in ("alert", "record"):
                    name = _str(rule.get(key)).strip()
                    if name:
                        _rule(Rule(key == "alert", name, str(rule.get("expr")),
                                   where.at(rule.line_of(key)), where.path,
                                   _slo_id(rule, group_name)), found)
                        break


def _slo_id(rule: LineDict, group: str) -> str:
    labels = rule.get("labels")
    if isinstance(labels, LineDict):
        for key in SLO_ID_LABELS:
            if isinstance(labels.get(key), str) and labels[key]:
                return str(labels[key])
    return f"group {group}" if group else "group"


def _rule(rule: Rule, found: Found) -> None:
    found.rule(rule)
    if rule.alert:
        if BURN_ALERT.search(rule.name) or BURN_ALERT.search(rule.expr):
            found.burn.append(rule.locator)
        if AUTH_WORDS.search(rule.name) or AUTH_WORDS.search(rule.expr) \
                or AUTH_STATUS.search(rule.expr):
            found.security.setdefault("prometheus-auth-alerts", rule.locator)
    elif SLO_RECORD.search(rule.name):
        found.slo_kinds.setdefault("prometheus-slo-rules", rule.locator)


def _falco(items: LineList, where: Where, found: Found) -> None:
    for index, item in enumerate(items):
        if isinstance(item, LineDict) and isinstance(item.get("rule"), str) and any(
                key in item for key in ("condition", "output", "priority")) and any(
                key in item for key in ("output", "priority", "desc", "append", "override",
                                        "enabled")):
            found.security.setdefault("falco", where.at(items.line_of(index)))
            return


def _sigma(document: LineDict, where: Where, found: Found) -> None:
    detection = document.get("detection")
    if isinstance(document.get("logsource"), LineDict) and isinstance(detection, LineDict) \
            and "condition" in detection:
        found.security.setdefault("sigma", where.at(document.line))


def _datadog_rule(document: Any) -> bool:
    """Datadog security-monitoring rule shape: `cases` and `queries`, and a detection type
    or rule options."""
    if not isinstance(document, dict):
        return False
    cases, queries, options = document.get("cases"), document.get("queries"), \
        document.get("options")
    return isinstance(cases, list) and isinstance(queries, list) \
        and any(isinstance(case, dict) and ("condition" in case or "status" in case)
                for case in cases) \
        and (document.get("type") in DATADOG_RULE_TYPES
             or (isinstance(options, dict) and "detectionMethod" in options))


def _blackbox(document: LineDict, where: Where, found: Found) -> None:
    """A blackbox-exporter configuration (or a chart's values holding one) with an HTTP
    prober module."""
    for node in _mappings(document):
        modules = node.get("modules")
        if not isinstance(modules, LineDict):
            continue
        for name, module in modules.items():
            if isinstance(module, LineDict) and module.get("prober") == "http":
                found.synthetics.setdefault("blackbox", where.at(modules.line_of(name)))
                return


# --- telemetry settings --------------------------------------------------------------------

def _telemetry_yaml(documents: Sequence[Any], path: str, found: Found) -> None:
    for document in documents:
        services = document.get("services") if isinstance(document, LineDict) else None
        if isinstance(services, LineDict) and services \
                and all(isinstance(s, LineDict) for s in services.values()):
            units: list[Any] = list(services.values())  # a Compose file: one scope a service
        else:
            units = [document]
        for unit in units:
            scope = Scope()
            for node in _nodes(unit):
                _settings(node, path, scope, found)
            found.scopes.append(scope)


def _settings(node: LineDict | LineList, path: str, scope: Scope, found: Found) -> None:
    if isinstance(node, LineList):
        for index, item in enumerate(node):  # Compose `- KEY=value` environment and labels
            match = ASSIGNMENT.match(item) if isinstance(item, str) else None
            if match and (match[1] in ENV_VARS or match[1] in DD_LABELS):
                _setting(scope, found, match[1], match[2].strip().strip("'\""),
                         f"{path}:{node.line_of(index)}")
        return
    name = node.get("name")
    if isinstance(name, str) and name in ENV_VARS and ("value" in node or "valueFrom" in node):
        value = "x" if isinstance(node.get("valueFrom"), LineDict) else _scalar(node.get("value"))
        _setting(scope, found, name, value, f"{path}:{node.line_of('name')}")
    for key, value in node.items():
        if not isinstance(key, str):
            continue
        if key in ENV_VARS or key in DD_LABELS:
            _setting(scope, found, key, _scalar(value), f"{path}:{node.line_of(key)}")
        elif key.startswith(OTEL_INJECT) and _scalar(value) not in (None, "false"):
            found.conventions.setdefault("opentelemetry", f"{path}:{node.line_of(key)}")


def _setting(scope: Scope, found: Found, key: str, value: str | None, locator: str) -> None:
    if not value:
        return
    if key in OTEL_VARS:
        found.conventions.setdefault("opentelemetry", locator)
        if key == "OTEL_SERVICE_NAME":
            scope.otel_service = scope.otel_service or locator
        else:
            attributes = {part.partition("=")[0].strip() for part in value.split(",")}
            if "service.name" in attributes:
                scope.otel_service = scope.otel_service or locator
            if attributes & OTEL_ENV_ATTRIBUTES:
                scope.otel_env = scope.otel_env or locator
    else:
        tag = DD_VARS.get(key) or DD_LABELS[key]
        scope.datadog.setdefault(tag, locator)
        if len(scope.datadog) >= 2:
            found.conventions.setdefault("datadog-unified-tags", scope.datadog.get(
                "service") or scope.datadog["env"])


def _dockerfile(files: FileIndex, path: str, found: Found) -> None:
    text = _text(files, path)
    if text is None or not any(hint in text for hint in ("OTEL_", "DD_", "datadoghq")):
        return
    scope = Scope()
    for number, instruction in _instructions(text):
        word, _, rest = instruction.strip().partition(" ")
        if word.upper() not in ("ENV", "LABEL"):
            continue
        try:
            tokens = shlex.split(rest)
        except ValueError:
            tokens = rest.split()
        if not tokens:
            continue
        if "=" in tokens[0]:
            pairs = [token.partition("=")[::2] for token in tokens if "=" in token]
        else:  # legacy `ENV KEY value`
            pairs = [(tokens[0], " ".join(tokens[1:]))]
        for key, value in pairs:
            if key in ENV_VARS or key in DD_LABELS:
                _setting(scope, found, key, value.strip() or None, f"{path}:{number}")
    found.scopes.append(scope)


def _instructions(text: str) -> Iterator[tuple[int, str]]:
    """Dockerfile instructions with their first line, continuation lines joined."""
    start, parts = 0, list[str]()
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not parts and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if not parts:
            start = number
        if line.endswith("\\"):
            parts.append(line[:-1])
            continue
        parts.append(line)
        yield start, " ".join(parts)
        parts = []
    if parts:
        yield start, " ".join(parts)


# --- other files ---------------------------------------------------------------------------

def _synthetic_file(files: FileIndex, path: str, name: str, found: Found) -> None:
    """Checkly, Elastic synthetics and Datadog synthetics files (named for what they are)."""
    lower = name.lower()
    folders = path.split("/")[:-1]
    if CHECKLY_CONFIG.match(name):
        found.synthetics.setdefault("checkly", path)
    elif lower.endswith(JS_SUFFIXES) and ".check." in lower:
        text = _text(files, path)
        line = _first_line(text, CHECKLY_IMPORT) if text and "checkly" in text else None
        if line or (text is not None and "__checks__" in folders):
            found.synthetics.setdefault("checkly", f"{path}:{line or 1}")
    elif lower.endswith(JS_SUFFIXES) and (ELASTIC_CONFIG.match(name) or ".journey." in lower
                                          or "journeys" in folders):
        text = _text(files, path)
        line = _first_line(text, ELASTIC_IMPORT) if text and "@elastic/synthetics" in text \
            else None
        if line:
            found.synthetics.setdefault("elastic-synthetics", f"{path}:{line}")
    elif lower.endswith(".synthetics.json") or lower == "datadog-ci.json":
        text = _text(files, path)
        try:
            data = load_json(text) if text else None
        except (ValueError, RecursionError):
            return
        if not isinstance(data, dict) or text is None:
            return
        if lower == "datadog-ci.json":
            files_globs = data.get("files")
            keys = [key for key in DATADOG_CI_SYNTHETICS if key in data]
            if not keys and isinstance(files_globs, list) and any(
                    isinstance(glob, str) and "synthetics" in glob for glob in files_globs):
                keys = ["files"]
        else:
            keys = ["tests"] if isinstance(data.get("tests"), list) and data["tests"] else []
        if keys:
            line = _first_line(text, re.compile(f'"{re.escape(keys[0])}"\\s*:')) or 1
            found.synthetics.setdefault("datadog-synthetics", f"{path}:{line}")


def _toml_rule(files: FileIndex, path: str, found: Found) -> None:
    """An Elastic detection rule: a TOML `[rule]` table with a risk score."""
    text = _text(files, path)
    if text is None or "risk_score" not in text or "[rule]" not in text:
        return
    rule = load_toml(text).get("rule")
    if isinstance(rule, dict) and "risk_score" in rule and any(
            key in rule for key in ("rule_id", "query", "type")):
        line = _first_line(text, re.compile(r"(?m)^\[rule\]")) or 1
        found.security.setdefault("elastic-detection-rules", f"{path}:{line}")


def _json_security_rules(files: FileIndex, path: str, found: Found) -> None:
    text = _text(files, path)
    if text is None or '"cases"' not in text or '"queries"' not in text:
        return
    data = load_json(text)
    if any(_datadog_rule(item) for item in (data if isinstance(data, list) else [data])):
        line = _first_line(text, re.compile(r'"cases"\s*:')) or 1
        found.security.setdefault("datadog-security-rules", f"{path}:{line}")


# --- dependency manifests ------------------------------------------------------------------

Reader = tuple[str, Callable[[str], Iterable[tuple[str, int]]]]


def _dependency_reader(path: str) -> Reader | None:
    """(ecosystem, reader of `(name, line)` pairs) for a dependency manifest."""
    name = posixpath.basename(path)
    folder = posixpath.basename(posixpath.dirname(path))
    if name == "package.json":
        return "npm", lambda text: _json_keys(text, ("dependencies", "devDependencies",
                                                     "optionalDependencies"))
    if name == "composer.json":
        return "composer", lambda text: _json_keys(text, ("require", "require-dev"))
    if re.match(r"(?i)^(requirements|constraints)[\w.-]*\.(txt|in)$", name) or \
            (folder == "requirements" and name.endswith((".txt", ".in"))):
        return "pypi", _requirements
    if name in ("pyproject.toml", "Pipfile"):
        return "pypi", lambda text: _toml_names(text, name)
    if name == "Cargo.toml":
        return "cargo", lambda text: _toml_names(text, name)
    if name == "libs.versions.toml":
        return "maven", lambda text: _toml_names(text, name)
    if name == "go.mod":
        return "go", _go_mod
    if name == "pom.xml":
        return "maven", pom.dependencies
    if name in ("build.gradle", "build.gradle.kts"):
        return "maven", _gradle
    if name == "Gemfile" or name.endswith(".gemspec"):
        return "gem", _gems
    if name.endswith((".csproj", ".fsproj", ".vbproj")) or name in ("Directory.Packages.props",
                                                                    "packages.config"):
        return "nuget", _nuget
    return None


def _dependencies(files: FileIndex, path: str, reader: Reader, found: Found) -> None:
    text = _text(files, path)
    if text is None:
        return
    ecosystem, read = reader
    if ecosystem == "npm":
        found.packages += 1
    lowered = text.lower()
    if not any(hint in lowered for hint in DEPENDENCY_HINTS):
        return
    for raw, line in read(text):
        name = _canonical(ecosystem, raw)
        locator = f"{path}:{line}"
        if ecosystem == "npm" and name in RUM_PACKAGES:
            found.rum.setdefault(RUM_PACKAGES[name], locator)
        if _matches(name, OTEL_SDKS.get(ecosystem, ())) and not name.endswith("-testing"):
            found.conventions.setdefault("opentelemetry", locator)
        if _matches(name, PROMETHEUS_CLIENTS.get(ecosystem, ())):
            found.conventions.setdefault("prometheus-instrumentation", locator)


def _canonical(ecosystem: str, name: str) -> str:
    name = name.strip().lower()
    if ecosystem == "pypi":
        return re.sub(r"[-_.]+", "-", name)
    if ecosystem == "cargo":
        return name.replace("_", "-")
    return name


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(name.startswith(p[:-1]) if p.endswith("*") else name == p for p in patterns)


def _line_of(lines: Sequence[str], name: str, start: int = 0) -> int:
    """The first line at or after `start` naming the package (1-based; 1 when none does)."""
    pattern = re.compile(r"(?<![\w.@/-])" + re.escape(name) + r"(?![\w.-])", re.IGNORECASE)
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
        dependencies = data.get(section)
        if not isinstance(dependencies, dict):
            continue
        marker = re.compile(r'"' + re.escape(section) + r'"\s*:')
        start = next((i for i, line in enumerate(lines) if marker.search(line)), 0)
        for name in dependencies:
            yield str(name), _line_of(lines, str(name), start)


REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


def _requirements(text: str) -> Iterator[tuple[str, int]]:
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        match = REQUIREMENT.match(line)
        if match:
            yield match[1], number


def _toml_names(text: str, kind: str) -> Iterator[tuple[str, int]]:
    data = load_toml(text)
    lines = text.splitlines()
    for name in _toml_dependencies(data, kind):
        yield name, _line_of(lines, name)


def _toml_dependencies(data: dict[str, Any], kind: str) -> Iterator[str]:
    def table(*steps: str) -> Any:
        node: Any = data
        for step in steps:
            node = node.get(step) if isinstance(node, dict) else None
        return node

    def keys(node: Any) -> Iterator[str]:
        for key, value in node.items() if isinstance(node, dict) else []:
            package = value.get("package") if isinstance(value, dict) else None
            yield package if isinstance(package, str) else str(key)

    def specs(items: Any) -> Iterator[str]:
        for item in items if isinstance(items, list) else []:
            match = REQUIREMENT.match(item.strip()) if isinstance(item, str) else None
            if match:
                yield match[1]

    def values(node: Any) -> list[Any]:
        return list(node.values()) if isinstance(node, dict) else []

    if kind == "pyproject.toml":
        yield from specs(table("project", "dependencies"))
        for group in (table("project", "optional-dependencies"), table("dependency-groups"),
                      table("tool", "pdm", "dev-dependencies")):
            for items in values(group):
                yield from specs(items)
        yield from specs(table("tool", "uv", "dev-dependencies"))
        yield from keys(table("tool", "poetry", "dependencies"))
        yield from keys(table("tool", "poetry", "dev-dependencies"))
        for group in values(table("tool", "poetry", "group")):
            yield from keys(group.get("dependencies") if isinstance(group, dict) else None)
    elif kind == "Pipfile":
        yield from keys(table("packages"))
        yield from keys(table("dev-packages"))
    elif kind == "Cargo.toml":
        sections = ("dependencies", "dev-dependencies", "build-dependencies")
        for section in sections:
            yield from keys(table(section))
            yield from keys(table("workspace", section))
        for target in values(table("target")):
            for section in sections:
                yield from keys(target.get(section) if isinstance(target, dict) else None)
    else:  # a Gradle version catalogue
        for value in values(table("libraries")):
            if isinstance(value, str):
                yield ":".join(value.split(":")[:2])
            elif isinstance(value, dict) and isinstance(value.get("module"), str):
                yield value["module"]
            elif isinstance(value, dict) and isinstance(value.get("group"), str):
                yield f"{value['group']}:{value.get('name', '')}"


def _go_mod(text: str) -> Iterator[tuple[str, int]]:
    block = False
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("//", 1)[0].strip()
        if line.startswith("require ("):
            block = True
        elif block and line == ")":
            block = False
        elif block and line:
            yield line.split()[0], number
        elif line.startswith("require "):
            parts = line.split()
            if len(parts) >= 2:
                yield parts[1], number


GRADLE_COORDINATE = re.compile(r"""["']([\w.-]+):([\w.-]+)(:[^"']*)?["']""")
GRADLE_MAP = re.compile(r"""group\s*[:=]\s*["']([^"']+)["']\s*,\s*name\s*[:=]\s*["']([^"']+)""")


def _gradle(text: str) -> Iterator[tuple[str, int]]:
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("//"):
            continue
        for match in (*GRADLE_COORDINATE.finditer(line), *GRADLE_MAP.finditer(line)):
            yield f"{match[1]}:{match[2]}", number


GEM = re.compile(r"""^\s*(gem|\w+\.add_(?:runtime_|development_)?dependency)\s*\(?\s*["']"""
                 r"""([^"']+)["']""")


def _gems(text: str) -> Iterator[tuple[str, int]]:
    for number, line in enumerate(text.splitlines(), 1):
        match = GEM.match(line)
        if match:
            yield match[2], number


NUGET = re.compile(r"""<(?:PackageReference|PackageVersion|package)\b[^>]*?\s"""
                   r"""(?:Include|Update|id)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def _nuget(text: str) -> Iterator[tuple[str, int]]:
    for match in NUGET.finditer(text):
        yield match[1], _line(text, match.start())


# --- evidence ------------------------------------------------------------------------------

def _emit_list(out: Emitter, signal: str, found: dict[str, str], negative: str) -> None:
    """A sorted list of names, each name's locator in the same order."""
    names = sorted(found)
    out.emit(signal, names, [found[name] for name in names], None if names else negative)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _emit(found: Found, out: Emitter) -> None:
    _emit_slos(found, out)
    _emit_rules(found, out)
    _emit_list(out, "ux.rum.tools", found.rum,
               "no real-user monitoring SDK among package.json dependencies"
               if found.packages else "no package.json (RUM SDKs are looked for among its "
               "dependencies)")
    _emit_list(out, "ux.synthetics.tools", found.synthetics,
               "no Checkly, Elastic or Datadog synthetic checks and no blackbox probes")
    _emit_list(out, "telemetry.conventions", found.conventions,
               "no OpenTelemetry SDK or OTEL_* settings, no Datadog unified service tags and "
               "no Prometheus client library")
    _emit_identity(found, out)
    _emit_list(out, "security.rules", found.security,
               "no Falco, Sigma, Datadog or Elastic detection rules and no Prometheus alerts "
               "on failed authentication")


def _emit_slos(found: Found, out: Emitter) -> None:
    _emit_list(out, "slo.specs", found.slo_kinds,
               "no OpenSLO, Sloth, Pyrra, slo-generator or Nobl9 SLOs and no SLO recording rules")
    from_rules: dict[str, str] = {}
    for rule in found.rules.values():
        if not rule.alert and SLO_RECORD.search(rule.name) and rule.slo_id not in found.slo_ids:
            from_rules.setdefault(rule.slo_id, rule.locator)
    slos = [*found.slos, *(("prometheus-slo-rules", at) for at in from_rules.values())]
    by_kind: dict[str, int] = {}
    for kind, _ in slos:
        by_kind[kind] = by_kind.get(kind, 0) + 1
    note = ", ".join(f"{kind} {count}" for kind, count in sorted(by_kind.items()))
    if from_rules:
        note += "; SLOs seen only as recording rules count once per sloth_id/slo label or group"
    out.emit("slo.count", len(slos), [at for _, at in slos][:MAX_LOCATORS],
             note if slos else "no SLO definitions")
    burn = list(dict.fromkeys(found.burn))
    if burn:
        out.emit("slo.burn_rate_alerts", True, burn[:MAX_LOCATORS])
    elif slos:
        out.emit("slo.burn_rate_alerts", False, [at for _, at in slos][:MAX_LOCATORS],
                 f"{_count(len(slos), 'SLO')} defined, but no alerting on error-budget burn")
    else:
        out.emit("slo.burn_rate_alerts", False, [],
                 "no SLOs and no alerts on burn rate or error budget")


def _emit_rules(found: Found, out: Emitter) -> None:
    copies = f"; {found.rule_copies} repeated rules counted once" if found.rule_copies else ""
    for signal, alert, what in (("prometheus.alert_rules", True, "alerting"),
                                ("prometheus.recording_rules", False, "recording")):
        rules = [rule for rule in found.rules.values() if rule.alert is alert]
        per_file: dict[str, list[Rule]] = {}
        for rule in rules:
            per_file.setdefault(rule.path, []).append(rule)
        ranked = sorted(per_file.items(), key=lambda item: (-len(item[1]), item[0]))
        locators = [items[0].locator for _, items in ranked]
        note = (f"{_count(len(rules), what + ' rule')} in {_count(len(per_file), 'file')}"
                f"{copies}" if rules
                else f"no Prometheus {what} rules in rule files, PrometheusRule resources, "
                     "ConfigMaps or Helm values")
        out.emit(signal, len(rules), locators[:MAX_LOCATORS], note)


def _emit_identity(found: Found, out: Emitter) -> None:
    for scope in found.scopes:
        identity = scope.identity()
        if identity:
            out.emit("telemetry.service_identity", True, identity)
            return
    named = [at for scope in found.scopes if (at := scope.named())]
    if named:
        out.emit("telemetry.service_identity", False, named[:MAX_LOCATORS],
                 "a service name is set for telemetry, but no environment beside it "
                 "(deployment.environment or DD_ENV / the Datadog env tag)")
    else:
        out.emit("telemetry.service_identity", False, [],
                 "no deployment sets a telemetry service name (OTEL_SERVICE_NAME, service.name, "
                 "DD_SERVICE or the Datadog service tag)")


DETECTOR = Detector("observability", SIGNALS, detect)
