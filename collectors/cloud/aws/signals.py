"""The signals an AWS account gives, and how one account's evidence is written.

Signals are named by what they mean, not by the AWS service behind them. A signal with
nothing to measure (no databases, no Auto Scaling groups) is left out: no evidence,
never a zero that would read as a failure.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence

from scanner.collectors.base import Emitter
from scanner.collectors.cloud.aws.calls import Unanswered
from scanner.evidence import Evidence, SignalValue
from scanner.signals import SignalSpec, specs_about

MAX_LOCATORS = 20


_spec = specs_about("aws")


SIGNALS: tuple[SignalSpec, ...] = (
    _spec("aws.resources", "int", "Resources counted by describe calls (instances, groups, "
          "load balancers, databases, tables, buckets, functions, repositories)"),
    _spec("aws.iac_managed_share", "float", "Share of counted resources that belong to a "
          "CloudFormation stack or carry the configured IaC tag"),
    _spec("aws.required_tags_share", "float", "Share of counted resources carrying every "
          "required tag key"),
    _spec("aws.autoscaling_share", "float", "Share of Auto Scaling groups and Application "
          "Auto Scaling targets with a scaling policy"),
    _spec("aws.scheduled_scaling", "bool", "Scheduled scaling actions exist (seasonality)"),
    _spec("aws.predictive_scaling", "bool", "Predictive scaling policies exist (usage-based "
          "prediction)"),
    _spec("aws.multi_az_share", "float", "Share of production databases, caches, groups and "
          "load balancers spread over several availability zones"),
    _spec("aws.databases_multi_az_share", "float", "Share of production RDS instances and "
          "clusters and ElastiCache groups that are Multi-AZ"),
    _spec("aws.multi_region", "bool", "Production resources in more than one region, or data "
          "replicated to another region"),
    _spec("aws.replication", "list", "Cross-region replication in use (s3-replication, "
          "dynamodb-global-table, aurora-global-database)"),
    _spec("aws.fis_templates", "int", "AWS FIS experiment templates"),
    _spec("aws.fis_experiments_90d", "int", "Fault-injection experiments started in the last "
          "90 days"),
    _spec("aws.resilience_hub_apps", "int", "Applications assessed in AWS Resilience Hub"),
    _spec("aws.patch_compliance_share", "float", "Share of SSM-managed instances with no "
          "missing or failed patches"),
    _spec("aws.patch_age_days_p90", "float", "Days since the last patch operation, 90th "
          "percentile over managed instances"),
    _spec("aws.patch_critical_missing", "int", "Critical and security patches missing, summed "
          "over managed instances"),
    _spec("aws.backup_coverage_share", "float", "Share of stateful resources (EC2 instances, "
          "RDS, DynamoDB) selected by a backup plan"),
    _spec("aws.native_backups_share", "float", "Share of databases with RDS automated backups "
          "or DynamoDB point-in-time recovery"),
    _spec("aws.backup_cross_region", "bool", "Backup plans copy backups to another region or "
          "account"),
    _spec("aws.restore_testing_plans", "int", "AWS Backup restore-testing plans"),
    _spec("aws.restore_tests_90d", "int", "Completed restore jobs in the last 90 days"),
    _spec("aws.inspector_coverage_share", "float", "Share of instances, images and functions "
          "in regions where Inspector scans their type"),
    _spec("aws.image_scan_share", "float", "Share of ECR repositories scanned on push or by "
          "registry scanning rules"),
    _spec("aws.config_recording_all_regions", "bool", "AWS Config records in every scanned "
          "region"),
    _spec("aws.config_rules", "int", "AWS Config rules evaluating resources"),
    _spec("aws.securityhub_all_regions", "bool", "Security Hub is enabled in every scanned "
          "region"),
    _spec("aws.guardduty_all_regions", "bool", "GuardDuty is enabled in every scanned region"),
    _spec("aws.cloudtrail_multi_region", "bool", "A multi-region CloudTrail trail with log "
          "file validation is logging"),
    _spec("aws.failed_login_alarm", "bool", "A metric filter on failed console logins feeds a "
          "CloudWatch alarm"),
    _spec("aws.synthetics_canaries", "int", "CloudWatch Synthetics canaries"),
    _spec("aws.journeys_covered", "int", "Running Synthetics canaries plus RUM app monitors"),
    _spec("aws.slos", "int", "Service level objectives in CloudWatch Application Signals"),
    _spec("aws.incidents", "int", "Incident Manager records created in the window"),
    _spec("aws.incidents_measured_share", "float", "Share of incident records with both their "
          "detection (creation) and resolution time"),
    _spec("aws.incidents_mttr_hours_p50", "float", "Median hours from an incident record's "
          "creation to its resolution"),
)


def console(region: str, path: str) -> str:
    return f"https://{region}.console.aws.amazon.com/{path}"


class Out:
    """One account's evidence, and a note for each signal that could not be observed."""

    def __init__(self, entity: str, source: str) -> None:
        self._emitter = Emitter(entity, source)
        self._lock = threading.Lock()
        self.notes: list[str] = []

    @property
    def evidence(self) -> list[Evidence]:
        return self._emitter.evidence

    def emit(self, signal: str, value: SignalValue, locators: Iterable[str] = (),
             note: str | None = None) -> None:
        with self._lock:
            self._emitter.emit(signal, value, list(locators)[:MAX_LOCATORS], note)

    def share(self, signal: str, matched: Sequence[str], total: Sequence[str],
              note: str) -> None:
        """`matched` of `total` (ARNs); absent when there is nothing to count. Locators put
        the ones that fall short first: they are what a person would go and fix."""
        if not total:
            return
        chosen = set(matched)
        short = [arn for arn in total if arn not in chosen]
        value = round(len(chosen & set(total)) / len(total), 3)
        self.emit(signal, value, [*short, *matched],
                  f"{len(chosen & set(total))} of {len(total)} {note}")

    def lacking(self, signals: Sequence[str], gap: Unanswered) -> None:
        with self._lock:
            self.notes.append(f"no evidence for {', '.join(signals)}: {gap.describe()}")

    def note(self, text: str) -> None:
        with self._lock:
            self.notes.append(text)

    def count(self, signal: str, number: int, locators: Sequence[str],
              gaps: Sequence[Unanswered], note: str) -> None:
        """A count over regions: with regions unread, only a positive count is evidence
        (it can only grow), and the note says it is a floor."""
        if gaps and not number:
            self.lacking([signal], gaps[0])
            return
        if gaps:
            note += f" (at least: not read in {', '.join(sorted({g.region for g in gaps}))})"
            self.note(f"{signal} counts only what was read: {gaps[0].describe()}")
        self.emit(signal, number, locators, note)

    def flag(self, signal: str, found: Sequence[str], looked: Sequence[str],
             gaps: Sequence[Unanswered], *, yes: str, no: str) -> None:
        """Something exists somewhere: `found` proves it; its absence needs every region."""
        if found:
            self.emit(signal, True, found, yes)
        elif gaps:
            self.lacking([signal], gaps[0])
        else:
            self.emit(signal, False, looked, no)

    def everywhere(self, signal: str, on: Mapping[str, bool], gaps: Sequence[Unanswered],
                   locate: Callable[[str], str], what: str) -> None:
        """Something is on in every scanned region: one region off settles it; a region
        unread leaves it open."""
        off = sorted(region for region, enabled in on.items() if not enabled)
        looked = [locate(region) for region in [*off, *sorted(r for r in on if on[r])]]
        if off:
            self.emit(signal, False, looked, f"{what} is off in {', '.join(off)}")
        elif gaps:
            self.lacking([signal], gaps[0])
        elif on:
            self.emit(signal, True, looked, f"{what} is on in all {len(on)} scanned regions")
