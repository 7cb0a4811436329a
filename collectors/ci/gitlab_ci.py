"""GitLab CI -> jobs.

Follows `include: local` (and child pipelines' local files) inside the
repository, resolves `extends:` and `!reference` tags, applies `default:`,
and records `template:`, `component:`, `project:` and `remote:` includes.
Templates and components become jobs of their own so the tool catalogue can
recognise them; the Auto DevOps variables that switch a template's jobs off
are kept on those jobs so a disabled scanner is not counted.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from scanner.collectors.ci.model import (
    COMMAND,
    DEFAULT_BRANCH,
    GITLAB_COMPONENT,
    GITLAB_INCLUDE,
    GITLAB_TEMPLATE,
    IMAGE,
    MANUAL,
    OTHER,
    PULL_REQUEST,
    PUSH,
    SCHEDULE,
    TAG,
    TEST_REPORT,
    ExternalFiles,
    Job,
    ParseResult,
    Reference,
    anchored,
    names,
    read_yaml,
    scalar_text,
    shell_lines,
)
from scanner.collectors.tree import RepoTree, matching
from scanner.yaml_source import (
    LineDict,
    LineList,
    Tagged,
    YamlError,
    load_yaml_documents,
    stamp_file,
)

SYSTEM = "gitlab_ci"
ROOT_FILE = ".gitlab-ci.yml"
MAX_INCLUDES = 150
MAX_EXTERNAL_READS = 10  # other projects' files read per repository
MAX_DEPTH = 10
RESERVED_KEYS = frozenset({
    "image", "services", "stages", "types", "before_script", "after_script", "variables",
    "cache", "include", "default", "workflow", "spec",
})
SCRIPT_KEYS = ("before_script", "script", "after_script")
ANY_REF = frozenset({PUSH, DEFAULT_BRANCH, TAG})
MAIN_LINE = re.compile(r"^(main|master|trunk|develop|stable|production|prod|release.*)$")

_SOURCE_TRIGGERS = {
    "merge_request_event": frozenset({PULL_REQUEST}),
    "external_pull_request_event": frozenset({PULL_REQUEST}),
    "schedule": frozenset({SCHEDULE}),
    "push": ANY_REF,
    "web": frozenset({MANUAL}),
    "api": frozenset({OTHER}),
    "trigger": frozenset({OTHER}),
    "pipeline": frozenset({OTHER}),
    "parent_pipeline": frozenset({OTHER}),
    "chat": frozenset({MANUAL}),
}
_ONLY_REFS = {
    "branches": frozenset({PUSH, DEFAULT_BRANCH}),
    "tags": frozenset({TAG}),
    "merge_requests": frozenset({PULL_REQUEST}),
    "schedules": frozenset({SCHEDULE}),
    "web": frozenset({MANUAL}),
    "api": frozenset({OTHER}),
    "triggers": frozenset({OTHER}),
    "pipelines": frozenset({OTHER}),
    "external_pull_requests": frozenset({PULL_REQUEST}),
}
_COMPARISON = re.compile(
    r"\$(?P<var>[A-Z_]+)\s*(?P<op>==|!=|=~|!~)\s*(?P<rhs>\$[A-Z_]+|\"[^\"]*\"|'[^']*'|/[^/]*/|null)"
)
_BARE_VARIABLE = re.compile(r"^\s*\$(?P<var>[A-Z_]+)\s*$")


def _atom(var: str, op: str, rhs: str) -> frozenset[str] | None:
    """The triggers one comparison in a rule's `if:` admits; None if it says nothing."""
    value = rhs.strip("\"'/")
    negated = op in ("!=", "!~")
    if var == "CI_PIPELINE_SOURCE":
        admitted = _SOURCE_TRIGGERS.get(value)
        if admitted is None:
            return None
        if negated:
            return frozenset(ANY_REF | {PULL_REQUEST, SCHEDULE} - admitted)
        return admitted
    if negated:
        return None
    if var.startswith("CI_MERGE_REQUEST_"):
        return frozenset({PULL_REQUEST})
    if var == "CI_COMMIT_TAG":
        return None if rhs == "null" else frozenset({TAG})
    if var in ("CI_COMMIT_BRANCH", "CI_COMMIT_REF_NAME", "CI_COMMIT_REF_SLUG"):
        # Branch pipelines: pushes, and schedules (which run on a branch too).
        if rhs == "$CI_DEFAULT_BRANCH" or MAIN_LINE.match(value):
            return frozenset({DEFAULT_BRANCH, SCHEDULE})
        return frozenset({PUSH, DEFAULT_BRANCH, SCHEDULE})
    if var == "CI_COMMIT_REF_PROTECTED" and value == "true":
        return frozenset({DEFAULT_BRANCH, TAG})
    return None


