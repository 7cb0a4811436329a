"""Operate and observe practices declared as infrastructure as code.

Reads Terraform / OpenTofu (`*.tf`, `*.tofu`) and CloudFormation / SAM templates
(YAML or JSON) for what the declared infrastructure shows: which clouds and
regions, spread over zones and regions, autoscaling, backups and their copies,
restore tests, chaos experiments, security monitoring, vulnerability scanning,
SLOs and their alerts, synthetic checks, real-user monitoring and default tags.

HCL is read by a small tolerant parser (blocks, `key = value` arguments,
literal strings, numbers, lists and maps; strings, comments and heredocs are
respected), not evaluated: a value that comes from a variable, a module output
or a function other than those named below is unknown, never a guess.  Locals
holding literals are resolved within their folder (one Terraform module).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.collectors.base import Emitter
from scanner.collectors.files import Detector
from scanner.collectors.files.index import MAX_PARSE_BYTES, FileIndex, is_example
from scanner.signals import SignalSpec, specs_about
from scanner.yaml_source import LineDict, LineList, Tagged

HCL_SUFFIXES = (".tf", ".tofu")
TEMPLATE_SUFFIXES = (".yml", ".yaml", ".json", ".template")
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

# Terraform provider (type) -> compute cloud.  CDNs, DNS and SaaS providers are left out.
PROVIDER_CLOUDS = {
    "aws": "aws", "awscc": "aws", "google": "google", "google-beta": "google",
    "azurerm": "azure", "azapi": "azure", "oci": "oracle", "alicloud": "alibaba", "ibm": "ibm",
    "digitalocean": "digitalocean", "hcloud": "hetzner",
}
AWS_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$")
GCP_REGION = re.compile(r"^[a-z]+-[a-z]+\d+$")
AZURE_LOCATION = re.compile(r"^[a-z][a-z0-9]*$")  # not [a-z]+[a-z0-9]*: quadratic
REGISTRY_SOURCE = re.compile(r"^(?:[\w.-]+\.[a-z]{2,}/)?([\w-]+)/([\w-]+)/([\w-]+)$")
# A filter that selects failures (`errorMessage = "Failed authentication"`,
# `ConsoleLogin = "Failure"`), not one that excludes them (`!= "Failure"`).
FAILED_LOGIN = re.compile(r"""(?i)(?<![!<>=])=\s*\\?["']?fail""")

