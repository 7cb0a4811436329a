"""Buildkite (`.buildkite/pipeline*.yml`, `.buildkite/pipelines/*.yml`, `buildkite.yml`) -> jobs.

Each command step (also inside a `group`) is a job: its `command` /
`commands` lines, and its `plugins` as action references
`buildkite-plugin/<org>/<name>` at the `#version` they pin (`docker-compose`
is `buildkite-plugins/docker-compose`), with the plugin's settings as inputs;
a plugin's `image:` is an image reference and its `command:` a command.  A
`trigger` step starts another pipeline, whose configuration may live
elsewhere (`buildkite/trigger`, noted).  `block` and `input` steps wait for a
person: a block holds every step after it, an input only the steps that
depend on it.  `wait` makes later steps need the earlier ones.  A step that
uploads a pipeline file from the repository (`buildkite-agent pipeline upload
.buildkite/deploy.yml`) makes that file's steps run with its own triggers; a
pipeline generated at run time (`gen.sh | buildkite-agent pipeline upload`) is
not in the repository and is recorded as such.  A deploy step's environment
comes from its label, key, group or concurrency group ("Deploy to
production").

Triggers: which events build the pipeline (pushes, pull requests, tags) is
set in Buildkite's pipeline settings, outside the repository; by default
Buildkite builds branch pushes and pull requests, so an unfiltered step counts
as running on those.  A step's `branches:` (globs, `!` to exclude) and `if:`
(`build.branch == pipeline.default_branch`, `build.tag != null`,
`build.source == "schedule"`, ...) narrow that, as do a group's.
"""

from __future__ import annotations

import re
from typing import Any

from scanner.collectors.ci import conditions
from scanner.collectors.ci.conditions import Admits
from scanner.collectors.ci.model import (
    ACTION,
    COMMAND,
    DEFAULT_BRANCH,
    IMAGE,
    MANUAL,
    NAMED_STEP,
    OTHER,
    PULL_REQUEST,
    PUSH,
    SCHEDULE,
    TAG,
    Job,
    ParseResult,
    Reference,
    names,
    read_yaml,
    scalar_text,
)
from scanner.collectors.ci.shapes import (
    EMPTY,
    Budget,
    branch_admits,
    branch_reach,
    commands,
    cut,
    environment_named,
    files_matching,
    texts,
)
from scanner.collectors.tree import RepoTree
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import LineDict, LineList, load_yaml_documents, stamp_file

SYSTEM = "buildkite"
CONFIG = lazy_compile(r"^(\.buildkite/(pipeline[^/]*|pipelines/[^/]+)|buildkite/pipeline|"
                      r"buildkite)\.(ya?ml|json)$")
ENTRY_FILES = (".buildkite/pipeline.yml", ".buildkite/pipeline.yaml", "buildkite.yml",
               "buildkite.yaml", ".buildkite/pipeline.json", "buildkite.json")
PLUGIN_PREFIX = "buildkite-plugin/"
DEFAULT_PLUGIN_ORG = "buildkite-plugins"
MAX_FILES = 50
MAX_STEPS = 500
MAX_DOCUMENTS = 20
USUAL = frozenset({PUSH, DEFAULT_BRANCH, PULL_REQUEST})
EVERYTHING = USUAL | {TAG, SCHEDULE, MANUAL, OTHER}
SETTINGS_NOTE = ("Buildkite builds this pipeline for the events its pipeline settings allow "
                 "(outside the repository); unfiltered steps count as running on branch pushes "
                 "and pull requests, Buildkite's default")
_SOURCES = {"webhook": frozenset({PUSH, DEFAULT_BRANCH, PULL_REQUEST, TAG}),
            "schedule": frozenset({SCHEDULE}), "ui": frozenset({MANUAL}),
            "api": frozenset({OTHER}), "trigger_job": frozenset({OTHER})}
_COMPARISON = lazy_compile(r"^(?P<lhs>[\w.]+)\s*(?P<op>==|!=|=~|!~)\s*(?P<rhs>\S.*)$")
_EMOJI = lazy_compile(r":[a-z0-9_+-]+:")
_UPLOAD = lazy_compile(r"\bbuildkite-agent\s+pipeline\s+upload\b(?P<rest>.*)$")


