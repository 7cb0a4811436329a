"""Operate and observe practices declared in Terraform and CloudFormation."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from scanner.collectors.base import Emitter
from scanner.collectors.files.cloud_iac import SIGNALS, detect, parse_hcl
from scanner.collectors.files.cloud_iac.hcl import Call, Expr, Ref
from scanner.collectors.files.index import FileIndex
from scanner.collectors.local.worktree import WorkTree
from scanner.evidence import Evidence

Tree = Callable[[dict[str, Any]], WorkTree]


def scan(tree: Tree, files: dict[str, Any]) -> dict[str, Evidence]:
    out = Emitter("repo:x", "test")
    detect(FileIndex(tree(files)), out)
    found = {e.signal: e for e in out.evidence}
    assert len(found) == len(out.evidence), "a signal was emitted twice"
    return found


def values(found: dict[str, Evidence]) -> dict[str, Any]:
    return {signal: evidence.value for signal, evidence in found.items()}


NEGATIVE = {
    "iac.clouds": [], "iac.regions": [], "iac.multi_az": False, "iac.multi_region": False,
    "iac.autoscaling": [], "iac.scheduled_scaling": [], "iac.backups": [],
    "iac.backup_copies": False, "iac.restore_tests": False, "iac.chaos_experiments": False,
    "iac.security_monitoring": [], "iac.vulnerability_scanning": [], "iac.slos": [],
    "iac.slo_alerts": False, "iac.synthetics": [], "iac.rum": [], "iac.default_tags": [],
}


def test_every_signal_is_declared_for_repos_and_services_and_emitted_empty(tree: Tree) -> None:
    assert all(spec.entity_kinds == ("repo", "service") for spec in SIGNALS)
    assert {spec.name for spec in SIGNALS} == set(NEGATIVE)
    found = scan(tree, {"README.md": "# Nothing to deploy\n"})
    assert values(found) == NEGATIVE
    declared = {spec.name: spec.type for spec in SIGNALS}
    for evidence in found.values():
        assert type(evidence.value) is {"bool": bool, "list": list}[declared[evidence.signal]]
        assert evidence.locators == ()
        assert evidence.note and "no Terraform or CloudFormation files" in evidence.note


# A root module in the style of terraform-aws-modules' examples: locals feeding the
# provider and the VPC module, a second provider region, comments and a heredoc.
AWS_VERSIONS = """\
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
    datadog = {
      source = "DataDog/datadog"
    }
  }
}
"""
AWS_MAIN = """\
data "aws_availability_zones" "available" {}

locals {
  region = "eu-west-1"
  azs    = slice(data.aws_availability_zones.available.names, 0, 3)

  common_tags = {
    Owner        = "platform"
    "CostCenter" = "1234"
  }
}

provider "aws" {
  region = local.region

  default_tags {
    tags = merge(local.common_tags, { Service = "checkout" }, var.extra_tags)
  }
}

provider "aws" {
  alias  = "dr"
  region = "eu-central-1"
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.0"

  name = "main"
  azs  = local.azs
}

resource "aws_db_instance" "main" {
  identifier     = "checkout"
  engine         = "postgres"
  instance_class = "db.t4g.medium"
  # multi_az = true   (left single-AZ for now)
  /*
  multi_az = true
  */
  multi_az                = false
  backup_retention_period = 7
  tags = {
    Note = "multi_az = true is only a string here"
  }
}

resource "aws_launch_template" "app" {
  name_prefix = "app-"
  user_data = base64encode(<<-EOT
    #!/bin/bash
    echo "multi_az = true }"
    echo '${local.region}'
  EOT
  )
}

resource "aws_autoscaling_group" "app" {
  name                = "app"
  min_size            = 2
  max_size            = 6
  vpc_zone_identifier = [aws_subnet.a.id, aws_subnet.b.id]

  launch_template {
    id      = aws_launch_template.app.id
    version = "$Latest"
  }
}

resource "aws_autoscaling_policy" "forecast" {
  name                   = "forecast"
  autoscaling_group_name = aws_autoscaling_group.app.name
  policy_type            = "PredictiveScaling"
  predictive_scaling_configuration {
    metric_specification {
      target_value = 50
    }
  }
}

