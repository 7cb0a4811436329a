"""Observability and detection as code: SLOs, Prometheus rules, RUM and synthetics,
telemetry conventions and security detection rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from scanner.collectors.base import Emitter
from scanner.collectors.files.index import FileIndex
from scanner.collectors.files.observability import SIGNALS, detect
from scanner.collectors.local.worktree import WorkTree
from scanner.collectors.tree import SubTree
from scanner.evidence import Evidence

from kept import assert_kept

Tree = Callable[[dict[str, Any]], WorkTree]


def scan(tree: Tree, files: dict[str, Any]) -> dict[str, Evidence]:
    out = Emitter("repo:x", "test")
    detect(FileIndex(tree(files)), out)
    found = {e.signal: e for e in out.evidence}
    assert len(found) == len(out.evidence), "a signal was emitted twice"
    return found


def test_every_signal_is_declared_for_repos_and_services_and_emitted(tree: Tree) -> None:
    assert all(spec.entity_kinds == ("repo", "service") for spec in SIGNALS)
    found = scan(tree, {"README.md": "# Shop\n"})
    assert set(found) == {spec.name for spec in SIGNALS}
    assert found["ux.rum.tools"].note == (
        "no package.json (RUM SDKs are looked for among its dependencies)")
    declared = {spec.name: spec.type for spec in SIGNALS}
    for evidence in found.values():
        kind = {"bool": bool, "int": int, "list": list}[declared[evidence.signal]]
        assert type(evidence.value) is kind, evidence.signal
        assert evidence.value in (False, 0, []), evidence.signal
        assert evidence.note, f"{evidence.signal}: a negative needs a note"


# --- SLOs ----------------------------------------------------------------------------------

OPENSLO = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
spec:
  service: checkout
  budgetingMethod: Occurrences
  objectives:
    - target: 0.999
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: checkout-fast-burn
spec:
  conditions:
    - kind: AlertCondition
      metadata:
        name: fast-burn
      spec:
        severity: page
        condition:
          kind: burnrate
          op: gte
          threshold: 14.4
          lookbackWindow: 1h
"""

SLOTH = """\
version: "prometheus/v1"
service: "payments"
labels:
  owner: "payments-team"
slos:
  - name: "requests-availability"
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="payments",code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="payments"}[{{.window}}]))
    alerting:
      name: PaymentsAvailability
      page_alert:
        labels:
          severity: critical
      ticket_alert:
        disable: true
  - name: "requests-latency"
    objective: 99
    sli:
      raw:
        error_ratio_query: payments:latency_errors:ratio_rate{{.window}}
"""

SLOTH_CHART = """\
apiVersion: sloth.slok.dev/v1
kind: PrometheusServiceLevel
metadata:
  name: {{ .Release.Name }}-slos
spec:
  service: {{ .Values.service }}
  slos:
    - name: availability
      objective: {{ .Values.slo.objective }}
      sli:
        events:
          errorQuery: sum(rate(http_requests_total{code=~"5.."}[5m]))
          totalQuery: sum(rate(http_requests_total[5m]))
      alerting:
        name: ApiAvailability
        pageAlert:
          labels:
            severity: critical
"""

SLO_GENERATOR_V2 = """\
apiVersion: sre.google.com/v2
kind: ServiceLevelObjective
metadata:
  name: checkout-latency
spec:
  description: 95% of checkout requests are served within 400 ms
  backend: prometheus
  method: distribution_cut
  service_level_indicator:
    expression: http_request_duration_seconds_bucket{job="checkout"}
    threshold_bucket: 0.4
  goal: 0.95
"""

SLO_GENERATOR_V1 = """\
service_name: search
feature_name: api
slo_name: availability
slo_target: 0.99
backend:
  class: Prometheus
  method: good_bad_ratio
  measurement:
    filter_good: search_requests_total{code=~"2.."}
    filter_valid: search_requests_total
"""

SLO_GENERATOR_POLICY = """\
- error_budget_policy_step_name: 1 hour
  measurement_window_seconds: 3600
  alerting_burn_rate_threshold: 9
  urgent_notification: true
- error_budget_policy_step_name: 7 days
  measurement_window_seconds: 604800
  alerting_burn_rate_threshold: 1.5
  urgent_notification: false
"""

NOBL9 = """\
apiVersion: n9/v1alpha
kind: SLO
metadata:
  name: search-latency
  project: search
spec:
  service: search
  budgetingMethod: Occurrences
  objectives:
    - displayName: Fast enough
      target: 0.95
---
apiVersion: n9/v1alpha
kind: AlertPolicy
metadata:
  name: search-fast-burn
  project: search
spec:
  severity: High
  conditions:
    - measurement: averageBurnRate
      value: 10
      op: gte
"""

