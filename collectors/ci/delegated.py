"""Reading a repository's CI as a whole, including tools CI runs indirectly.

Some tools run through another tool's configuration: pre-commit hooks run by
`pre-commit run` in a job (or by pre-commit.ci on pull requests), and the
signing and SBOM steps GoReleaser performs from `.goreleaser.yml`.  Those
become jobs of their own, with the triggers of the CI job that runs them and
locators in the file that configures them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from scanner.collectors.ci import (
    azure_pipelines,
    bitbucket,
    buildkite,
    circleci,
    cloud_build,
    codebuild,
    configured,
    drone,
    github_actions,
    gitlab_ci,
    jenkins,
    tekton,
    travis,
)
from scanner.collectors.ci.model import (
    COMMAND,
    FILE,
    PULL_REQUEST,
    PUSH,
    ExternalFiles,
    Job,
    ParseResult,
    Reference,
    scalar_text,
)
from scanner.collectors.ci.plain import read_plain
from scanner.collectors.ci.reading import CiReading
from scanner.collectors.ci.resolve import Resolver
from scanner.collectors.ci.tools import Catalogue
from scanner.collectors.deadlines import OutOfTime, TimeBudget
from scanner.collectors.repo_files import PRECOMMIT_CONFIG, PROW_OWNERS
from scanner.collectors.tree import ReadRecorder, RepoTree, SkippedFile
from scanner.yaml_source import LineDict, LineList, YamlError, load_yaml

PRE_COMMIT_TOOL = "pre-commit"
GORELEASER_TOOL = "goreleaser"
GORELEASER_FILES = (".goreleaser.yml", ".goreleaser.yaml", "goreleaser.yml", "goreleaser.yaml")
# GoReleaser's defaults when a `signs` / `binary_signs` / `docker_signs` / `sboms` entry
# names no command.
GORELEASER_DEFAULTS = {
    "signs": ("gpg", ["--output", "$signature", "--detach-sig", "$artifact"]),
    "binary_signs": ("gpg", ["--output", "$signature", "--detach-sig", "$artifact"]),
    "docker_signs": ("cosign", ["sign", "--yes", "${artifact}@${digest}"]),
    "sboms": ("syft", ["$artifact", "--output", "spdx-json=$document"]),
}
# `notarize:` signs (and notarizes) macOS binaries: across platforms with the quill library
# GoReleaser embeds, or natively with codesign.
GORELEASER_NOTARIZE = {
    "macos": ("quill", ["sign-and-notarize", "$artifact"]),
    "macos_native": ("codesign", ["--sign", "$identity", "$artifact"]),
}

#: CI systems parsed into jobs: each reads its files from a tree.
Parse = Callable[[RepoTree], ParseResult]
PARSERS: tuple[Parse, ...] = (
    github_actions.parse, gitlab_ci.parse, jenkins.parse, circleci.parse, azure_pipelines.parse,
    bitbucket.parse, travis.parse, cloud_build.parse, codebuild.parse, buildkite.parse,
    drone.parse, drone.parse_woodpecker, tekton.parse,
)

#: CI systems recognised by their files but not parsed: read as plain commands (see
#: `plain`), (system, path pattern).
UNPARSED_CI = (
    ("prow", re.compile(r"^(\.prow\.ya?ml|\.prow/[^/]+\.ya?ml)$")),
    ("appveyor", re.compile(r"^\.?appveyor\.ya?ml$")),
    ("cirrus", re.compile(r"^\.cirrus\.ya?ml$")),
    ("semaphore", re.compile(r"^\.semaphore/semaphore\.ya?ml$")),
)


#: Programs that generate the pipeline when CI runs: what they run cannot be read.
GENERATED_CI = (
    ("drone", re.compile(r"^\.drone\.(jsonnet|star)$")),
)


def read_ci(tree: RepoTree, catalogue: Catalogue, precommit_hooks: Sequence[Reference],
            precommit_ci_service: bool, *, external: ExternalFiles | None = None,
            budget: TimeBudget | None = None) -> CiReading:
    """Parse every CI system the repository uses, plus what CI runs indirectly;
    `external` reads configuration other repositories hold, where the scan can; each CI
    system is read within its share of `budget`."""
    resolver = Resolver(tree)
    budget = budget or TimeBudget()
    reading = CiReading(results=[_parsed(parser, tree, resolver, catalogue, budget=budget,
                                         external=external)
                                 for parser in PARSERS])
    for path in tree.paths():
        for system, pattern in UNPARSED_CI:
            if pattern.search(path):
                reading.results.append(_read_plain(tree, system, path, resolver, budget))
        for system, pattern in GENERATED_CI:
            if pattern.search(path):
                reading.results.append(ParseResult(system, [path], unreadable=[(
                    path, "a program that generates the pipeline when CI runs; what it runs "
                          "cannot be read from the repository")]))
    if tree.has(PROW_OWNERS):
        reading.external.append((PROW_OWNERS, "an OWNERS file suggests Prow, whose jobs are "
                                 "configured outside the repository"))
    reading.extra_jobs += list(analysis_apps(tree, catalogue))
    reading.notes = resolver.notes
    configured.read(tree, catalogue, reading)
    runners = {tool: [job for job in reading.jobs
                      if any(hit.tool == tool for hit in catalogue.match_job(job))]
               for tool in (PRE_COMMIT_TOOL, GORELEASER_TOOL)}
    hooks = tuple(precommit_hooks)
    if hooks:
        for job in runners[PRE_COMMIT_TOOL]:
            reading.extra_jobs.append(Job(job.system, PRECOMMIT_CONFIG,
                                          f"{job.name} (pre-commit hooks)", job.locator,
                                          job.triggers, hooks))
        if precommit_ci_service:
            reading.extra_jobs.append(Job("pre_commit_ci", PRECOMMIT_CONFIG, "pre-commit.ci",
                                          PRECOMMIT_CONFIG, frozenset({PULL_REQUEST, PUSH}),
                                          hooks))
    if runners[GORELEASER_TOOL]:
        steps = tuple(goreleaser_steps(tree))
        for job in runners[GORELEASER_TOOL]:
            if steps:
                reading.extra_jobs.append(Job(job.system, steps[0].locator.rsplit(":", 1)[0],
                                              f"{job.name} (goreleaser)", job.locator,
                                              job.triggers, steps))
    return reading


def _parsed(parse: Parse, tree: RepoTree, resolver: Resolver, catalogue: Catalogue, *,
            budget: TimeBudget, external: ExternalFiles | None) -> ParseResult:
    """One CI system's jobs with their commands resolved and matched; a bug in its reader,
    or a file too big to read in its time, costs only that system (its files count as
    unread, so negatives are left unsaid)."""
    system = parse.__module__.rsplit(".", 1)[-1]
    recorder = ReadRecorder(tree, external)
    if budget.spent:
        budget.skipped.append(f"the {system} reader")
        return ParseResult(system)
    try:
        with budget.part(f"the {system} reader"):
            result = parse(recorder)
            result.jobs = [resolver.expand_job(job) for job in result.jobs]
            # Matched here, within this system's time; the CI signals then find each
            # match remembered by the catalogue.
            for job in result.jobs:
                catalogue.match_job(job)
    except OutOfTime as late:
        result = ParseResult(system)
        result.unreadable.append((recorder.last_read or system,
                                  f"not read to the end: it {late}"))
    except Exception as exc:  # any bug in one reader; the other CI systems still count
        result = ParseResult(system)
        result.unreadable.append((recorder.last_read or system,
                                  f"the {system} reader failed ({type(exc).__name__}: "
                                  f"{exc}; a bug in the scanner, please report it)"))
    return result


def _read_plain(tree: RepoTree, system: str, path: str, resolver: Resolver,
                budget: TimeBudget) -> ParseResult:
    """A CI system read only for the commands it runs, within its time."""
    try:
        with budget.part(f"the {system} file {path}"):
            plain = read_plain(tree, system, path)
            plain.jobs = [resolver.expand_job(job) for job in plain.jobs]
            return plain
    except OutOfTime as late:
        return ParseResult(system, [path], unreadable=[(path, f"not read to the end: it "
                                                              f"{late}")])


def analysis_apps(tree: RepoTree, catalogue: Catalogue) -> Iterable[Job]:
    """Hosted analysers switched on by a file in the repository (SonarCloud automatic
    analysis, DeepSource): they analyse every pull request and push."""
    file_matchers = [m for m in catalogue.matchers if m.kind == FILE]
    for path in tree.paths():
        reference = Reference(FILE, path, path)
        if any(m.matches(reference) for m in file_matchers):
            yield Job("app", path, f"{path} (hosted analysis)", path,
                      frozenset({PULL_REQUEST, PUSH}), (reference,))


def goreleaser_steps(tree: RepoTree) -> Iterable[Reference]:
    """The signing and SBOM commands a GoReleaser configuration runs."""
    path = next((p for p in GORELEASER_FILES if tree.has(p)), None)
    if path is None:
        return
    try:
        data = load_yaml(tree.read_text(path))
    except (SkippedFile, YamlError):
        return
    if not isinstance(data, LineDict):
        return
    for key, (default_cmd, default_args) in GORELEASER_DEFAULTS.items():
        entries = data.get(key)
        if not isinstance(entries, LineList):
            continue
        for index, entry in enumerate(entries):
            if isinstance(entry, dict) and entry.get("artifacts") == "none":
                continue  # this entry signs nothing
            command, args = _command(entry, default_cmd, default_args)
            yield Reference(COMMAND, " ".join([command, *args]), f"{path}:{entries.line_of(index)}")
    notarize = data.get("notarize")
    for key, (command, args) in GORELEASER_NOTARIZE.items():
        entries = notarize.get(key) if isinstance(notarize, LineDict) else None
        if not isinstance(entries, LineList):
            continue
        for index, entry in enumerate(entries):
            # `enabled` defaults to off; a template (`{{ isEnvSet "…" }}`) is taken as on.
            if isinstance(entry, dict) and entry.get("enabled") not in (None, False, "false"):
                yield Reference(COMMAND, " ".join([command, *args]),
                                f"{path}:{entries.line_of(index)}")


def _command(entry: Any, default_cmd: str, default_args: list[str]) -> tuple[str, list[str]]:
    if not isinstance(entry, dict):
        return default_cmd, default_args
    args = entry.get("args")
    return (scalar_text(entry.get("cmd")) or default_cmd,
            [scalar_text(a) for a in args] if isinstance(args, list) else default_args)
