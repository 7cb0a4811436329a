"""What the observability detector found, emitted as its signals."""

from __future__ import annotations

from scanner.collectors.base import Emitter
from scanner.collectors.files.observability.found import Found, Rule
from scanner.collectors.files.observability.prometheus_rules import SLO_RECORD

MAX_LOCATORS = 20


def _emit_list(out: Emitter, signal: str, found: dict[str, str], negative: str) -> None:
    """A sorted list of names, each name's locator in the same order."""
    names = sorted(found)
    out.emit(signal, names, [found[name] for name in names], None if names else negative)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def emit_signals(found: Found, out: Emitter) -> None:
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