def buildkite_atom(term: str) -> Admits | None:
    """What one comparison of a Buildkite `if:` says about the triggers."""
    match = _COMPARISON.match(term.strip())
    if not match:
        return None
    lhs, op, rhs = match["lhs"], match["op"], match["rhs"].strip()
    if rhs.startswith("build.") and not lhs.startswith("build."):
        lhs, rhs = rhs, lhs
    value = conditions.unquote(rhs)
    negated = op in ("!=", "!~")
    admits: Admits
    if lhs == "build.branch":  # a pull request's head branch
        admits = branch_admits(["main" if rhs == "pipeline.default_branch" else value],
                               op in ("=~", "!~"), always=frozenset({SCHEDULE, MANUAL, OTHER}),
                               main=frozenset({DEFAULT_BRANCH}),
                               other=frozenset({PUSH, PULL_REQUEST}))
    elif lhs in ("build.tag", "build.pull_request.id") and value == "null":
        kind = frozenset({TAG if lhs == "build.tag" else PULL_REQUEST})
        present = Admits(kind, kind, kind)
        return present if negated else present.negated(EVERYTHING)
    elif lhs == "build.tag":
        admits = Admits(frozenset({TAG}), named=frozenset({TAG}))
    elif lhs == "build.pull_request.base_branch":
        admits = Admits(frozenset({PULL_REQUEST}))
    elif lhs == "build.source" and value in _SOURCES:
        admits = Admits(_SOURCES[value], _SOURCES[value], _SOURCES[value])
    else:
        return None
    return admits.negated(EVERYTHING) if negated else admits


def step_triggers(step: Any, base: frozenset[str]) -> frozenset[str]:
    """`base` narrowed by a step's (or group's) `branches:` and `if:`."""
    if not isinstance(step, dict):
        return base
    triggers = base
    patterns = [word for text in texts(step.get("branches")) for word in text.split()]
    if patterns:
        reach = branch_reach([p for p in patterns if not p.startswith("!")],
                             [p[1:] for p in patterns if p.startswith("!")])
        allowed = ({DEFAULT_BRANCH} if reach.main else set()) | \
            ({PUSH, PULL_REQUEST} if reach.other else set()) | ({TAG} if reach.tags else set())
        triggers = triggers & (allowed | {SCHEDULE, MANUAL, OTHER})
    condition = step.get("if")
    if isinstance(condition, str) and condition.strip():
        triggers = conditions.admitted(condition, buildkite_atom, EVERYTHING, triggers)
    return frozenset(triggers)


def plugin_reference(spec: str, config: Any, where: str) -> list[Reference]:
    """A plugin (`docker-compose#v5.2.0`, `org/name#ref`, a Git URL) and what its settings
    run."""
    source, _, version = spec.strip().partition("#")
    parts = [p for p in re.split(r"[/:]", source.removesuffix(".git")) if p]
    name = parts[-1].removesuffix("-buildkite-plugin") if parts else source
    org = parts[-2] if len(parts) > 1 else DEFAULT_PLUGIN_ORG
    settings = config if isinstance(config, dict) else {}
    inputs = tuple((str(k), " ".join(texts(v)) if isinstance(v, list) else scalar_text(v))
                   for k, v in settings.items() if not isinstance(v, dict))
    found = [Reference(ACTION, f"{PLUGIN_PREFIX}{org}/{name}".lower(), where, inputs, version)]
    image = settings.get("image")
    if isinstance(image, str) and image:
        found.append(Reference(IMAGE, image, where))
    command = " ".join(texts(settings.get("command")))
    if command:
        found.append(Reference(COMMAND, command, where))
    return found


def _plugins(step: LineDict) -> list[Reference]:
    plugins = step.get("plugins")
    found: list[Reference] = []
    if isinstance(plugins, LineDict):  # the older mapping form
        for spec, config in plugins.items():
            found += plugin_reference(str(spec), config, plugins.locate(spec))
    if not isinstance(plugins, LineList):
        return found
    for index, item in enumerate(plugins):
        if isinstance(item, str):
            found += plugin_reference(item, None, plugins.locate(index))
        elif isinstance(item, dict):
            for spec, config in item.items():
                found += plugin_reference(str(spec), config, plugins.locate(index))
    return found


