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

from scanner.collectors.base import Emitter
from scanner.collectors.files import Detector
from scanner.collectors.files.dependency_names import manifest_reader
from scanner.collectors.files.index import YAML_SUFFIXES, FileIndex, is_example
from scanner.collectors.files.observability.dependencies import READING, dependencies
from scanner.collectors.files.observability.evidence import emit_signals
from scanner.collectors.files.observability.found import Found
from scanner.collectors.files.observability.security_rules import (
    SECURITY_PATH,
    datadog_rule_file,
    elastic_rule_file,
)
from scanner.collectors.files.observability.synthetics import synthetic_file
from scanner.collectors.files.observability.telemetry import DOCKERFILE, dockerfile
from scanner.collectors.files.observability.yaml_files import yaml_file
from scanner.lazy_patterns import lazy_compile
from scanner.signals import SignalSpec, specs_about

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

# Vendored, built or installed code: not the repository's own.
VENDORED = lazy_compile(r"(?i)(^|/)(vendor|vendors|third[-_]?party|node_modules|bower_components|"
                        r"jspm_packages|dist|build|\.venv|venv|site-packages|\.yarn|Pods)/")
# Synthetic checks are tests by nature: only documentation, examples and fixtures are ignored.
NOT_MONITORS = lazy_compile(r"(?i)(^|/)(docs?|examples?|samples?|testdata|test-data|fixtures|"
                            r"__tests__)/")


def detect(files: FileIndex, out: Emitter) -> None:
    found = Found()
    for path in sorted(files.paths()):
        if VENDORED.search(path):
            continue
        name = posixpath.basename(path)
        lower = name.lower()
        try:
            if not NOT_MONITORS.search(path):
                synthetic_file(files, path, name, found)
            if is_example(path):
                continue
            if lower.endswith(YAML_SUFFIXES):
                yaml_file(files, path, found)
            elif lower.endswith(".toml") and name not in ("pyproject.toml", "Cargo.toml"):
                elastic_rule_file(files, path, found)
            elif lower.endswith(".json") and SECURITY_PATH.search(path) \
                    and name not in ("package.json", "composer.json"):
                datadog_rule_file(files, path, found)
            if DOCKERFILE.search(name):
                dockerfile(files, path, found)
            reader = manifest_reader(path, READING)
            if reader is not None:
                dependencies(files, path, reader, found)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
            # Unparseable JSON or TOML, or a shape nobody foresaw: that file is left out,
            # the scan goes on.
            continue
    emit_signals(found, out)


DETECTOR = Detector("observability", SIGNALS, detect)
