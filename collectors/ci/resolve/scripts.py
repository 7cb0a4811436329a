"""Shell and PowerShell scripts of the repository: their command lines, each with the
folder it runs in after the `cd`s before it."""

from __future__ import annotations

import posixpath

from scanner.collectors.ci.resolve import runners
from scanner.collectors.ci.resolve.files import RepoFiles
from scanner.collectors.ci.resolve.folders import changed, join
from scanner.collectors.ci.resolve.walk import Step, Walk
from scanner.collectors.ci.resolve.words import simple_commands

MAX_LINES_PER_FILE = 1000
_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh"})
_POWERSHELL = frozenset({"pwsh", "powershell", "powershell.exe", "pwsh.exe"})
_SCRIPT_SUFFIX = (".sh", ".bash", ".ps1", ".zsh")


def follow_script(files: RepoFiles, command: list[str], directory: str | None,
                  walk: Walk) -> list[Step]:
    """A shell or PowerShell script of the repository, run by path or through an
    interpreter (`bash -e x.sh`, `source x.sh`, `. x.sh`, `pwsh -File x.ps1`)."""
    head = command[0].rsplit("/", 1)[-1]
    word = command[0]
    if head in _SHELLS or head in _POWERSHELL or head in ("source", "."):
        args = [w for w in command[1:] if not w.startswith("-")]
        word = args[0] if args else ""
    if not word or word.startswith(("$", "-")) or "://" in word:
        return []
    path = _script_path(files, word, directory)
    if path is None or path in walk.seen:
        return []
    walk.seen.add(path)
    text = files.text(path)
    if text is None:
        return []
    if not path.endswith(_SCRIPT_SUFFIX) and not _shell_shebang(text):
        return []  # a program of another language: not read as commands
    lines = runners.script_lines(text)
    if len(lines) > MAX_LINES_PER_FILE:
        files.notes.append((path, f"only the first {MAX_LINES_PER_FILE} of {len(lines)} "
                                  "command lines of this script were read"))
        lines = lines[:MAX_LINES_PER_FILE]
    return _in_sequence(path, lines, directory)


def _in_sequence(path: str, lines: list[tuple[int, str]], directory: str | None) -> list[Step]:
    """A script's lines, each with the folder it runs in after the `cd`s before it."""
    steps: list[Step] = []
    for number, line in lines:
        steps.append(Step(number, line, path, directory))
        for command in simple_commands(line):
            if command and command[0] in ("cd", "pushd"):
                directory = changed(directory, command[1:], posixpath.dirname(path))
    return steps


def _script_path(files: RepoFiles, word: str, directory: str | None) -> str | None:
    """The tracked file a script word names, tried from the folder the command runs
    in, then from the repository root; never outside the tree."""
    if word.startswith("/"):
        return None
    candidates = [join(directory, word), posixpath.normpath(word)]
    for candidate in candidates:
        if candidate.startswith("..") or candidate == ".":
            continue
        if files.has(candidate):
            is_script = candidate.endswith(_SCRIPT_SUFFIX) or "/" in word or \
                word.startswith("./")
            return candidate if is_script else None
    return None


def _shell_shebang(text: str) -> bool:
    """Whether a file starts with `#!` naming a POSIX shell (directly or through env)."""
    first = text[:256].split("\n", 1)[0]
    if not first.startswith("#!"):
        return False
    words = first[2:].split()
    names = [w.rsplit("/", 1)[-1] for w in words[:3] if not w.startswith("-")]
    if names[:1] == ["env"]:
        names = names[1:]
    return bool(names) and names[0] in _SHELLS

