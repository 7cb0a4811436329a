"""Makefiles as make reads them, enough to know what `make TARGET` runs.

Explicit rules with their prerequisites, pattern rules (`test-%:`), simple
variables (`GO ?= go`), included makefiles (relative to the folder make runs in)
and targets named through variables (`$(MAKE) test-$$image` inside a loop),
matched against the explicit and pattern targets they could stand for.
Nothing here runs make or the shell: recipes are text.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from scanner import patterns
from scanner.lazy_patterns import lazy_compile

MAX_INCLUDES = 64  # included makefiles read per top-level Makefile
MAKEFILES = ("GNUmakefile", "makefile", "Makefile")

_TARGETS = lazy_compile(r"[A-Za-z0-9_./%$(){} -]+")
_VARIABLE = lazy_compile(r"^(?:override\s+|export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*"
                         r"(?:\?=|:=|::=|\+=|!=|=)(.*)$")
_REFERENCE = lazy_compile(r"\$[({]([A-Za-z_][A-Za-z0-9_.-]*)[)}]")
_INCLUDE = lazy_compile(r"^(?:-|s)?include\s+(.+)$")
# `$(GOLANGCI_LINT) run` where the variable is set out of sight (generated, or by the
# environment): by convention the variable is the tool's name in capitals.
_TOOL_VARIABLE = lazy_compile(r"\$[({]([A-Z][A-Z0-9_]*)[)}]")
_COMMAND_START = lazy_compile(r"&&|\|\||;|\|")
# `$(eval ENGINERUN= )` in a recipe: a variable set for the targets that run after it.
EVAL = lazy_compile(r"^\$[({]eval\s+([A-Za-z_][A-Za-z0-9_.-]*)\s*(?::=|=)([^)}]*)[)}]$")
_ASSIGNMENT = lazy_compile(r"[A-Za-z_][A-Za-z0-9_]*=\S*")
# On RE2: in Python's `re`, every `$(` with no closing bracket after it scans to the end.
# [\p{L}\p{N}_] is `\w` as Python reads it (RE2's `\w` is ASCII only).
_ANY_VARIABLE = patterns.own(
    r"\$\$[A-Za-z_][A-Za-z0-9_]*|\$\$\{[^}]*\}|\$[({][^)}]*[)}]|\$\$?[\p{L}\p{N}_]")

Read = Callable[[str], "str | None"]


@dataclass(frozen=True)
class Line:
    path: str
    number: int
    text: str

    @property
    def locator(self) -> str:
        return f"{self.path}:{self.number}"


@dataclass
class Makefile:
    path: str
    folder: str  # the folder make runs in
    recipes: dict[str, list[Line]] = field(default_factory=dict)
    prerequisites: dict[str, list[str]] = field(default_factory=dict)
    patterns: dict[str, list[Line]] = field(default_factory=dict)  # `test-%` -> recipe
    pattern_prerequisites: dict[str, list[str]] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)
    rule_lines: dict[str, Line] = field(default_factory=dict)
    included: int = 0

    @property
    def default_target(self) -> str | None:
        return next(iter(self.recipes), None)

    def targets_for(self, name: str) -> list[str]:
        """The explicit targets a named target stands for: itself, or every one it can
        match when it is built from variables (`test-$(image)` -> `test-*`)."""
        name = self.expand(name)
        if "$" not in name:
            return [name]
        shape = _ANY_VARIABLE.sub("*", name)
        return [target for target in self.recipes if fnmatch.fnmatchcase(target, shape)]

    def pattern_for(self, target: str) -> tuple[str, str] | None:
        """(pattern, stem) of the pattern rule that makes `target`, or None. A target with
        variables matches a pattern whose fixed parts it starts and ends with."""
        for pattern in self.patterns:
            prefix, _, suffix = pattern.partition("%")
            literal = _ANY_VARIABLE.sub("", target)
            if "$" in target:
                head = target.split("$", 1)[0]
                if head.startswith(prefix) and (not suffix or target.endswith(suffix)):
                    return pattern, "*"
            elif literal.startswith(prefix) and literal.endswith(suffix) \
                    and len(literal) > len(prefix) + len(suffix):
                return pattern, literal[len(prefix):len(literal) - len(suffix)]
        return None

    def expand(self, text: str, overrides: dict[str, str] | None = None) -> str:
        """Simple variables expanded once: `$(GO) test` -> `go test`; a tool variable
        defined out of sight reads as the tool's name (`$(GOLANGCI_LINT)` ->
        `golangci-lint`), and `$(MAKE)` as `make`.  `overrides` are values set by
        `$(eval NAME=value)` in a target run earlier in the same make."""
        values = {**self.variables, **overrides} if overrides else self.variables
        expanded = _REFERENCE.sub(
            lambda m: values.get(m[1], "make" if m[1] == "MAKE" else m[0]), text)
        if "$" not in expanded:
            return expanded
        starts = [0] + [m.end() for m in _COMMAND_START.finditer(expanded)]
        ends = [m.start() for m in _COMMAND_START.finditer(expanded)] + [len(expanded)]
        return "".join(expanded[previous:start] + _tool_named(expanded[start:end])
                       for previous, start, end in zip([0, *ends[:-1]], starts, ends,
                                                       strict=True))


def _tool_named(command: str) -> str:
    """`A=1 $(GOLANGCI_LINT) run` -> `A=1 golangci-lint run`: the variable in command
    position only."""
    words = command.split(" ")
    for index, word in enumerate(words):
        if not word or _ASSIGNMENT.fullmatch(word):
            continue
        match = _TOOL_VARIABLE.fullmatch(word)
        if match:
            words[index] = match[1].lower().replace("_", "-")
        break
    return " ".join(words)


def find_makefile(has: Callable[[str], bool], folder: str, name: str | None) -> str | None:
    for candidate in [name] if name else MAKEFILES:
        path = posixpath.normpath(posixpath.join(folder, candidate))
        if has(path):
            return path
    return None


@dataclass(frozen=True)
class Files:
    """How make's files are reached: read one, test one, list all."""

    read: Read
    has: Callable[[str], bool]
    paths: Callable[[], list[str]]