resource "aws_autoscaling_schedule" "night" {
  scheduled_action_name  = "night"
  autoscaling_group_name = aws_autoscaling_group.app.name
  recurrence             = "0 20 * * *"
}
"""
AWS_RESILIENCE = """\
resource "aws_backup_plan" "daily" {
  name = "daily"

  rule {
    rule_name         = "daily"
    target_vault_name = aws_backup_vault.main.name
    schedule          = "cron(0 3 * * ? *)"

    copy_action {
      destination_vault_arn = aws_backup_vault.dr.arn
    }
  }
}

resource "aws_backup_restore_testing_plan" "weekly" {
  name                = "weekly"
  schedule_expression = "cron(0 5 ? * MON *)"
  recovery_point_selection {
    algorithm            = "LATEST_WITHIN_WINDOW"
    include_vaults       = ["*"]
    recovery_point_types = ["SNAPSHOT"]
  }
}

resource "aws_fis_experiment_template" "az_outage" {
  description = "stop one AZ"
  role_arn    = aws_iam_role.fis.arn
  stop_condition {
    source = "none"
  }
}

resource "aws_dynamodb_table" "orders" {
  name     = "orders"
  hash_key = "id"

  point_in_time_recovery { enabled = true }

  replica {
    region_name = "us-east-1"
  }
}
"""
AWS_SECURITY = """\
resource "aws_guardduty_detector" "main" {
  enable = true
}

resource "aws_cloudtrail" "org" {
  name           = "org"
  s3_bucket_name = aws_s3_bucket.trail.id
}

resource "aws_securityhub_account" "main" {}

resource "aws_cloudwatch_log_metric_filter" "console_failures" {
  name           = "console-signin-failures"
  log_group_name = aws_cloudwatch_log_group.trail.name
  pattern = "{($.eventName = ConsoleLogin) && ($.errorMessage = \\"Failed authentication\\")}"
  metric_transformation {
    name      = "ConsoleSigninFailureCount"
    namespace = "CISBenchmark"
    value     = "1"
  }
}

resource "aws_ecr_repository" "app" {
  name = "app"
  image_scanning_configuration {
    scan_on_push = true
  }
}

resource "aws_ecr_registry_scanning_configuration" "registry" {
  scan_type = "ENHANCED"
  rule {
    scan_frequency = "CONTINUOUS_SCAN"
    repository_filter {
      filter      = "*"
      filter_type = "WILDCARD"
    }
  }
}
"""
OBSERVE = """\
resource "datadog_service_level_objective" "checkout" {
  name = "checkout availability"
  type = "metric"
}

resource "datadog_monitor" "checkout_burn" {
  name  = "checkout SLO burn rate"
  type  = "slo alert"
  query = "burn_rate(\\"${datadog_service_level_objective.checkout.id}\\").over(\\"7d\\") > 14.4"
}

resource "datadog_monitor" "cpu" {
  name = "cpu"
  type = "metric alert"
}

resource "datadog_synthetics_test" "home" {
  type = "api"
}

