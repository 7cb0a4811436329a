"""The signals the monitoring and incident collectors emit, by the entity kind they describe."""

from __future__ import annotations

from scanner.signals import SignalSpec

DATADOG = ("datadog",)
PAGERDUTY = ("pagerduty",)
PROMETHEUS = ("prometheus",)
INCIDENT_TOOLS = (*DATADOG, *PAGERDUTY)


def _specs(kinds: tuple[str, ...], *rows: tuple[str, str, str]) -> tuple[SignalSpec, ...]:
    return tuple(SignalSpec(name, kind, description, kinds) for name, kind, description in rows)


INCIDENTS = _specs(
    INCIDENT_TOOLS,
    ("incidents.count", "int", "Incidents opened in the window"),
    ("incidents.measured_share", "float",
     "Share of resolved incidents carrying every timestamp the tool should record"),
    ("incidents.mttr_hours_p50", "float", "Median hours from detection to resolution"),
    ("incidents.mttr_hours_p90", "float", "90th percentile of hours from detection to resolution"),
    ("incidents.mtta_minutes_p50", "float", "Median minutes from detection to acknowledgement"),
    ("postmortems.incident_share", "float",
     "Share of resolved significant incidents with a post-mortem"),
    ("postmortems.days_after_incident_p50", "float",
     "Median days from an incident's resolution to its post-mortem"),
)

DETECTION = _specs(
    DATADOG,
    ("incidents.mttd_minutes_p50", "float", "Median minutes from impact start to detection"),
    ("incidents.mttd_minutes_p90", "float",
     "90th percentile of minutes from impact start to detection"),
    ("postmortems.action_items_share", "float",
     "Share of post-mortems whose incident carries follow-up tasks"),
)

SLOS = (
    ("monitoring.slos", "int", "Service level objectives defined"),
    ("monitoring.services_with_slos_share", "float",
     "Share of known services with at least one SLO"),
    ("monitoring.slo_burn_alerts", "bool", "Alerts fire on SLO error-budget burn"),
    ("monitoring.slo_gates", "bool", "SLO burn alerts page someone"),
)

DATADOG_MONITORING = _specs(
    DATADOG,
    *SLOS,
    ("monitoring.services", "int",
     "Services named by service tags on monitors, SLOs, synthetic tests or incidents"),
    ("monitoring.slo_budget_tracked_share", "float",
     "Share of SLOs whose error-budget history holds data for the window"),
    ("monitoring.security_rules", "int", "Enabled security detection rules"),
    ("monitoring.security_rules_services_share", "float",
     "Share of known services with a security detection rule or security signal"),
    ("monitoring.journeys_covered", "int",
     "User journeys watched: live browser, mobile and multistep synthetic tests, "
     "and RUM applications"),
    ("monitoring.ux_services_share", "float",
     "Share of known services with a live synthetic test or a RUM application"),
    ("monitoring.tag_coverage", "float",
     "Mean share of monitors, SLOs and hosts carrying every required tag key"),
)

PROMETHEUS_SLOS = _specs(PROMETHEUS, *SLOS)

ONCALL = _specs(PAGERDUTY, ("oncall.off_hours_pages_per_week", "float",
                            "High-urgency incidents outside working hours per responder "
                            "per week"))
