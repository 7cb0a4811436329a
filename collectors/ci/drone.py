"""Drone (`.drone*.yml`) and Woodpecker (`.woodpecker.yml`, `.woodpecker/*.yml`) -> jobs.

Both run pipelines of container steps.  Each step is a job: its `image` is an
image reference whose inputs are the plugin's `settings` (`plugins/docker`
with `repo:` builds and pushes an image), its `commands` are command
references, and Woodpecker's `directory` is the folder they run in.  Steps
run in order unless `depends_on` says otherwise; a pipeline's `services` are
image references of each of its steps.  Drone files hold several YAML
documents (`kind: pipeline`; secrets, signatures and templates are skipped);
the older form (`pipeline:` as a mapping of steps, plugin settings written on
the step itself) is read too.

Triggers: a pipeline's `trigger:` (Drone) or `when:` (Woodpecker), and a
step's `when:`, filter by `event`, `branch`, `ref`, `cron` and deploy
`target` / `environment`, with `include` / `exclude` forms; Woodpecker's
`when:` may be a list of alternatives.  push -> branch pushes (the main line
or others, as the branch filter says), pull_request -> pull requests, tag ->
tags, release -> releases, cron -> schedule, and promote / rollback /
deployment / custom / manual -> a person (a promotion is started by hand).
The branch filter does not apply to tags, which carry no branch, so a
branch-filtered step does not run on tags.  Without filters a pipeline runs on
pushes, pull requests, tags and promotions; cron jobs are set up on the
server, so a schedule counts only where a filter names `cron`.  A promotion
`target` (or `environment`) is the deploy step's environment; otherwise a step
name that says it deploys names one ("deploy-production").
"""

from __future__ import annotations

from typing import Any

from scanner.collectors.ci.model import (
    DEFAULT_BRANCH,
    IMAGE,
    MANUAL,
    OTHER,
    PULL_REQUEST,
    PUSH,
    RELEASE,
    SCHEDULE,
    TAG,
    Job,
    ParseResult,
    Reference,
    read_yaml,
    scalar_text,
)
from scanner.collectors.ci.shapes import (
    EMPTY,
    Budget,
    branch_reach,
    commands,
    cut,
    environment_named,
    files_matching,
    scalar,
    texts,
    working_directory,
)
from scanner.collectors.tree import RepoTree
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import LineDict, LineList, load_yaml_documents, stamp_file

# `.drone.yml`, or another name the repository's Drone settings point at (`.drone-1.0.yml`).
DRONE_FILES = lazy_compile(r"^\.drone[^/]*\.ya?ml$")
WOODPECKER_FILES = lazy_compile(r"^\.woodpecker(\.ya?ml|/[^/]+\.ya?ml)$")
MAX_DOCUMENTS = 50
MAX_FILES = 50
MAX_STEPS = 300
EVENTS = {
    "push": frozenset({PUSH, DEFAULT_BRANCH}), "pull_request": frozenset({PULL_REQUEST}),
    "tag": frozenset({TAG}), "release": frozenset({RELEASE}), "cron": frozenset({SCHEDULE}),
    "promote": frozenset({MANUAL}), "rollback": frozenset({MANUAL}),
    "deployment": frozenset({MANUAL}), "custom": frozenset({MANUAL}),
    "manual": frozenset({MANUAL}), "pull_request_closed": frozenset({OTHER}),
    "pull_request_metadata": frozenset({OTHER}),
}
# Events an unfiltered pipeline runs on: changes, and a person's promotion or start; cron
# jobs are set up on the server, so a schedule counts only where a filter names it.
USUAL_EVENTS = ("push", "pull_request", "tag", "promote", "rollback", "deployment", "custom",
                "manual")
EVERY_EVENT = frozenset().union(*EVENTS.values())
# Step keys of the older form that are not plugin settings.
STEP_KEYS = frozenset({"name", "image", "commands", "command", "entrypoint", "when",
                       "secrets", "environment", "depends_on", "detach", "failure", "group",
                       "volumes", "privileged", "pull", "settings", "directory", "shell",
                       "resources", "network_mode", "ports", "backend_options", "user"})
WORKSPACES = ("/drone/src", "/woodpecker/src")
DEFAULT_BRANCH_VARIABLES = frozenset({"CI_REPO_DEFAULT_BRANCH", "DRONE_REPO_BRANCH"})


def _filter(value: Any) -> tuple[list[str], list[str]]:
    """(include, exclude) of a condition written as a list or as `include:` / `exclude:`."""
    if isinstance(value, dict):
        return texts(value.get("include")), texts(value.get("exclude"))
    return texts(value), []