resource "datadog_rum_application" "web" {
  name = "web"
}
"""


def test_an_aws_terraform_stack(tree: Tree) -> None:
    found = scan(tree, {"infra/versions.tf": AWS_VERSIONS, "infra/main.tf": AWS_MAIN,
                        "infra/resilience.tf": AWS_RESILIENCE, "infra/security.tf": AWS_SECURITY,
                        "infra/observe.tf": OBSERVE})
    assert values(found) == {
        "iac.clouds": ["aws"],
        "iac.regions": ["eu-central-1", "eu-west-1", "us-east-1"],
        "iac.multi_az": True,
        "iac.multi_region": True,
        "iac.autoscaling": ["aws-asg", "aws-asg-policy"],
        "iac.scheduled_scaling": ["predictive", "scheduled"],
        "iac.backups": ["aws-backup", "dynamodb-pitr", "rds-automated"],
        "iac.backup_copies": True,
        "iac.restore_tests": True,
        "iac.chaos_experiments": True,
        "iac.security_monitoring": ["cloudtrail", "failed-login-alarm", "guardduty",
                                    "securityhub"],
        "iac.vulnerability_scanning": ["ecr-enhanced", "ecr-scan-on-push"],
        "iac.slos": ["datadog"],
        "iac.slo_alerts": True,
        "iac.synthetics": ["datadog"],
        "iac.rum": ["datadog"],
        "iac.default_tags": ["costcenter", "owner", "service"],
    }
    # The locals resolve: the region line is the provider's, the zones are the module's.
    assert found["iac.regions"].locators == ("infra/main.tf:23", "infra/main.tf:14",
                                             "infra/resilience.tf:40")
    # The VPC module's zones (through local.azs) and the group's two subnets.
    assert found["iac.multi_az"].locators == ("infra/main.tf:31", "infra/main.tf:63")
    assert found["iac.backups"].locators == ("infra/resilience.tf:1", "infra/resilience.tf:37",
                                             "infra/main.tf:43")
    assert found["iac.backup_copies"].locators == ("infra/resilience.tf:9",)
    assert found["iac.multi_region"].locators == ("infra/resilience.tf:39", "infra/main.tf:14",
                                                  "infra/main.tf:23", "infra/resilience.tf:40")
    assert found["iac.scheduled_scaling"].locators == ("infra/main.tf:74", "infra/main.tf:82",
                                                       "infra/main.tf:75")
    assert found["iac.security_monitoring"].locators[:2] == ("infra/security.tf:5",
                                                             "infra/security.tf:15")
    assert found["iac.vulnerability_scanning"].locators == ("infra/security.tf:31",
                                                            "infra/security.tf:26")
    assert found["iac.slo_alerts"].locators == ("infra/observe.tf:6",)
    assert found["iac.default_tags"].locators == ("infra/main.tf:17",)
    assert "infra/main.tf:17" in (found["iac.default_tags"].note or "")  # var.extra_tags
    assert found["iac.restore_tests"].locators == ("infra/resilience.tf:15",)


def test_comments_heredocs_and_strings_are_not_evidence(tree: Tree) -> None:
    main = """\
provider "aws" {
  region = var.region
  default_tags {
    tags = var.tags
  }
}

resource "aws_db_instance" "db" {
  # multi_az = true
  // backup_retention_period = 7
  /* multi_az = true
     availability_zones = ["eu-west-1a", "eu-west-1b"] */
  multi_az                = var.multi_az
  backup_retention_period = 0
  description = "multi_az = true"
  user_data = <<EOF
multi_az = true
resource "aws_guardduty_detector" "x" {}
EOF
}

resource "aws_guardduty_detector" "off" {
  enable = false
}
"""
    found = scan(tree, {"main.tf": main})
    assert values(found) == {**NEGATIVE, "iac.clouds": ["aws"]}
    assert found["iac.multi_az"].locators == ("main.tf",)
    assert found["iac.multi_az"].note == (
        "nothing declared across two or more availability zones in 1 Terraform / "
        "CloudFormation file")
    assert found["iac.default_tags"].note == (
        "provider default tags come from values that cannot be read: main.tf:4")


def test_terraform_modules_count_by_their_arguments(tree: Tree) -> None:
    main = """\
module "asg" {
  source  = "terraform-aws-modules/autoscaling/aws"
  version = "~> 8.0"

  name                = "web"
  vpc_zone_identifier = module.vpc.private_subnets

  schedules = {
    night = {
      min_size   = 0
      recurrence = "0 18 * * 1-5"
    }
  }
  scaling_policies = {
    forecast = {
      policy_type = "PredictiveScaling"
    }
  }
}

module "db" {
  source = "terraform-aws-modules/rds/aws"

  multi_az                = true
  backup_retention_period = 14
}

module "table" {
  source = "terraform-aws-modules/dynamodb-table/aws"

  point_in_time_recovery_enabled = true
  replica_regions                = ["eu-west-2"]
}

module "gke" {
  source   = "terraform-google-modules/kubernetes-engine/google"
  regional = true
  region   = "europe-west1"
}

module "local" {
  source   = "./modules/thing"
  multi_az = var.multi_az
}
"""
    found = scan(tree, {"stack/main.tf": main})
    got = values(found)
    assert got["iac.clouds"] == ["aws", "google"]
    assert got["iac.autoscaling"] == ["aws-asg", "aws-asg-policy"]
    assert got["iac.scheduled_scaling"] == ["predictive", "scheduled"]
    assert got["iac.backups"] == ["dynamodb-pitr", "rds-automated"]
    assert got["iac.regions"] == ["eu-west-2", "europe-west1"]
    assert got["iac.multi_region"] is True
    assert found["iac.multi_az"].locators == ("stack/main.tf:24", "stack/main.tf:37")
    assert found["iac.scheduled_scaling"].locators == ("stack/main.tf:14", "stack/main.tf:8")
    assert found["iac.autoscaling"].locators == ("stack/main.tf:1", "stack/main.tf:14")


def test_one_region_and_unresolved_zones_are_not_spread(tree: Tree) -> None:
    main = """\