# Facts that the mere presence of a Terraform resource type establishes:
# (signal, value) for list signals, (signal, None) for boolean ones.
Fact = tuple[str, str | None]
TF_TYPES: dict[str, tuple[Fact, ...]] = {
    "aws_autoscaling_group": (("iac.autoscaling", "aws-asg"),),
    "aws_autoscaling_policy": (("iac.autoscaling", "aws-asg-policy"),),
    "aws_appautoscaling_target": (("iac.autoscaling", "aws-application-autoscaling"),),
    "aws_appautoscaling_policy": (("iac.autoscaling", "aws-application-autoscaling"),),
    "google_compute_autoscaler": (("iac.autoscaling", "gcp"),),
    "google_compute_region_autoscaler": (("iac.autoscaling", "gcp"),),
    "azurerm_monitor_autoscale_setting": (("iac.autoscaling", "azure"),),
    "aws_autoscaling_schedule": (("iac.scheduled_scaling", "scheduled"),),
    "aws_appautoscaling_scheduled_action": (("iac.scheduled_scaling", "scheduled"),),
    "aws_backup_plan": (("iac.backups", "aws-backup"),),
    "google_backup_dr_backup_plan": (("iac.backups", "gcp-backup"),),
    "google_backup_dr_backup_plan_association": (("iac.backups", "gcp-backup"),),
    "aws_backup_restore_testing_plan": (("iac.restore_tests", None),),
    "aws_fis_experiment_template": (("iac.chaos_experiments", None),),
    "azurerm_chaos_studio_experiment": (("iac.chaos_experiments", None),),
    "aws_guardduty_organization_configuration": (("iac.security_monitoring", "guardduty"),),
    "aws_securityhub_account": (("iac.security_monitoring", "securityhub"),),
    "aws_securityhub_organization_configuration": (("iac.security_monitoring", "securityhub"),),
    "aws_config_configuration_recorder": (("iac.security_monitoring", "aws-config"),),
    "aws_config_config_rule": (("iac.security_monitoring", "aws-config"),),
    "aws_config_conformance_pack": (("iac.security_monitoring", "aws-config"),),
    "aws_config_organization_managed_rule": (("iac.security_monitoring", "aws-config"),),
    "aws_config_organization_custom_rule": (("iac.security_monitoring", "aws-config"),),
    "aws_config_organization_conformance_pack": (("iac.security_monitoring", "aws-config"),),
    "datadog_security_monitoring_rule": (("iac.security_monitoring", "datadog-security-rules"),),
    "datadog_security_monitoring_rule_json": (
        ("iac.security_monitoring", "datadog-security-rules"),),
    "aws_inspector2_enabler": (("iac.vulnerability_scanning", "inspector"),),
    "aws_inspector2_organization_configuration": (("iac.vulnerability_scanning", "inspector"),),
    "aws_inspector_assessment_template": (("iac.vulnerability_scanning", "inspector"),),
    "datadog_service_level_objective": (("iac.slos", "datadog"),),
    "google_monitoring_slo": (("iac.slos", "gcp"),),
    "newrelic_service_level": (("iac.slos", "newrelic"),),
    "aws_applicationsignals_service_level_objective": (("iac.slos", "aws-application-signals"),),
    "awscc_applicationsignals_service_level_objective": (
        ("iac.slos", "aws-application-signals"),),
    "grafana_slo": (("iac.slos", "grafana"),),
    "dynatrace_slo": (("iac.slos", "dynatrace"),),
    "dynatrace_slo_v2": (("iac.slos", "dynatrace"),),
    "dynatrace_platform_slo": (("iac.slos", "dynatrace"),),
    "honeycombio_slo": (("iac.slos", "honeycomb"),),
    "honeycombio_burn_alert": (("iac.slo_alerts", None),),
    "datadog_synthetics_test": (("iac.synthetics", "datadog"),),
    "aws_synthetics_canary": (("iac.synthetics", "aws"),),
    "google_monitoring_uptime_check_config": (("iac.synthetics", "gcp"),),
    "azurerm_application_insights_standard_web_test": (("iac.synthetics", "azure"),),
    "azurerm_application_insights_web_test": (("iac.synthetics", "azure"),),
    "dynatrace_http_monitor": (("iac.synthetics", "dynatrace"),),
    "dynatrace_browser_monitor": (("iac.synthetics", "dynatrace"),),
    "datadog_rum_application": (("iac.rum", "datadog"),),
    "aws_rum_app_monitor": (("iac.rum", "aws"),),
    "newrelic_browser_application": (("iac.rum", "newrelic"),),
    "dynatrace_web_application": (("iac.rum", "dynatrace"),),
    "aws_s3_bucket_replication_configuration": (("iac.backup_copies", None),
                                                ("iac.multi_region", None)),
    "aws_db_instance_automated_backups_replication": (("iac.backup_copies", None),),
    "aws_dynamodb_global_table": (("iac.multi_region", None),),
    "aws_rds_global_cluster": (("iac.multi_region", None),),
    "aws_elasticache_global_replication_group": (("iac.multi_region", None),),
    "google_compute_region_instance_group_manager": (("iac.multi_az", None),),
}
TF_PREFIXES: tuple[tuple[str, str, Fact], ...] = (
    # (prefix, suffix, fact)
    ("google_scc_", "", ("iac.security_monitoring", "gcp-scc")),
    ("azurerm_backup_policy_", "", ("iac.backups", "azure-backup")),
    ("azurerm_data_protection_backup_policy_", "", ("iac.backups", "azure-backup")),
    ("newrelic_synthetics_", "monitor", ("iac.synthetics", "newrelic")),
    ("checkly_", "_check", ("iac.synthetics", "checkly")),
    ("checkly_", "_check_suite", ("iac.synthetics", "checkly")),
    ("checkly_", "_monitor", ("iac.synthetics", "checkly")),
)
NOT_SYNTHETIC = frozenset({"checkly_heartbeat_monitor", "checkly_trigger_check"})
CFN_TYPES: dict[str, tuple[Fact, ...]] = {
    "AWS::AutoScaling::AutoScalingGroup": (("iac.autoscaling", "aws-asg"),),
    "AWS::AutoScaling::ScalingPolicy": (("iac.autoscaling", "aws-asg-policy"),),
    "AWS::AutoScaling::ScheduledAction": (("iac.scheduled_scaling", "scheduled"),),
    "AWS::ApplicationAutoScaling::ScalableTarget": (
        ("iac.autoscaling", "aws-application-autoscaling"),),
    "AWS::ApplicationAutoScaling::ScalingPolicy": (
        ("iac.autoscaling", "aws-application-autoscaling"),),
    "AWS::Backup::BackupPlan": (("iac.backups", "aws-backup"),),
    "AWS::Backup::RestoreTestingPlan": (("iac.restore_tests", None),),
    "AWS::FIS::ExperimentTemplate": (("iac.chaos_experiments", None),),
    "AWS::SecurityHub::Hub": (("iac.security_monitoring", "securityhub"),),
    "AWS::SecurityHub::HubV2": (("iac.security_monitoring", "securityhub"),),
    "AWS::Config::ConfigurationRecorder": (("iac.security_monitoring", "aws-config"),),
    "AWS::Config::ConfigRule": (("iac.security_monitoring", "aws-config"),),
    "AWS::Config::ConformancePack": (("iac.security_monitoring", "aws-config"),),
    "AWS::Config::OrganizationConfigRule": (("iac.security_monitoring", "aws-config"),),
    "AWS::Config::OrganizationConformancePack": (("iac.security_monitoring", "aws-config"),),
    "AWS::Inspector::AssessmentTemplate": (("iac.vulnerability_scanning", "inspector"),),
    "AWS::ApplicationSignals::ServiceLevelObjective": (
        ("iac.slos", "aws-application-signals"),),
    "AWS::Synthetics::Canary": (("iac.synthetics", "aws"),),
    "AWS::RUM::AppMonitor": (("iac.rum", "aws"),),
    "AWS::DynamoDB::GlobalTable": (("iac.multi_region", None),),
    "AWS::RDS::GlobalCluster": (("iac.multi_region", None),),
    "AWS::ElastiCache::GlobalReplicationGroup": (("iac.multi_region", None),),
}
# Arguments naming zones; a list of two or more distinct entries spreads over zones.
ZONE_LISTS = frozenset({"availability_zones", "azs", "zones", "node_locations",
                        "distribution_policy_zones", "preferred_cache_cluster_azs"})
TRUE_MEANS_ZONES = frozenset({"multi_az", "multi_az_enabled", "zone_awareness_enabled",
                              "zone_redundant", "zone_balancing_enabled", "regional"})
AZ_DATA_SOURCES = ("data.aws_availability_zones.", "data.google_compute_zones.")
DEFENDER_CONTAINERS = frozenset({"containers", "containerregistry", "kubernetesservice"})


# --------------------------------------------------------------------------- HCL


@dataclass(frozen=True)
class _Token:
    kind: str  # ident, string, heredoc, number, op, nl
    text: str  # the name, the decoded string, the operator
    line: int
    start: int
    end: int
    literal: bool = True  # a string without ${…} or %{…}


@dataclass(frozen=True)
class _Ref:
    """A reference such as `local.tags` or `data.aws_availability_zones.available.names`."""

    path: str


@dataclass(frozen=True)
class _Call:
    name: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class _Expr:
    """Anything this reader does not evaluate (templates, conditions, for expressions)."""

    raw: str


@dataclass
class _Attr:
    name: str
    line: int
    value: Any
    raw: str


@dataclass
class _Block:
    type: str
    labels: tuple[str, ...]
    line: int
    path: str
    attrs: dict[str, _Attr] = field(default_factory=dict)
    blocks: list[_Block] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def at(self, attr: _Attr) -> str:
        return f"{self.path}:{attr.line}"

    def children(self, kind: str) -> list[_Block]:
        return [b for b in self.blocks if b.type == kind]

    def walk(self) -> Iterator[_Block]:
        pending = [self]
        while pending:
            block = pending.pop()
            yield block
            pending.extend(reversed(block.blocks))


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_NUMBER = re.compile(r"\d+(\.\d+)?([eE][+-]?\d+)?")
_HEREDOC = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n")
_OPERATORS = ("...", "==", "!=", "<=", ">=", "&&", "||", "=>")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_OPEN = ("(", "[", "{")
_CLOSE = (")", "]", "}")