def _name(step: Any, fallback: str) -> str:
    if not isinstance(step, dict):
        return fallback
    for key in ("label", "name", "block", "input", "group", "key", "id"):
        text = scalar_text(step.get(key)) if isinstance(step.get(key), str) else ""
        text = " ".join(_EMOJI.sub(" ", text).split()) or text.strip()
        if text:
            return text
    return fallback


class _Pipeline:
    """One pipeline file's steps, in order."""

    def __init__(self, path: str, result: ParseResult, base: frozenset[str],
                 variables: tuple[tuple[str, str], ...]) -> None:
        self.path = path
        self.result = result
        self.base = base
        self.variables = variables
        self.budget = Budget(path, result)
        self.jobs: list[Job] = []
        self.by_key: dict[str, Job] = {}
        self.since_wait: list[str] = []
        self.waited: tuple[str, ...] = ()
        self.gate: frozenset[str] = frozenset()
        self.uploads: list[tuple[str, str, frozenset[str]]] = []  # (command, where, triggers)
        self.count = 0

    def steps(self, items: LineList, group: LineDict | None = None) -> None:
        for index, item in enumerate(items):
            if self.budget.spent:
                return
            if self.count >= MAX_STEPS:
                self.result.unreadable.append((items.locate(index), (
                    f"more than {MAX_STEPS} steps; the rest were not read")))
                return
            self.count += 1
            self.step(item, items.locate(index), group)

    def step(self, item: Any, where: str, group: LineDict | None) -> None:
        kind = item if isinstance(item, str) else next(
            (k for k in ("wait", "waiter", "block", "input", "group", "trigger")
             if isinstance(item, dict) and k in item), "command")
        base = step_triggers(group, self.base) if group is not None else self.base
        if kind in ("wait", "waiter"):
            self.waited, self.since_wait = tuple(self.since_wait) or self.waited, []
        elif kind in ("block", "input"):
            job = self.add(Job(SYSTEM, self.path, _name(item, kind), where,
                               frozenset({MANUAL}), needs=self.waited), item)
            if kind == "block":
                self.gate = self.gate | step_triggers(item, base)
                self.waited, self.since_wait = (*self.since_wait, job.name), []
        elif kind == "group" and isinstance(item, LineDict) and group is None:
            inner = item.get("steps")
            if isinstance(inner, LineList):
                self.group(inner, item)
        elif kind in ("trigger", "command") and isinstance(item, LineDict):
            self.command(item, where, base, group, kind)
        else:
            self.result.notes.append((where, "step not understood; skipped"))

    def group(self, steps: LineList, group: LineDict) -> None:
        """A group's waits and blocks hold only the group's own later steps; the steps after
        the group wait for it as a whole when a `wait` follows."""
        since_wait, waited, gate = self.since_wait, self.waited, self.gate
        self.since_wait = []
        first = len(self.jobs)
        self.steps(steps, group)
        self.since_wait = since_wait + [job.name for job in self.jobs[first:]]
        self.waited, self.gate = waited, gate

    def command(self, step: LineDict, where: str, base: frozenset[str],
                group: LineDict | None, kind: str) -> None:
        label = _name(step, f"step {self.count}")
        references: list[Reference] = []
        if kind == "trigger":
            slug = scalar_text(step.get("trigger"))
            build = step.get("build")
            branch = scalar_text(build.get("branch")) if isinstance(build, dict) else ""
            references.append(Reference(NAMED_STEP, "buildkite/trigger", where,
                                        (("pipeline", slug), ("branch", branch))))
            self.result.notes.append((where, f"starts the Buildkite pipeline '{slug}', whose "
                                      "steps are configured with that pipeline"))
        for key in ("command", "commands"):
            references += commands(step, key, label=label)
        references += _plugins(step)
        triggers = step_triggers(step, base)
        depends_on = [key for key in names(step.get("depends_on"), "step") if key in self.by_key]
        needs = tuple(self.by_key[key].name for key in depends_on) or self.waited
        if self.gate & triggers or any(self.by_key[key].triggers == {MANUAL}
                                       for key in depends_on):
            triggers = (triggers - self.gate) | {MANUAL}
        group_name = _name(group, "") if group is not None else None
        environment = environment_named(label, scalar_text(step.get("key")), group_name or "",
                                        scalar_text(step.get("concurrency_group")),
                                        scalar_text(step.get("trigger")))
        job = self.add(Job(SYSTEM, self.path, label, where, frozenset(triggers),
                           self.budget.take(references), environment, group_name,
                           self.variables + _env(step), needs), step)
        self.since_wait.append(job.name)
        self.uploads += [(ref.value, ref.locator, job.triggers) for ref in references
                         if ref.kind == COMMAND and _UPLOAD.search(ref.value)]

    def add(self, job: Job, step: Any) -> Job:
        self.jobs.append(job)
        for key in ("key", "id", "identifier"):
            value = step.get(key) if isinstance(step, dict) else None
            if isinstance(value, str):
                self.by_key[value] = job
        return job


