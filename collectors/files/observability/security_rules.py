"""Security detection rules as code: Falco, Sigma, Datadog security monitoring and Elastic
detection rules."""

from __future__ import annotations

import re
from typing import Any

from scanner.collectors.files.index import FileIndex
from scanner.collectors.files.observability.found import Found, Where
from scanner.collectors.files.observability.reading import bounded_text, first_line
from scanner.collectors.structured import load_json, load_toml
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import LineDict, LineList

FALCO_ITEM = lazy_compile(r"-\s+rule\s*:")
DATADOG_RULE_TYPES = frozenset({"log_detection", "workload_security", "signal_correlation",
                                "application_security", "cloud_configuration",
                                "infrastructure_configuration"})
SECURITY_PATH = lazy_compile(r"(?i)(secur|detect|rule|siem|datadog|threat|signal)")


def falco(items: LineList, where: Where, found: Found) -> None:
    for index, item in enumerate(items):
        if isinstance(item, LineDict) and isinstance(item.get("rule"), str) and any(
                key in item for key in ("condition", "output", "priority")) and any(
                key in item for key in ("output", "priority", "desc", "append", "override",
                                        "enabled")):
            found.security.setdefault("falco", where.at(items.line_of(index)))
            return


def sigma(document: LineDict, where: Where, found: Found) -> None:
    detection = document.get("detection")
    if isinstance(document.get("logsource"), LineDict) and isinstance(detection, LineDict) \
            and "condition" in detection:
        found.security.setdefault("sigma", where.at(document.line))


def is_datadog_rule(document: Any) -> bool:
    """Datadog security-monitoring rule shape: `cases` and `queries`, and a detection type
    or rule options."""
    if not isinstance(document, dict):
        return False
    cases, queries, options = document.get("cases"), document.get("queries"), \
        document.get("options")
    return isinstance(cases, list) and isinstance(queries, list) \
        and any(isinstance(case, dict) and ("condition" in case or "status" in case)
                for case in cases) \
        and (document.get("type") in DATADOG_RULE_TYPES
             or (isinstance(options, dict) and "detectionMethod" in options))


def elastic_rule_file(files: FileIndex, path: str, found: Found) -> None:
    """An Elastic detection rule: a TOML `[rule]` table with a risk score."""
    text = bounded_text(files, path)
    if text is None or "risk_score" not in text or "[rule]" not in text:
        return
    rule = load_toml(text).get("rule")
    if isinstance(rule, dict) and "risk_score" in rule and any(
            key in rule for key in ("rule_id", "query", "type")):
        line = first_line(text, re.compile(r"(?m)^\[rule\]")) or 1
        found.security.setdefault("elastic-detection-rules", f"{path}:{line}")


def datadog_rule_file(files: FileIndex, path: str, found: Found) -> None:
    text = bounded_text(files, path)
    if text is None or '"cases"' not in text or '"queries"' not in text:
        return
    data = load_json(text)
    if any(is_datadog_rule(item) for item in (data if isinstance(data, list) else [data])):
        line = first_line(text, re.compile(r'"cases"\s*:')) or 1
        found.security.setdefault("datadog-security-rules", f"{path}:{line}")