def condition(when: Any, usual: tuple[str, ...]) -> tuple[frozenset[str], str | None]:
    """(triggers, deploy environment) a `trigger:` / `when:` admits; `usual` are the events
    that count when none is named."""
    if isinstance(when, list):  # Woodpecker: any of these alternatives
        read = [condition(item, usual) for item in when if isinstance(item, dict)]
        if not read:
            return condition(None, usual)
        return (frozenset().union(*(t for t, _ in read)),
                next((env for _, env in read if env), None))
    if not isinstance(when, dict):
        return frozenset().union(*(EVENTS[e] for e in usual)), None
    included, excluded = _filter(when.get("event"))
    targets = _filter(when.get("target"))[0] or _filter(when.get("environment"))[0]
    if not included:
        included = ["cron"] if "cron" in when else ["promote", "deployment"] if targets \
            else list(usual)
    triggers = set().union(*(EVENTS.get(e, frozenset({OTHER})) for e in included
                             if e not in excluded))
    branches = tuple([_branch(b) for b in side] for side in _filter(when.get("branch")))
    if branches[0] or branches[1]:
        reach = branch_reach(*branches)
        pushed = bool(triggers & {PUSH, DEFAULT_BRANCH})
        triggers -= {PUSH, DEFAULT_BRANCH, TAG}
        if pushed:
            triggers |= ({DEFAULT_BRANCH} if reach.main else set()) | \
                ({PUSH} if reach.other else set())
        if not (reach.main or reach.other):
            triggers.discard(PULL_REQUEST)
    refs = _filter(when.get("ref"))
    if refs[0] or refs[1]:
        triggers &= _ref_triggers(*refs)
    return frozenset(triggers), targets[0] if targets else None


def _branch(pattern: str) -> str:
    """A branch pattern, with the default branch's variable read as the main line and any
    other variable as "any branch"."""
    if pattern.strip("${}") in DEFAULT_BRANCH_VARIABLES:
        return "main"
    return "*" if "$" in pattern else pattern


def _ref_triggers(include: list[str], exclude: list[str]) -> set[str]:
    allowed = set(EVERY_EVENT) if not include else {SCHEDULE, MANUAL, OTHER, RELEASE}
    heads = [r.removeprefix("refs/heads/") for r in include if r.startswith("refs/heads/")]
    if heads:
        reach = branch_reach(heads)
        allowed |= ({DEFAULT_BRANCH} if reach.main else set()) | ({PUSH} if reach.other else set())
    if any(r.startswith("refs/tags/") for r in include):
        allowed.add(TAG)
    if any(r.startswith(("refs/pull/", "refs/merge-requests/", "refs/pull-requests/"))
           for r in include):
        allowed.add(PULL_REQUEST)
    if any(r.startswith("refs/tags/") and r.endswith("*") for r in exclude):
        allowed.discard(TAG)
    excluded_heads = [r.removeprefix("refs/heads/") for r in exclude
                      if r.startswith("refs/heads/")]
    if excluded_heads and not branch_reach([], excluded_heads).main:
        allowed.discard(DEFAULT_BRANCH)
    return allowed