provider "aws" {
  region = "us-west-2"
}

module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
  azs    = var.azs
}

resource "aws_autoscaling_group" "one" {
  vpc_zone_identifier = [aws_subnet.only.id]
  availability_zones  = slice(data.aws_availability_zones.available.names, 0, 1)
}
"""
    got = values(scan(tree, {"main.tf": main}))
    assert got["iac.regions"] == ["us-west-2"]
    assert got["iac.multi_region"] is False
    assert got["iac.multi_az"] is False
    assert got["iac.autoscaling"] == ["aws-asg"]


GOOGLE = """\
provider "google" {
  project = var.project
  region  = "europe-west1"
  default_labels = {
    team = "payments"
    env  = "prod"
  }
}

resource "google_container_cluster" "main" {
  name     = "main"
  location = "europe-west1"
}

resource "google_sql_database_instance" "db" {
  database_version = "POSTGRES_15"
  settings {
    tier              = "db-custom-2-7680"
    availability_type = "REGIONAL"
    backup_configuration {
      enabled = true
    }
  }
}

resource "google_monitoring_slo" "availability" {
  service      = google_monitoring_custom_service.checkout.service_id
  goal         = 0.999
}

resource "google_monitoring_alert_policy" "fast_burn" {
  display_name = "fast burn"
  combiner     = "OR"
  conditions {
    display_name = "2% of budget in 1h"
    condition_threshold {
      filter     = "select_slo_burn_rate(\\"${google_monitoring_slo.availability.id}\\", \\"1h\\")"
      comparison = "COMPARISON_GT"
    }
  }
}

resource "google_monitoring_uptime_check_config" "home" {
  display_name = "home"
  timeout      = "10s"
}

resource "google_project_service" "scanning" {
  service = "containerscanning.googleapis.com"
}

resource "google_scc_notification_config" "findings" {
  config_id = "findings"
}

resource "google_compute_region_autoscaler" "web" {
  name   = "web"
  region = "europe-west1"
}
"""
AZURE = """\
resource "azurerm_resource_group" "main" {
  name     = "main"
  location = "West Europe"
}

resource "azurerm_kubernetes_cluster" "aks" {
  name = "aks"
  default_node_pool {
    name  = "system"
    zones = ["1", "2", "3"]
  }
  microsoft_defender {
    log_analytics_workspace_id = azurerm_log_analytics_workspace.main.id
  }
}

resource "azurerm_security_center_subscription_pricing" "vms" {
  tier = "Standard"
}

resource "azurerm_security_center_subscription_pricing" "free" {
  tier          = "Free"
  resource_type = "Containers"
}

resource "azurerm_backup_policy_vm" "daily" {
  name = "daily"
}

resource "azurerm_monitor_autoscale_setting" "web" {
  name = "web"
  profile {
    name = "weekdays"
    recurrence {
      days    = ["Monday"]
      hours   = [8]
      minutes = [0]
    }
  }
}

resource "azurerm_chaos_studio_experiment" "zone_down" {
  name = "zone-down"
}

