"""Task runners: what `make`, `just`, `task`, `tox`, `nox`, `hatch run` and `pdm run`
run, read from the Makefile, justfile, Taskfile, tox.ini or tox.toml, noxfile or
pyproject.toml of the folder they run in."""

from __future__ import annotations

import re

from scanner.collectors.ci.resolve import make, runners
from scanner.collectors.ci.resolve.files import RepoFiles
from scanner.collectors.ci.resolve.folders import join
from scanner.collectors.ci.resolve.walk import Step, Walk

JUSTFILES = ("justfile", "Justfile", ".justfile")
TASKFILES = ("Taskfile.yml", "Taskfile.yaml", "taskfile.yml", "taskfile.yaml",
             "Taskfile.dist.yml", "Taskfile.dist.yaml")


def follow_runner_script(files: RepoFiles, raw: list[str], directory: str | None,
                         walk: Walk) -> list[Step] | None:
    """`hatch run NAME` / `pdm run NAME` naming a script of pyproject.toml (or
    hatch.toml); None when the command is no such script."""
    bare = [w for w in raw if not w.startswith("-")]
    if len(bare) < 3 or bare[0] not in ("hatch", "pdm") or bare[1] != "run":
        return None
    for name in ("hatch.toml", "pyproject.toml") if bare[0] == "hatch" else \
            ("pyproject.toml",):
        path = join(directory, name)
        key = f"{path}#{bare[0]}:{bare[2]}"
        text = files.text(path) if key not in walk.seen else None
        commands = runners.pyproject_scripts(text, bare[0], bare[2]) if text else []
        if commands:
            walk.seen.add(key)
            return [Step(line, command, path, directory) for line, command in commands]
    return None


def follow_make(files: RepoFiles, args: list[str], directory: str | None, walk: Walk) -> list[Step]:
    """`make [-C DIR] [-f FILE] TARGET…`: the recipes of the targets and of their
    prerequisites, pattern rules included."""
    folder, name, targets = directory or "", None, []
    rest = list(args)
    while rest:
        word = rest.pop(0)
        if word in ("-C", "--directory") and rest:
            folder = join(folder, rest.pop(0))
        elif word.startswith("-C") and len(word) > 2:
            folder = join(folder, word[2:])
        elif word in ("-f", "--file", "--makefile") and rest:
            name = rest.pop(0)
        elif word.startswith("-") or "=" in word:
            continue
        else:
            targets.append(word)
    makefile = files.makefile(folder, name)
    if makefile is None:
        return []
    pending = [t for name in targets for t in makefile.targets_for(name)]
    if not targets and makefile.default_target:
        pending = [makefile.default_target]
    # `make build-${target}` matching no explicit target may match a pattern rule.
    pending += [name for name in targets if "$" in makefile.expand(name)
                and not makefile.targets_for(name)]
    steps: list[Step] = []
    overrides: dict[str, str] = {}
    while pending:
        target = pending.pop(0)
        key = f"{makefile.path}#{target}"
        if key in walk.seen:
            continue
        walk.seen.add(key)
        if target in makefile.recipes or target in makefile.prerequisites:
            for requisite in makefile.prerequisites.get(target, []):
                pending.extend(makefile.targets_for(requisite) or [requisite])
            lines = makefile.recipes.get(target, [])
            stem = None
        else:
            pattern = makefile.pattern_for(target)
            if pattern is None:
                continue
            lines, stem = makefile.patterns[pattern[0]], pattern[1]
            for requisite in makefile.pattern_prerequisites.get(pattern[0], []):
                pending.append(requisite.replace("%", pattern[1]))
        for line in lines:
            evaluated = make.EVAL.match(line.text)
            if evaluated:
                overrides[evaluated[1]] = evaluated[2].strip()
                continue
            text = makefile.expand(line.text, overrides).strip()
            if stem is not None:
                text = text.replace("$*", stem).replace("$@", target)
            steps.append(Step(line.number, text, line.path, makefile.folder))
    return steps


def follow_just(files: RepoFiles, args: list[str], directory: str | None, walk: Walk) -> list[Step]:
    """`just RECIPE`: the recipe's lines, then its dependencies'."""
    path = next((p for name in JUSTFILES if files.has(p := join(directory, name))),
                None)
    recipes = [a for a in args if not a.startswith("-") and "=" not in a][:1]
    if path is None or not recipes:
        return []
    text = files.text(path) or ""
    steps: list[Step] = []
    while recipes:
        recipe = recipes.pop(0)
        if f"{path}#{recipe}" in walk.seen:
            continue
        walk.seen.add(f"{path}#{recipe}")
        commands, dependencies = runners.just_recipe(text, recipe)
        recipes += dependencies
        steps += [Step(line, command, path, directory) for line, command in commands]
    return steps


def follow_task(files: RepoFiles, args: list[str], directory: str | None, walk: Walk) -> list[Step]:
    """`task NAME…` (`default` when none is named): the tasks' commands, then the
    tasks they call."""
    path = next((p for name in TASKFILES if files.has(p := join(directory, name))),
                None)
    tasks = [a for a in args if not a.startswith("-") and "=" not in a] or ["default"]
    if path is None:
        return []
    text = files.text(path) or ""
    steps: list[Step] = []
    while tasks:
        task = tasks.pop(0)
        if f"{path}#{task}" in walk.seen:
            continue
        walk.seen.add(f"{path}#{task}")
        commands, called, folder = runners.taskfile_task(text, task)
        tasks += called
        where = join(directory, folder) if folder else directory
        steps += [Step(line, command, path, where) for line, command in commands]
    return steps


def follow_tox(files: RepoFiles, args: list[str], directory: str | None, walk: Walk) -> list[Step]:
    """`tox -e ENV…`: the environments' commands, from tox.ini or else tox.toml."""
    environments = list(runners.words_after(args, ("-e", "--env", "-f", "--factor")))
    for name in ("tox.ini", "tox.toml"):
        path = join(directory, name)
        key = f"{path}#{','.join(environments)}"
        if not files.has(path) or key in walk.seen:
            continue
        walk.seen.add(key)
        text = files.text(path) or ""
        commands = runners.tox_commands(text, environments) if name == "tox.ini" \
            else runners.tox_toml_commands(text, environments)
        return [Step(line, _tox_placeholders(command), path, directory)
                for line, command in commands]
    return []


def follow_nox(files: RepoFiles, args: list[str], directory: str | None, walk: Walk) -> list[Step]:
    """`nox -s SESSION…`: the sessions' commands, from noxfile.py."""
    sessions = list(runners.words_after(args, ("-s", "--session", "--sessions", "-e")))
    path = join(directory, "noxfile.py")
    key = f"{path}#{','.join(sessions)}"
    if not files.has(path) or key in walk.seen:
        return []
    walk.seen.add(key)
    return [Step(line, command, path, directory)
            for line, command in runners.nox_sessions(files.text(path) or "", sessions)]


def _tox_placeholders(command: str) -> str:
    """`{envpython} -m pytest {posargs}` -> `python -m pytest`."""
    command = re.sub(r"\{env(?:python|bindir)\}[/\\]?", "python ", command)
    return re.sub(r"\{[^{}]*\}", "", command).strip()
