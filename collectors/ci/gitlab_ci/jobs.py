"""GitLab CI jobs from a merged configuration: `extends:`, `!reference`, `default:`,
scripts, images, environments and when each job runs.

Templates, components and other projects' files that were included but not read
become jobs of their own, so that the tool catalogue can recognise them by name;
they carry the global variables, which is where Auto DevOps switches a template's
jobs off.
"""

from __future__ import annotations

from typing import Any

from scanner.collectors.ci.gitlab_ci.includes import MAX_DEPTH, ConfigLoader, deep_merge
from scanner.collectors.ci.gitlab_ci.rules import ANY_REF, only_triggers, rules_triggers
from scanner.collectors.ci.model import (
    COMMAND,
    IMAGE,
    MANUAL,
    OTHER,
    PULL_REQUEST,
    SCHEDULE,
    TEST_REPORT,
    Job,
    ParseResult,
    Reference,
    names,
    scalar_text,
    shell_lines,
)
from scanner.yaml_source import LineDict, LineList, Tagged

SYSTEM = "gitlab_ci"
RESERVED_KEYS = frozenset({
    "image", "services", "stages", "types", "before_script", "after_script", "variables",
    "cache", "include", "default", "workflow", "spec",
})
SCRIPT_KEYS = ("before_script", "script", "after_script")


