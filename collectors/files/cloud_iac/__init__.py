"""Operate and observe practices declared as infrastructure as code.

Reads Terraform / OpenTofu (`*.tf`, `*.tofu`) and CloudFormation / SAM templates
(YAML or JSON) for what the declared infrastructure shows: which clouds and
regions, spread over zones and regions, autoscaling, backups and their copies,
restore tests, chaos experiments, security monitoring, vulnerability scanning,
SLOs and their alerts, synthetic checks, real-user monitoring and default tags.

The readers are `terraform` (with `hcl`, a tolerant parser that does not evaluate,
and `terraform_resources`) and `cloudformation`; both add to one `Findings`, which
this module turns into evidence.
"""

from __future__ import annotations

from collections.abc import Iterable

from scanner.collectors.base import Emitter
from scanner.collectors.files import Detector
from scanner.collectors.files.cloud_iac.cloudformation import read_cloudformation
from scanner.collectors.files.cloud_iac.findings import Findings
from scanner.collectors.files.cloud_iac.hcl import parse_hcl
from scanner.collectors.files.cloud_iac.terraform import read_terraform
from scanner.collectors.files.index import FileIndex
from scanner.signals import SignalSpec, specs_about

__all__ = ["DETECTOR", "SIGNALS", "detect", "parse_hcl"]

MAX_LOCATORS = 20
LOCATORS_PER_VALUE = 3
MAX_LOOKED = 10


_spec = specs_about("repo", "service")


SIGNALS: tuple[SignalSpec, ...] = (
    _spec("iac.clouds", "list",
          "Compute clouds with infrastructure declared as code (aws, google, azure, …)"),
    _spec("iac.regions", "list", "Literal cloud regions infrastructure code deploys to"),
    _spec("iac.multi_az", "bool",
          "Infrastructure code spreads something over two or more availability zones"),
    _spec("iac.multi_region", "bool",
          "Infrastructure code spans two or more regions or replicates data across regions"),
    _spec("iac.autoscaling", "list", "Autoscaling declared as code (groups, policies, targets)"),
    _spec("iac.scheduled_scaling", "list",
          "Scheduled or predictive scaling declared as code"),
    _spec("iac.backups", "list",
          "Backups declared as code (AWS Backup, automated database backups, PITR, …)"),
    _spec("iac.backup_copies", "bool",
          "Backups or data are copied to another vault, region or account"),
    _spec("iac.restore_tests", "bool", "Restores are tested automatically (restore testing plans)"),
    _spec("iac.chaos_experiments", "bool",
          "Fault-injection (chaos) experiments are declared as code"),
    _spec("iac.security_monitoring", "list",
          "Cloud security monitoring declared as code (GuardDuty, CloudTrail, Security Hub, …)"),
    _spec("iac.vulnerability_scanning", "list",
          "Cloud vulnerability scanning declared as code (Inspector, ECR scan on push, …)"),
    _spec("iac.slos", "list", "Service level objectives declared as code, by platform"),
    _spec("iac.slo_alerts", "bool", "SLO burn-rate alerts declared as code"),
    _spec("iac.synthetics", "list", "Synthetic (uptime, API, browser) checks declared as code"),
    _spec("iac.rum", "list", "Real-user monitoring declared as code"),
    _spec("iac.default_tags", "list",
          "Tag keys set on every resource through provider defaults (lower-cased)"),
)

LIST_SIGNALS = ("iac.clouds", "iac.regions", "iac.autoscaling", "iac.scheduled_scaling",
                "iac.backups", "iac.security_monitoring", "iac.vulnerability_scanning",
                "iac.slos", "iac.synthetics", "iac.rum", "iac.default_tags")
BOOL_SIGNALS = ("iac.multi_az", "iac.multi_region", "iac.backup_copies", "iac.restore_tests",
                "iac.chaos_experiments", "iac.slo_alerts")
NEGATIVE_NOTES = {
    "iac.clouds": "no cloud provider, resource or module declared",
    "iac.regions": "no literal region declared",
    "iac.multi_az": "nothing declared across two or more availability zones",
    "iac.multi_region": "fewer than two regions and no cross-region replication",
    "iac.autoscaling": "no autoscaling group, policy or target",
    "iac.scheduled_scaling": "no scheduled or predictive scaling",
    "iac.backups": "no backup plan, automated database backups or point-in-time recovery",
    "iac.backup_copies": "no backup copy action or replication",
    "iac.restore_tests": "no restore testing plan",
    "iac.chaos_experiments": "no fault-injection experiment template",
    "iac.security_monitoring": "no GuardDuty, CloudTrail, Security Hub, Config, SCC, Defender "
                               "or security rules",
    "iac.vulnerability_scanning": "no Inspector, ECR image scanning or container scanning",
    "iac.slos": "no service level objective",
    "iac.slo_alerts": "no SLO burn-rate alert",
    "iac.synthetics": "no synthetic check",
    "iac.rum": "no real-user monitoring application",
    "iac.default_tags": "no provider default tags or labels with literal keys",
}


def detect(files: FileIndex, out: Emitter) -> None:
    found = Findings()
    terraform = read_terraform(files, found)
    looked = terraform + read_cloudformation(files, found)
    regions = found.values.get("iac.regions", {})
    if len(regions) >= 2:
        for locators in regions.values():
            found.add("iac.multi_region", None, locators[0])
    negative_where = looked[:MAX_LOOKED]
    scope = (f"in {len(looked)} Terraform / CloudFormation file{'s' if len(looked) != 1 else ''}"
             if looked else "(no Terraform or CloudFormation files)")
    for signal in LIST_SIGNALS:
        values = found.values.get(signal, {})
        names = sorted(values)
        if names:
            locators = [where for name in names for where in values[name][:1]]
            locators += [where for name in names for where in values[name][1:LOCATORS_PER_VALUE]]
            note = None
            if signal == "iac.default_tags" and found.unresolved_tags:
                note = "some default tags come from values that cannot be read: " + \
                       ", ".join(found.unresolved_tags[:3])
            out.emit(signal, names, _capped(locators), note)
        else:
            note = f"{NEGATIVE_NOTES[signal]} {scope}"
            if signal == "iac.default_tags" and found.unresolved_tags:
                note = "provider default tags come from values that cannot be read: " + \
                       ", ".join(found.unresolved_tags[:3])
            elif signal == "iac.default_tags" and looked and not terraform:
                note = "no Terraform provider defaults; CloudFormation stack tags are set " \
                       "when a stack is deployed, not in its template"
            out.emit(signal, [], negative_where, note)
    for signal in BOOL_SIGNALS:
        flagged = found.flags.get(signal, [])
        if flagged:
            out.emit(signal, True, _capped(flagged))
        else:
            out.emit(signal, False, negative_where, f"{NEGATIVE_NOTES[signal]} {scope}")


def _capped(locators: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(locators))[:MAX_LOCATORS]


DETECTOR = Detector("cloud_iac", SIGNALS, detect)