def test_slo_specs_count_and_burn_rate_alerts(tree: Tree) -> None:
    found = scan(tree, {
        "slo/checkout.yaml": OPENSLO,
        "slos/payments.yaml": SLOTH,
        "charts/api/Chart.yaml": "apiVersion: v2\nname: api\nversion: 1.0.0\n",
        "charts/api/templates/slo.yaml": SLOTH_CHART,
        "slos/slo_checkout_latency.yaml": SLO_GENERATOR_V2,
        "slo-generator/slo_search_availability.yaml": SLO_GENERATOR_V1,
        "slo-generator/error_budget_policy.yaml": SLO_GENERATOR_POLICY,
        "nobl9/search.yaml": NOBL9,
    })
    specs = found["slo.specs"]
    assert specs.value == ["nobl9", "openslo", "slo-generator", "sloth"]
    assert specs.locators == ("nobl9/search.yaml:1", "slo/checkout.yaml:1",
                              "slo-generator/slo_search_availability.yaml:1",
                              "charts/api/templates/slo.yaml:8")
    count = found["slo.count"]
    assert count.value == 7  # 1 OpenSLO, 3 Sloth, 2 slo-generator, 1 Nobl9
    assert_kept(count, (
        "charts/api/templates/slo.yaml:8", "nobl9/search.yaml:1",
        "slo-generator/slo_search_availability.yaml:1", "slo/checkout.yaml:1",
        "slos/payments.yaml:6", "slos/payments.yaml:19", "slos/slo_checkout_latency.yaml:1"))
    assert count.note == "nobl9 1, openslo 1, slo-generator 2, sloth 3"
    burn = found["slo.burn_rate_alerts"]
    assert burn.value is True
    assert burn.locators == (
        "charts/api/templates/slo.yaml:14",  # Sloth pageAlert
        "nobl9/search.yaml:21",  # averageBurnRate alert policy
        "slo-generator/error_budget_policy.yaml:1",  # an alerting policy step
        "slo/checkout.yaml:23",  # OpenSLO burnrate condition
        "slos/payments.yaml:12")  # Sloth page alert (its ticket alert is disabled)


PYRRA = """\
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: api-errors
  namespace: monitoring
spec:
  target: "99.5"
  window: 28d
  alerting:
    disabled: true
  indicator:
    ratio:
      errors:
        metric: http_requests_total{job="api",code=~"5.."}
      total:
        metric: http_requests_total{job="api"}
"""


def test_slos_without_alerting_on_burn(tree: Tree) -> None:
    quiet_sloth = SLOTH.replace(
        "      page_alert:\n        labels:\n          severity: critical\n",
        "      page_alert:\n        disable: true\n")
    found = scan(tree, {"deploy/pyrra/api-errors.yaml": PYRRA,
                        "slos/payments.yaml": quiet_sloth})
    assert found["slo.specs"].value == ["pyrra", "sloth"]
    assert found["slo.count"].value == 3
    burn = found["slo.burn_rate_alerts"]
    assert burn.value is False
    assert burn.locators == ("deploy/pyrra/api-errors.yaml:1", "slos/payments.yaml:6",
                             "slos/payments.yaml:18")
    assert burn.note == "3 SLOs defined, but no alerting on error-budget burn"


def test_a_list_of_objects_as_sloctl_takes_it(tree: Tree) -> None:
    listed = "".join(("- " if line.startswith("apiVersion") else "  ") + line + "\n"
                     for line in NOBL9.splitlines() if line != "---")
    found = scan(tree, {"nobl9/search.yaml": listed})
    assert found["slo.count"].locators == ("nobl9/search.yaml:1",)
    assert found["slo.burn_rate_alerts"].locators == ("nobl9/search.yaml:20",)


def test_pyrra_generates_burn_rate_alerts_unless_disabled(tree: Tree) -> None:
    multi = PYRRA.replace("  alerting:\n    disabled: true\n", "") + "---\n" + PYRRA.replace(
        "api-errors", "api-errors-quiet")
    found = scan(tree, {"deploy/pyrra/slos.yaml": multi})
    assert found["slo.count"].value == 2
    assert found["slo.count"].locators == ("deploy/pyrra/slos.yaml:1",
                                           "deploy/pyrra/slos.yaml:16")
    assert found["slo.burn_rate_alerts"].locators == ("deploy/pyrra/slos.yaml:1",)


# --- Prometheus rules ----------------------------------------------------------------------