resource "azurerm_application_insights_standard_web_test" "home" {
  name = "home"
}
"""


def test_google_and_azure(tree: Tree) -> None:
    found = scan(tree, {"gcp/main.tf": GOOGLE, "azure/main.tf": AZURE})
    got = values(found)
    assert got["iac.clouds"] == ["azure", "google"]
    assert got["iac.regions"] == ["europe-west1", "westeurope"]
    assert got["iac.multi_region"] is True
    assert got["iac.multi_az"] is True
    assert got["iac.autoscaling"] == ["azure", "gcp"]
    assert got["iac.scheduled_scaling"] == ["scheduled"]
    assert got["iac.backups"] == ["azure-backup", "gcp-backup"]
    assert got["iac.chaos_experiments"] is True
    assert got["iac.security_monitoring"] == ["azure-defender", "gcp-scc"]
    # The Containers plan is on the Free tier: not scanning.  AKS's Defender profile is.
    assert got["iac.vulnerability_scanning"] == ["azure-defender-containers",
                                                 "gcp-container-scanning"]
    assert found["iac.vulnerability_scanning"].locators[0] == "azure/main.tf:12"
    assert got["iac.slos"] == ["gcp"]
    assert got["iac.slo_alerts"] is True
    assert found["iac.slo_alerts"].locators == ("gcp/main.tf:37",)
    assert got["iac.synthetics"] == ["azure", "gcp"]
    assert got["iac.default_tags"] == ["env", "team"]
    assert found["iac.multi_az"].locators == ("azure/main.tf:10", "gcp/main.tf:12",
                                              "gcp/main.tf:19")
    assert found["iac.regions"].locators == ("gcp/main.tf:3", "azure/main.tf:3",
                                             "gcp/main.tf:58")


CFN_YAML = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Description: Checkout service
Parameters:
  VpcId:
    Type: AWS::EC2::VPC::Id
Resources:
  SubnetA:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref VpcId
      CidrBlock: 10.0.0.0/24
      AvailabilityZone: !Select [0, !GetAZs ""]
  SubnetB:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref VpcId
      CidrBlock: 10.0.1.0/24
      AvailabilityZone: !Select [1, !GetAZs ""]
  Database:
    Type: AWS::RDS::DBInstance
    Properties:
      DBInstanceIdentifier: !Sub "${AWS::StackName}-db"
      MultiAZ: true
      BackupRetentionPeriod: "7"
      DBSubnetGroupName: !Ref DbSubnets
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      PointInTimeRecoverySpecification:
        PointInTimeRecoveryEnabled: true
  Plan:
    Type: AWS::Backup::BackupPlan
    Properties:
      BackupPlan:
        BackupPlanName: daily
        BackupPlanRule:
          - RuleName: daily
            TargetBackupVault: !Ref Vault
            CopyActions:
              - DestinationBackupVaultArn: !GetAtt DrVault.BackupVaultArn
  Detector:
    Type: AWS::GuardDuty::Detector
    Properties:
      Enable: true
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      IsLogging: false
      S3BucketName: !Ref TrailBucket
  ConsoleFailures:
    Type: AWS::Logs::MetricFilter
    Properties:
      LogGroupName: !Ref TrailLogs
      FilterPattern: '{($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication")}'
  Images:
    Type: AWS::ECR::Repository
    Properties:
      ImageScanningConfiguration:
        ScanOnPush: true
  Canary:
    Type: AWS::Synthetics::Canary
    Properties:
      Name: home
  Rum:
    Type: AWS::RUM::AppMonitor
    Properties:
      Name: web
  Experiment:
    Type: AWS::FIS::ExperimentTemplate
    Properties:
      Description: !Sub "stop ${AWS::Region} instances"
  Group:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      MinSize: "2"
      MaxSize: "4"
      VPCZoneIdentifier: !Ref Subnets
  Forecast:
    Type: AWS::AutoScaling::ScalingPolicy
    Properties:
      AutoScalingGroupName: !Ref Group
      PolicyType: PredictiveScaling
  Function:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
"""
CFN_JSON = """\
{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Resources": {
    "Table": {
      "Type": "AWS::DynamoDB::GlobalTable",
      "Properties": {
        "Replicas": [
          {"Region": "eu-west-1",
           "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}},
          {"Region": "ap-southeast-2"}
        ]
      }
    },
    "Scanning": {
      "Type": "AWS::ECR::RegistryScanningConfiguration",
      "Properties": {"ScanType": "ENHANCED", "Rules": []}
    },
    "Target": {
      "Type": "AWS::ApplicationAutoScaling::ScalableTarget",
      "Properties": {
        "ScheduledActions": [{"ScheduledActionName": "night", "Schedule": "cron(0 20 * * ? *)"}]
      }
    },
    "RestoreTests": {
      "Type": "AWS::Backup::RestoreTestingPlan",
      "Properties": {"RestoreTestingPlanName": "weekly"}
    },
    "Slo": {"Type": "AWS::ApplicationSignals::ServiceLevelObjective"}
  }
}
"""


