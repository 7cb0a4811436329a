"""Prometheus alerting and recording rules, wherever rule groups are kept, and what they
say of SLOs, error-budget burn and failed authentication."""

from __future__ import annotations

from typing import Any

from scanner.collectors.files.observability.found import Found, Rule, Where
from scanner.collectors.files.observability.reading import mappings, str_or_empty
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import LineDict, LineList

SLO_RECORD = lazy_compile(r"(?i)(^|[:_])(slo|sli)([:_]|$)|error_?budget|burn_?rate")
BURN_ALERT = lazy_compile(r"(?i)burn_?rate|error_?budget|slo:sli_error")
SLO_ID_LABELS = ("sloth_id", "slo", "slo_name")
AUTH_WORDS = lazy_compile(
    r"(?i)auth(entication|n)?[\s_-]*(fail|error|denied|reject)|"
    r"(log[\s_-]?in|log[\s_-]?on|sign[\s_-]?in)[\s_-]*(fail|error|attempt)|"
    r"failed[\s_-]*(log[\s_-]?in|log[\s_-]?on|auth|password|credential)|unauthori[sz]ed|forbidden|"
    r"brute[\s_-]*force|invalid[\s_-]*(token|credential|password|login)|access[\s_-]*denied|"
    r"password[\s_-]*(fail|mismatch)")
AUTH_STATUS = lazy_compile(r"(?i)\b(code|status)\w*\s*=~?\s*[\"'][^\"']*\b40[13]\b")


def prometheus_rules(document: Any, where: Where, found: Found) -> None:
    """Rule groups anywhere in a document: a rule file's `groups`, a PrometheusRule's
    `spec.groups`, a Helm values section (serverFiles, additionalPrometheusRulesMap)."""
    for node in mappings(document):
        groups = node.get("groups")
        if not isinstance(groups, LineList):
            continue
        for group in groups:
            rules = group.get("rules") if isinstance(group, LineDict) else None
            if not isinstance(rules, LineList):
                continue
            group_name = str_or_empty(group.get("name"))
            for rule in rules:
                if not isinstance(rule, LineDict) or "expr" not in rule:
                    continue
                for key in ("alert", "record"):
                    name = str_or_empty(rule.get(key)).strip()
                    if name:
                        _rule(Rule(key == "alert", name, str(rule.get("expr")),
                                   where.at(rule.line_of(key)), where.path,
                                   _slo_id(rule, group_name)), found)
                        break


def _slo_id(rule: LineDict, group: str) -> str:
    labels = rule.get("labels")
    if isinstance(labels, LineDict):
        for key in SLO_ID_LABELS:
            if isinstance(labels.get(key), str) and labels[key]:
                return str(labels[key])
    return f"group {group}" if group else "group"


def _rule(rule: Rule, found: Found) -> None:
    found.rule(rule)
    if rule.alert:
        if BURN_ALERT.search(rule.name) or BURN_ALERT.search(rule.expr):
            found.burn.append(rule.locator)
        if AUTH_WORDS.search(rule.name) or AUTH_WORDS.search(rule.expr) \
                or AUTH_STATUS.search(rule.expr):
            found.security.setdefault("prometheus-auth-alerts", rule.locator)
    elif SLO_RECORD.search(rule.name):
        found.slo_kinds.setdefault("prometheus-slo-rules", rule.locator)
