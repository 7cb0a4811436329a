"""The resolver's walk: each command of a job followed through the wrappers it runs,
depth first, each found line after the step that reaches it, with the folder it runs
in and the chain of places that led there.

Which files a command leads into is the followers' business (`task_runners`,
`packages`, `containers`, `scripts`); this module chooses the follower and keeps
the walk bounded.
"""

from __future__ import annotations

from dataclasses import replace

from scanner.collectors.ci.model import COMMAND, Job, Reference
from scanner.collectors.ci.resolve.containers import follow_compose_service, follow_docker_build
from scanner.collectors.ci.resolve.files import RepoFiles
from scanner.collectors.ci.resolve.folders import changed, folder_of
from scanner.collectors.ci.resolve.packages import (
    JS_MANAGERS,
    follow_composer,
    follow_package_script,
)
from scanner.collectors.ci.resolve.scripts import follow_script
from scanner.collectors.ci.resolve.task_runners import (
    follow_just,
    follow_make,
    follow_nox,
    follow_runner_script,
    follow_task,
    follow_tox,
)
from scanner.collectors.ci.resolve.walk import Step, Walk
from scanner.collectors.ci.resolve.words import peel, simple_commands
from scanner.collectors.deadlines import check
from scanner.collectors.tree import RepoTree

MAX_DEPTH = 6
MAX_FOUND_PER_JOB = 2000


class Resolver:
    """Follows a repository's wrapper commands; one per repository (files are cached)."""

    def __init__(self, tree: RepoTree) -> None:
        self.files = RepoFiles(tree)
        self.notes = self.files.notes  # (locator, what was not followed and why)

    def expand_job(self, job: Job) -> Job:
        """The job with every command its steps reach through wrappers appended, each
        after the step that reaches it."""
        check()
        walk = Walk()
        references: list[Reference] = []
        for reference in job.references:
            references.append(reference)
            if reference.kind == COMMAND:
                references.extend(self._resolve(reference, 0, walk))
        if walk.cut:
            self.notes.append((job.locator, f"the commands this job runs were followed only "
                                            f"up to {MAX_FOUND_PER_JOB}; the rest were not "
                                            "read"))
        if len(references) == len(job.references):
            return job
        return replace(job, references=tuple(references))

    def resolve(self, reference: Reference) -> list[Reference]:
        """Every command one command reaches through wrappers."""
        return self._resolve(reference, 0, Walk())

    def _resolve(self, reference: Reference, depth: int, walk: Walk) -> list[Reference]:
        if depth >= MAX_DEPTH or walk.cut:
            return []
        found: list[Reference] = []
        directory: str | None = self.files.in_tree(reference.directory)
        stack: list[str | None] = []
        for command in simple_commands(reference.value):
            head = command[0] if command else ""
            if head in ("cd", "pushd"):
                if head == "pushd":
                    stack.append(directory)
                directory = self.files.in_tree(changed(directory, command[1:],
                                                       folder_of(reference.locator)))
                continue
            if head == "popd":
                directory = stack.pop() if stack else reference.directory
                continue
            for step in self._follow(command, directory, walk):
                if walk.found >= MAX_FOUND_PER_JOB:
                    walk.cut = True
                    return found
                walk.found += 1
                child = Reference(COMMAND, step.text, f"{step.path}:{step.line}",
                                  label=reference.label, directory=step.directory or "",
                                  via=(*reference.via, reference.locator))
                found.append(child)
                found.extend(self._resolve(child, depth + 1, walk))
        return found

    def _follow(self, raw: list[str], directory: str | None, walk: Walk) -> list[Step]:
        """The command lines one simple command runs from the repository's files."""
        files = self.files
        scripts = follow_runner_script(files, raw, directory, walk)
        if scripts is not None:
            return scripts
        command = peel(raw)
        if not command:
            return follow_compose_service(files, raw, directory, walk)
        head = command[0].rsplit("/", 1)[-1]
        if head in ("make", "gmake"):
            return follow_make(files, command[1:], directory, walk)
        if head == "just":
            return follow_just(files, command[1:], directory, walk)
        if head in ("task", "go-task"):
            return follow_task(files, command[1:], directory, walk)
        if head in JS_MANAGERS or head in ("lerna", "turbo", "nx"):
            return follow_package_script(files, head, command[1:], directory, walk)
        if head == "node" and "--run" in command:  # Node 22's own script runner
            after = command[command.index("--run") + 1:]
            return follow_package_script(files, "npm", ["run", *after[:1]], directory, walk)
        if head == "composer":
            return follow_composer(files, command[1:], directory, walk)
        if head == "tox":
            return follow_tox(files, command[1:], directory, walk)
        if head == "nox":
            return follow_nox(files, command[1:], directory, walk)
        if head in ("docker", "podman") and "build" in command[1:3]:
            return follow_docker_build(files, command, directory, walk)
        return follow_script(files, command, directory, walk)
