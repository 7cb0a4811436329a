"""Monitoring objects kept as Kubernetes-style documents (`apiVersion` and `kind`): OpenSLO,
Nobl9, Pyrra, slo-generator and Sloth SLOs, Prometheus Operator probes and OpenTelemetry
auto-instrumentation."""

from __future__ import annotations

from scanner.collectors.files.observability.found import Found, Where
from scanner.collectors.files.observability.reading import mappings, str_or_empty
from scanner.collectors.files.observability.slos import sloth
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import LineDict, LineList

OPENSLO_GROUP = lazy_compile(r"^openslo(\.com)?$")
NOBL9_BURN = frozenset({"averageburnrate", "timetoburnbudget", "timetoburnentirebudget",
                        "burnedbudget"})


def _group(document: LineDict) -> str:
    return str_or_empty(document.get("apiVersion")).rpartition("/")[0]


def kubernetes_object(document: LineDict, where: Where, found: Found) -> None:
    kind = document["kind"]
    group = _group(document)
    spec = document.get("spec")
    at = where.at(document.line)
    if OPENSLO_GROUP.match(group):
        if kind == "SLO":
            found.slo("openslo", at)
        if kind in ("SLO", "AlertPolicy", "AlertCondition"):
            found.burn += [where.at(node.line_of("kind")) for node in mappings(spec)
                           if str_or_empty(node.get("kind")).lower() == "burnrate"]
    elif group == "n9":
        if kind == "SLO":
            found.slo("nobl9", at)
        elif kind == "AlertPolicy" and isinstance(spec, LineDict) \
                and isinstance(spec.get("conditions"), LineList):
            found.burn += [where.at(condition.line_of("measurement"))
                           for condition in spec["conditions"]
                           if isinstance(condition, LineDict)
                           and str_or_empty(condition.get("measurement")).lower() in NOBL9_BURN]
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
        sloth(spec, where, found)
    elif group == "monitoring.coreos.com" and kind == "Probe":
        found.synthetics.setdefault("blackbox", at)
    elif group == "opentelemetry.io" and kind == "Instrumentation":
        found.conventions.setdefault("opentelemetry", at)