def if_triggers(expression: str, default: frozenset[str]) -> frozenset[str]:
    """Triggers a rule's `if:` admits, read conservatively (unknown -> default)."""
    admitted: set[str] = set()
    for disjunct in expression.split("||"):
        allowed = set(default)
        for part in disjunct.split("&&"):
            bare = _BARE_VARIABLE.match(part.strip("() "))
            if bare:
                atom = _atom(bare["var"], "=~", "/.+/") if bare["var"] != "CI_COMMIT_TAG" \
                    else frozenset({TAG})
            else:
                match = _COMPARISON.search(part)
                atom = _atom(match["var"], match["op"], match["rhs"]) if match else None
            if atom is not None:
                allowed = (allowed & atom) if (allowed & atom) else set(atom)
        admitted |= allowed
    return frozenset(admitted)


def rules_triggers(rules: Any, default: frozenset[str]) -> frozenset[str]:
    """Triggers admitted by a `rules:` list; empty when every rule says `when: never`."""
    admitted: set[str] = set()
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, dict):
            continue
        when = scalar_text(rule.get("when", "on_success"))
        if when == "never":
            continue
        if when == "manual":
            admitted.add(MANUAL)
            continue
        expression = rule.get("if")
        admitted |= if_triggers(expression, default) if isinstance(expression, str) else default
    return frozenset(admitted)


def only_triggers(only: Any) -> frozenset[str]:
    refs = only.get("refs") if isinstance(only, dict) else only
    if isinstance(refs, str):
        refs = [refs]
    if not isinstance(refs, list):
        return ANY_REF
    admitted: set[str] = set()
    for ref in refs:
        name = scalar_text(ref)
        if name in _ONLY_REFS:
            admitted |= _ONLY_REFS[name]
        elif MAIN_LINE.match(name.strip("/^$")):
            admitted.add(DEFAULT_BRANCH)
        else:
            admitted |= {PUSH, DEFAULT_BRANCH}
    return frozenset(admitted)


def deep_merge(base: Any, override: Any) -> Any:
    """GitLab's merge for `include` and `extends`: mappings merge, everything else replaces."""
    if not isinstance(base, dict) or not isinstance(override, dict):
        return override
    merged = LineDict()
    merged.line = getattr(override, "line", 0)
    merged.file = getattr(override, "file", "")
    for source in (base, override):
        for key, value in source.items():
            merged[key] = deep_merge(merged[key], value) if key in merged else value
            if isinstance(source, LineDict):
                merged.value_positions[key] = source.position_of(key)
                merged.key_lines[key] = source.line_of(key)
                merged.value_files[key] = source.file_of(key)
    return merged


