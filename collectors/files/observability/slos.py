"""SLOs written for Sloth and Google's slo-generator, and the alerting on error-budget burn
each configures."""

from __future__ import annotations

from scanner.collectors.files.observability.found import Found, Where
from scanner.collectors.files.observability.reading import str_or_empty
from scanner.yaml_source import LineDict, LineList


def sloth(spec: LineDict, where: Where, found: Found) -> None:
    """A Sloth spec (`prometheus/v1` file or the PrometheusServiceLevel resource's spec)."""
    slos = spec.get("slos")
    if not isinstance(slos, LineList):
        return
    service = str_or_empty(spec.get("service"))
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


def slo_generator(document: LineDict, where: Where, found: Found) -> None:
    """slo-generator v1 SLO configs, and the alerting steps of a v2 shared config."""
    backend = document.get("backend")
    if "slo_target" in document and "slo_name" in document and isinstance(backend, LineDict) \
            and ("class" in backend or "method" in backend):
        found.slo("slo-generator", where.at(document.line))
    policies = document.get("error_budget_policies")
    for policy in policies.values() if isinstance(policies, LineDict) else []:
        steps = policy.get("steps") if isinstance(policy, LineDict) else None
        if isinstance(steps, LineList):
            slo_generator_policy(steps, where, found)


def slo_generator_policy(steps: LineList, where: Where, found: Found) -> None:
    """Error-budget policy steps that alert when the budget burns past a threshold."""
    for step in steps:
        if isinstance(step, LineDict) and (
                ("burn_rate_threshold" in step and step.get("alert") is True)
                or ("alerting_burn_rate_threshold" in step
                    and step.get("urgent_notification") is True)):
            found.burn.append(where.at(step.line))
            return
