"""Libraries among the dependencies: real-user monitoring SDKs, OpenTelemetry SDKs and
Prometheus client libraries."""

from __future__ import annotations

import re
from collections.abc import Iterable

from scanner.collectors.files.dependency_names import ManifestReading, Names
from scanner.collectors.files.index import FileIndex
from scanner.collectors.files.observability.found import Found
from scanner.collectors.files.observability.reading import bounded_text

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
READING = ManifestReading(
    npm_sections=("dependencies", "devDependencies", "optionalDependencies"),
    # `react` in `@sentry/react` is not React.
    joined_before=r"\w.@/-", eggs=False)


def dependencies(files: FileIndex, path: str, reader: tuple[str, Names], found: Found) -> None:
    text = bounded_text(files, path)
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
