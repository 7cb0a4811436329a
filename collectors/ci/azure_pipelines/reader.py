"""An Azure pipeline's file read into jobs: the three pipeline shapes (stages -> jobs ->
steps, jobs only, steps only), regular and deployment jobs (with their strategy hooks),
`template:` includes of stage, job, step and variable templates and `extends:`
templates inside the repository (one from another repository, `file.yml@alias`, is
recorded as external), and `${{ if }}` / `${{ each }}` blocks spliced in."""

from __future__ import annotations

import posixpath
from typing import Any

from scanner.collectors.ci.azure_pipelines.jobs import PipelineJob
from scanner.collectors.ci.azure_pipelines.steps import step_references, waits_for_a_person
from scanner.collectors.ci.azure_pipelines.triggers import (
    MISSING,
    condition_triggers,
    pipeline_triggers,
    texts,
)
from scanner.collectors.ci.model import IMAGE, ParseResult, Reference, scalar_text
from scanner.collectors.ci.yaml_files import YamlFiles
from scanner.collectors.tree import RepoTree
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import LineDict, LineList, stamp_file

MAX_DEPTH = 8
MAX_TEMPLATES = 1000  # template inclusions followed per pipeline file
MAX_ALL_TEMPLATES = 10000  # and per repository (each file is read once; the walk is bounded)
_EXPRESSION_KEY = lazy_compile(r"^\$\{\{\s*(?P<kind>if|elseif|else|each)\b(?P<rest>.*?)\}\}\s*$")


