"""AWS CodeBuild (`buildspec*.yml|yaml` anywhere) -> jobs.

Each buildspec is one job: the `commands` and `finally` commands of its
`install`, `pre_build`, `build` and `post_build` phases, in that order, each
labelled with its phase.  `reports:` groups publish test or coverage results
(`codebuild/reports`, with the group's `file-format`, JUnit XML when unset);
`artifacts:` (and `secondary-artifacts:`) name the files the build hands on
(`codebuild/artifacts`, with the file list), such as the image definitions a
CodePipeline deploy stage reads.  A batch build's `buildspec:` entries that
point at other files in the repository are read as jobs of their own.

Triggers: a CodeBuild project's webhook filters, schedules and CodePipeline
sources are configured in AWS, not in the buildspec, so its jobs count as
started by other means (OTHER), neither shown before nor after merge, with a
note on the file; see `cloud_build` for why this is neither "unknown" nor
"every push".
"""

from __future__ import annotations

import posixpath

from scanner.collectors.ci.model import (
    NAMED_STEP,
    OTHER,
    Job,
    ParseResult,
    Reference,
    read_yaml,
    scalar_text,
)
from scanner.collectors.ci.shapes import (
    EMPTY,
    Budget,
    commands,
    environment_named,
    files_matching,
    texts,
)
from scanner.collectors.tree import RepoTree
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import LineDict, stamp_file

SYSTEM = "aws_codebuild"
CONFIG = lazy_compile(r"(^|/)buildspec[^/]*\.ya?ml$")
MAX_FILES = 100
PHASES = ("install", "pre_build", "build", "post_build")
DEFAULT_REPORT_FORMAT = "JUNITXML"
TRIGGERS_NOTE = ("CodeBuild triggers (webhook filters, schedules, CodePipeline) are configured "
                 "in AWS, not in the repository: this build counts as started by other means, "
                 "neither before nor after merge")
BATCH_KEYS = ("build-list", "build-graph")


def _references(data: LineDict) -> list[Reference]:
    found: list[Reference] = []
    phases = data.get("phases")
    for phase in PHASES:
        body = phases.get(phase) if isinstance(phases, LineDict) else None
        if isinstance(body, LineDict):
            found += commands(body, "commands", label=phase)
            found += commands(body, "finally", label=f"{phase} finally")
    reports = data.get("reports")
    groups = reports if isinstance(reports, LineDict) else LineDict()
    for group, report in groups.items():
        settings = report if isinstance(report, dict) else {}
        found.append(Reference(NAMED_STEP, "codebuild/reports", groups.locate(group), (
            ("group", str(group)),
            ("file-format", scalar_text(settings.get("file-format")) or DEFAULT_REPORT_FORMAT),
            ("files", " ".join(texts(settings.get("files")))))))
    artifacts = data.get("artifacts")
    outputs = [artifacts] if isinstance(artifacts, LineDict) else []
    secondary = artifacts.get("secondary-artifacts") if isinstance(artifacts, LineDict) else None
    outputs += [v for v in secondary.values() if isinstance(v, LineDict)] \
        if isinstance(secondary, dict) else []
    for output in outputs:
        files = texts(output.get("files"))
        if files:
            found.append(Reference(NAMED_STEP, "codebuild/artifacts", output.locate("files"),
                                   (("files", " ".join(files)),)))
    return found


def _batch_files(data: LineDict, path: str) -> list[str]:
    """Other buildspecs a batch build runs, as repository paths."""
    batch = data.get("batch")
    if not isinstance(batch, dict):
        return []
    found: list[str] = []
    for key in BATCH_KEYS:
        entries = batch.get(key)
        for entry in entries if isinstance(entries, list) else []:
            target = scalar_text(entry.get("buildspec")) if isinstance(entry, dict) else ""
            if target and not target.startswith(("arn:", "s3:")):
                found.append(posixpath.normpath(target.lstrip("/")))
    matrix = batch.get("build-matrix")
    dynamic = matrix.get("dynamic") if isinstance(matrix, dict) else None
    found += [posixpath.normpath(t.lstrip("/")) for t in texts(
        dynamic.get("buildspec") if isinstance(dynamic, dict) else None)]
    return [f for f in found if f != path and not f.startswith("..")]


def parse(tree: RepoTree) -> ParseResult:
    result = ParseResult(SYSTEM)
    pending = files_matching(tree, CONFIG, MAX_FILES, "buildspec files", result)
    seen: set[str] = set()
    while pending and len(seen) < MAX_FILES:
        path = pending.pop(0)
        if path in seen:
            continue
        seen.add(path)
        read, data = read_yaml(tree, path, result)
        if not read:
            continue
        if data is None:
            result.notes.append((path, EMPTY))
            continue
        if not isinstance(data, LineDict) or not (
                isinstance(data.get("phases"), dict) or isinstance(data.get("batch"), dict)):
            result.unreadable.append((path, "not a CodeBuild buildspec: no 'phases' mapping"))
            continue
        stamp_file(data, path)
        result.files.append(path)
        result.notes.append((path, TRIGGERS_NOTE))
        pending += [p for p in _batch_files(data, path) if tree.has(p)]
        anchor = "phases" if "phases" in data else "batch"
        result.jobs.append(Job(SYSTEM, path, path, data.locate(anchor), frozenset({OTHER}),
                               Budget(path, result).take(_references(data)),
                               environment=environment_named(path),
                               variables=_variables(data)))
    return result


def _variables(data: LineDict) -> tuple[tuple[str, str], ...]:
    env = data.get("env")
    variables = env.get("variables") if isinstance(env, dict) else None
    if not isinstance(variables, dict):
        return ()
    return tuple((str(k), scalar_text(v)) for k, v in variables.items()
                 if not isinstance(v, dict | list))