class JobBuilder:
    """Turns a merged configuration into jobs."""

    def __init__(self, config: LineDict, result: ParseResult) -> None:
        self.config = config
        self.result = result
        variables = config.get("variables")
        self.variables = _variables(variables)
        workflow = config.get("workflow")
        workflow_rules = workflow.get("rules") if isinstance(workflow, dict) else None
        everything = ANY_REF | {PULL_REQUEST, SCHEDULE, MANUAL, OTHER}
        # Pipelines `workflow: rules` allows; without it, any event can start one.
        self.allowed = rules_triggers(workflow_rules, everything) \
            if isinstance(workflow_rules, list) else everything
        # What a job without rules runs on: branch and tag pipelines, unless workflow says.
        self.pipeline_triggers = self.allowed if isinstance(workflow_rules, list) else ANY_REF
        default = config.get("default")
        self.default = default if isinstance(default, LineDict) else LineDict()

    def resolve_extends(self, name: str, body: LineDict, depth: int = 0) -> LineDict:
        parents = body.get("extends")
        if parents is None or depth > MAX_DEPTH:
            return body
        merged: Any = LineDict()
        for parent in parents if isinstance(parents, list) else [parents]:
            base = self.config.get(scalar_text(parent))
            if isinstance(base, LineDict):
                merged = deep_merge(merged, self.resolve_extends(scalar_text(parent), base,
                                                                 depth + 1))
            else:
                self.result.notes.append((body.locate("extends"),
                                          f"job '{name}' extends unknown '{parent}'"))
        result: LineDict = deep_merge(merged, body)
        return result

    def reference(self, tagged: Tagged, depth: int = 0) -> Any:
        """Resolve `!reference [.job, key, ...]` against the merged configuration."""
        path = tagged.value if isinstance(tagged.value, list) else []
        node: Any = self.config
        for part in path:
            node = node.get(scalar_text(part)) if isinstance(node, dict) else None
        if isinstance(node, Tagged) and depth < MAX_DEPTH:
            return self.reference(node, depth + 1)
        return node

    def commands(self, body: LineDict) -> list[Reference]:
        found: list[Reference] = []
        for key in SCRIPT_KEYS:
            container: LineDict = body if key in body else self.default
            script = container.get(key)
            if script is None and key != "script":
                script = self.config.get(key)  # deprecated global before_script
                container = self.config
            if isinstance(script, str):
                for offset, line in shell_lines(script):
                    found.append(Reference(COMMAND, line, container.locate(key, offset)))
            elif isinstance(script, list):
                found.extend(self.script_items(script, container.locate(key), 0))
        return found

    def script_items(self, items: list[Any], where: str, depth: int) -> list[Reference]:
        found: list[Reference] = []
        for index, item in enumerate(items):
            if isinstance(item, Tagged) and item.tag == "!reference":
                target = self.reference(item)
                if isinstance(target, str):
                    target = [target]
                if isinstance(target, list) and depth < MAX_DEPTH:
                    located = target.locate(0) if isinstance(target, LineList) else where
                    found.extend(self.script_items(target, located, depth + 1))
                continue
            if isinstance(item, list) and depth < MAX_DEPTH:  # nested lists are flattened
                found.extend(self.script_items(item, where, depth + 1))
                continue
            if not isinstance(item, str):
                continue
            for offset, line in shell_lines(item):
                locator = items.locate(index, offset) if isinstance(items, LineList) else where
                found.append(Reference(COMMAND, line, locator))
        return found

    def images(self, body: LineDict) -> list[Reference]:
        found: list[Reference] = []
        container: LineDict = body if "image" in body else (
            self.default if "image" in self.default else self.config)
        image = container.get("image")
        name = image.get("name") if isinstance(image, dict) else image
        if isinstance(name, str) and name:
            found.append(Reference(IMAGE, name, container.locate("image")))
        services = body.get("services")
        for index, service in enumerate(services if isinstance(services, list) else []):
            service_name = service.get("name") if isinstance(service, dict) else service
            if isinstance(service_name, str) and isinstance(services, LineList):
                found.append(Reference(IMAGE, service_name, services.locate(index)))
        return found

    def triggers(self, body: LineDict) -> frozenset[str]:
        if scalar_text(body.get("when")) == "manual":
            return frozenset({MANUAL})
        if isinstance(body.get("rules"), list):
            admitted = rules_triggers(body["rules"], self.pipeline_triggers)
        elif "only" in body:
            admitted = only_triggers(body["only"])
        else:
            return self.pipeline_triggers
        return admitted & (self.allowed | {MANUAL})

    def jobs(self, inherited: frozenset[str] | None = None) -> list[Job]:
        jobs: list[Job] = []
        for name, raw_body in self.config.items():
            if not isinstance(name, str) or name in RESERVED_KEYS or name.startswith("."):
                continue
            if not isinstance(raw_body, LineDict):
                continue
            body = self.resolve_extends(name, raw_body)
            triggers = self.triggers(body)
            if inherited is not None and MANUAL not in triggers:
                triggers = inherited
            if not triggers:
                continue  # every rule says `when: never`
            environment = body.get("environment")
            env_name = environment.get("name") if isinstance(environment, dict) else environment
            action = scalar_text(environment.get("action")) if isinstance(environment, dict) \
                else ""
            tier = scalar_text(environment.get("deployment_tier")) \
                if isinstance(environment, dict) else ""
            if action in ("stop", "prepare", "verify", "access"):
                env_name = None
            elif tier == "production" and env_name:
                env_name = f"production ({scalar_text(env_name)})"
            job_variables = dict(self.variables)
            job_variables.update(_variables(body.get("variables")))
            jobs.append(Job(
                system=SYSTEM, file=self.config.file_of(name), name=name,
                locator=self.config.locate(name), triggers=triggers,
                references=tuple(self.images(body) + self.commands(body) +
                                 _test_reports(body)),
                environment=scalar_text(env_name) or None,
                stage=scalar_text(body.get("stage")) or None,
                variables=tuple(job_variables.items()),
                needs=names(body.get("needs")),
            ))
        return jobs

    def child_pipelines(self) -> list[tuple[str, str, frozenset[str]]]:
        """(local file, where, triggers) of child pipelines started by `trigger: include:`."""
        found: list[tuple[str, str, frozenset[str]]] = []
        for name, body in self.config.items():
            if not isinstance(body, LineDict) or not isinstance(name, str) or name.startswith("."):
                continue
            trigger = body.get("trigger")
            include = trigger.get("include") if isinstance(trigger, dict) else None
            items = include if isinstance(include, list) else [include]
            for item in items:
                local = item.get("local") if isinstance(item, dict) else item
                if isinstance(local, str) and not local.startswith(("http", "$")):
                    found.append((local, self.config.locate(name), self.triggers(body)))
        return found

    def synthetic(self, references: list[Reference], kind: str) -> list[Job]:
        """One job per template or component include, carrying the global variables."""
        return [Job(system=SYSTEM, file=ref.locator.rsplit(":", 1)[0], name=f"{kind}:{ref.value}",
                    locator=ref.locator, triggers=self.pipeline_triggers, references=(ref,),
                    variables=tuple(self.variables.items()))
                for ref in references]

    def included_jobs(self, loader: ConfigLoader) -> list[Job]:
        """The jobs standing for the templates, components and other projects' files
        `loader` found included."""
        return (self.synthetic(loader.templates, "template")
                + self.synthetic(loader.components, "component")
                + self.synthetic(loader.remote, "include"))


def _variables(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        return {}
    found: dict[str, str] = {}
    for key, value in raw.items():
        found[str(key)] = scalar_text(value.get("value") if isinstance(value, dict) else value)
    return found


def _test_reports(body: LineDict) -> list[Reference]:
    """`artifacts: reports: junit:`: the job publishes test results, whatever ran them."""
    artifacts = body.get("artifacts")
    reports = artifacts.get("reports") if isinstance(artifacts, LineDict) else None
    if not isinstance(reports, LineDict) or "junit" not in reports:
        return []
    return [Reference(TEST_REPORT, "junit", reports.locate("junit"))]