class _Config:
    """Loads `.gitlab-ci.yml` and its local includes into one merged mapping."""

    def __init__(self, tree: RepoTree, result: ParseResult) -> None:
        self.tree = tree
        self.result = result
        self.included = 0
        self.templates: list[Reference] = []
        self.components: list[Reference] = []
        # Files included from other projects or URLs: read through the Git host where the
        # scan can, otherwise judged by the catalogue or by name.
        self.remote: list[Reference] = []
        self.external: ExternalFiles | None = getattr(tree, "external", None)
        self.external_urls: list[str] = []

    def load_file(self, path: str) -> LineDict | None:
        read, loaded = read_yaml(self.tree, path, self.result, load_yaml_documents)
        if not read:
            return None
        documents = [d for d in loaded if d is not None]
        if len(documents) == 2 and isinstance(documents[0], dict) and "spec" in documents[0]:
            documents = documents[1:]  # a header with `spec: inputs`, then the configuration
        if len(documents) != 1 or not isinstance(documents[0], LineDict):
            self.result.unreadable.append((path, "not a CI configuration mapping"))
            return None
        if path not in self.result.files:
            self.result.files.append(path)
        stamped: LineDict = stamp_file(documents[0], path)
        return stamped

    def resolve(self, path: str, depth: int = 0) -> LineDict | None:
        data = self.load_file(path)
        if data is None:
            return None
        merged: Any = LineDict()
        for included in self.includes(data, path, depth):
            merged = deep_merge(merged, included)
        own = LineDict()
        own.line, own.file = data.line, data.file
        for key, value in data.items():
            if key != "include":
                own[key] = value
                own.value_positions[key] = data.position_of(key)
                own.key_lines[key] = data.line_of(key)
        result: LineDict = deep_merge(merged, own)
        return result

    def includes(self, data: LineDict, path: str, depth: int) -> Iterable[LineDict]:
        raw = data.get("include")
        if raw is None:
            return
        items = raw if isinstance(raw, list) else [raw]
        for index, raw_item in enumerate(items):
            where = raw.locate(index) if isinstance(raw, LineList) else data.locate("include")
            item = raw_item
            if isinstance(raw_item, str):
                item = {"remote": raw_item} if raw_item.startswith(("http://", "https://")) \
                    else {"local": raw_item}
            if not isinstance(item, dict):
                self.result.notes.append((where, "include entry not understood; skipped"))
                continue
            if "local" in item:
                yield from self.local(scalar_text(item["local"]), where, depth)
            elif "template" in item:
                self.templates.append(Reference(GITLAB_TEMPLATE, scalar_text(item["template"]),
                                                where))
            elif "component" in item:
                component, _, version = scalar_text(item["component"]).partition("@")
                inputs = item.get("inputs")
                reference = Reference(
                    GITLAB_COMPONENT, component, where,
                    tuple((str(k), scalar_text(val)) for k, val in inputs.items())
                    if isinstance(inputs, dict) else (), version)
                read = self.component(component, version or "HEAD")
                if read is not None:
                    reference = replace(reference, resolved=True)
                    yield read
                self.components.append(reference)
            elif "project" in item:
                files = item.get("file")
                names = files if isinstance(files, list) else [files]
                project = scalar_text(item["project"]).strip("/").lower()
                ref = scalar_text(item.get("ref")) or "HEAD"
                for name in names:
                    if not name:
                        continue
                    file = scalar_text(name).lstrip("/")
                    reference = Reference(GITLAB_INCLUDE, f"{project}/{file}", where)
                    read = self.external_file(project, file, ref)
                    if read is not None:
                        reference = replace(reference, resolved=True)
                        yield read
                    self.remote.append(reference)
            elif "remote" in item:
                self.remote.append(Reference(GITLAB_INCLUDE, scalar_text(item["remote"]), where))
            else:
                self.result.notes.append((where, "include entry not understood; skipped"))

    def external_file(self, project: str, path: str, ref: str) -> LineDict | None:
        """A file of another project, read through the Git host where the scan can: its
        jobs and hidden templates join the configuration, cited by URL."""
        if self.external is None or len(self.external_urls) >= MAX_EXTERNAL_READS:
            return None
        found = self.external.read(project, path, ref)
        self.external_urls.append(found.url if found else "")
        if found is None:
            return None
        try:
            documents = [d for d in load_yaml_documents(found.text) if d is not None]
        except YamlError:
            return None
        if len(documents) == 2 and isinstance(documents[0], dict) and "spec" in documents[0]:
            documents = documents[1:]
        if len(documents) != 1 or not isinstance(documents[0], LineDict):
            return None
        stamped: LineDict = stamp_file(documents[0], found.url)
        return stamped

    def component(self, component: str, version: str) -> LineDict | None:
        """`host/group/project/name@version`: `templates/name.yml` or
        `templates/name/template.yml` of that project, at that version."""
        parts = component.split("/")
        if len(parts) < 4:
            return None
        project, name = "/".join(parts[1:-1]), parts[-1]
        for path in (f"templates/{name}.yml", f"templates/{name}/template.yml"):
            read = self.external_file(project, path, version)
            if read is not None:
                return read
        return None

    def local(self, pattern: str, where: str, depth: int) -> Iterable[LineDict]:
        pattern = posixpath.normpath(pattern.lstrip("/"))
        if pattern.startswith(".."):
            self.result.notes.append((where, f"include {pattern} leaves the repository; skipped"))
            return
        paths = matching(self.tree, pattern) if "*" in pattern else \
            ([pattern] if self.tree.has(pattern) else [])
        if not paths:
            self.result.notes.append((where, f"local include {pattern} not found"))
        for path in paths:
            self.included += 1
            if self.included > MAX_INCLUDES or depth >= MAX_DEPTH:
                self.result.notes.append((where, "too many or too deeply nested includes; "
                                          "the rest were not read"))
                return
            resolved = self.resolve(path, depth + 1)
            if resolved is not None:
                yield resolved


