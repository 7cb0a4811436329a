"""Every regular expression written in the scanner's code stays linear on hostile text.

The scanner's patterns run over what a repository's author writes: file names, CI
command lines, YAML values, whole files.  Those on RE2 are linear by construction; each
one on Python's backtracking `re` is run the way the code runs it over adversarial text
(tests/adversarial.py), where a quadratic pattern takes seconds to minutes instead of
milliseconds.  It finds them two ways: every compiled pattern a module holds (also in a
tuple, list, dict or dataclass, or on a class; compiled now or where first used), and every
pattern written as a literal in a call to `re` (`re.sub(r"...", ...)` in a function).
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import scanner
from scanner.collectors.ci.hits import WEAK_PLACE
from scanner.collectors.ci.jenkins import SCHEDULED
from scanner.collectors.ci.resolve import make
from scanner.collectors.files.index import TEMPLATE
from scanner.collectors.files.practices import GENERATED_HEADER
from scanner.lazy_patterns import LazyPattern
from scanner.patterns import Linear, Pattern

from adversarial import adversarial_lines
from package_files import module_name, python_files

SOURCE = Path(scanner.__file__).parent
LENGTH = 100_000
# Seconds for one line: the slowest linear pattern takes 0.06 s over 100,000 characters,
# a quadratic one caught here 4 s to minutes (and 1,600 times that over the 2 MB a file
# may have).  Over the bound (a loaded machine can get there), a line four times as long
# must take less than eight times as long: a linear pattern takes about four, a quadratic
# one sixteen.
BOUND = 1.0
MIGRATIONS = "scanner.store.migrations"
ANCHORED = frozenset({"match", "fullmatch"})
# Where a call to `re` takes its flags, by position.
FLAGS_AT = {"compile": 1, "search": 2, "match": 2, "fullmatch": 2, "findall": 2,
            "finditer": 2, "split": 3, "sub": 4, "subn": 4}


@dataclasses.dataclass(frozen=True)
class Written:
    where: str
    pattern: re.Pattern[str]
    # How the code runs it: `match`/`fullmatch` where those are all it is used for, else
    # `search`, which also costs what `sub`, `findall` and `finditer` do.
    methods: tuple[str, ...]


def _sources() -> dict[str, ast.Module]:
    """Each module's syntax tree, by module name (also folders without __init__.py,
    which pkgutil does not walk)."""
    return {module_name(path, SOURCE): ast.parse(path.read_text(encoding="utf-8"))
            for path in python_files(SOURCE)}


SOURCES = _sources()


def _held(value: object, depth: int = 0) -> Iterator[object]:
    """Compiled patterns in `value`: itself, or in its items or fields."""
    if isinstance(value, re.Pattern | Linear):
        yield value
    elif isinstance(value, LazyPattern):  # compiled where first used: compiled here
        yield re.compile(value.pattern, value.flags)
    elif depth < 3 and isinstance(value, (tuple, list, set, frozenset)):
        for item in value:
            yield from _held(item, depth + 1)
    elif depth < 3 and dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from _held(getattr(value, item.name), depth + 1)
    elif depth < 3 and isinstance(value, dict):
        for key, item in value.items():
            yield from _held(key, depth + 1)
            yield from _held(item, depth + 1)


def _module_level() -> Iterator[tuple[str, str, str, object]]:
    """(module, name, where, compiled pattern) for each pattern a module or its classes
    hold."""
    for place in SOURCES:
        if place.endswith("__main__") or place.startswith(MIGRATIONS):
            continue  # importing them runs the command line or a migration
        for name, value in vars(importlib.import_module(place)).items():
            if inspect.isclass(value) and value.__module__ == place:
                for attribute, held in vars(value).items():
                    yield from ((place, attribute, f"{place}.{name}.{attribute}", p)
                                for p in _held(held))
            elif not inspect.ismodule(value):
                yield from ((place, name, f"{place}.{name}", p) for p in _held(value))


def _calls(tree: ast.Module) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """The methods called on each name (`NAME.match(...)`) and on each attribute
    (`module.NAME.match(...)`), with `other` where one is read any other way (passed
    on, put in a tuple)."""
    names: dict[str, set[str]] = {}
    attributes: dict[str, set[str]] = {}
    receivers: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver = node.func.value
            if isinstance(receiver, ast.Name):
                names.setdefault(receiver.id, set()).add(node.func.attr)
                receivers.add(id(receiver))
            elif isinstance(receiver, ast.Attribute):
                attributes.setdefault(receiver.attr, set()).add(node.func.attr)
                receivers.add(id(receiver))
    for node in ast.walk(tree):
        if id(node) in receivers:
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            names.setdefault(node.id, set()).add("other")
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            attributes.setdefault(node.attr, set()).add("other")
    return names, attributes


CALLS = {place: _calls(tree) for place, tree in SOURCES.items()}


def _imports() -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(module, name) -> (module, local name) for each `from module import name`."""
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for place, tree in SOURCES.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    found.setdefault((node.module, alias.name), []).append(
                        (place, alias.asname or alias.name))
    return found


IMPORTS = _imports()


def _uses(place: str, name: str) -> set[str]:
    """How the code uses `place`'s `name`: in its module, where it is imported by name,
    and wherever an attribute of that name is read (`self.NAME`, `module.NAME`)."""
    found = set(CALLS[place][0].get(name, ()))
    for other, local in IMPORTS.get((place, name), []):
        found |= CALLS[other][0].get(local, set())
    for _, attributes in CALLS.values():
        found |= attributes.get(name, set())
    return found