RULE_FILE = """\
groups:
  - name: api
    rules:
      - record: job:http_requests:rate5m
        expr: sum by (job) (rate(http_requests_total[5m]))
      - alert: ApiHighErrorRate
        expr: job:http_errors:ratio5m > 0.05
        for: 10m
        labels:
          severity: page
      - alert: ApiDown
        expr: up{job="api"} == 0
  - name: api-slo
    rules:
      - record: slo:sli_error:ratio_rate5m
        expr: sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))
        labels:
          sloth_id: api-requests-availability
      - alert: ApiErrorBudgetBurn
        expr: slo:sli_error:ratio_rate5m > (14.4 * 0.001)
"""

PROMETHEUS_RULE = """\
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: api
spec:
  groups:
    - name: api-security
      rules:
        - alert: ApiUnauthorizedSpike
          expr: sum(rate(http_requests_total{job="api",code="401"}[5m])) > 10
        - alert: ApiDown
          expr: up{job="api"}   ==   0
"""

CONFIGMAP_RULES = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: prometheus-rules
data:
  worker.rules.yaml: |
    groups:
      - name: worker
        rules:
          - alert: WorkerQueueBacklog
            expr: queue_depth > 1000
"""

CHART_RULES = """\
{{- if .Values.rules.enabled }}
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: {{ include "shop.fullname" . }}
  labels:
    {{- include "shop.labels" . | nindent 4 }}
spec:
  groups:
    - name: shop.rules
      rules:
        - alert: ShopDown
          expr: up{job="{{ .Release.Name }}"} == 0
          for: 5m
          annotations:
            summary: "{{ $labels.instance }} is down"
        - record: job:http_requests:rate5m
          expr: sum by (job) (rate(http_requests_total[5m]))
{{- end }}
"""


def test_prometheus_rules_in_files_resources_configmaps_and_charts(tree: Tree) -> None:
    found = scan(tree, {
        "monitoring/rules/api.rules.yml": RULE_FILE,
        "deploy/k8s/prometheusrule.yaml": PROMETHEUS_RULE,
        "deploy/k8s/configmap.yaml": CONFIGMAP_RULES,
        "deploy/chart/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
        "deploy/chart/templates/rules.yaml": CHART_RULES,
    })
    alerts = found["prometheus.alert_rules"]
    assert alerts.value == 6  # ApiDown is in two files: counted once
    assert alerts.locators == ("deploy/k8s/prometheusrule.yaml:9",
                               "monitoring/rules/api.rules.yml:6",
                               "deploy/chart/templates/rules.yaml:12",
                               "deploy/k8s/configmap.yaml:10")
    assert alerts.note == "6 alerting rules in 4 files; 2 repeated rules counted once"
    records = found["prometheus.recording_rules"]
    assert records.value == 2
    assert records.locators == ("deploy/chart/templates/rules.yaml:17",
                                "monitoring/rules/api.rules.yml:15")
    # An SLO recording rule and an alert on its error budget.
    assert found["slo.specs"].value == ["prometheus-slo-rules"]
    assert found["slo.specs"].locators == ("monitoring/rules/api.rules.yml:15",)
    assert found["slo.count"].value == 1
    assert found["slo.burn_rate_alerts"].locators == ("monitoring/rules/api.rules.yml:19",)
    assert found["security.rules"].value == ["prometheus-auth-alerts"]
    assert found["security.rules"].locators == ("deploy/k8s/prometheusrule.yaml:9",)


@pytest.mark.parametrize(("files", "alert"), [
    # kube-prometheus-stack values
    ({"deploy/values-prod.yaml": "additionalPrometheusRulesMap:\n  shop:\n    groups:\n"
                                 "      - name: shop\n        rules:\n"
                                 "          - alert: ShopSlow\n"
                                 "            expr: histogram_quantile(0.99, x) > 2\n"},
     "deploy/values-prod.yaml:6"),
    # prometheus chart values
    ({"monitoring/values.yaml": "serverFiles:\n  alerting_rules.yml:\n    groups:\n"
                                "      - name: hosts\n        rules:\n"
                                "          - alert: DiskFull\n            expr: disk_free < 0.1\n"},
     "monitoring/values.yaml:6"),
])
def test_rules_in_helm_values(tree: Tree, files: dict[str, str], alert: str) -> None:
    found = scan(tree, files)
    assert found["prometheus.alert_rules"].value == 1
    assert found["prometheus.alert_rules"].locators == (alert,)


def test_rules_generated_from_an_slo_spec_are_not_a_second_slo(tree: Tree) -> None:
    generated = """\
groups:
  - name: sloth-slo-sli-recordings-payments-requests-availability
    rules:
      - record: slo:sli_error:ratio_rate5m
        expr: sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))
        labels:
          sloth_id: payments-requests-availability
          sloth_service: payments
  - name: hand-written
    rules:
      - record: job:slo_errors_per_request:ratio_rate1h
        expr: sum(rate(errors_total[1h])) / sum(rate(requests_total[1h]))