def _env(step: Any) -> tuple[tuple[str, str], ...]:
    env = step.get("env") if isinstance(step, dict) else None
    return tuple((str(k), scalar_text(v)) for k, v in env.items()
                 if not isinstance(v, dict | list)) if isinstance(env, dict) else ()


def _uploaded(command: str, tree: RepoTree) -> tuple[str | None, str | None]:
    """(file uploaded from the repository, or why the uploaded pipeline cannot be read)."""
    match = _UPLOAD.search(command)
    if match is None:
        return None, None
    before = command[:match.start()]
    if "|" in before:
        return None, f"pipeline generated at run time by '{before.rstrip(' |')}'"
    words = [w for w in match["rest"].split() if not w.startswith("-")]
    if not words:
        return None, None  # the default pipeline file, read already
    path = words[0].removeprefix("./")
    if "$" in path or "*" in path or not tree.has(path):
        return None, f"pipeline uploaded from {words[0]}, which is not in the repository"
    return path, None


def parse(tree: RepoTree) -> ParseResult:
    result = ParseResult(SYSTEM)
    found = files_matching(tree, CONFIG, MAX_FILES, "Buildkite pipeline files", result)
    queue = [p for p in ENTRY_FILES if p in found] + [p for p in found if p not in ENTRY_FILES]
    bases: dict[str, frozenset[str]] = {}
    done: set[str] = set()
    while queue and len(done) < MAX_FILES:
        path = queue.pop(0)
        if path in done:
            continue
        done.add(path)
        pipeline = _read(tree, path, bases.get(path, USUAL), result)
        if pipeline is None:
            continue
        result.jobs += pipeline.jobs
        for command, where, triggers in pipeline.uploads:
            target, why = _uploaded(command, tree)
            if why:
                result.external.append((where, why))
            elif target and target not in done:
                bases[target] = bases.get(target, frozenset()) | triggers
                queue.insert(0, target)
    return result


def _read(tree: RepoTree, path: str, base: frozenset[str],
          result: ParseResult) -> _Pipeline | None:
    """A pipeline file's steps, from each of its YAML documents."""
    read, documents = read_yaml(tree, path, result, loader=load_yaml_documents)
    if not read:
        return None
    documents = [d for d in cut(documents, MAX_DOCUMENTS, path, "YAML documents", result)
                 if d is not None]
    if not documents:
        result.notes.append((path, EMPTY))
        return None
    found = [d.get("steps") if isinstance(d, LineDict) else d for d in documents]
    steps = [items for items in found if isinstance(items, LineList)]
    if len(steps) < len(found):
        result.unreadable.append((path, "not a Buildkite pipeline: no 'steps' list"))
        return None
    for document in documents:
        stamp_file(document, path)
    result.files.append(path)
    result.notes.append((path, SETTINGS_NOTE))
    pipeline = _Pipeline(path, result, base, _env(documents[0]))
    try:
        for items in steps:
            pipeline.steps(items)
    except RecursionError:
        result.unreadable.append((path, "nesting too deep"))
    return pipeline