class _Jobs:
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


def _variables(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        return {}
    found: dict[str, str] = {}
    for key, value in raw.items():
        found[str(key)] = scalar_text(value.get("value") if isinstance(value, dict) else value)
    return found


def parse(tree: RepoTree) -> ParseResult:
    result = ParseResult(SYSTEM)
    if not tree.has(ROOT_FILE):
        return result
    loader = _Config(tree, result)
    config = loader.resolve(ROOT_FILE)
    if config is None:
        return result
    builder = _Jobs(config, result)
    first = len(result.jobs)
    result.jobs.extend(builder.jobs())
    for url in filter(None, loader.external_urls):
        result.jobs[first:] = [anchored(job, url) if job.file == url else job
                               for job in result.jobs[first:]]
    result.jobs.extend(builder.synthetic(loader.templates, "template"))
    result.jobs.extend(builder.synthetic(loader.components, "component"))
    result.jobs.extend(builder.synthetic(loader.remote, "include"))
    for child, where, triggers in builder.child_pipelines():
        child_path = posixpath.normpath(child.lstrip("/"))
        if not tree.has(child_path):
            result.notes.append((where, f"child pipeline {child_path} not found"))
            continue
        child_loader = _Config(tree, result)
        child_config = child_loader.resolve(child_path, depth=1)
        if child_config is not None:
            child_builder = _Jobs(child_config, result)
            result.jobs.extend(child_builder.jobs(inherited=triggers))
            result.jobs.extend(child_builder.synthetic(child_loader.templates, "template"))
            result.jobs.extend(child_builder.synthetic(child_loader.components, "component"))
            result.jobs.extend(child_builder.synthetic(child_loader.remote, "include"))
    return result


def _test_reports(body: LineDict) -> list[Reference]:
    """`artifacts: reports: junit:`: the job publishes test results, whatever ran them."""
    artifacts = body.get("artifacts")
    reports = artifacts.get("reports") if isinstance(artifacts, LineDict) else None
    if not isinstance(reports, LineDict) or "junit" not in reports:
        return []
    return [Reference(TEST_REPORT, "junit", reports.locate("junit"))]
