"""Telemetry settings of deployments: OpenTelemetry and Datadog variables and labels in
Kubernetes documents, Compose services, Helm values and Dockerfiles, and whether each
deployment names its service and environment."""

from __future__ import annotations

import shlex
from collections.abc import Iterator, Sequence
from typing import Any

from scanner.collectors.files.index import FileIndex
from scanner.collectors.files.observability.found import Found, Scope
from scanner.collectors.files.observability.reading import bounded_text, nodes
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import LineDict, LineList

OTEL_VARS = ("OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES")
DD_VARS = {"DD_SERVICE": "service", "DD_ENV": "env", "DD_VERSION": "version"}
ENV_VARS = frozenset({*OTEL_VARS, *DD_VARS})
DD_LABELS = {f"{prefix}{tag}": tag for prefix in ("tags.datadoghq.com/", "com.datadoghq.tags.")
             for tag in ("service", "env", "version")}
OTEL_INJECT = "instrumentation.opentelemetry.io/inject-"
OTEL_ENV_ATTRIBUTES = frozenset({"deployment.environment", "deployment.environment.name"})
ASSIGNMENT = lazy_compile(r"^\s*([A-Za-z_][\w.\-/]*)\s*=(.*)$")
DOCKERFILE = lazy_compile(r"(?i)^(dockerfile|containerfile)([.-][\w.-]+)?$|\.dockerfile$")


def _scalar(value: Any) -> str | None:
    """A scalar setting's text, None when unset (missing, null, empty, a collection)."""
    if isinstance(value, bool) or value is None or isinstance(value, LineDict | LineList):
        return None
    text = str(value).strip()
    return text or None


def telemetry_yaml(documents: Sequence[Any], path: str, found: Found) -> None:
    for document in documents:
        services = document.get("services") if isinstance(document, LineDict) else None
        if isinstance(services, LineDict) and services \
                and all(isinstance(s, LineDict) for s in services.values()):
            units: list[Any] = list(services.values())  # a Compose file: one scope a service
        else:
            units = [document]
        for unit in units:
            scope = Scope()
            for node in nodes(unit):
                _settings(node, path, scope, found)
            found.scopes.append(scope)


def _settings(node: LineDict | LineList, path: str, scope: Scope, found: Found) -> None:
    if isinstance(node, LineList):
        for index, item in enumerate(node):  # Compose `- KEY=value` environment and labels
            match = ASSIGNMENT.match(item) if isinstance(item, str) else None
            if match and (match[1] in ENV_VARS or match[1] in DD_LABELS):
                _setting(scope, found, match[1], match[2].strip().strip("'\""),
                         f"{path}:{node.line_of(index)}")
        return
    name = node.get("name")
    if isinstance(name, str) and name in ENV_VARS and ("value" in node or "valueFrom" in node):
        value = "x" if isinstance(node.get("valueFrom"), LineDict) else _scalar(node.get("value"))
        _setting(scope, found, name, value, f"{path}:{node.line_of('name')}")
    for key, value in node.items():
        if not isinstance(key, str):
            continue
        if key in ENV_VARS or key in DD_LABELS:
            _setting(scope, found, key, _scalar(value), f"{path}:{node.line_of(key)}")
        elif key.startswith(OTEL_INJECT) and _scalar(value) not in (None, "false"):
            found.conventions.setdefault("opentelemetry", f"{path}:{node.line_of(key)}")


def _setting(scope: Scope, found: Found, key: str, value: str | None, locator: str) -> None:
    if not value:
        return
    if key in OTEL_VARS:
        found.conventions.setdefault("opentelemetry", locator)
        if key == "OTEL_SERVICE_NAME":
            scope.otel_service = scope.otel_service or locator
        else:
            attributes = {part.partition("=")[0].strip() for part in value.split(",")}
            if "service.name" in attributes:
                scope.otel_service = scope.otel_service or locator
            if attributes & OTEL_ENV_ATTRIBUTES:
                scope.otel_env = scope.otel_env or locator
    else:
        tag = DD_VARS.get(key) or DD_LABELS[key]
        scope.datadog.setdefault(tag, locator)
        if len(scope.datadog) >= 2:
            found.conventions.setdefault("datadog-unified-tags", scope.datadog.get(
                "service") or scope.datadog["env"])


def dockerfile(files: FileIndex, path: str, found: Found) -> None:
    text = bounded_text(files, path)
    if text is None or not any(hint in text for hint in ("OTEL_", "DD_", "datadoghq")):
        return
    scope = Scope()
    for number, instruction in _instructions(text):
        word, _, rest = instruction.strip().partition(" ")
        if word.upper() not in ("ENV", "LABEL"):
            continue
        try:
            tokens = shlex.split(rest)
        except ValueError:
            tokens = rest.split()
        if not tokens:
            continue
        if "=" in tokens[0]:
            pairs = [token.partition("=")[::2] for token in tokens if "=" in token]
        else:  # legacy `ENV KEY value`
            pairs = [(tokens[0], " ".join(tokens[1:]))]
        for key, value in pairs:
            if key in ENV_VARS or key in DD_LABELS:
                _setting(scope, found, key, value.strip() or None, f"{path}:{number}")
    found.scopes.append(scope)


def _instructions(text: str) -> Iterator[tuple[int, str]]:
    """Dockerfile instructions with their first line, continuation lines joined."""
    start, parts = 0, list[str]()
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not parts and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if not parts:
            start = number
        if line.endswith("\\"):
            parts.append(line[:-1])
            continue
        parts.append(line)
        yield start, " ".join(parts)
        parts = []
    if parts:
        yield start, " ".join(parts)
