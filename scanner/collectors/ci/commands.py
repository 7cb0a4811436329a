"""Command lines as CI runs them: launchers peeled off, wrappers followed.

CI rarely calls a tool directly.  `uv run --group dev tox run`, `make test`,
`./scripts/ci.sh` and `npm run lint` all hide the tool behind something else.
This module finds the real commands: it strips launchers (uv run, poetry run,
npx, bundle exec, env, timeout, ...) and follows wrappers one or two levels
into the repository (Makefile and justfile recipes, package.json scripts,
shell scripts), giving each command found the locator of the line that holds
it.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cached_property

from scanner.collectors.ci.model import COMMAND, Job, Reference, shell_lines
from scanner.collectors.tree import RepoTree, SkippedFile

MAX_DEPTH = 2
MAX_COMMANDS_PER_WRAPPER = 200
MAX_MAKE_INCLUDES = 64  # included makefiles read per top-level Makefile

# Launchers: words that run the command after them, and their options taking a value.
_LAUNCHERS: dict[tuple[str, ...], frozenset[str]] = {
    ("uv", "run"): frozenset({"--group", "--extra", "--with", "--with-editable",
                              "--with-requirements", "--python", "-p", "--package", "--env-file",
                              "--directory", "--project", "--index", "--index-url",
                              "--extra-index-url", "--only-group", "--no-group"}),
    ("uvx",): frozenset({"--from", "--with", "--python", "-p", "--index-url"}),
    ("uv", "tool", "run"): frozenset({"--from", "--with", "--python", "-p"}),
    ("poetry", "run"): frozenset(), ("pipenv", "run"): frozenset(),
    ("pdm", "run"): frozenset(), ("rye", "run"): frozenset(), ("pixi", "run"): frozenset(),
    ("hatch", "run"): frozenset(), ("bundle", "exec"): frozenset(),
    ("conda", "run"): frozenset({"-n", "--name", "-p", "--prefix"}),
    ("mamba", "run"): frozenset({"-n", "--name", "-p", "--prefix"}),
    ("npx",): frozenset({"-p", "--package"}), ("pnpx",): frozenset(), ("bunx",): frozenset(),
    ("pnpm", "exec"): frozenset(), ("pnpm", "dlx"): frozenset(), ("yarn", "dlx"): frozenset(),
    ("yarn", "exec"): frozenset(), ("nix", "develop", "-c"): frozenset(),
    ("env",): frozenset({"-u", "--unset", "-C", "--chdir"}), ("sudo",): frozenset({"-u"}),
    ("time",): frozenset(), ("nice",): frozenset({"-n"}), ("xvfb-run",): frozenset({"-s", "-n"}),
    ("timeout",): frozenset({"-s", "--signal", "-k", "--kill-after"}),
}
_TAKES_A_LEADING_ARGUMENT = frozenset({("timeout",)})  # `timeout 10m pytest`
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=\S*$")
_SEPARATORS = re.compile(r"\s*(?:&&|\|\||;|\|)\s*")
_MAKE_RULE = re.compile(r"^([A-Za-z0-9_./%-][A-Za-z0-9_./% -]*?)\s*::?(?!=)\s*(.*)$")
_MAKE_VARIABLE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(?:\?=|:=|::=|=)\s*(.*)$")
_MAKE_REFERENCE = re.compile(r"\$[({]([A-Za-z_][A-Za-z0-9_]*)[)}]")
_MAKE_INCLUDE = re.compile(r"^(?:-|s)?include\s+(.+)$")
# `$(GOLANGCI_LINT) run` where the variable is set out of sight (generated, or by the
# environment): by convention the variable is the tool's name in capitals.
_TOOL_VARIABLE = re.compile(r"(^|(?:&&|\|\||;|\|)\s*)((?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*)"
                            r"\$[({]([A-Z][A-Z0-9_]*)[)}](?=\s|$)")
_JUST_RECIPE = re.compile(r"^@?([A-Za-z0-9_-]+)(?:\s+[^:]*)?:(?!=)\s*(.*)$")
_SHELL_SCRIPT = re.compile(r"\.(sh|bash)$")
MAKEFILES = ("GNUmakefile", "makefile", "Makefile")
JUSTFILES = ("justfile", "Justfile", ".justfile")


def segments(line: str) -> list[str]:
    """The simple commands of a command line, launchers peeled off each."""
    return [peeled for part in _SEPARATORS.split(line) if part
            for peeled in [strip_launchers(part)] if peeled]


def strip_launchers(command: str) -> str:
    """`uv run --group dev tox run -e py` -> `tox run -e py`; `FOO=1 pytest` -> `pytest`."""
    words = command.split()
    changed = True
    while words and changed:
        changed = False
        while words and _ASSIGNMENT.match(words[0]):
            words.pop(0)
            changed = True
        for launcher, valued in _LAUNCHERS.items():
            if tuple(words[:len(launcher)]) != launcher:
                continue
            del words[:len(launcher)]
            while words and words[0].startswith("-"):
                option = words.pop(0)
                if option in valued and words:
                    words.pop(0)
            if launcher in _TAKES_A_LEADING_ARGUMENT and words:
                words.pop(0)
            changed = True
            break
    return " ".join(words)


@dataclass
class _Makefile:
    path: str
    recipes: dict[str, list[tuple[str, int, str]]]  # target -> (file, line number, line)
    prerequisites: dict[str, list[str]]
    variables: dict[str, str]
    included: int = 0


class Wrappers:
    """Follows wrapper commands into the repository's own files."""

    def __init__(self, tree: RepoTree) -> None:
        self.tree = tree
        self._makefiles: dict[str, _Makefile | None] = {}

    def expand_job(self, job: Job) -> Job:
        references: list[Reference] = []
        for reference in job.references:
            references.append(reference)
            if reference.kind == COMMAND:
                references.extend(self.expand(reference, 0, set()))
        if len(references) == len(job.references):
            return job
        return replace(job, references=tuple(references))

    def expand(self, reference: Reference, depth: int, seen: set[str]) -> Iterator[Reference]:
        if depth >= MAX_DEPTH:
            return
        for command in segments(reference.value):
            for found in self._follow(command, seen):
                yield replace(found, label=reference.label)
                yield from self.expand(found, depth + 1, seen)

    def _follow(self, command: str, seen: set[str]) -> list[Reference]:
        words = command.split()
        if not words:
            return []
        head = words[0]
        if head in ("make", "gmake"):
            return self._make(words[1:], seen)
        if head == "just":
            return self._just(words[1:], seen)
        if head in ("npm", "yarn", "pnpm", "bun"):
            return self._package_script(head, words[1:], seen)
        if head in ("bash", "sh", "zsh") and len(words) > 1:
            words = [w for w in words[1:] if not w.startswith("-")]
            head = words[0] if words else ""
        return self._script(head, seen)

    def _script(self, word: str, seen: set[str]) -> list[Reference]:
        path = posixpath.normpath(word.removeprefix("./"))
        if not _SHELL_SCRIPT.search(path) or path.startswith("..") or path in seen \
                or not self.tree.has(path):
            return []
        seen.add(path)
        text = self._read(path)
        if text is None:
            return []
        return [Reference(COMMAND, line, f"{path}:{index + 1}")
                for index, line in shell_lines(text)][:MAX_COMMANDS_PER_WRAPPER]

    def _make(self, args: list[str], seen: set[str]) -> list[Reference]:
        folder, makefile, targets = "", None, []
        rest = list(args)
        while rest:
            word = rest.pop(0)
            if word in ("-C", "--directory") and rest:
                folder = rest.pop(0)
            elif word in ("-f", "--file") and rest:
                makefile = rest.pop(0)
            elif word.startswith("-") or "=" in word:
                continue
            else:
                targets.append(word)
        parsed = self._makefile(folder, makefile)
        if parsed is None:
            return []
        found: list[Reference] = []
        pending = targets or list(parsed.recipes)[:1]
        while pending:
            target = pending.pop(0)
            key = f"{parsed.path}#{target}"
            if key in seen:
                continue
            seen.add(key)
            pending.extend(parsed.prerequisites.get(target, []))
            for path, number, line in parsed.recipes.get(target, []):
                found.append(Reference(COMMAND, _substitute(line, parsed.variables),
                                       f"{path}:{number}"))
        return found[:MAX_COMMANDS_PER_WRAPPER]

    def _makefile(self, folder: str, name: str | None) -> _Makefile | None:
        candidates = [name] if name else list(MAKEFILES)
        for candidate in candidates:
            path = posixpath.normpath(posixpath.join(folder, candidate))
            if self.tree.has(path):
                if path not in self._makefiles:
                    parsed = _Makefile(path, {}, {}, {})
                    self._makefiles[path] = parsed if self._parse_makefile(
                        path, posixpath.dirname(path), parsed, {path}) else None
                return self._makefiles[path]
        return None

    def _parse_makefile(self, path: str, folder: str, into: _Makefile,
                        read: set[str]) -> bool:
        """Add one makefile's rules to `into`, following its includes in place.

        Include paths are relative to the folder make runs in, as make reads them.
        """
        text = self._read(path)
        if text is None:
            return False
        current: list[str] = []
        for number, raw in enumerate(text.splitlines(), 1):
            if raw.startswith("\t"):
                line = raw.strip().lstrip("@-+").strip()
                if line and not line.startswith("#"):
                    for target in current:
                        into.recipes[target].append((path, number, line))
                continue
            stripped = raw.split("#", 1)[0].rstrip()
            if not stripped:
                continue
            included = _MAKE_INCLUDE.match(stripped)
            variable = None if included else _MAKE_VARIABLE.match(stripped)
            rule = None if included or variable else _MAKE_RULE.match(stripped)
            current = []
            if included:
                for other in self._included(included[1], folder, read):
                    if into.included < MAX_MAKE_INCLUDES:
                        into.included += 1
                        read.add(other)
                        self._parse_makefile(other, folder, into, read)
            elif variable:
                into.variables.setdefault(variable[1], variable[2].strip())
            elif rule and not stripped.startswith("."):
                current = rule[1].split()
                deps, _, inline = rule[2].partition(";")
                for target in current:
                    into.recipes.setdefault(target, [])
                    into.prerequisites.setdefault(target, []).extend(
                        d for d in deps.split() if "$" not in d and "%" not in d)
                    if inline.strip():
                        into.recipes[target].append((path, number, inline.strip()))
        return True

    def _included(self, words: str, folder: str, read: set[str]) -> list[str]:
        """Tracked files an include line names; words with variables are skipped."""
        found: list[str] = []
        for word in words.split():
            if "$" in word:
                continue
            pattern = posixpath.normpath(posixpath.join(folder, word))
            if not any(c in pattern for c in "*?["):
                matches = [pattern] if self.tree.has(pattern) else []
            else:
                shape = re.compile(fnmatch.translate(pattern).replace(".*", "[^/]*"))
                matches = sorted(p for p in self.tree.paths() if shape.match(p))
            found += [m for m in matches if m not in read and m not in found]
        return found

    def _just(self, args: list[str], seen: set[str]) -> list[Reference]:
        path = next((p for p in JUSTFILES if self.tree.has(p)), None)
        recipe = next((a for a in args if not a.startswith("-")), None)
        if path is None or recipe is None or f"{path}#{recipe}" in seen:
            return []
        seen.add(f"{path}#{recipe}")
        text = self._read(path)
        if text is None:
            return []
        found: list[Reference] = []
        inside = False
        for number, raw in enumerate(text.splitlines(), 1):
            if raw and not raw[0].isspace():
                match = _JUST_RECIPE.match(raw)
                inside = bool(match and match[1] == recipe)
                continue
            line = raw.strip().lstrip("@-").strip()
            if inside and line and not line.startswith("#"):
                found.append(Reference(COMMAND, line, f"{path}:{number}"))
        return found[:MAX_COMMANDS_PER_WRAPPER]

    def _package_script(self, manager: str, args: list[str], seen: set[str]) -> list[Reference]:
        words = [a for a in args if not a.startswith("-")]
        if not words:
            return []
        if words[0] in ("run", "run-script"):
            words = words[1:]
        elif manager == "npm" and words[0] not in ("test", "t", "start"):
            return []
        if not words:
            return []
        name = "test" if words[0] == "t" else words[0]
        key = f"package.json#{name}"
        if key in seen or not self.tree.has("package.json"):
            return []
        seen.add(key)
        scripts = self._package_scripts
        if name not in scripts:
            return []
        line, command = scripts[name]
        return [Reference(COMMAND, command, f"package.json:{line}")]

    @cached_property
    def _package_scripts(self) -> dict[str, tuple[int, str]]:
        """`scripts` of package.json: name -> (line, command), read line by line."""
        text = self._read("package.json") or ""
        found: dict[str, tuple[int, str]] = {}
        inside = False
        for number, raw in enumerate(text.splitlines(), 1):
            stripped = raw.strip()
            if re.match(r'^"scripts"\s*:\s*\{', stripped):
                inside = True
                continue
            if inside and stripped.startswith("}"):
                break
            match = re.match(r'^"([^"]+)"\s*:\s*"((?:[^"\\]|\\.)*)"', stripped)
            if inside and match:
                found[match[1]] = (number, match[2].replace('\\"', '"'))
        return found

    def _read(self, path: str) -> str | None:
        try:
            return self.tree.read_text(path)
        except SkippedFile:
            return None


def _substitute(line: str, variables: dict[str, str]) -> str:
    """Expand simple Makefile variables once: `$(GO) test` -> `go test`.

    A tool variable defined out of sight at the start of a command reads as the
    tool's name: `$(GOLANGCI_LINT) run` -> `golangci-lint run`.
    """
    expanded = _MAKE_REFERENCE.sub(lambda m: variables.get(m[1], m[0]), line)
    return _TOOL_VARIABLE.sub(lambda m: m[1] + m[2] + m[3].lower().replace("_", "-"), expanded)