def parse(path: str, folder: str, files: Files) -> Makefile | None:
    """The makefile at `path` with what it includes; None when it cannot be read."""
    makefile = Makefile(path, folder)
    return makefile if _read_into(path, makefile, files, {path}) else None


def _rule(line: str) -> tuple[str, str] | None:
    """(targets, the rest) of a rule line `targets: prerequisites ; recipe`, or None."""
    colon = line.find(":")
    if colon <= 0 or line[colon + 1:colon + 2] == "=" or \
            not _TARGETS.fullmatch(line[:colon]):
        return None
    rest = line[colon + 1:]
    return line[:colon].strip(), rest[1:] if rest.startswith(":") else rest


def _read_into(path: str, into: Makefile, files: Files, seen: set[str]) -> bool:
    text = files.read(path)
    if text is None:
        return False
    current: list[str] = []
    pattern_rule = False
    pending = ""
    for number, raw in enumerate(text.splitlines(), 1):
        if raw.startswith("\t") and not pending:  # a tab inside a continued line is text
            line = raw.strip().lstrip("@-+").strip()
            if line and not line.startswith("#") and current:
                store = into.patterns if pattern_rule else into.recipes
                for target in current:
                    store[target].append(Line(path, number, line))
            continue
        # make joins a continued line to the next with one space
        stripped = (pending + (raw.lstrip() if pending else raw).split("#", 1)[0]).rstrip()
        if stripped.endswith("\\"):
            pending = stripped[:-1].rstrip() + " "
            continue
        pending = ""
        if not stripped.strip():
            continue
        stripped = stripped.strip()
        included = _INCLUDE.match(stripped)
        variable = None if included else _VARIABLE.match(stripped)
        rule = None if included or variable else _rule(stripped)
        current = []
        if included:
            for other in _included(included[1], into, files, seen):
                if into.included < MAX_INCLUDES:
                    into.included += 1
                    seen.add(other)
                    _read_into(other, into, files, seen)
        elif variable:
            into.variables.setdefault(variable[1], variable[2].strip())
        elif rule and not stripped.startswith("."):
            deps, _, inline = rule[1].partition(";")
            names = rule[0].split()
            pattern_rule = any("%" in name for name in names)
            for target in names:
                store = into.patterns if pattern_rule else into.recipes
                store.setdefault(target, [])
                requisites = into.pattern_prerequisites if pattern_rule else into.prerequisites
                requisites.setdefault(target, []).extend(
                    d for d in deps.split("|", 1)[0].split() if d)
                into.rule_lines.setdefault(target, Line(path, number, stripped))
                if inline.strip():
                    store[target].append(Line(path, number, inline.strip()))
            current = names
    return True


def _included(words: str, into: Makefile, files: Files, seen: set[str]) -> list[str]:
    """Tracked files an include line names; words with unknown variables are skipped."""
    found: list[str] = []
    for word in into.expand(words).split():
        if "$" in word:
            continue
        pattern = posixpath.normpath(posixpath.join(into.folder, word))
        if not any(c in pattern for c in "*?["):
            matches = [pattern] if files.has(pattern) else []
        else:
            shape = re.compile(fnmatch.translate(pattern).replace(".*", "[^/]*"))
            matches = sorted(p for p in files.paths() if shape.match(p))
        found += [m for m in matches if m not in seen and m not in found]
    return found
