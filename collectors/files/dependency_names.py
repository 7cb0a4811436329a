"""The dependency names a manifest declares, each with the line that declares it.

One reader a kind of manifest (package.json, composer.json, requirements files,
pyproject.toml, Pipfile, Cargo.toml, a Gradle version catalogue, go.mod, pom.xml,
build.gradle, Gemfile and gemspecs, .NET project files), shared by the detectors
that look for libraries among the dependencies.  Where those detectors read a
manifest differently, a `ManifestReading` says how.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.collectors.files import pom
from scanner.collectors.structured import load_json, load_toml
from scanner.lazy_patterns import lazy_compile

# (name, line) for each dependency in a manifest's text.
Names = Callable[[str], Iterable[tuple[str, int]]]

REQUIREMENT = lazy_compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")
GRADLE_COORDINATE = lazy_compile(r"""["']([\w.-]+):([\w.-]+)(:[^"']*)?["']""")
GRADLE_MAP = lazy_compile(r"""group\s*[:=]\s*["']([^"']+)["']\s*,\s*name\s*[:=]\s*["']([^"']+)""")
GEM = lazy_compile(r"""^\s*(gem|\w+\.add_(?:runtime_|development_)?dependency)\s*\(?\s*["']"""
                   r"""([^"']+)["']""")
NUGET = lazy_compile(r"""<(?:PackageReference|PackageVersion|package)\b[^>]*?\s"""
                     r"""(?:Include|Update|id)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


@dataclass(frozen=True)
class ManifestReading:
    """Where detectors read manifests differently."""

    # The package.json sections read.
    npm_sections: tuple[str, ...]
    # Characters (a regular-expression class) that, standing just before a name on a line,
    # make it the tail of a longer name, not the name.
    joined_before: str
    # Whether `-e …#egg=name` lines of a requirements file name a dependency.
    eggs: bool


def manifest_reader(path: str, reading: ManifestReading) -> tuple[str, Names] | None:
    """(ecosystem, reader of the names) for a dependency manifest; None for other files."""
    name = posixpath.basename(path)
    folder = posixpath.basename(posixpath.dirname(path))
    if name == "package.json":
        return "npm", lambda text: json_keys(text, reading.npm_sections, reading.joined_before)
    if name == "composer.json":
        return "composer", lambda text: json_keys(text, ("require", "require-dev"),
                                                  reading.joined_before)
    if re.match(r"(?i)^(requirements|constraints)[\w.-]*\.(txt|in)$", name) or \
            (folder == "requirements" and name.endswith((".txt", ".in"))):
        return "pypi", lambda text: requirements(text, reading.eggs)
    ecosystem = {"pyproject.toml": "pypi", "Pipfile": "pypi", "Cargo.toml": "cargo",
                 "libs.versions.toml": "maven"}.get(name)
    if ecosystem is not None:
        return ecosystem, lambda text: toml_names(text, name, reading.joined_before)
    if name == "go.mod":
        return "go", go_mod
    if name == "pom.xml":
        return "maven", pom.dependencies
    if name in ("build.gradle", "build.gradle.kts"):
        return "maven", gradle
    if name == "Gemfile" or name.endswith(".gemspec"):
        return "gem", gems
    if name.endswith((".csproj", ".fsproj", ".vbproj")) or name in ("Directory.Packages.props",
                                                                    "packages.config"):
        return "nuget", nuget
    return None


def line_of(lines: Sequence[str], name: str, joined_before: str, start: int = 0) -> int:
    """The first line at or after `start` naming the package (1-based; 1 when none does)."""
    pattern = re.compile(f"(?<![{joined_before}])" + re.escape(name) + r"(?![\w.-])",
                         re.IGNORECASE)
    order: list[int] = [*range(start, len(lines)), *range(0, start)]
    for index in order:
        if pattern.search(lines[index]) and not lines[index].lstrip().startswith(("#", "//")):
            return index + 1
    return 1


def json_keys(text: str, sections: Sequence[str],
              joined_before: str) -> Iterator[tuple[str, int]]:
    data = load_json(text)
    if not isinstance(data, dict):
        return
    lines = text.splitlines()
    for section in sections:
        dependencies = data.get(section)
        if not isinstance(dependencies, dict):
            continue
        marker = re.compile(r'"' + re.escape(section) + r'"\s*:')
        start = next((i for i, line in enumerate(lines) if marker.search(line)), 0)
        for name in dependencies:
            yield str(name), line_of(lines, str(name), joined_before, start)


def requirements(text: str, eggs: bool) -> Iterator[tuple[str, int]]:
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):
            egg = re.search(r"#egg=([A-Za-z0-9._-]+)", line) if eggs else None
            if egg:
                yield egg[1], number
            continue
        match = REQUIREMENT.match(line)
        if match:
            yield match[1], number


def toml_names(text: str, kind: str, joined_before: str) -> Iterator[tuple[str, int]]:
    data = load_toml(text)
    lines = text.splitlines()
    for name in _toml_dependencies(data, kind):
        yield name, line_of(lines, name, joined_before)


def _toml_dependencies(data: dict[str, Any], kind: str) -> Iterator[str]:
    def table(*steps: str) -> Any:
        node: Any = data
        for step in steps:
            node = node.get(step) if isinstance(node, dict) else None
        return node

    def keys(node: Any) -> Iterator[str]:
        for key, value in node.items() if isinstance(node, dict) else []:
            package = value.get("package") if isinstance(value, dict) else None
            yield package if isinstance(package, str) else str(key)

    def specs(items: Any) -> Iterator[str]:
        for item in items if isinstance(items, list) else []:
            match = REQUIREMENT.match(item.strip()) if isinstance(item, str) else None
            if match:
                yield match[1]

    def values(node: Any) -> list[Any]:
        return list(node.values()) if isinstance(node, dict) else []

    if kind == "pyproject.toml":
        yield from specs(table("project", "dependencies"))
        for group in (table("project", "optional-dependencies"), table("dependency-groups"),
                      table("tool", "pdm", "dev-dependencies")):
            for items in values(group):
                yield from specs(items)
        yield from specs(table("tool", "uv", "dev-dependencies"))
        yield from keys(table("tool", "poetry", "dependencies"))
        yield from keys(table("tool", "poetry", "dev-dependencies"))
        for group in values(table("tool", "poetry", "group")):
            yield from keys(group.get("dependencies") if isinstance(group, dict) else None)
    elif kind == "Pipfile":
        yield from keys(table("packages"))
        yield from keys(table("dev-packages"))
    elif kind == "Cargo.toml":
        sections = ("dependencies", "dev-dependencies", "build-dependencies")
        for section in sections:
            yield from keys(table(section))
            yield from keys(table("workspace", section))
        for target in values(table("target")):
            for section in sections:
                yield from keys(target.get(section) if isinstance(target, dict) else None)
    elif kind == "libs.versions.toml":  # a Gradle version catalogue
        for value in values(table("libraries")):
            if isinstance(value, str):
                yield ":".join(value.split(":")[:2])
            elif isinstance(value, dict) and isinstance(value.get("module"), str):
                yield value["module"]
            elif isinstance(value, dict) and isinstance(value.get("group"), str):
                yield f"{value['group']}:{value.get('name', '')}"


def go_mod(text: str) -> Iterator[tuple[str, int]]:
    block = False
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("//", 1)[0].strip()
        if line.startswith("require ("):
            block = True
        elif block and line == ")":
            block = False
        elif block and line:
            yield line.split()[0], number
        elif line.startswith("require "):
            parts = line.split()
            if len(parts) >= 2:
                yield parts[1], number


def gradle(text: str) -> Iterator[tuple[str, int]]:
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("//"):
            continue
        for match in (*GRADLE_COORDINATE.finditer(line), *GRADLE_MAP.finditer(line)):
            yield f"{match[1]}:{match[2]}", number


def gems(text: str) -> Iterator[tuple[str, int]]:
    for number, line in enumerate(text.splitlines(), 1):
        match = GEM.match(line)
        if match:
            yield match[2], number


def nuget(text: str) -> Iterator[tuple[str, int]]:
    for match in NUGET.finditer(text):
        yield match[1], text.count("\n", 0, match.start()) + 1