"""
    found = scan(tree, {"slos/payments.yaml": SLOTH, "slos/generated/payments.rules.yml":
                        generated})
    assert found["slo.specs"].value == ["prometheus-slo-rules", "sloth"]
    assert found["slo.count"].value == 3  # two Sloth SLOs and the hand-written rule group
    assert found["slo.count"].locators == ("slos/payments.yaml:6", "slos/payments.yaml:19",
                                           "slos/generated/payments.rules.yml:11")


def test_no_prometheus_rules(tree: Tree) -> None:
    grafana_alerting = """\
apiVersion: 1
groups:
  - orgId: 1
    name: api
    folder: alerts
    rules:
      - uid: api-errors
        title: API errors
        condition: C
"""
    found = scan(tree, {"grafana/alerting/api.yaml": grafana_alerting,
                        "prometheus.yml": "global:\n  scrape_interval: 15s\n"})
    assert found["prometheus.alert_rules"].value == 0
    assert found["prometheus.alert_rules"].note == (
        "no Prometheus alerting rules in rule files, PrometheusRule resources, ConfigMaps or "
        "Helm values")
    assert found["prometheus.recording_rules"].value == 0
    assert found["slo.burn_rate_alerts"].value is False
    assert found["slo.burn_rate_alerts"].note == (
        "no SLOs and no alerts on burn rate or error budget")


def test_examples_tests_docs_and_vendored_code_are_ignored(tree: Tree) -> None:
    rum = '{"dependencies": {"@datadog/browser-rum": "^5.0.0", "prom-client": "^15.0.0"}}\n'
    files: dict[str, Any] = {}
    for folder in ("examples/", "tests/fixtures/", "docs/", "node_modules/slo-kit/",
                   "vendor/github.com/acme/", "third_party/"):
        files.update({
            folder + "slo.yaml": OPENSLO,
            folder + "rules.yml": RULE_FILE,
            folder + "package.json": rum,
            folder + "falco.yaml": FALCO,
            folder + "Dockerfile": "FROM x\nENV OTEL_SERVICE_NAME=a OTEL_RESOURCE_ATTRIBUTES="
                                   "deployment.environment=prod\n",
            folder + "checkly.config.ts": "export default {}\n",
        })
    found = scan(tree, files)
    for signal in ("slo.specs", "ux.rum.tools", "ux.synthetics.tools", "telemetry.conventions",
                   "security.rules"):
        assert found[signal].value == [], signal
    for signal in ("slo.count", "prometheus.alert_rules", "prometheus.recording_rules"):
        assert found[signal].value == 0, signal
    assert found["telemetry.service_identity"].value is False


# --- real-user monitoring and synthetics ---------------------------------------------------

WEB_PACKAGE = """\
{
  "name": "shop-web",
  "scripts": {
    "faro": "echo @grafana/faro-web-sdk"
  },
  "dependencies": {
    "@datadog/browser-rum": "^5.0.0",
    "react": "^18.2.0"
  },
  "devDependencies": {
    "@sentry/react": "^7.100.0",
    "aws-rum-web": "^1.15.0"
  }
}
"""


def test_rum_sdks_among_package_dependencies(tree: Tree) -> None:
    found = scan(tree, {
        "web/package.json": WEB_PACKAGE,
        "api/package.json": '{"dependencies": {"@sentry/node": "^7.0.0", "express": "4"}}\n',
        "examples/demo/package.json": '{"dependencies": {"@newrelic/browser-agent": "1"}}\n',
    })
    rum = found["ux.rum.tools"]
    assert rum.value == ["aws-rum", "datadog-rum", "sentry-browser"]
    assert rum.locators == ("web/package.json:12", "web/package.json:7", "web/package.json:11")


def test_no_rum_sdk(tree: Tree) -> None:
    found = scan(tree, {"package.json": '{"dependencies": {"@sentry/node": "^7.0.0"}}\n'})
    assert found["ux.rum.tools"].value == []
    assert found["ux.rum.tools"].note == (
        "no real-user monitoring SDK among package.json dependencies")


CHECK = """\
import { ApiCheck, AssertionBuilder } from 'checkly/constructs'

new ApiCheck('home-api', {
  name: 'Home API',
  request: { method: 'GET', url: 'https://shop.test/api/health',
             assertions: [AssertionBuilder.statusCode().equals(200)] },
})
"""

JOURNEY = """\
// Monitors the checkout from a real browser.
import { journey, step, monitor } from '@elastic/synthetics';

journey('checkout', ({ page, params }) => {
  monitor.use({ id: 'checkout', schedule: 10 });
  step('open the shop', async () => {
    await page.goto(params.url);
  });
});
"""

PROBE = """\
apiVersion: monitoring.coreos.com/v1
kind: Probe
metadata:
  name: shop-website
