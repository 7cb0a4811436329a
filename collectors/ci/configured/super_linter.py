"""Which of super-linter's validators run, from its `VALIDATE_<NAME>` variables.

super-linter runs every validator it ships unless told otherwise: a `VALIDATE_<NAME>`
set to `true` anywhere means only the validators set to `true` run; one set to `false`
means every validator runs but those (super-linter refuses a mix of both).  The
variables come from the step's, job's and workflow's `env:` (GitHub Actions), the job's
variables (other CI systems) or `-e NAME=value` of a `docker run`.  Which validators a
release ships is the catalogue's business: each reference carries the action's or
image's version.
"""

from __future__ import annotations

from scanner.collectors.ci.configured.context import Context, step_env
from scanner.collectors.ci.model import ACTION, COMMAND, CONFIGURED, IMAGE, Job, Reference
from scanner.collectors.ci.resolve.words import image_of, pieces, words

TOOL = "super-linter"
#: The validators whose work is more than linting (secrets, misconfiguration and
#: dependency scanning); the others are the linting super-linter is already counted for.
REPORTED = ("GITLEAKS", "CHECKOV", "TRIVY", "GITHUB_ACTIONS_ZIZMOR", "DOCKERFILE_HADOLINT")
PREFIX = "VALIDATE_"
NOT_VALIDATORS = ("ALL_CODEBASE",)  # VALIDATE_ALL_CODEBASE and its per-linter forms


def validators(context: Context, job: Job, reference: Reference,
               tools: frozenset[str]) -> list[Reference]:
    if TOOL not in tools:
        return []
    settings = _settings(context, job, reference)
    any_true = any(value == "true" for value, _ in settings.values())
    found = []
    for name in REPORTED:
        value, where = settings.get(name, ("false" if any_true else "true", reference.locator))
        if value == "true":
            found.append(Reference(CONFIGURED, f"{TOOL}:{name}", where, version=_version(reference),
                                   via=reference.via, label=f"super-linter {PREFIX}{name}"))
    return found


def _settings(context: Context, job: Job, reference: Reference) -> dict[str, tuple[str, str]]:
    """Validator name -> ("true" | "false", where it is set)."""
    env = {name: (value, job.locator) for name, value in job.variables}
    if reference.kind == ACTION:
        env.update(step_env(context, reference))
    elif reference.kind == COMMAND:
        env.update({name: (value, reference.locator)
                    for name, value in _docker_env(reference.value)})
    return {name[len(PREFIX):]: (value.strip().lower(), where)
            for name, (value, where) in env.items()
            if name.startswith(PREFIX) and not name.endswith(NOT_VALIDATORS)
            and value.strip().lower() in ("true", "false")}


def _docker_env(line: str) -> list[tuple[str, str]]:
    """`-e NAME=value` / `--env NAME=value` of the `docker run` commands of a line."""
    found = []
    for piece in pieces(line):
        command = words(piece)
        for index, word in enumerate(command[:-1]):
            if word in ("-e", "--env") and "=" in command[index + 1]:
                name, _, value = command[index + 1].partition("=")
                found.append((name, value))
            elif word.startswith("--env=") and "=" in word[6:]:
                name, _, value = word[6:].partition("=")
                found.append((name, value))
    return found


def _version(reference: Reference) -> str:
    """The release of super-linter used: an action's @ref, an image's tag."""
    if reference.kind == ACTION:
        return reference.version
    image = reference.value if reference.kind == IMAGE else None
    if reference.kind == COMMAND:
        image = next((found for piece in pieces(reference.value)
                      if (found := image_of(words(piece)))), None)
    if not image or ":" not in image.rsplit("/", 1)[-1]:
        return ""
    return image.rsplit(":", 1)[-1].removeprefix("slim-")
