"""The signals an AWS account gives, declared apart from the code that reads and writes
them: the signal catalogue every scan checks its rules against reads them here (see
`collectors/sources.py`) without loading the AWS collector."""

from __future__ import annotations

from scanner.signals import SignalSpec, specs_about

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