spec:
  interval: 60s
  module: http_2xx
  prober:
    url: blackbox-exporter.monitoring.svc:9115
  targets:
    staticConfig:
      static:
        - https://shop.test
"""


def test_synthetic_checks_as_code(tree: Tree) -> None:
    found = scan(tree, {
        "__checks__/home.check.ts": CHECK,
        "monitoring/checkly.config.ts": "import { defineConfig } from 'checkly'\n",
        "synthetics/journeys/checkout.journey.ts": JOURNEY,
        # Synthetic checks are tests: an e2e/ or tests/ folder is a fine home for them.
        "e2e/smoke.synthetics.json": '{\n  "tests": [\n    {"id": "abc-def-ghi"}\n  ]\n}\n',
        "deploy/monitoring/probe.yaml": PROBE,
        "docs/checkly.config.ts": "export default {}\n",
    })
    synthetics = found["ux.synthetics.tools"]
    assert synthetics.value == ["blackbox", "checkly", "datadog-synthetics", "elastic-synthetics"]
    assert synthetics.locators == ("deploy/monitoring/probe.yaml:1", "__checks__/home.check.ts:1",
                                   "e2e/smoke.synthetics.json:2",
                                   "synthetics/journeys/checkout.journey.ts:2")


BLACKBOX = """\
modules:
  icmp:
    prober: icmp
  http_2xx:
    prober: http
    timeout: 5s
    http:
      valid_status_codes: [200]
"""


@pytest.mark.parametrize(("files", "expected"), [
    ({"monitoring/blackbox.yml": BLACKBOX}, {"blackbox": "monitoring/blackbox.yml:4"}),
    # The prometheus-blackbox-exporter chart's values hold the same configuration.
    ({"charts/probes/values.yaml": "config:\n" + "".join(
        f"  {line}\n" for line in BLACKBOX.splitlines())},
     {"blackbox": "charts/probes/values.yaml:5"}),
    ({"monitoring/blackbox.yml": "modules:\n  icmp:\n    prober: icmp\n"}, {}),
    ({"tests/datadog-ci.json": '{\n  "apiKey": "x",\n  "publicIds": ["abc-def-ghi"]\n}\n'},
     {"datadog-synthetics": "tests/datadog-ci.json:3"}),
    ({"datadog-ci.json": '{"apiKey": "x", "files": ["ci/*.json"]}'}, {}),
    ({"journeys/login.journey.ts": "import { test } from '@playwright/test'\n"}, {}),
])
def test_synthetics_in_other_shapes(tree: Tree, files: dict[str, str],
                                    expected: dict[str, str]) -> None:
    synthetics = scan(tree, files)["ux.synthetics.tools"]
    assert dict(zip(synthetics.value, synthetics.locators, strict=True)) == expected


# --- telemetry conventions and service identity --------------------------------------------

GO_MOD = """\
module example.com/billing

go 1.22

require (
\tgithub.com/prometheus/client_golang v1.19.0
\tgo.opentelemetry.io/otel v1.26.0
\tgo.opentelemetry.io/otel/sdk v1.26.0 // tracing
)
"""

POM = """\
<project>
  <dependencies>
    <dependency>
      <groupId>io.micrometer</groupId>
      <artifactId>micrometer-registry-prometheus</artifactId>
    </dependency>
    <dependency>
      <groupId>io.opentelemetry</groupId>
      <artifactId>opentelemetry-sdk-testing</artifactId>
    </dependency>
  </dependencies>
</project>
"""

CSPROJ = """\
<Project Sdk="Microsoft.NET.Sdk.Web">
  <ItemGroup>
    <PackageReference Include="OpenTelemetry.Extensions.Hosting" Version="1.8.0" />
    <PackageReference Include="prometheus-net.AspNetCore" Version="8.2.1" />
  </ItemGroup>