def test_cloudformation_yaml_with_tags(tree: Tree) -> None:
    found = scan(tree, {"template.yaml": CFN_YAML})
    assert values(found) == {
        **NEGATIVE,
        "iac.clouds": ["aws"],
        "iac.multi_az": True,
        "iac.autoscaling": ["aws-asg", "aws-asg-policy"],
        "iac.scheduled_scaling": ["predictive"],
        "iac.backups": ["aws-backup", "dynamodb-pitr", "rds-automated"],
        "iac.backup_copies": True,
        "iac.chaos_experiments": True,
        "iac.security_monitoring": ["failed-login-alarm", "guardduty"],  # the trail is off
        "iac.vulnerability_scanning": ["ecr-scan-on-push"],
        "iac.synthetics": ["aws"],
        "iac.rum": ["aws"],
    }
    assert found["iac.multi_az"].locators == ("template.yaml:8", "template.yaml:14",
                                              "template.yaml:24")
    assert found["iac.backups"].locators == ("template.yaml:32", "template.yaml:31",
                                             "template.yaml:25")
    assert found["iac.backup_copies"].locators == ("template.yaml:40",)
    assert found["iac.scheduled_scaling"].locators == ("template.yaml:83",)
    assert found["iac.security_monitoring"].locators == ("template.yaml:55", "template.yaml:42")


def test_a_sign_in_filter_that_excludes_failures_is_not_a_failed_login_alarm(tree: Tree) -> None:
    template = """\
Resources:
  WithoutMfa:
    Type: AWS::Logs::MetricFilter
    Properties:
      LogGroupName: !Ref TrailLogs
      FilterPattern: "{
          ($.eventName = \\"ConsoleLogin\\") &&
          ($.additionalEventData.MFAUsed != \\"Yes\\") &&
          ($.responseElements.ConsoleLogin != \\"Failure\\")
          }"
  Failures:
    Type: AWS::Logs::MetricFilter
    Properties:
      LogGroupName: !Ref TrailLogs
      FilterPattern: '{($.eventName = ConsoleLogin) && ($.responseElements.ConsoleLogin="Failure")}'
"""
    found = scan(tree, {"cis.yaml": template})
    assert found["iac.security_monitoring"].value == ["failed-login-alarm"]
    assert found["iac.security_monitoring"].locators == ("cis.yaml:15",)
    without = scan(tree, {"cis.yaml": template.partition("  Failures:")[0]})
    assert without["iac.security_monitoring"].value == []


def test_cloudformation_json(tree: Tree) -> None:
    found = scan(tree, {"cfn/stack.json": CFN_JSON, "package.json": '{"name": "x"}\n'})
    got = values(found)
    assert got["iac.clouds"] == ["aws"]
    assert got["iac.regions"] == ["ap-southeast-2", "eu-west-1"]
    assert got["iac.multi_region"] is True
    assert found["iac.multi_region"].locators[0] == "cfn/stack.json:4"
    assert got["iac.backups"] == ["dynamodb-pitr"]
    assert found["iac.backups"].locators == ("cfn/stack.json:9",)
    assert got["iac.vulnerability_scanning"] == ["ecr-enhanced"]
    assert got["iac.scheduled_scaling"] == ["scheduled"]
    assert got["iac.autoscaling"] == ["aws-application-autoscaling"]
    assert got["iac.restore_tests"] is True
    assert got["iac.slos"] == ["aws-application-signals"]
    assert found["iac.slos"].locators == ("cfn/stack.json:28",)


def test_serverless_framework_resources_are_cloudformation(tree: Tree) -> None:
    serverless = """\
service: orders
provider:
  name: aws
  region: eu-west-1
resources:
  Resources:
    OrdersTable:
      Type: AWS::DynamoDB::Table
      Properties:
        PointInTimeRecoverySpecification:
          PointInTimeRecoveryEnabled: true
"""
    found = scan(tree, {"serverless.yml": serverless})
    assert found["iac.backups"].value == ["dynamodb-pitr"]
    assert found["iac.backups"].locators == ("serverless.yml:11",)
    assert found["iac.default_tags"].value == []
    assert "set when a stack is deployed" in (found["iac.default_tags"].note or "")