def _literal_calls() -> Iterator[Written]:
    """`re.compile(r"...")`, `re.sub(r"...", ...)` and the like, wherever they are."""
    for place, tree in SOURCES.items():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
                    and node.func.attr in FLAGS_AT and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                continue
            method, at = node.func.attr, FLAGS_AT[node.func.attr]
            flags = node.args[at] if len(node.args) > at else \
                next((k.value for k in node.keywords if k.arg == "flags"), None)
            value = eval(compile(ast.Expression(flags), place, "eval"), {"re": re}) \
                if flags is not None else 0
            where = f"{place}:{node.lineno}"
            yield Written(where, re.compile(node.args[0].value, value),
                          (method,) if method in ANCHORED else ("search",))


def _written() -> tuple[list[Written], int]:
    """The scanner's patterns on `re`, each once, and how many it holds on RE2."""
    found: dict[tuple[str, int], Written] = {}
    on_re2: set[str] = set()
    for place, name, where, pattern in _module_level():
        if not isinstance(pattern, re.Pattern):
            on_re2.add(pattern.pattern)  # type: ignore[attr-defined]
            continue
        used = _uses(place, name) or {"other"}
        methods = tuple(sorted(used)) if used <= ANCHORED else ("search",)
        found.setdefault((pattern.pattern, pattern.flags), Written(where, pattern, methods))
    for written in _literal_calls():
        key = (written.pattern.pattern, written.pattern.flags)
        if key in found and found[key].methods != ("search",):
            continue  # the name's own uses decide; a literal call does not widen them
        found.setdefault(key, written)
    return list(found.values()), len(on_re2)


WRITTEN, ON_RE2 = _written()


def test_the_sweep_finds_the_patterns_of_every_kind_of_module() -> None:
    places = {w.where.rpartition(".")[2] for w in WRITTEN}
    assert len(WRITTEN) > 300 and ON_RE2 >= 1
    assert {"SECURITY_CHECK", "_TOKEN", "HOUSEKEEPING", "SUPPRESSION"} <= places
    assert any(w.where.startswith("scanner.collectors.files.delivery.") and ":" in w.where
               for w in WRITTEN)  # a literal call in one of its modules
    assert "scanner.collectors.hosts.github.collector._SAFE_PART" in {w.where for w in WRITTEN}


@pytest.mark.parametrize("written", WRITTEN, ids=lambda w: f"{w.where} {w.pattern.pattern[:40]}")
def test_a_builtin_pattern_stays_linear_on_adversarial_text(written: Written) -> None:
    for line in adversarial_lines(written.pattern, LENGTH, alphanumeric_pairs=False):
        for method in written.methods:
            took = _timed(written.pattern, method, line)
            if took >= BOUND:  # slow, or a busy machine: a quadratic pattern also scales so
                longer = line[:-1] * 4 + line[-1:]
                growth = _timed(written.pattern, method, longer) / max(
                    _timed(written.pattern, method, line), 1e-6)
                assert growth < 8, (written.where, written.pattern.pattern, method, line[:40],
                                    took, growth)


def _timed(pattern: object, method: str, line: str) -> float:
    """The quicker of two runs: one spike of a loaded machine is not the pattern's cost."""
    runs = []
    for _ in range(2):
        started = time.monotonic()
        getattr(pattern, method)(line)
        runs.append(time.monotonic() - started)
    return min(runs)


@pytest.mark.parametrize(("moved", "was", "texts"), [
    (make._ANY_VARIABLE,
     r"\$\$[A-Za-z_][A-Za-z0-9_]*|\$\$\{[^}]*\}|\$[({][^)}]*[)}]|\$\$?\w",
     ["test-$(image)", "$$x $${a} $x $$(y) ${z", "$(a $(b)) $é $$é $1"]),
    (TEMPLATE, r"\{\{(.*?)\}\}", ["a {{ .Values.x }} b {{x}}}} {{ {{y}} }} é{{é}}"]),
    (SCHEDULED, r"\bpipelineTriggers\b.*\bcron\(\s*['\"][^'\"]",
     ["triggers { pipelineTriggers([cron('H 4 * * *')]) }", "pipelineTriggers([cron(x)])"]),
    (WEAK_PLACE, r"(?i)(^|/)(tests?|testing|testdata|test-data|fixtures?|examples?|"
                 r"samples?|docs?|e2e|hack|__tests__|spec)(/|$)|(^|/)[^/]*test[^/]*\.mk:",
     ["Tests/ci.sh:3", "src/spec", "mk/unittest.mk:4", "latest/ci.sh:1", "docs"]),
    (GENERATED_HEADER, r"(?i)(code generated .* do not edit|@generated|<auto-?generated|"
                       r"auto-?generated by|this file (is|was) (automatically )?generated)",
     ["// Code generated by protoc. DO NOT EDIT.", "# This file was generated", "generated"]),
])
def test_a_pattern_moved_to_re2_finds_what_re_found(
        moved: Pattern, was: str, texts: list[str]) -> None:
    assert not isinstance(moved, re.Pattern)
    for text in texts:
        assert moved.sub("<>", text) == re.sub(was, "<>", text), text
        assert moved.findall(text) == re.findall(was, text), text