</Project>
"""


@pytest.mark.parametrize(("files", "expected"), [
    ({"requirements.txt": "flask==3.0.0\nopentelemetry-sdk==1.25.0\nprometheus_client>=0.20\n"},
     {"opentelemetry": "requirements.txt:2", "prometheus-instrumentation": "requirements.txt:3"}),
    ({"services/billing/go.mod": GO_MOD},
     {"opentelemetry": "services/billing/go.mod:8",
      "prometheus-instrumentation": "services/billing/go.mod:6"}),
    ({"pom.xml": POM}, {"prometheus-instrumentation": "pom.xml:5"}),  # -testing is no SDK
    ({"Api/Api.csproj": CSPROJ}, {"opentelemetry": "Api/Api.csproj:3",
                                  "prometheus-instrumentation": "Api/Api.csproj:4"}),
    ({"package.json": '{\n  "dependencies": {\n    "@opentelemetry/sdk-node": "0.51.0",\n'
                      '    "prom-client": "^15.1.0"\n  }\n}\n'},
     {"opentelemetry": "package.json:3", "prometheus-instrumentation": "package.json:4"}),
    ({"pyproject.toml": '[project]\nname = "billing"\ndependencies = [\n  "fastapi",\n'
                        '  "opentelemetry-distro>=0.46b0",\n]\n'},
     {"opentelemetry": "pyproject.toml:5"}),
    ({"Cargo.toml": '[package]\nname = "billing"\n\n[dependencies]\nopentelemetry_sdk = "0.23"\n'},
     {"opentelemetry": "Cargo.toml:5"}),
    ({"build.gradle.kts": 'dependencies {\n    implementation("io.opentelemetry:'
                          'opentelemetry-sdk:1.38.0")\n}\n'},
     {"opentelemetry": "build.gradle.kts:2"}),
    ({"Gemfile": "source 'https://rubygems.org'\ngem 'rails'\ngem 'prometheus-client'\n"},
     {"prometheus-instrumentation": "Gemfile:3"}),
    ({"requirements.txt": "opentelemetry-api==1.25.0\nprometheus-api-client\n"}, {}),
])
def test_telemetry_libraries_in_dependency_manifests(tree: Tree, files: dict[str, str],
                                                     expected: dict[str, str]) -> None:
    conventions = scan(tree, files)["telemetry.conventions"]
    assert dict(zip(conventions.value, conventions.locators, strict=True)) == expected


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  labels:
    tags.datadoghq.com/service: api
    tags.datadoghq.com/version: "1.4.2"
spec:
  template:
    metadata:
      annotations:
        instrumentation.opentelemetry.io/inject-python: "true"
    spec:
      containers:
        - name: api
          image: shop/api:1.4.2
          env:
            - name: OTEL_SERVICE_NAME
              value: api
            - name: OTEL_RESOURCE_ATTRIBUTES
              value: deployment.environment=production,service.version=1.4.2
            - name: DD_ENV
              valueFrom:
                fieldRef:
                  fieldPath: metadata.labels['tags.datadoghq.com/env']
"""


def test_a_deployment_naming_its_service_and_environment(tree: Tree) -> None:
    found = scan(tree, {"deploy/api.yaml": DEPLOYMENT})
    conventions = found["telemetry.conventions"]
    assert conventions.value == ["datadog-unified-tags", "opentelemetry"]
    assert conventions.locators == ("deploy/api.yaml:6", "deploy/api.yaml:12")
    identity = found["telemetry.service_identity"]
    assert identity.value is True
    assert identity.locators == ("deploy/api.yaml:18", "deploy/api.yaml:20")


def test_datadog_tags_alone_name_service_and_environment(tree: Tree) -> None:
    datadog_only = DEPLOYMENT.replace(
        "            - name: OTEL_SERVICE_NAME\n              value: api\n"
        "            - name: OTEL_RESOURCE_ATTRIBUTES\n"
        "              value: deployment.environment=production,service.version=1.4.2\n", "")
    identity = scan(tree, {"deploy/api.yaml": datadog_only})["telemetry.service_identity"]
    assert identity.value is True
    assert identity.locators == ("deploy/api.yaml:6", "deploy/api.yaml:18")


COMPOSE = """\
services:
  web:
    image: shop/web
    environment:
      - DD_SERVICE=web
      - DD_VERSION=2.0.1
  worker:
    image: shop/worker
    environment:
      DD_ENV: production
"""


def test_each_compose_service_is_its_own_deployment(tree: Tree) -> None:
    found = scan(tree, {"docker-compose.yml": COMPOSE})
    assert found["telemetry.conventions"].value == ["datadog-unified-tags"]
    assert found["telemetry.conventions"].locators == ("docker-compose.yml:5",)
    identity = found["telemetry.service_identity"]
    assert identity.value is False  # web names itself, but only worker names an environment
    assert identity.locators == ("docker-compose.yml:5",)
    assert identity.note == ("a service name is set for telemetry, but no environment beside it "
                             "(deployment.environment or DD_ENV / the Datadog env tag)")