def test_cloudformation_stack_sets_name_their_regions(tree: Tree) -> None:
    template = """\
Resources:
  Baseline:
    Type: AWS::CloudFormation::StackSet
    Properties:
      StackSetName: baseline
      PermissionModel: SERVICE_MANAGED
      StackInstancesGroup:
        - DeploymentTargets:
            OrganizationalUnitIds: [ou-abcd-12345678]
          Regions:
            - us-east-1
            - !Ref SecondRegion
            - eu-west-1
"""
    found = scan(tree, {"org/stackset.yml": template})
    assert found["iac.regions"].value == ["eu-west-1", "us-east-1"]
    assert found["iac.regions"].locators == ("org/stackset.yml:13", "org/stackset.yml:11")
    assert found["iac.multi_region"].value is True


def test_examples_docs_tests_and_vendored_modules_are_ignored(tree: Tree) -> None:
    everything = AWS_MAIN + AWS_RESILIENCE + AWS_SECURITY + OBSERVE
    found = scan(tree, {"examples/complete/main.tf": everything,
                        "docs/snippets/backup.tf": AWS_RESILIENCE,
                        "test/fixtures/template.yaml": CFN_YAML,
                        ".terraform/modules/vpc/main.tf": AWS_MAIN,
                        "README.md": "# x\n"})
    assert values(found) == NEGATIVE


def test_malformed_files_do_not_raise(tree: Tree) -> None:
    files = {
        "broken/unterminated.tf": 'resource "aws_db_instance" "x" {\n  name = "oops\n'
                                  '  multi_az = true\n',
        "broken/braces.tf": "}}}\n]]\n)))\nresource \"aws_backup_plan\" {{{{\n  = = =\n",
        "broken/heredoc.tf": 'locals {\n  x = <<EOT\nnever closed\n',
        "broken/escapes.tf": 'locals {\n  x = "\\u12"\n  y = "\\U0011FFFF"\n  z = "${"\n}\n',
        "broken/deep.tf": "locals {\n  x = " + "[" * 3000 + "\n}\n",
        "broken/blocks.tf": "a {\n" * 3000,
        "broken/template.yaml": "AWSTemplateFormatVersion: 2010\nResources: [1, 2]\n",
        "broken/bad.yaml": "Resources:\n  X:\n    Type: AWS::S3::Bucket\n   bad: [\n",
        "broken/odd.yaml": "Resources:\n  X: 5\n  Y:\n    Type: [AWS::X]\n  Z:\n"
                           "    Type: AWS::RDS::DBInstance\n    Properties: [1]\n",
        "broken/types.json": '{"Resources": {"A": {"Type": "AWS::Backup::BackupPlan",'
                             ' "Properties": {"BackupPlan": {"BackupPlanRule": [1, "x",'
                             ' {"CopyActions": 7}]}}}}}\n',
        "broken/binary.tf": "\x00\x01resource",
    }
    index = FileIndex(tree(files))
    out = Emitter("repo:x", "test")
    detect(index, out)
    found = {e.signal: e for e in out.evidence}
    assert len(found) == len(NEGATIVE)
    assert found["iac.backups"].value == ["aws-backup"]
    assert found["iac.clouds"].value == ["aws"]
    assert index.skipped["broken/blocks.tf"] == "Terraform nested too deeply to read"


def test_random_text_never_raises() -> None:
    pieces = ['resource', '"aws_x"', '{', '}', '[', ']', '(', ')', '=', '"', '${', '%{',
              '<<EOT', '<<-X', 'EOT', '\n', '#', '//', '/*', '*/', 'multi_az', 'true', ',',
              ':', '.', '1.5e3', '\\', 'local.x', 'for', '=>', '...', ' ']
    generator = random.Random(7)
    for _ in range(300):
        text = "".join(generator.choice(pieces) for _ in range(generator.randint(1, 80)))
        parse_hcl(text, "fuzz.tf")


def test_hcl_values() -> None:
    root = parse_hcl('locals {\n  a = ["x", 2, true, null]\n  b = { "k" = 1, k2: "v" }\n'
                     '  c = [for z in var.zs : z]\n  d = lookup(var.m, "k", "${var.d}")\n'
                     '  e = data.aws_availability_zones.available.names[0]\n}\n', "v.tf")
    attrs = root.blocks[0].attrs
    assert attrs["a"].value == ["x", 2, True, None]
    assert attrs["b"].value == {"k": 1, "k2": "v"}
    assert isinstance(attrs["c"].value, Expr)
    assert isinstance(attrs["d"].value, Call)
    assert isinstance(attrs["e"].value, Ref)
    assert [attrs[name].line for name in "abcde"] == [2, 3, 4, 5, 6]
