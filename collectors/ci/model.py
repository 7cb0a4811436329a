"""A CI-system-neutral picture of pipelines: jobs, what triggers them, what they run.

Parsers for each CI system produce `Job`s; tool recognition and signals work
on `Job`s only, so every CI system yields the same signals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from scanner.collectors.tree import RepoTree, SkippedFile
from scanner.yaml_source import YamlError, load_yaml

# Triggers, source-neutral.
PUSH = "push"  # any branch: runs before a change is merged
DEFAULT_BRANCH = "default_branch"  # only after merge, on the main line
PULL_REQUEST = "pull_request"
TAG = "tag"
RELEASE = "release"
SCHEDULE = "schedule"
MANUAL = "manual"
OTHER = "other"

BEFORE_MERGE = frozenset({PUSH, PULL_REQUEST})
AFTER_MERGE = frozenset({PUSH, DEFAULT_BRANCH, TAG, RELEASE})

# Kinds of reference a job can make to a tool.
ACTION = "action"
REUSABLE_WORKFLOW = "reusable_workflow"
IMAGE = "image"
GITLAB_TEMPLATE = "gitlab_template"
GITLAB_COMPONENT = "gitlab_component"
GITLAB_INCLUDE = "gitlab_include"  # `include: project:` (project/file) or `remote:` (URL)
PRECOMMIT = "precommit"
COMMAND = "command"
FILE = "file"  # a repository file whose presence means an app analyses the repository
ORB = "orb"  # a CircleCI orb command or job, e.g. `snyk/scan` (namespace/orb/command)
# Test results a job publishes in a format of its own (GitLab `artifacts:reports:junit`,
# CodeBuild `reports:`): the value names the format, e.g. `junit`.
TEST_REPORT = "test_report"
# An analyser or signer that a tool run by CI switches on from its configuration file,
# as `<tool>:<setting>`: `golangci-lint:gosec`, `super-linter:GITLEAKS`,
# `maven:maven-gpg-plugin:sign`, `chart-releaser:sign` (see `configured`).
CONFIGURED = "configured"

# A step a CI system provides by name rather than as a command, written `<system>/<name>`:
# a Travis deploy provider (`travis-deploy/heroku`), Cloud Build's image push
# (`cloud-build/images`), a CodeBuild test report, a Tekton catalogue task.
NAMED_STEP = "named_step"


@dataclass(frozen=True)
class ExternalFile:
    """A file of another repository that CI configuration calls (an organisation's
    reusable workflow): its text, and the URL a person opens to read it."""

    text: str
    url: str


class ExternalFiles(Protocol):
    """Reads files of other repositories through a Git host's API, where the scan has
    access; None when a file cannot be read (then it is judged by name)."""

    def read(self, repository: str, path: str, ref: str) -> ExternalFile | None: ...


@dataclass(frozen=True)
class Reference:
    """A tool reference: an action, a reusable workflow, an image, a template, a command line."""

    kind: str
    value: str
    locator: str
    inputs: tuple[tuple[str, str], ...] = ()
    version: str = ""  # the @ref of an action, reusable workflow or component
    label: str = ""  # the step's name, where the CI system gives one
    # The folder, relative to the repository root, a command runs in ("" = the root):
    # a step's `working-directory`, a job's default, Cloud Build's `dir`, Jenkins `dir()`.
    directory: str = ""
    # Where CI reached this reference from, outermost first, when it was found by following
    # wrappers: ("ci.yml:38", "Makefile:8") for a tool run by a make target the step calls.
    via: tuple[str, ...] = ()
    # A reference to configuration elsewhere whose content was read: its jobs stand in the
    # pipeline, so it is neither judged by its name nor a gap.
    resolved: bool = False

    def input(self, name: str) -> str:
        return next((val for key, val in self.inputs if key == name), "")


@dataclass(frozen=True)
class Job:
    system: str
    file: str
    name: str
    locator: str
    triggers: frozenset[str]
    references: tuple[Reference, ...] = ()
    environment: str | None = None
    stage: str | None = None
    variables: tuple[tuple[str, str], ...] = ()
    needs: tuple[str, ...] = ()  # names of jobs that must finish first (same file or pipeline)

    @property
    def automatic(self) -> bool:
        return bool(self.triggers - {MANUAL})

    def variable(self, name: str) -> str | None:
        return next((val for key, val in self.variables if key == name), None)


@dataclass
class ParseResult:
    """Jobs from one CI system's files, and what could not be read."""

    system: str
    files: list[str] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (locator, why)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (locator, what)
    # Configuration pulled in from outside the repository and not read (locator, what).
    external: list[tuple[str, str]] = field(default_factory=list)
    permissions_declared: dict[str, bool] = field(default_factory=dict)
    # Read as plain commands (a CI system this scanner does not parse): what the jobs
    # run is known, when they run is not.
    plain: bool = False


def anchored(job: Job, url: str) -> Job:
    """A job read from another repository's file at `url`, its places as links
    (`…/x.yml#L12` rather than `…/x.yml:12`)."""
    def link(locator: str) -> str:
        return f"{url}#L{locator[len(url) + 1:]}" if locator.startswith(url + ":") else locator
    return replace(job, locator=link(job.locator), file=url, references=tuple(
        replace(ref, locator=link(ref.locator)) for ref in job.references))


def names(value: Any, key: str = "job") -> tuple[str, ...]:
    """A `needs:`-style value as names: `a`, `[a, b]`, or `[{job: a}, …]`."""
    items = value if isinstance(value, list) else [value] if value is not None else []
    found = [scalar_text(item.get(key)) if isinstance(item, dict) else scalar_text(item)
             for item in items]
    return tuple(name for name in found if name)


def scalar_text(value: Any) -> str:
    """A YAML scalar as text the way CI systems read it (true -> 'true')."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def shell_lines(script: str) -> list[tuple[int, str]]:
    """Logical command lines of a shell script, without comments or blank lines.

    Continuation lines (ending in a backslash) are joined; the index is the
    first physical line of each logical line.
    """
    lines: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for index, raw in enumerate(script.splitlines()):
        stripped = raw.strip()
        if not pending:
            start = index
            if not stripped or stripped.startswith("#"):
                continue
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        lines.append((start, " ".join(part for part in pending if part)))
        pending = []
    if pending:
        lines.append((start, " ".join(part for part in pending if part)))
    return lines


def read_yaml(tree: RepoTree, path: str, result: ParseResult,
              loader: Callable[[str], Any] = load_yaml) -> tuple[bool, Any]:
    """(read, data) for one CI file; when it cannot be read the reason is recorded."""
    try:
        text = tree.read_text(path)
    except SkippedFile as skipped:
        result.unreadable.append((path, str(skipped)))
        return False, None
    try:
        return True, loader(text)
    except YamlError as exc:
        result.unreadable.append((path, f"not valid YAML ({exc})"))
        return False, None


def combine_triggers(operator: str, parts: Sequence[frozenset[str] | None],
                     everything: frozenset[str]) -> frozenset[str] | None:
    """Triggers admitted by an `and` / `or` of conditions, or None when unknowable.

    An `and` is at most as wide as its known parts; an `or` is known only when
    every part is.
    """
    known = [part for part in parts if part is not None]
    if operator == "and" and known:
        admitted = set(everything)
        for part in known:
            admitted &= part
        return frozenset(admitted)
    if operator == "or" and known and len(known) == len(parts):
        return frozenset(set().union(*known))
    return None
