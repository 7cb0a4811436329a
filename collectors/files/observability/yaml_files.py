"""A YAML file: a plain substring test decides whether it is parsed at all, then each of its
documents (and YAML kept in its strings) goes to the readers its hints call for."""

from __future__ import annotations

from typing import Any

from scanner.collectors.files.index import FileIndex
from scanner.collectors.files.observability.found import Found, Where
from scanner.collectors.files.observability.kubernetes_objects import kubernetes_object
from scanner.collectors.files.observability.prometheus_rules import prometheus_rules
from scanner.collectors.files.observability.reading import bounded_text, embedded
from scanner.collectors.files.observability.security_rules import (
    FALCO_ITEM,
    falco,
    is_datadog_rule,
    sigma,
)
from scanner.collectors.files.observability.slos import slo_generator, slo_generator_policy, sloth
from scanner.collectors.files.observability.synthetics import blackbox
from scanner.collectors.files.observability.telemetry import OTEL_INJECT, telemetry_yaml
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import LineDict, LineList

# CI configuration sets variables for jobs, not for deployed services.
CI_CONFIG = lazy_compile(r"^(\.github/|\.gitlab/|\.circleci/|\.buildkite/|\.gitlab-ci\.ya?ml$|"
                         r"azure-pipelines[^/]*$|bitbucket-pipelines\.ya?ml$)")


def yaml_file(files: FileIndex, path: str, found: Found) -> None:
    text = bounded_text(files, path)
    if text is None:
        return
    kube = "apiVersion" in text and "kind" in text and any(
        group in text for group in ("openslo", "pyrra.dev", "n9/", "sre.google.com",
                                    "sloth.slok.dev", "monitoring.coreos.com",
                                    "opentelemetry.io"))
    sloth_spec = "prometheus/v1" in text and "slos" in text
    slo_generator_config = "slo_target" in text or "burn_rate_threshold" in text
    rules = "groups" in text and "rules" in text and "expr" in text
    falco_rules = "rule" in text and "condition" in text and FALCO_ITEM.search(text) is not None
    sigma_rule = "logsource" in text and "detection" in text
    blackbox_config = "prober" in text and "modules" in text
    datadog_rule = "cases" in text and "queries" in text
    telemetry = not CI_CONFIG.match(path) and any(
        hint in text for hint in ("OTEL_", "DD_", "datadoghq", OTEL_INJECT))
    if not (kube or sloth_spec or slo_generator_config or rules or falco_rules or sigma_rule
            or blackbox_config or datadog_rule or telemetry):
        return
    documents = files.yaml(path)
    sources: list[tuple[Any, Where]] = [(doc, Where(path)) for doc in documents]
    if rules or falco_rules or sigma_rule:
        sources += embedded(documents, path, ("groups:", "rule:", "logsource:"))
    for document, where in sources:
        if isinstance(document, LineDict):
            if kube and isinstance(document.get("kind"), str):
                kubernetes_object(document, where, found)
            if sloth_spec and document.get("version") == "prometheus/v1":
                sloth(document, where, found)
            if slo_generator_config:
                slo_generator(document, where, found)
            if sigma_rule:
                sigma(document, where, found)
            if blackbox_config:
                blackbox(document, where, found)
            if datadog_rule and is_datadog_rule(document):
                found.security.setdefault("datadog-security-rules",
                                          where.at(document.line_of("cases")))
        elif isinstance(document, LineList):
            if kube:  # sloctl and OpenSLO tools also take a list of objects
                for item in document:
                    if isinstance(item, LineDict) and isinstance(item.get("kind"), str):
                        kubernetes_object(item, where, found)
            if falco_rules:
                falco(document, where, found)
            if slo_generator_config:
                slo_generator_policy(document, where, found)
        if rules:
            prometheus_rules(document, where, found)
    if telemetry:
        telemetry_yaml(documents, path, found)
