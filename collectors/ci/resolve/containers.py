"""Containers: the test stage a `docker build` builds, the command of the compose
service `docker compose run` starts."""

from __future__ import annotations

import posixpath

from scanner.collectors.ci.resolve import runners
from scanner.collectors.ci.resolve.files import RepoFiles
from scanner.collectors.ci.resolve.folders import join
from scanner.collectors.ci.resolve.walk import Step, Walk

COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
_DOCKER_BUILD_VALUED = frozenset({"-f", "--file", "-t", "--tag", "--target", "--build-arg",
                                  "--platform", "--cache-from", "--cache-to", "--secret",
                                  "--ssh", "--label", "--output", "-o", "--network",
                                  "--progress", "--build-context", "--iidfile"})
_COMPOSE_RUN_VALUED = frozenset({"-e", "--env", "-l", "--label", "--name", "-p", "--publish",
                                 "-u", "--user", "-v", "--volume", "-w", "--workdir",
                                 "--entrypoint"})


def follow_docker_build(files: RepoFiles, command: list[str], directory: str | None,
                        walk: Walk) -> list[Step]:
    """`docker build --target test` (or a test Dockerfile): the stage's RUN lines."""
    args = command[command.index("build") + 1:]
    target = next(iter(runners.words_after(args, ("--target",))), None)
    dockerfile = next(iter(runners.words_after(args, ("-f", "--file"))), None)
    context = next((a for a in _positional(args, _DOCKER_BUILD_VALUED)), ".")
    if dockerfile is None:
        path = join(join(directory, context), "Dockerfile")
    else:
        path = join(directory, dockerfile)
    named_for_tests = "test" in posixpath.basename(path).lower()
    if not (target and "test" in target.lower()) and not named_for_tests:
        return []
    key = f"{path}#{target}"
    if not files.has(path) or key in walk.seen:
        return []
    walk.seen.add(key)
    return [Step(line, run, path, directory)
            for line, run in runners.dockerfile_stage(files.text(path) or "", target)]


def follow_compose_service(files: RepoFiles, raw: list[str], directory: str | None,
                           walk: Walk) -> list[Step]:
    """`docker compose run SERVICE` with no command: the service's own command."""
    command = [w for w in raw if w]
    if "run" not in command or not command[0].endswith(("docker", "compose")):
        return []
    after = command[command.index("run") + 1:]
    service = next(iter(_positional(after, _COMPOSE_RUN_VALUED)), None)
    compose_files = list(runners.words_after(command, ("-f", "--file"))) or list(COMPOSE_FILES)
    for name in compose_files:
        path = join(directory, name)
        if service and files.has(path) and f"{path}#{service}" not in walk.seen:
            walk.seen.add(f"{path}#{service}")
            return [Step(line, text, path, directory)
                    for line, text in runners.compose_command(files.text(path) or "",
                                                              service)]
    return []


def _positional(args: list[str], valued: frozenset[str]) -> list[str]:
    """The words of `args` that are not options, nor the values of options in `valued`."""
    found: list[str] = []
    rest = list(args)
    while rest:
        word = rest.pop(0)
        if word.startswith("-"):
            if word in valued and rest:
                rest.pop(0)
            continue
        found.append(word)
    return found

