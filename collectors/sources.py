"""Each built-in collector's id, title and signals, declared apart from its code.

Every scan checks its rules against the catalogue of the signals that every installed
collector can emit (`registry.catalogue`).  The built-in collectors are described here,
and each collector class takes its `id`, `title` and `signals` from here, so that the
catalogue need not import a collector's code (API clients, parsers, records) for a scan
that does not read that source: a local scan did, for 0.05 s.  A clone's signals are
declared by the code that reads it (`local/clone.py`: every file detector declares its
own), which is why the catalogue keeps what this module declares in the user's cache.
"""

from __future__ import annotations

from scanner.collectors.cloud.aws.specs import SIGNALS as AWS_SIGNALS
from scanner.collectors.hosts.specs import SIGNALS as HOST_SIGNALS
from scanner.collectors.local.clone import SIGNALS as CLONE_SIGNALS
from scanner.collectors.local.collector import LocalRepoCollector
from scanner.collectors.monitoring.signals import (
    DATADOG_MONITORING,
    DETECTION,
    INCIDENTS,
    ONCALL,
    PROMETHEUS_SLOS,
)
from scanner.signals import SignalSpec, SourceInfo

LOCAL = SourceInfo(LocalRepoCollector.id, LocalRepoCollector.title)
GITHUB = SourceInfo("github", "GitHub API (organisations and repositories)")
GITLAB = SourceInfo("gitlab", "GitLab API (groups and projects)")
DATADOG = SourceInfo("datadog",
                     "Datadog API (SLOs, monitors, synthetics, RUM, security, incidents)")
PAGERDUTY = SourceInfo("pagerduty", "PagerDuty API (incidents, log entries, notes)")
PROMETHEUS = SourceInfo("prometheus",
                        "Prometheus rules API (SLO recording rules and burn-rate alerts)")
AWS = SourceInfo("aws", "AWS accounts (boto3, read-only)")

SIGNALS: dict[SourceInfo, tuple[SignalSpec, ...]] = {
    LOCAL: CLONE_SIGNALS,
    # With `clone: true` a host's repository is read as a local clone, history included.
    GITHUB: (*CLONE_SIGNALS, *HOST_SIGNALS),
    GITLAB: (*CLONE_SIGNALS, *HOST_SIGNALS),
    DATADOG: (*DATADOG_MONITORING, *INCIDENTS, *DETECTION),
    PAGERDUTY: (*INCIDENTS, *ONCALL),
    PROMETHEUS: PROMETHEUS_SLOS,
    AWS: AWS_SIGNALS,
}
