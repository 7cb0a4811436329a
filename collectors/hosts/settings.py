"""How host-side evidence is read: the window, the patterns and the patching SLA.

Every pattern is a regular expression users may override in the config; the
defaults follow DevLake's and Four Keys' conventions where those exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_SLA_DAYS = {"critical": 15, "high": 30, "medium": 90, "low": 180}


@dataclass(frozen=True)
class HostSettings:
    window_days: int = 90
    production_pattern: str = r"(?i)^(prod|production|live)([-_ ].*)?$"
    # CI runs that deploy, when the host records no deployments (DevLake's deploymentPattern).
    deploy_run_pattern: str = r"(?i)(deploy|release|\bcd\b|rollout|publish)"
    incident_labels: str = r"(?i)(incident|outage|sev[-_ ]?[0-4]|p[0-1]\b|postmortem)"
    bug_labels: str = r"(?i)(\bbug\b|defect|regression|\bfix\b|kind/bug|type: ?bug)"
    feature_labels: str = r"(?i)(feature|enhancement|\bfeat\b|story|kind/feature)"
    # An incident counts against a deployment only if it starts this soon after it.
    incident_attribution_hours: float = 24.0
    sla_days: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_SLA_DAYS))