class _Reader:
    def __init__(self, system: str, path: str, result: ParseResult) -> None:
        self.system = system
        self.path = path
        self.result = result
        self.budget = Budget(path, result)
        self.count = 0

    def pipeline(self, document: LineDict, default_name: str) -> list[Job]:
        name = scalar(document.get("name")) or default_name
        trigger = document.get("trigger", document.get("when"))
        triggers, target = condition(trigger, USUAL_EVENTS)
        services = self.services(document.get("services"))
        raw = document.get("steps", document.get("pipeline"))
        if isinstance(raw, LineDict):  # a mapping of step name -> step
            steps = [(str(key), step, raw.locate(key)) for key, step in raw.items()]
        elif isinstance(raw, LineList):
            steps = [("", step, raw.locate(index)) for index, step in enumerate(raw)]
        else:
            self.result.notes.append((f"{self.path}:{document.line}",
                                      f"pipeline '{name}' has no steps"))
            return []
        jobs: list[Job] = []
        previous: tuple[str, ...] = ()
        for key, step, where in steps:
            if self.budget.spent:
                break
            if self.count >= MAX_STEPS:
                self.result.unreadable.append((where, f"more than {MAX_STEPS} steps; the "
                                               "rest were not read"))
                break
            self.count += 1
            if not isinstance(step, LineDict):
                self.result.notes.append((where, "step is not a mapping; skipped"))
                continue
            job = self.step(step, key, where, name, (triggers, target, services, previous))
            jobs.append(job)
            previous = (job.name,)
        return jobs

    def step(self, step: LineDict, key: str, where: str, pipeline: str,
             context: tuple[frozenset[str], str | None, list[Reference], tuple[str, ...]]
             ) -> Job:
        triggers, target, services, previous = context
        name = scalar(step.get("name")) or key or f"step {self.count}"
        own, own_target = condition(step.get("when"), tuple(EVENTS))
        directory = working_directory(scalar(step.get("directory")), *WORKSPACES)
        references: list[Reference] = []
        image = scalar(step.get("image"))
        if image:
            settings = step.get("settings")
            if not isinstance(settings, dict):  # the older form: settings on the step
                settings = {k: v for k, v in step.items() if k not in STEP_KEYS}
            inputs = tuple((str(k), " ".join(texts(v)) if isinstance(v, list) else scalar_text(v))
                           for k, v in settings.items() if not isinstance(v, dict))
            references.append(Reference(IMAGE, image, step.locate("image"), inputs, label=name))
        for command_key in ("commands", "command"):
            references += commands(step, command_key, label=name, directory=directory)
        references += services
        environment = own_target or target or environment_named(name, context=(pipeline,))
        return Job(self.system, self.path, name, where, triggers & own,
                   self.budget.take(references),
                   environment, pipeline, _variables(step),
                   tuple(texts(step.get("depends_on"))) or previous)

    @staticmethod
    def services(value: Any) -> list[Reference]:
        """Service containers, written as a list or as a mapping of name -> service."""
        items = value.values() if isinstance(value, LineDict) else \
            value if isinstance(value, LineList) else []
        return [Reference(IMAGE, scalar(service["image"]), service.locate("image"))
                for service in items
                if isinstance(service, LineDict) and scalar(service.get("image"))]


def _variables(step: LineDict) -> tuple[tuple[str, str], ...]:
    environment = step.get("environment")
    if isinstance(environment, dict):
        return tuple((str(k), scalar_text(v)) for k, v in environment.items()
                     if not isinstance(v, dict | list))
    pairs = [item.partition("=") for item in texts(environment)]
    return tuple((k, v) for k, sep, v in pairs if sep)


def _documents(tree: RepoTree, path: str, result: ParseResult) -> list[Any] | None:
    read, documents = read_yaml(tree, path, result, loader=load_yaml_documents)
    if not read:
        return None
    return [stamp_file(document, path)
            for document in cut(documents, MAX_DOCUMENTS, path, "YAML documents", result)]


def _read(tree: RepoTree, system: str, path: str, result: ParseResult) -> None:
    documents = _documents(tree, path, result)
    if documents is None:
        return
    reader = _Reader(system, path, result)
    default = path.rsplit("/", 1)[-1].split(".", maxsplit=1)[0] or "default"
    pipelines = 0
    for document in documents:
        if document is None:
            continue
        kind = scalar_text(document.get("kind")) if isinstance(document, dict) else ""
        if not isinstance(document, LineDict) or kind not in ("", "pipeline") or not (
                "steps" in document or "pipeline" in document):
            if kind not in ("secret", "signature", "template"):
                result.notes.append((path, f"YAML document of kind '{kind or '?'}' skipped"))
            continue
        pipelines += 1
        try:
            result.jobs += reader.pipeline(document, default if pipelines == 1 else
                                           f"{default} {pipelines}")
        except RecursionError:
            result.unreadable.append((path, "nesting too deep"))
    if pipelines:
        result.files.append(path)
    elif all(document is None for document in documents):
        result.notes.append((path, EMPTY))
    else:
        result.unreadable.append((path, f"no {system} pipeline with steps in this file"))


def parse(tree: RepoTree) -> ParseResult:
    """Drone's `.drone.yml` (and root `.drone*.yml` files named in Drone's settings)."""
    result = ParseResult("drone")
    for path in files_matching(tree, DRONE_FILES, MAX_FILES, "Drone files", result):
        _read(tree, "drone", path, result)
    return result


def parse_woodpecker(tree: RepoTree) -> ParseResult:
    """Woodpecker's `.woodpecker.yml` or the workflows in `.woodpecker/`."""
    result = ParseResult("woodpecker")
    for path in files_matching(tree, WOODPECKER_FILES, MAX_FILES, "Woodpecker workflows",
                               result):
        _read(tree, "woodpecker", path, result)
    return result

