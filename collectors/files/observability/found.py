"""What the observability detector gathers in its one pass over the tree, and how a line
of a parsed document becomes a locator."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Where:
    """Turns a line of a parsed document into `path:line`.

    YAML kept inside a string (a ConfigMap's data, a Helm value) counts its lines
    from the string's first line: `offset` maps them back into the file, or
    `fixed` names the key's line when the string is not a literal block.
    """

    path: str
    offset: int = 0
    fixed: int = 0

    def at(self, line: int) -> str:
        return f"{self.path}:{self.fixed or line + self.offset}"


@dataclass(frozen=True)
class Rule:
    """A Prometheus alerting or recording rule, and the SLO it serves (a label or its group)."""

    alert: bool
    name: str
    expr: str
    locator: str
    path: str
    slo_id: str


@dataclass
class Found:
    """Everything seen in one pass over the tree."""

    slo_kinds: dict[str, str] = field(default_factory=dict)
    slos: list[tuple[str, str]] = field(default_factory=list)  # (kind, locator)
    slo_ids: set[str] = field(default_factory=set)  # Sloth ids and Pyrra names of the specs
    burn: list[str] = field(default_factory=list)
    rules: dict[tuple[bool, str, str], Rule] = field(default_factory=dict)
    rule_copies: int = 0
    rum: dict[str, str] = field(default_factory=dict)
    synthetics: dict[str, str] = field(default_factory=dict)
    conventions: dict[str, str] = field(default_factory=dict)
    scopes: list[Scope] = field(default_factory=list)
    security: dict[str, str] = field(default_factory=dict)
    packages: int = 0  # package.json files read

    def slo(self, kind: str, locator: str) -> None:
        self.slo_kinds.setdefault(kind, locator)
        self.slos.append((kind, locator))

    def rule(self, rule: Rule) -> None:
        key = (rule.alert, rule.name, " ".join(rule.expr.split()))
        if key in self.rules:
            self.rule_copies += 1
        else:
            self.rules[key] = rule


@dataclass
class Scope:
    """One deployment's telemetry settings: a Kubernetes document, a Compose service,
    a Helm values file or a Dockerfile."""

    otel_service: str | None = None
    otel_env: str | None = None
    datadog: dict[str, str] = field(default_factory=dict)  # service/env/version -> locator

    def identity(self) -> list[str] | None:
        if self.otel_service and self.otel_env:
            return [self.otel_service, self.otel_env]
        if "service" in self.datadog and "env" in self.datadog:
            return [self.datadog["service"], self.datadog["env"]]
        return None

    def named(self) -> str | None:
        return self.otel_service or self.datadog.get("service")