@pytest.mark.parametrize(("files", "locators"), [
    ({"Dockerfile": 'FROM python:3.12-slim\nENV OTEL_SERVICE_NAME=billing \\\n'
                    '    OTEL_RESOURCE_ATTRIBUTES="deployment.environment=staging,team=pay"\n'
                    'LABEL com.datadoghq.tags.service="billing"\nCMD ["python", "-m", "app"]\n'},
     ("Dockerfile:2",)),
    ({"charts/api/values.yaml": "image:\n  repository: shop/api\nenv:\n  OTEL_SERVICE_NAME: api\n"
                                '  OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=prod"\n'},
     ("charts/api/values.yaml:4", "charts/api/values.yaml:5")),
    ({"docker/api.Dockerfile": "FROM node:20\nENV DD_SERVICE api\nENV DD_ENV prod\n"},
     ("docker/api.Dockerfile:2", "docker/api.Dockerfile:3")),
])
def test_service_identity_from_dockerfiles_and_helm_values(tree: Tree, files: dict[str, str],
                                                           locators: tuple[str, ...]) -> None:
    identity = scan(tree, files)["telemetry.service_identity"]
    assert identity.value is True
    assert identity.locators == locators


def test_ci_variables_are_no_deployment(tree: Tree) -> None:
    workflow = ("on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    env:\n"
                "      DD_SERVICE: api\n      DD_ENV: ci\n      OTEL_SERVICE_NAME: api\n"
                "    steps:\n      - run: make test\n")
    found = scan(tree, {".github/workflows/ci.yml": workflow, ".gitlab-ci.yml": workflow})
    assert found["telemetry.conventions"].value == []
    assert found["telemetry.service_identity"].value is False
    assert found["telemetry.service_identity"].note == (
        "no deployment sets a telemetry service name (OTEL_SERVICE_NAME, service.name, "
        "DD_SERVICE or the Datadog service tag)")


# --- security detection rules --------------------------------------------------------------

FALCO = """\
- list: shell_binaries
  items: [bash, sh, zsh]

- rule: Shell in container
  desc: A shell was spawned in a container
  condition: spawned_process and container and proc.name in (shell_binaries)
  output: Shell in container (user=%user.name container=%container.name)
  priority: WARNING
"""

SIGMA = """\
title: AWS Root Account Console Login
id: 8ad1600d-e9dc-4251-b0ee-a65268f29add
status: experimental
logsource:
  product: aws
  service: cloudtrail
detection:
  selection:
    eventName: ConsoleLogin
    userIdentity.type: Root
  condition: selection
level: high
"""

DATADOG_RULE = """\
{
  "name": "Login from a new country",
  "type": "log_detection",
  "isEnabled": true,
  "queries": [{"query": "@evt.name:authentication", "aggregation": "count"}],
  "cases": [{"status": "high", "condition": "a > 0"}],
  "options": {"detectionMethod": "new_value"}
}
"""

ELASTIC_RULE = """\
[metadata]
creation_date = "2024/01/01"
maturity = "production"

[rule]
name = "SSH brute force"
risk_score = 47
rule_id = "2b7e0a7e-7c51-4a5d-9b3e-4b1f5c0f0e11"
severity = "medium"
type = "eql"
query = '''
sequence by source.ip [authentication where event.outcome == "failure"] with runs=10
'''
"""


def test_security_detection_rules_as_code(tree: Tree) -> None:
    found = scan(tree, {
        "falco/rules.yaml": FALCO,
        "detections/sigma/aws_root_login.yml": SIGMA,
        "security-rules/new_country_login.json": DATADOG_RULE,
        "rules/linux/ssh_bruteforce.toml": ELASTIC_RULE,
        # Code scanning rules are not detection rules.
        ".semgrep.yml": "rules:\n  - id: no-eval\n    pattern: eval(...)\n    message: no\n"
                        "    severity: ERROR\n    languages: [python]\n",
    })
    rules = found["security.rules"]
    assert rules.value == ["datadog-security-rules", "elastic-detection-rules", "falco", "sigma"]
    assert rules.locators == ("security-rules/new_country_login.json:6",
                              "rules/linux/ssh_bruteforce.toml:5", "falco/rules.yaml:4",
                              "detections/sigma/aws_root_login.yml:1")


@pytest.mark.parametrize(("files", "expected"), [
    # The Falco chart's values carry custom rules as a string.
    ({"charts/falco/values.yaml": "falco:\n  json_output: true\ncustomRules:\n"
                                  "  shop-rules.yaml: |-\n" + "".join(
                                      f"    {line}\n" for line in FALCO.splitlines())},
     {"falco": "charts/falco/values.yaml:8"}),
    ({"security/rules.yaml": "cases:\n  - status: high\n    condition: a > 0\nqueries:\n"
                             "  - query: '@evt.name:authentication'\ntype: log_detection\n"},
     {"datadog-security-rules": "security/rules.yaml:1"}),
    ({"rules/other.yaml": "- rule: keep-tidy\n  condition: always\n"}, {}),
    ({"security/config.json": '{"cases": [], "queries": []}'}, {}),
])
def test_security_rules_in_other_shapes(tree: Tree, files: dict[str, str],
                                        expected: dict[str, str]) -> None:
    rules = scan(tree, files)["security.rules"]
    assert dict(zip(rules.value, rules.locators, strict=True)) == expected