class PipelineReader:
    """Reads the pipeline files of one repository, each file (templates included) once."""

    def __init__(self, tree: RepoTree, result: ParseResult) -> None:
        self.tree = tree
        self.result = result
        self.files = YamlFiles(tree, result, stamp_file)
        self.used_as_template: set[str] = set()
        self.repositories: dict[str, str] = {}
        self.containers: dict[str, str] = {}  # container resource alias -> image
        self.templates = 0  # inclusions followed for the current pipeline
        self.all_templates = 0

    def template(self, reference: Any, including: str, where: str) -> Any:
        """The content of a template inside the repository (None when not followed)."""
        text = scalar_text(reference).strip()
        path, _, alias = text.partition("@")
        if alias and alias != "self":
            repository = self.repositories.get(alias)
            self.result.external.append((where, f"template {path} from repository resource "
                                         f"'{alias}'" + (f" ({repository})" if repository
                                                         else "")))
            return None
        if "$(" in path or "${{" in path or not path:
            self.result.notes.append((where, f"template path {path!r} is computed; not read"))
            return None
        resolved = posixpath.normpath(path.lstrip("/") if path.startswith("/") else
                                      posixpath.join(posixpath.dirname(including), path))
        if resolved.startswith(".."):
            self.result.notes.append((where, f"template {path} leaves the repository; skipped"))
            return None
        if not self.tree.has(resolved):
            self.result.notes.append((where, f"template {resolved} not found"))
            return None
        self.templates += 1
        self.all_templates += 1
        if self.templates > MAX_TEMPLATES or self.all_templates > MAX_ALL_TEMPLATES:
            self.result.notes.append((where, "too many templates; the rest were not read"))
            return None
        self.used_as_template.add(resolved)
        return self.files.load(resolved)

    # A pipeline.

    def pipeline(self, path: str, data: Any) -> list[PipelineJob] | None:
        """Jobs of one pipeline file; None when the file is not a pipeline."""
        if not isinstance(data, LineDict):
            return None
        resources = data.get("resources")
        repositories = resources.get("repositories") if isinstance(resources, dict) else None
        for item in repositories if isinstance(repositories, list) else []:
            if isinstance(item, dict) and item.get("repository"):
                self.repositories[scalar_text(item["repository"])] = scalar_text(item.get("name"))
        containers = resources.get("containers") if isinstance(resources, dict) else None
        for item in containers if isinstance(containers, list) else []:
            if isinstance(item, dict) and item.get("container") and item.get("image"):
                self.containers[scalar_text(item["container"])] = scalar_text(item["image"])
        self.templates = 0
        triggers = pipeline_triggers(data)
        variables = self.variables(data.get("variables"), path, 0)
        return self.body(path, data, triggers, variables, 0)

    def body(self, path: str, data: LineDict, triggers: frozenset[str],
             variables: dict[str, str], depth: int) -> list[PipelineJob] | None:
        if isinstance(data.get("stages"), LineList):
            return self.stages(data["stages"], path, triggers, variables, depth)
        if isinstance(data.get("jobs"), LineList):
            return self.jobs(data["jobs"], path, None, (), triggers=triggers,
                             variables=variables, depth=depth)
        if isinstance(data.get("steps"), LineList):
            job = PipelineJob("Job", path, data.locate("steps"), triggers, None,
                       variables=dict(variables))
            self.steps(data["steps"], path, job, depth)
            return [job]
        extends = data.get("extends")
        if isinstance(extends, dict) and "template" in extends:
            where = data.locate("extends")
            content = self.template(extends["template"], path, where) \
                if depth < MAX_DEPTH else None
            if isinstance(content, LineDict):
                variables = {**variables, **self.variables(content.get("variables"), path,
                                                           depth + 1)}
                return self.body(content.file or path, content, triggers, variables,
                                 depth + 1) or []
            # A template from another repository wraps what the pipeline hands it: the
            # stages, jobs or steps among its parameters are this repository's own work.
            handed = extends.get("parameters")
            if isinstance(handed, LineDict) and depth < MAX_DEPTH:
                return self.body(path, handed, triggers, variables, depth + 1) or []
            return []
        return None

    def stages(self, stages: LineList, path: str, triggers: frozenset[str],
               variables: dict[str, str], depth: int) -> list[PipelineJob]:
        jobs: list[PipelineJob] = []
        previous: tuple[str, ...] = ()
        for where, item, narrowed in self.items(stages, triggers):
            if "template" in item and "stage" not in item:
                content = self.template(item["template"], path, where) \
                    if depth < MAX_DEPTH else None
                inner = content.get("stages") if isinstance(content, LineDict) else None
                if isinstance(inner, LineList):
                    jobs += self.stages(inner, inner.file or path, narrowed, variables,
                                        depth + 1)
                continue
            name = scalar_text(item.get("stage")) or f"stage at {where}"
            stage_triggers = self.narrow(item, narrowed)
            depends = item.get("dependsOn", MISSING)
            stage_needs = previous if depends is MISSING else tuple(texts(depends))
            stage_variables = {**variables, **self.variables(item.get("variables"), path,
                                                             depth)}
            inner_jobs = item.get("jobs")
            if isinstance(inner_jobs, LineList):
                jobs += self.jobs(inner_jobs, path, name, stage_needs, triggers=stage_triggers,
                                  variables=stage_variables, depth=depth)
            previous = (name,)
        return jobs

    def jobs(self, jobs: LineList, path: str, stage: str | None, stage_needs: tuple[str, ...],
             *, triggers: frozenset[str], variables: dict[str, str],
             depth: int) -> list[PipelineJob]:
        found: list[PipelineJob] = []
        for where, item, narrowed in self.items(jobs, triggers):
            if "template" in item and "job" not in item and "deployment" not in item:
                content = self.template(item["template"], path, where) \
                    if depth < MAX_DEPTH else None
                inner = content.get("jobs") if isinstance(content, LineDict) else None
                if isinstance(inner, LineList):
                    found += self.jobs(inner, inner.file or path, stage, stage_needs,
                                       triggers=narrowed, variables=variables, depth=depth + 1)
                continue
            deployment = "deployment" in item
            name = scalar_text(item.get("deployment" if deployment else "job")) or \
                f"job at {where}"
            job = PipelineJob(name, path, where, self.narrow(item, narrowed), stage,
                       variables={**variables, **self.variables(item.get("variables"), path,
                                                                depth)},
                       needs=tuple(texts(item.get("dependsOn"))), stage_needs=stage_needs)
            environment = item.get("environment")
            if isinstance(environment, dict):
                environment = environment.get("name")
            name_text = scalar_text(environment)
            if deployment and name_text:  # `environment.resource` names a resource in it
                job.environment = name_text if "$" in name_text else name_text.split(".")[0]
            job.references += self.images(item)
            if deployment:
                for steps in _strategy_steps(item.get("strategy")):
                    self.steps(steps, path, job, depth)
            elif isinstance(item.get("steps"), LineList):
                self.steps(item["steps"], path, job, depth)
            found.append(job)
        return found

    def steps(self, steps: LineList, path: str, job: PipelineJob, depth: int) -> None:
        for where, step, _ in self.items(steps, job.triggers):
            if "template" in step:
                content = self.template(step["template"], path, where) \
                    if depth < MAX_DEPTH else None
                inner = content.get("steps") if isinstance(content, LineDict) else None
                if isinstance(inner, LineList):
                    self.steps(inner, inner.file or path, job, depth + 1)
                continue
            job.references += step_references(step)
            if waits_for_a_person(step):
                job.manual = True

    def items(self, items: LineList,
              triggers: frozenset[str]) -> list[tuple[str, LineDict, frozenset[str]]]:
        """Mapping items of a list with their locators, `${{ if }}` / `${{ each }}` spliced in."""
        found: list[tuple[str, LineDict, frozenset[str]]] = []
        for index, item in enumerate(items):
            if not isinstance(item, LineDict):
                continue
            keys = [k for k in item if isinstance(k, str) and k.strip().startswith("${{")]
            if len(item) == 1 and keys:
                match = _EXPRESSION_KEY.match(keys[0])
                inner = item[keys[0]]
                narrowed: frozenset[str] | None = None
                if match and match.group("kind") == "if":
                    narrowed = condition_triggers(match.group("rest"), triggers)
                if isinstance(inner, LineList):
                    found += self.items(inner, triggers if narrowed is None else narrowed)
                continue
            found.append((items.locate(index), item, triggers))
        return found

    def narrow(self, item: LineDict, triggers: frozenset[str]) -> frozenset[str]:
        condition = item.get("condition")
        if isinstance(condition, str):
            narrowed = condition_triggers(condition, triggers)
            if narrowed is not None:
                return narrowed
        return triggers

    def images(self, item: LineDict) -> list[Reference]:
        found: list[Reference] = []
        container = item.get("container")
        image = container.get("image") if isinstance(container, dict) else container
        if isinstance(image, str) and image:
            found.append(Reference(IMAGE, self.containers.get(image, image),
                                   item.locate("container")))
        services = item.get("services")
        if isinstance(services, LineDict):
            for alias, service in services.items():
                if isinstance(service, str) and service:
                    found.append(Reference(IMAGE, self.containers.get(service, service),
                                           services.locate(alias)))
        return found

    def variables(self, raw: Any, path: str, depth: int) -> dict[str, str]:
        found: dict[str, str] = {}
        if isinstance(raw, dict):
            return {str(k): scalar_text(v) for k, v in raw.items()
                    if not isinstance(v, dict | list)}
        if not isinstance(raw, LineList):
            return found
        for index, item in enumerate(raw):
            if not isinstance(item, dict):
                continue
            if "name" in item:
                found[scalar_text(item["name"])] = scalar_text(item.get("value"))
            elif "template" in item and depth < MAX_DEPTH:
                content = self.template(item["template"], path, raw.locate(index))
                if isinstance(content, LineDict):
                    found.update(self.variables(content.get("variables"),
                                                content.file or path, depth + 1))
        return found


def _strategy_steps(strategy: Any) -> list[LineList]:
    """The step lists of a deployment strategy's lifecycle hooks."""
    found: list[LineList] = []
    for kind in ("runOnce", "rolling", "canary"):
        hooks = strategy.get(kind) if isinstance(strategy, dict) else None
        if not isinstance(hooks, dict):
            continue
        for hook in ("preDeploy", "deploy", "routeTraffic", "postRouteTraffic"):
            body = hooks.get(hook)
            if isinstance(body, dict) and isinstance(body.get("steps"), LineList):
                found.append(body["steps"])
        on = hooks.get("on")
        for outcome in ("failure", "success"):
            body = on.get(outcome) if isinstance(on, dict) else None
            if isinstance(body, dict) and isinstance(body.get("steps"), LineList):
                found.append(body["steps"])
    return found