def _string(text: str, start: int) -> tuple[str, bool, int]:
    """A quoted string at `start`: (decoded text, literal?, end offset)."""
    parts: list[str] = []
    literal = True
    i, n = start + 1, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n:
            escaped = text[i + 1]
            if escaped in "uU":
                digits = 4 if escaped == "u" else 8
                code = text[i + 2:i + 2 + digits]
                try:
                    parts.append(chr(int(code, 16)))
                except ValueError:
                    parts.append(code)
                i += 2 + digits
            else:
                parts.append(_ESCAPES.get(escaped, escaped))
                i += 2
        elif c == '"':
            return "".join(parts), literal, i + 1
        elif c == "\n":
            return "".join(parts), literal, i  # unterminated: end at the line
        elif text.startswith(("$${", "%%{"), i):
            parts.append(text[i + 1:i + 3])
            i += 3
        elif text.startswith(("${", "%{"), i):
            literal = False
            end = _template_end(text, i + 2)
            parts.append(text[i:end])
            i = end
        else:
            parts.append(c)
            i += 1
    return "".join(parts), literal, n


def _template_end(text: str, i: int) -> int:
    """The offset after the `}` closing a `${` / `%{` that opened before `i`."""
    depth, n = 1, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i = _string(text, i)[2]
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def _lex(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, line, n = 0, 1, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            tokens.append(_Token("nl", "\n", line, i, i + 1))
            line += 1
            i += 1
        elif c in " \t\r\f\ufeff":
            i += 1
        elif c == "#" or text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            line += text.count("\n", i, end)
            i = end
        elif c == '"':
            value, literal, end = _string(text, i)
            tokens.append(_Token("string", value, line, i, end, literal))
            line += text.count("\n", i, end)
            i = end
        elif c == "<" and (heredoc := _HEREDOC.match(text, i)):
            marker = heredoc.group(1)
            body: list[str] = []
            position, end = heredoc.end(), n
            while position < n:
                stop = text.find("\n", position)
                stop = n if stop < 0 else stop
                current = text[position:stop]
                if current.strip() == marker:
                    end = stop
                    break
                body.append(current)
                position = stop + 1
            joined = "\n".join(body)
            tokens.append(_Token("heredoc", joined, line, i, end,
                                 "${" not in joined and "%{" not in joined))
            line += text.count("\n", i, end)
            i = end
        elif c.isdigit() and (number := _NUMBER.match(text, i)):
            tokens.append(_Token("number", number.group(), line, i, number.end()))
            i = number.end()
        elif ident := _IDENT.match(text, i):
            tokens.append(_Token("ident", ident.group(), line, i, ident.end()))
            i = ident.end()
        else:
            op = next((o for o in _OPERATORS if text.startswith(o, i)), c)
            tokens.append(_Token("op", op, line, i, i + len(op)))
            i += len(op)
    return tokens


def _is_op(token: _Token | None, *ops: str) -> bool:
    return token is not None and token.kind == "op" and token.text in ops


def _closing(tokens: Sequence[_Token], index: int) -> int:
    """The index of the bracket closing the one at `index` (len(tokens) if none)."""
    depth = 0
    for i in range(index, len(tokens)):
        if _is_op(tokens[i], *_OPEN):
            depth += 1
        elif _is_op(tokens[i], *_CLOSE):
            depth -= 1
            if depth == 0:
                return i
    return len(tokens)


def _split(tokens: Sequence[_Token], by_newline: bool) -> list[list[_Token]]:
    """Split on commas (and newlines, in objects) outside brackets; drop empty parts."""
    parts: list[list[_Token]] = [[]]
    depth = 0
    for token in tokens:
        if _is_op(token, *_OPEN):
            depth += 1
        elif _is_op(token, *_CLOSE):
            depth -= 1
        if depth == 0 and (_is_op(token, ",") or (token.kind == "nl" and by_newline)):
            parts.append([])
        elif not (token.kind == "nl" and depth == 0):
            parts[-1].append(token)
    return [part for part in parts if part]


def _raw(tokens: Sequence[_Token], text: str) -> str:
    return text[tokens[0].start:tokens[-1].end] if tokens else ""


def _value(tokens: Sequence[_Token], text: str) -> Any:
    """A literal value, a reference, a call, or `_Expr` for anything else."""
    tokens = list(tokens)
    while tokens and tokens[0].kind == "nl":
        tokens.pop(0)
    while tokens and tokens[-1].kind == "nl":
        tokens.pop()
    raw = _raw(tokens, text)
    if not tokens:
        return _Expr("")
    first = tokens[0]
    if len(tokens) == 1:
        if first.kind in ("string", "heredoc"):
            return first.text if first.literal else _Expr(raw)
        if first.kind == "number":
            return float(first.text) if any(c in first.text for c in ".eE") else int(first.text)
        if first.kind == "ident":
            literals: dict[str, Any] = {"true": True, "false": False, "null": None}
            return literals[first.text] if first.text in literals else _Ref(first.text)
        return _Expr(raw)
    inner = tokens[1:-1]
    opening = next((t for t in inner if t.kind != "nl"), None)
    is_for = opening is not None and opening.kind == "ident" and opening.text == "for"
    if _is_op(first, "[") and _closing(tokens, 0) == len(tokens) - 1:
        return _Expr(raw) if is_for else [_value(part, text) for part in _split(inner, False)]
    if _is_op(first, "{") and _closing(tokens, 0) == len(tokens) - 1:
        return _Expr(raw) if is_for else _object(inner, text)
    if first.kind == "ident" and _is_op(tokens[1], "(") \
            and _closing(tokens, 1) == len(tokens) - 1:
        return _Call(first.text, tuple(_value(part, text)
                                       for part in _split(tokens[2:-1], False)))
    if first.kind == "ident" and _is_traversal(tokens):
        return _Ref(re.sub(r"\s+", "", raw))
    return _Expr(raw)


def _object(tokens: Sequence[_Token], text: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for part in _split(tokens, True):
        equals = next((i for i, t in enumerate(part) if _is_op(t, "=", ":")), None)
        if not equals:
            continue
        key_tokens = part[:equals]
        if len(key_tokens) == 1 and key_tokens[0].kind in ("ident", "string") \
                and key_tokens[0].literal:
            key = key_tokens[0].text
        else:
            key = _raw(key_tokens, text)  # `(var.name)`, a template: not a literal key
        result[key] = _value(part[equals + 1:], text)
    return result


def _is_traversal(tokens: Sequence[_Token]) -> bool:
    i = 1
    while i < len(tokens):
        if _is_op(tokens[i], ".") and i + 1 < len(tokens) \
                and (tokens[i + 1].kind in ("ident", "number") or _is_op(tokens[i + 1], "*")):
            i += 2
        elif _is_op(tokens[i], "["):
            i = _closing(tokens, i) + 1
        else:
            return False
    return True


class _HclParser:
    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.tokens = _lex(text)
        self.pos = 0

    def parse(self) -> _Block:
        root = _Block("", (), 1, self.path)
        self._body(root, closing=False)
        return root

    def _body(self, block: _Block, closing: bool) -> None:
        tokens = self.tokens
        while self.pos < len(tokens):
            token = tokens[self.pos]
            if token.kind == "nl":
                self.pos += 1
                continue
            if _is_op(token, "}"):
                self.pos += 1
                if closing:
                    return
                continue
            if token.kind == "ident":
                following = tokens[self.pos + 1] if self.pos + 1 < len(tokens) else None
                if _is_op(following, "="):
                    start = self.pos + 2
                    end = self._expression_end(start)
                    value_tokens = tokens[start:end]
                    block.attrs[token.text] = _Attr(token.text, token.line,
                                                    _value(value_tokens, self.text),
                                                    _raw(value_tokens, self.text))
                    self.pos = end
                    continue
                j = self.pos + 1
                labels: list[str] = []
                while j < len(tokens) and tokens[j].kind in ("string", "ident"):
                    labels.append(tokens[j].text)
                    j += 1
                if j < len(tokens) and _is_op(tokens[j], "{"):
                    child = _Block(token.text, tuple(labels), token.line, self.path)
                    self.pos = j + 1
                    self._body(child, closing=True)
                    block.blocks.append(child)
                    continue
            self.pos = self._expression_end(self.pos + 1)  # skip what cannot be read

    def _expression_end(self, start: int) -> int:
        """Where an expression starting at `start` ends: a newline or an unmatched closer."""
        depth = 0
        for i in range(start, len(self.tokens)):
            token = self.tokens[i]
            if _is_op(token, *_OPEN):
                depth += 1
            elif _is_op(token, *_CLOSE):
                if depth == 0:
                    return i
                depth -= 1
            elif token.kind == "nl" and depth == 0:
                return i
        return len(self.tokens)


def parse_hcl(text: str, path: str) -> _Block:
    """The file's top-level blocks and arguments (tolerant: unreadable lines are skipped)."""
    return _HclParser(text, path).parse()


# --------------------------------------------------------------------------- findings


@dataclass
class _Findings:
    values: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    flags: dict[str, list[str]] = field(default_factory=dict)
    unresolved_tags: list[str] = field(default_factory=list)

    def add(self, signal: str, value: str | None, where: str) -> None:
        if value is None:
            self.flags.setdefault(signal, []).append(where)
        else:
            self.values.setdefault(signal, {}).setdefault(value, []).append(where)

    def facts(self, facts: Iterable[Fact], where: str) -> None:
        for signal, value in facts:
            self.add(signal, value, where)


def _true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _region(value: Any, *patterns: re.Pattern[str]) -> str | None:
    if isinstance(value, str) and any(p.match(value.strip()) for p in patterns):
        return value.strip()
    return None


def _azure_location(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    location = re.sub(r"\s+", "", value).lower()
    return location if AZURE_LOCATION.match(location) else None


def _distinct(items: Sequence[Any]) -> int:
    return len({repr(item) for item in items})


def _tag_key(key: str) -> str | None:
    key = key.strip()
    if not key or key.startswith(("(", "${")) or "${" in key:
        return None
    return key.lower()


# --------------------------------------------------------------------------- Terraform


class _Terraform:
    """What one Terraform module (one folder) declares."""

    def __init__(self, found: _Findings, local_values: Mapping[str, _Attr]) -> None:
        self.found = found
        self.local_values = local_values
        self.subnet_zones: dict[str, str] = {}  # literal zone -> first subnet

    def resolve(self, value: Any, depth: int = 0) -> Any:
        if isinstance(value, _Ref) and value.path.startswith("local.") and depth < 10:
            name = value.path[len("local."):]
            if name in self.local_values:
                return self.resolve(self.local_values[name].value, depth + 1)
        return value

    def top(self, block: _Block) -> None:
        if block.type == "terraform":
            for providers in block.children("required_providers"):
                self.required_providers(providers)
        elif block.type == "provider" and block.labels:
            self.provider(block)
        elif block.type == "resource" and len(block.labels) >= 2:
            self.resource(block)
        elif block.type == "module" and block.labels:
            self.module(block)

    def required_providers(self, block: _Block) -> None:
        for name, attr in block.attrs.items():
            value = attr.value
            source = _text(value.get("source")) if isinstance(value, dict) else None
            kind = source.rsplit("/", 1)[-1].lower() if source else name
            if kind in PROVIDER_CLOUDS:
                self.found.add("iac.clouds", PROVIDER_CLOUDS[kind], block.at(attr))

    def provider(self, block: _Block) -> None:
        name = block.labels[0]
        if name in PROVIDER_CLOUDS:
            self.found.add("iac.clouds", PROVIDER_CLOUDS[name], block.where)
        region = block.attrs.get("region")
        if region is not None and name in ("aws", "awscc", "google", "google-beta"):
            pattern = AWS_REGION if name in ("aws", "awscc") else GCP_REGION
            if (literal := _region(self.resolve(region.value), pattern)) is not None:
                self.found.add("iac.regions", literal, block.at(region))
        if name == "aws":
            for defaults in block.children("default_tags"):
                tags = defaults.attrs.get("tags")
                if tags is not None:
                    self.tag_keys(tags, block)
        elif name in ("google", "google-beta") and "default_labels" in block.attrs:
            self.tag_keys(block.attrs["default_labels"], block)

    def tag_keys(self, attr: _Attr, block: _Block) -> None:
        keys, unresolved = self.map_keys(attr.value)
        for key in keys:
            if (tag := _tag_key(key)) is not None:
                self.found.add("iac.default_tags", tag, block.at(attr))
        if unresolved:
            self.found.unresolved_tags.append(block.at(attr))

    def map_keys(self, value: Any, depth: int = 0) -> tuple[list[str], bool]:
        """Literal keys of a map (through locals and merge()), and whether some were unknown."""
        value = self.resolve(value)
        if isinstance(value, dict):
            return list(value), False
        if isinstance(value, _Call) and value.name == "merge" and depth < 10:
            keys: list[str] = []
            unresolved = False
            for arg in value.args:
                more, unknown = self.map_keys(arg, depth + 1)
                keys.extend(more)
                unresolved = unresolved or unknown
            return keys, unresolved
        return [], True

    def resource(self, block: _Block) -> None:
        kind = block.labels[0]
        prefix = kind.split("_", 1)[0]
        cloud = PROVIDER_CLOUDS.get(prefix)
        if cloud:
            self.found.add("iac.clouds", cloud, block.where)
        self.found.facts(TF_TYPES.get(kind, ()), block.where)
        for start, end, fact in TF_PREFIXES:
            if kind.startswith(start) and kind.endswith(end) and kind not in NOT_SYNTHETIC:
                self.found.add(*fact, block.where)
        if cloud:
            self.zones(block)
            if prefix in ("aws", "google") and "region" in block.attrs:
                attr = block.attrs["region"]
                pattern = AWS_REGION if prefix == "aws" else GCP_REGION
                if (literal := _region(self.resolve(attr.value), pattern)) is not None:
                    self.found.add("iac.regions", literal, block.at(attr))
        check = getattr(self, "_" + kind, None) if kind[:1].isalpha() else None
        if callable(check):
            check(block)

    def attr(self, block: _Block, name: str) -> Any:
        attr = block.attrs.get(name)
        return None if attr is None else self.resolve(attr.value)

    def zones(self, block: _Block) -> None:
        """Arguments anywhere in a resource or module that spread it over zones."""
        for inner in block.walk():
            for name, attr in inner.attrs.items():
                if self.spreads(name, self.resolve(attr.value)):
                    self.found.add("iac.multi_az", None, inner.at(attr))

    def spreads(self, name: str, value: Any) -> bool:
        if name in TRUE_MEANS_ZONES:
            return value is True
        if name == "availability_type":
            return bool(value == "REGIONAL")
        if name in ("deployment_mode", "deployment_type"):
            return isinstance(value, str) and "MULTI_AZ" in value.upper()
        if name == "vpc_zone_identifier":
            return isinstance(value, list) and _distinct(value) >= 2
        if name in ZONE_LISTS:
            return self.several_zones(value)
        return False

    def several_zones(self, value: Any) -> bool:
        if isinstance(value, list):
            return _distinct(value) >= 2
        if isinstance(value, _Ref):
            return value.path.startswith(AZ_DATA_SOURCES) and value.path.endswith(".names")
        if isinstance(value, _Call) and value.name == "slice" and len(value.args) == 3:
            source, start, end = (self.resolve(arg) for arg in value.args)
            if isinstance(start, int) and isinstance(end, int) and end - start >= 2:
                return self.several_zones(source) or (
                    isinstance(source, _Ref) and source.path.startswith(AZ_DATA_SOURCES))
        return False

    def module(self, block: _Block) -> None:
        source = _text(self.attr(block, "source")) or ""
        registry = REGISTRY_SOURCE.match(source.split("?", 1)[0].split("//", 1)[0])
        name = provider = ""
        if registry and not source.startswith((".", "/")) and "::" not in source:
            name, provider = registry.group(2).lower(), registry.group(3).lower()
            if provider in PROVIDER_CLOUDS:
                self.found.add("iac.clouds", PROVIDER_CLOUDS[provider], block.where)
        self.zones(block)
        if provider == "aws" and name == "autoscaling":
            self.found.add("iac.autoscaling", "aws-asg", block.where)
            for argument, kind in (("scaling_policies", "aws-asg-policy"),
                                   ("schedules", "scheduled")):
                attr = block.attrs.get(argument)
                value = None if attr is None else self.resolve(attr.value)
                if attr is not None and isinstance(value, dict | list) and value:
                    signal = "iac.autoscaling" if kind == "aws-asg-policy" \
                        else "iac.scheduled_scaling"
                    self.found.add(signal, kind, block.at(attr))
                    if "PredictiveScaling" in attr.raw:
                        self.found.add("iac.scheduled_scaling", "predictive", block.at(attr))
        if provider == "aws" and name == "backup":
            self.found.add("iac.backups", "aws-backup", block.where)
        self.retention(block)
        pitr = block.attrs.get("point_in_time_recovery_enabled")
        if pitr is not None and self.resolve(pitr.value) is True:
            self.found.add("iac.backups", "dynamodb-pitr", block.at(pitr))
        replicas = block.attrs.get("replica_regions")
        value = None if replicas is None else self.resolve(replicas.value)
        if replicas is not None and isinstance(value, list) and value:
            self.found.add("iac.multi_region", None, block.at(replicas))
            for item in value:
                if (literal := _region(item, AWS_REGION)) is not None:
                    self.found.add("iac.regions", literal, block.at(replicas))
        region = block.attrs.get("region")
        if region is not None and (literal := _region(self.resolve(region.value), AWS_REGION,
                                                      GCP_REGION)) is not None:
            self.found.add("iac.regions", literal, block.at(region))

    def retention(self, block: _Block) -> None:
        attr = block.attrs.get("backup_retention_period")
        if attr is not None and (_number(self.resolve(attr.value)) or 0) > 0:
            self.found.add("iac.backups", "rds-automated", block.at(attr))

    # One method per resource type that needs more than its presence.

    def _aws_guardduty_detector(self, block: _Block) -> None:
        if not _false(self.attr(block, "enable")):
            self.found.add("iac.security_monitoring", "guardduty", block.where)

    def _aws_cloudtrail(self, block: _Block) -> None:
        if not _false(self.attr(block, "enable_logging")):
            self.found.add("iac.security_monitoring", "cloudtrail", block.where)

    def _aws_cloudwatch_log_metric_filter(self, block: _Block) -> None:
        pattern = block.attrs.get("pattern")
        if pattern is None:
            return
        text = _text(self.resolve(pattern.value)) or pattern.raw
        if "ConsoleLogin" in text and FAILED_LOGIN.search(text):
            self.found.add("iac.security_monitoring", "failed-login-alarm", block.at(pattern))

    def _azurerm_security_center_subscription_pricing(self, block: _Block) -> None:
        tier = _text(self.attr(block, "tier")) or ""
        if tier.lower() != "standard":
            return
        self.found.add("iac.security_monitoring", "azure-defender", block.where)
        resource_type = _text(self.attr(block, "resource_type")) or "VirtualMachines"
        if resource_type.lower() in DEFENDER_CONTAINERS:
            self.found.add("iac.vulnerability_scanning", "azure-defender-containers",
                           block.where)

    def _azurerm_kubernetes_cluster(self, block: _Block) -> None:
        for defender in block.children("microsoft_defender"):
            self.found.add("iac.vulnerability_scanning", "azure-defender-containers",
                           defender.where)

    def _aws_ecr_repository(self, block: _Block) -> None:
        for scanning in block.children("image_scanning_configuration"):
            attr = scanning.attrs.get("scan_on_push")
            if attr is not None and self.resolve(attr.value) is True:
                self.found.add("iac.vulnerability_scanning", "ecr-scan-on-push",
                               scanning.at(attr))

    def _aws_ecr_registry_scanning_configuration(self, block: _Block) -> None:
        attr = block.attrs.get("scan_type")
        if attr is not None and self.resolve(attr.value) == "ENHANCED":
            self.found.add("iac.vulnerability_scanning", "ecr-enhanced", block.at(attr))
        for rule in block.children("rule"):
            frequency = rule.attrs.get("scan_frequency")
            if frequency is not None and self.resolve(frequency.value) == "SCAN_ON_PUSH":
                self.found.add("iac.vulnerability_scanning", "ecr-scan-on-push",
                               rule.at(frequency))

    def _google_project_service(self, block: _Block) -> None:
        if self.attr(block, "service") == "containerscanning.googleapis.com":
            self.found.add("iac.vulnerability_scanning", "gcp-container-scanning", block.where)

    def _datadog_monitor(self, block: _Block) -> None:
        if self.attr(block, "type") == "slo alert":
            self.found.add("iac.slo_alerts", None, block.where)

    def _google_monitoring_alert_policy(self, block: _Block) -> None:
        for inner in block.walk():
            for attr in inner.attrs.values():
                if "select_slo_burn_rate" in attr.raw:
                    self.found.add("iac.slo_alerts", None, inner.at(attr))
                    return

    def _grafana_slo(self, block: _Block) -> None:
        for alerting in block.children("alerting"):
            if alerting.children("fastburn") or alerting.children("slowburn"):
                self.found.add("iac.slo_alerts", None, alerting.where)

    def _aws_autoscaling_policy(self, block: _Block) -> None:
        attr = block.attrs.get("policy_type")
        if attr is not None and self.resolve(attr.value) == "PredictiveScaling":
            self.found.add("iac.scheduled_scaling", "predictive", block.at(attr))
        for predictive in block.children("predictive_scaling_configuration"):
            self.found.add("iac.scheduled_scaling", "predictive", predictive.where)

    def _azurerm_monitor_autoscale_setting(self, block: _Block) -> None:
        for inner in block.walk():
            if inner.type in ("recurrence", "fixed_date"):
                self.found.add("iac.scheduled_scaling", "scheduled", inner.where)

    def _aws_backup_plan(self, block: _Block) -> None:
        for rule in block.children("rule"):
            for copy in rule.children("copy_action"):
                self.found.add("iac.backup_copies", None, copy.where)

    def _aws_db_instance(self, block: _Block) -> None:
        self.retention(block)

    def _aws_rds_cluster(self, block: _Block) -> None:
        self.retention(block)

    def _aws_dynamodb_table(self, block: _Block) -> None:
        for pitr in block.children("point_in_time_recovery"):
            attr = pitr.attrs.get("enabled")
            if attr is not None and self.resolve(attr.value) is True:
                self.found.add("iac.backups", "dynamodb-pitr", pitr.at(attr))
        for replica in block.children("replica"):
            self.found.add("iac.multi_region", None, replica.where)
            attr = replica.attrs.get("region_name")
            if attr is not None and (literal := _region(self.resolve(attr.value),
                                                        AWS_REGION)) is not None:
                self.found.add("iac.regions", literal, replica.at(attr))

    def _aws_s3_bucket(self, block: _Block) -> None:
        for replication in block.children("replication_configuration"):
            self.found.add("iac.backup_copies", None, replication.where)
            self.found.add("iac.multi_region", None, replication.where)

    def _aws_subnet(self, block: _Block) -> None:
        zone = _text(self.attr(block, "availability_zone"))
        if zone:
            self.subnet_zones.setdefault(zone, block.where)
            if len(self.subnet_zones) >= 2:
                for where in self.subnet_zones.values():
                    self.found.add("iac.multi_az", None, where)

    def _google_sql_database_instance(self, block: _Block) -> None:
        for settings in block.children("settings"):
            for backup in settings.children("backup_configuration"):
                attr = backup.attrs.get("enabled")
                if attr is not None and self.resolve(attr.value) is True:
                    self.found.add("iac.backups", "gcp-backup", backup.at(attr))

    def _google_compute_resource_policy(self, block: _Block) -> None:
        for schedule in block.children("snapshot_schedule_policy"):
            self.found.add("iac.backups", "gcp-backup", schedule.where)

    def _google_container_cluster(self, block: _Block) -> None:
        attr = block.attrs.get("location")
        if attr is not None and _region(self.resolve(attr.value), GCP_REGION) is not None:
            self.found.add("iac.multi_az", None, block.at(attr))  # a regional cluster

    def _google_redis_instance(self, block: _Block) -> None:
        attr = block.attrs.get("tier")
        if attr is not None and self.resolve(attr.value) == "STANDARD_HA":
            self.found.add("iac.multi_az", None, block.at(attr))

    def _azurerm_resource_group(self, block: _Block) -> None:
        attr = block.attrs.get("location")
        if attr is not None and (location := _azure_location(self.resolve(attr.value))):
            self.found.add("iac.regions", location, block.at(attr))

    def _azurerm_cosmosdb_account(self, block: _Block) -> None:
        locations = block.children("geo_location")
        names = {repr(self.attr(b, "location")) for b in locations}
        if len(locations) >= 2 and len(names) >= 2:
            self.found.add("iac.multi_region", None, locations[1].where)

    def _azurerm_recovery_services_vault(self, block: _Block) -> None:
        attr = block.attrs.get("cross_region_restore_enabled")
        if attr is not None and self.resolve(attr.value) is True:
            self.found.add("iac.backup_copies", None, block.at(attr))


def _terraform(files: FileIndex, found: _Findings) -> list[str]:
    modules: dict[str, list[_Block]] = {}
    for path in files.with_suffix(*HCL_SUFFIXES):
        if is_example(path) or "/.terraform/" in f"/{path}":
            continue
        text = files.text(path)
        if text is None:
            continue
        if len(text) > MAX_PARSE_BYTES:
            files.skipped.setdefault(path, "too large to read as Terraform")
            continue
        try:
            root = parse_hcl(text, path)
        except RecursionError:
            files.skipped.setdefault(path, "Terraform nested too deeply to read")
            continue
        modules.setdefault(posixpath.dirname(path), []).append(root)
    looked: list[str] = []
    for roots in modules.values():
        local_values: dict[str, _Attr] = {}
        for root in roots:
            for block in root.children("locals"):
                local_values.update(block.attrs)
        module = _Terraform(found, local_values)
        for root in roots:
            looked.append(root.path)
            for block in root.blocks:
                module.top(block)
    return looked


# --------------------------------------------------------------------------- CloudFormation


def _is_template(document: Any) -> bool:
    if not isinstance(document, dict):
        return False
    resources = document.get("Resources")
    typed = isinstance(resources, dict) and any(
        isinstance(r, dict) and isinstance(r.get("Type"), str) and r["Type"].startswith("AWS::")
        for r in resources.values())
    return typed or ("AWSTemplateFormatVersion" in document and isinstance(resources, dict))


def _function(value: Any, name: str) -> Any:
    """The argument of `!Name x` / `{"Fn::Name": x}`, or None."""
    if isinstance(value, Tagged) and value.tag == f"!{name}":
        return value.value if value.value is not None else ""
    if isinstance(value, dict) and len(value) == 1 and f"Fn::{name}" in value:
        return value[f"Fn::{name}"]
    return None


def _zone_key(value: Any) -> str | None:
    """A subnet's zone as something comparable: a literal, or `select:N` of !GetAZs."""
    if isinstance(value, str):
        return value
    selected = _function(value, "Select")
    if isinstance(selected, list) and len(selected) == 2 \
            and _function(selected[1], "GetAZs") is not None:
        return f"select:{selected[0]}"
    return None


class _Template:
    def __init__(self, found: _Findings, path: str, document: Mapping[str, Any]) -> None:
        self.found = found
        self.path = path
        self.document = document
        self.subnet_zones: dict[str, str] = {}

    def at(self, mapping: Any, key: Any) -> str:
        if isinstance(mapping, LineDict):
            return f"{self.path}:{mapping.line_of(key)}"
        return self.path

    def scan(self) -> None:
        resources = self.document.get("Resources")
        if not isinstance(resources, dict):
            return
        first = next(iter(resources), None)
        self.found.add("iac.clouds", "aws", self.at(resources, first) if first else self.path)
        for logical_id, resource in resources.items():
            if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
                continue
            kind = resource["Type"]
            where = self.at(resources, logical_id)
            properties = resource.get("Properties")
            props: Mapping[str, Any] = properties if isinstance(properties, dict) else {}
            self.found.facts(CFN_TYPES.get(kind, ()), where)
            if kind.startswith("AWS::InspectorV2::"):
                self.found.add("iac.vulnerability_scanning", "inspector", where)
            self.zones(props)
            check = getattr(self, "_" + kind.replace("::", "_"), None) \
                if kind.startswith("AWS::") else None
            if callable(check):
                check(props, where)

    def zones(self, props: Mapping[str, Any]) -> None:
        zones = props.get("AvailabilityZones")
        if (isinstance(zones, list) and _distinct(zones) >= 2) or \
                _function(zones, "GetAZs") is not None:
            self.found.add("iac.multi_az", None, self.at(props, "AvailabilityZones"))
        for key in ("MultiAZ", "MultiAZEnabled"):
            if _true(props.get(key)):
                self.found.add("iac.multi_az", None, self.at(props, key))
        for key in ("DeploymentMode", "DeploymentType"):
            mode = props.get(key)
            if isinstance(mode, str) and "MULTI_AZ" in mode.upper():
                self.found.add("iac.multi_az", None, self.at(props, key))

    def _AWS_AutoScaling_AutoScalingGroup(self, props: Mapping[str, Any], where: str) -> None:
        subnets = props.get("VPCZoneIdentifier")
        if isinstance(subnets, list) and _distinct(subnets) >= 2:
            self.found.add("iac.multi_az", None, self.at(props, "VPCZoneIdentifier"))

    def _AWS_AutoScaling_ScalingPolicy(self, props: Mapping[str, Any], where: str) -> None:
        if props.get("PolicyType") == "PredictiveScaling":
            self.found.add("iac.scheduled_scaling", "predictive", self.at(props, "PolicyType"))
        elif "PredictiveScalingConfiguration" in props:
            self.found.add("iac.scheduled_scaling", "predictive",
                           self.at(props, "PredictiveScalingConfiguration"))

    def _AWS_ApplicationAutoScaling_ScalableTarget(self, props: Mapping[str, Any],
                                                   where: str) -> None:
        actions = props.get("ScheduledActions")
        if isinstance(actions, list) and actions:
            self.found.add("iac.scheduled_scaling", "scheduled",
                           self.at(props, "ScheduledActions"))

    def _AWS_Backup_BackupPlan(self, props: Mapping[str, Any], where: str) -> None:
        plan = props.get("BackupPlan")
        rules = plan.get("BackupPlanRule") if isinstance(plan, dict) else None
        for rule in rules if isinstance(rules, list) else []:
            copies = rule.get("CopyActions") if isinstance(rule, dict) else None
            if isinstance(copies, list) and copies:
                self.found.add("iac.backup_copies", None, self.at(rule, "CopyActions"))

    def _AWS_GuardDuty_Detector(self, props: Mapping[str, Any], where: str) -> None:
        if not _false(props.get("Enable")):
            self.found.add("iac.security_monitoring", "guardduty", where)

    def _AWS_CloudTrail_Trail(self, props: Mapping[str, Any], where: str) -> None:
        if not _false(props.get("IsLogging")):
            self.found.add("iac.security_monitoring", "cloudtrail", where)

    def _AWS_Logs_MetricFilter(self, props: Mapping[str, Any], where: str) -> None:
        pattern = props.get("FilterPattern")
        text = pattern if isinstance(pattern, str) else repr(pattern)
        if "ConsoleLogin" in text and FAILED_LOGIN.search(text):
            self.found.add("iac.security_monitoring", "failed-login-alarm",
                           self.at(props, "FilterPattern"))

    def _AWS_ECR_Repository(self, props: Mapping[str, Any], where: str) -> None:
        scanning = props.get("ImageScanningConfiguration")
        if isinstance(scanning, dict) and _true(scanning.get("ScanOnPush")):
            self.found.add("iac.vulnerability_scanning", "ecr-scan-on-push",
                           self.at(scanning, "ScanOnPush"))

    def _AWS_ECR_RegistryScanningConfiguration(self, props: Mapping[str, Any],
                                               where: str) -> None:
        if props.get("ScanType") == "ENHANCED":
            self.found.add("iac.vulnerability_scanning", "ecr-enhanced",
                           self.at(props, "ScanType"))
        rules = props.get("Rules")
        for rule in rules if isinstance(rules, list) else []:
            if isinstance(rule, dict) and rule.get("ScanFrequency") == "SCAN_ON_PUSH":
                self.found.add("iac.vulnerability_scanning", "ecr-scan-on-push",
                               self.at(rule, "ScanFrequency"))

    def _AWS_RDS_DBInstance(self, props: Mapping[str, Any], where: str) -> None:
        self.retention(props)
        if isinstance(props.get("AutomaticBackupReplicationRegion"), str):
            self.found.add("iac.backup_copies", None,
                           self.at(props, "AutomaticBackupReplicationRegion"))

    def _AWS_RDS_DBCluster(self, props: Mapping[str, Any], where: str) -> None:
        self.retention(props)

    def retention(self, props: Mapping[str, Any]) -> None:
        if (_number(props.get("BackupRetentionPeriod")) or 0) > 0:
            self.found.add("iac.backups", "rds-automated", self.at(props, "BackupRetentionPeriod"))

    def _AWS_DynamoDB_Table(self, props: Mapping[str, Any], where: str) -> None:
        self.pitr(props)

    def _AWS_DynamoDB_GlobalTable(self, props: Mapping[str, Any], where: str) -> None:
        replicas = props.get("Replicas")
        for replica in replicas if isinstance(replicas, list) else []:
            if not isinstance(replica, dict):
                continue
            self.pitr(replica)
            if (region := _region(replica.get("Region"), AWS_REGION)) is not None:
                self.found.add("iac.regions", region, self.at(replica, "Region"))

    def pitr(self, props: Mapping[str, Any]) -> None:
        pitr = props.get("PointInTimeRecoverySpecification")
        if isinstance(pitr, dict) and _true(pitr.get("PointInTimeRecoveryEnabled")):
            self.found.add("iac.backups", "dynamodb-pitr",
                           self.at(pitr, "PointInTimeRecoveryEnabled"))

    def _AWS_S3_Bucket(self, props: Mapping[str, Any], where: str) -> None:
        if isinstance(props.get("ReplicationConfiguration"), dict):
            locator = self.at(props, "ReplicationConfiguration")
            self.found.add("iac.backup_copies", None, locator)
            self.found.add("iac.multi_region", None, locator)

    def _AWS_CloudFormation_StackSet(self, props: Mapping[str, Any], where: str) -> None:
        groups = props.get("StackInstancesGroup")
        for group in groups if isinstance(groups, list) else []:
            regions = group.get("Regions") if isinstance(group, dict) else None
            for index, region in enumerate(regions if isinstance(regions, list) else []):
                if (literal := _region(region, AWS_REGION)) is not None:
                    locator = f"{self.path}:{regions.line_of(index)}" \
                        if isinstance(regions, LineList) else self.at(group, "Regions")
                    self.found.add("iac.regions", literal, locator)

    def _AWS_OpenSearchService_Domain(self, props: Mapping[str, Any], where: str) -> None:
        self.zone_awareness(props.get("ClusterConfig"))

    def _AWS_Elasticsearch_Domain(self, props: Mapping[str, Any], where: str) -> None:
        self.zone_awareness(props.get("ElasticsearchClusterConfig"))

    def zone_awareness(self, config: Any) -> None:
        if not isinstance(config, dict):
            return
        for key in ("ZoneAwarenessEnabled", "MultiAZWithStandbyEnabled"):
            if _true(config.get(key)):
                self.found.add("iac.multi_az", None, self.at(config, key))

    def _AWS_EC2_Subnet(self, props: Mapping[str, Any], where: str) -> None:
        zone = _zone_key(props.get("AvailabilityZone"))
        if zone is not None:
            self.subnet_zones.setdefault(zone, where)
            if len(self.subnet_zones) >= 2:
                for locator in self.subnet_zones.values():
                    self.found.add("iac.multi_az", None, locator)


def _cloudformation(files: FileIndex, found: _Findings) -> list[str]:
    looked: list[str] = []
    for path in files.with_suffix(*TEMPLATE_SUFFIXES):
        if is_example(path) or path.startswith(".github/"):
            continue
        text = files.text(path)
        if text is None or ("AWS::" not in text and "AWSTemplateFormatVersion" not in text):
            continue
        for document in files.yaml(path):
            template = document
            if isinstance(document, dict) and not _is_template(document):
                template = document.get("resources")  # Serverless Framework: raw CloudFormation
            if _is_template(template):
                looked.append(path)
                _Template(found, path, template).scan()
    return list(dict.fromkeys(looked))


# --------------------------------------------------------------------------- detect


def detect(files: FileIndex, out: Emitter) -> None:
    found = _Findings()
    terraform = _terraform(files, found)
    looked = terraform + _cloudformation(files, found)
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
