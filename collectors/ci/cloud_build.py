"""Google Cloud Build (`cloudbuild*.yaml|yml|json` anywhere, `gcb/*.yaml`) -> jobs.

Each build configuration is one job: its steps run in order in one build.
A step's `name` is the builder image it runs (an image reference); its
`script`, or its `entrypoint` with `args`, is the command it runs (a shell's
`-c` script is read line by line; a Cloud Builders image such as
`gcr.io/cloud-builders/docker` runs its own tool, so `args: [push, img]` is
`docker push img`; any other image without an entrypoint runs `args` as the
command).  `dir` is the folder the step runs in.  Images listed in `images:`
are pushed when the build succeeds (`cloud-build/images`), and `artifacts:`
are uploaded to Cloud Storage or Artifact Registry
(`cloud-build/artifacts/<kind>`).  The environment of a deploy is read from a
step id or the file's path that says it deploys (`deploy-prod`).

Triggers: Cloud Build triggers (push to a branch, pull request, tag, schedule,
manual) are configured in Google Cloud, not in the file, so a build's jobs
count as started by other means (OTHER): they are neither shown to run before
a merge nor after it, and a note on the file says so.  Counting them as
unknown would make every CI finding of the repository unknown; counting them
as running on every push would claim what the repository does not show.
"""

from __future__ import annotations

from scanner.collectors.ci.model import (
    IMAGE,
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
    argv_commands,
    cut,
    environment_named,
    files_matching,
    image_tool,
    scalar,
    script_commands,
    working_directory,
)
from scanner.collectors.tree import RepoTree
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import LineDict, LineList, stamp_file

SYSTEM = "google_cloud_build"
CONFIG = lazy_compile(r"(^|/)([^/]*\.)?cloudbuild[^/]*\.(ya?ml|json)$")
LOOSE_CONFIG = lazy_compile(r"(^|/)gcb/[^/]+\.ya?ml$")  # a convention, only read when it has steps
MAX_FILES = 100
MAX_STEPS = 300
TRIGGERS_NOTE = ("Cloud Build triggers are configured in Google Cloud, not in the repository: "
                 "this build counts as started by other means, neither before nor after merge")
ARTIFACT_KINDS = ("objects", "mavenArtifacts", "pythonPackages", "npmPackages", "goModules")
PREFIX = "cloud-build/"


def _step(step: LineDict) -> list[Reference]:
    image = scalar(step.get("name"))
    label = scalar(step.get("id")) or image
    directory = working_directory(scalar(step.get("dir")), "/workspace")
    found = [Reference(IMAGE, image, step.locate("name"), label=label)] if image else []
    if "script" in step:
        return found + script_commands(step, "script", label, directory)
    head = scalar(step.get("entrypoint")) or image_tool(image)
    return found + argv_commands(step, head, step.get("args"), label, directory)


def _published(data: LineDict) -> list[Reference]:
    """What the build pushes or uploads once every step has passed."""
    found: list[Reference] = []
    artifacts = data.get("artifacts")
    sections = [(data, "images")]
    if isinstance(artifacts, LineDict):
        sections.append((artifacts, "images"))
    for container, key in sections:
        images = container.get(key)
        if isinstance(images, LineList):
            found += [Reference(NAMED_STEP, PREFIX + "images", images.locate(index),
                                (("image", scalar_text(image)),))
                      for index, image in enumerate(images) if scalar_text(image)]
    if not isinstance(artifacts, LineDict):
        return found
    for kind in ARTIFACT_KINDS:
        value = artifacts.get(kind)
        if value:
            where = artifacts.locate(kind)
            location = value.get("location") if isinstance(value, dict) else None
            found.append(Reference(NAMED_STEP, f"{PREFIX}artifacts/{kind}", where,
                                   (("location", scalar_text(location)),) if location else ()))
    return found


def _build(path: str, data: LineDict, result: ParseResult) -> Job:
    steps: LineList = data["steps"]
    references: list[Reference] = []
    ids: list[str] = []
    budget = Budget(path, result)
    for index, step in enumerate(cut(steps, MAX_STEPS, steps.locate(MAX_STEPS), "steps", result)):
        if not isinstance(step, LineDict):
            result.notes.append((steps.locate(index), "step is not a mapping; skipped"))
            continue
        ids.append(scalar(step.get("id")))
        references += budget.take(_step(step))
    references += budget.take(_published(data))
    variables = tuple((str(k), scalar_text(v)) for k, v in (
        data["substitutions"].items() if isinstance(data.get("substitutions"), dict) else ())
        if not isinstance(v, dict | list))
    return Job(SYSTEM, path, path, f"{path}:{data.line_of('steps')}", frozenset({OTHER}),
               tuple(references), environment=environment_named(*ids, path),
               variables=variables)


def parse(tree: RepoTree) -> ParseResult:
    result = ParseResult(SYSTEM)
    paths = files_matching(tree, CONFIG, MAX_FILES, "Cloud Build files", result)
    loose = [p for p in tree.paths() if LOOSE_CONFIG.search(p) and p not in paths]
    for path in paths + loose[:MAX_FILES - len(paths)]:
        strict = bool(CONFIG.search(path))
        read, data = read_yaml(tree, path, result) if strict else _quiet(tree, path)
        if not read:
            continue
        if data is None:
            result.notes.append((path, EMPTY))
            continue
        if not isinstance(data, LineDict) or not isinstance(data.get("steps"), LineList):
            if strict:
                result.unreadable.append((path, "not a Cloud Build configuration: no 'steps' "
                                          "list"))
            continue
        stamp_file(data, path)
        result.files.append(path)
        result.notes.append((path, TRIGGERS_NOTE))
        result.jobs.append(_build(path, data, result))
    return result


def _quiet(tree: RepoTree, path: str) -> tuple[bool, object]:
    """Read a file that may not be a build configuration at all: failures are not gaps."""
    scratch = ParseResult(SYSTEM)
    return read_yaml(tree, path, scratch)