# --- robustness, speed, services -----------------------------------------------------------

def test_bad_input_never_raises(tree: Tree) -> None:
    laughs = "a: &a [groups, rules, expr, groups, rules, expr, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n"
        for i in range(8))
    found = scan(tree, {
        "slo/broken.yaml": "apiVersion: openslo/v1\nkind: SLO\nspec: [\n",
        "slo/odd.yaml": "apiVersion: pyrra.dev/v1\nkind: ServiceLevelObjective\nspec: text\n"
                        "---\nversion: prometheus/v1\nslos: 5\n---\n- 1\n- slos\n",
        "rules/odd.yml": "groups: [1, {rules: 5}, {rules: [1, {alert: {a: 1}, expr: [1]},"
                         " {record: 7, expr: up}]}]\n",
        "rules/laughs.yml": laughs,
        "rules/loop.yml": "loop: &loop {self: *loop, groups: [], rules: x, expr: y}\n",
        "rules/binary.yml": b"\x00\x01groups rules expr",
        "deploy/configmap.yaml": "kind: ConfigMap\napiVersion: v1\ndata:\n  r.yaml: |\n"
                                 "    groups: [\n    rules: expr\n",
        "weird.yaml": "? [a, b]\n: c\n1: 2\nDD_ENV: prod\ntrue: OTEL_SERVICE_NAME\nenv:\n"
                      "  - name: DD_SERVICE\n    value: {a: 1}\n  - DD_SERVICE\n",
        "package.json": "{not json",
        "web/package.json": '[1, 2]',
        "app/package.json": '{"dependencies": ["@datadog/browser-rum"]}',
        "pyproject.toml": "[project\ndependencies = ['opentelemetry-sdk']\n",
        "go.mod": "require\nrequire (\n)\n)\nrequire go.opentelemetry.io/otel/sdk\n",
        "Dockerfile": 'FROM x\nENV DD_SERVICE="api DD_ENV=prod\nLABEL\nENV \\\n',
        "rules/bad.toml": "[rule]\nrisk_score = \n",
        "security/deep.json": '{"cases": 1, "queries": ' + "[" * 5_000,
        "security/list.json": '[1, {"cases": [1], "queries": [], "type": "log_detection"}]',
        "datadog-ci.json": "[",
        "e2e/x.synthetics.json": '{"tests": "all"}',
        "__checks__/bad.check.ts": b"\xff\xfe\x00",
        "blackbox.yml": "modules: [prober]\n",
        "falco.yaml": "- rule: [a]\n  condition: {b: 1}\n- rule\n",
        "compose.yaml": "services:\n  a:\n    environment:\n      - service.name=x\n"
                        "      - DD_=1\n      - DD_ENV\n",
    })
    assert found["slo.specs"].value == ["pyrra"]  # its kind says so, whatever its spec
    assert found["prometheus.alert_rules"].value == 0  # names must be strings
    assert found["prometheus.recording_rules"].value == 0
    assert found["security.rules"].value == []


def test_only_files_with_hints_are_parsed(tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    files = FileIndex(tree({
        "config/app.yaml": "name: shop\nport: 8080\n",
        "config/logging.yml": "level: info\nhandlers: [console]\n",
        "monitoring/rules.yml": RULE_FILE,
        "src/app.py": "print('hello')\n",
    }))
    parsed: list[str] = []
    original = FileIndex.yaml

    def spy(self: FileIndex, path: str) -> list[Any]:
        parsed.append(path)
        return original(self, path)

    monkeypatch.setattr(FileIndex, "yaml", spy)
    out = Emitter("repo:x", "test")
    detect(files, out)
    assert parsed == ["monitoring/rules.yml"]


def test_a_service_folder_is_read_as_its_own_tree(tree: Tree) -> None:
    work = tree({"services/api/deploy/api.yaml": DEPLOYMENT,
                 "services/api/requirements.txt": "prometheus-client\n",
                 "services/web/package.json": WEB_PACKAGE})
    out = Emitter("service:api", "test", locator_prefix="services/api/")
    detect(FileIndex(SubTree(work, "services/api")), out)
    found = {e.signal: e for e in out.evidence}
    assert found["ux.rum.tools"].value == []
    assert found["telemetry.conventions"].value == ["datadog-unified-tags", "opentelemetry",
                                                    "prometheus-instrumentation"]
    assert found["telemetry.service_identity"].locators == (
        "services/api/deploy/api.yaml:18", "services/api/deploy/api.yaml:20")
