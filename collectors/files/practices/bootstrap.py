"""One-command setup: bootstrap-named Makefile targets and just recipes that run something,
and bootstrap or setup scripts.  Recipes are read with the CI command parser
(`ci.resolve.Resolver`), so both agree on what a target runs."""

from __future__ import annotations

from collections.abc import Sequence

from scanner.collectors.base import Emitter
from scanner.collectors.ci.model import COMMAND, Reference
from scanner.collectors.ci.resolve import JUSTFILES, MAKEFILES, Resolver
from scanner.collectors.files.index import FileIndex
from scanner.collectors.files.practices.reading import bounded_text
from scanner.collectors.tree import SkippedFile
from scanner.lazy_patterns import lazy_compile

BOOTSTRAP_TARGETS = ("setup", "bootstrap", "install", "init", "dev", "develop", "deps", "prepare")
BOOTSTRAP_SCRIPTS = lazy_compile(r"^(script/(bootstrap|setup)(\.\w+)?|scripts/(bootstrap|setup)"
                                 r"[^/]*|bin/setup(\.\w+)?|(setup|bootstrap)\.sh)$")
# `make install` of a C or Go program installs the product, not the development setup.
SYSTEM_INSTALL = lazy_compile(r"DESTDIR|\$[({]?(PREFIX|prefix|BINDIR|bindir)\b|/usr/(local/)?|"
                              r"(^|\s)install\s+-[dmDvCp]")
_MAKE_RULE_LINE = lazy_compile(r"^([^\s:#=][^:=#]*?)\s*::?(?!=)(.*)$")
_JUST_HEADER = lazy_compile(r"^@?([A-Za-z0-9_-]+)(\s+[^:]*)?:(?!=)(.*)$")


class _IndexTree:
    """The file index as a `RepoTree`, so the CI command parser reads through its cache."""

    def __init__(self, files: FileIndex) -> None:
        self.files = files

    def paths(self) -> Sequence[str]:
        return self.files.paths()

    def has(self, path: str) -> bool:
        return self.files.has(path)

    def read_text(self, path: str) -> str:
        text = self.files.text(path)
        if text is None:
            raise SkippedFile(self.files.skipped.get(path, "not readable"))
        return text


def bootstrap_entry_points(files: FileIndex, out: Emitter) -> None:
    tree = _IndexTree(files)
    resolver = Resolver(tree)
    found: list[tuple[str, int]] = []
    makefile = next((name for name in MAKEFILES if files.has(name)), None)
    if makefile is not None:
        found += _make_targets(files, resolver, makefile)
    justfile = next((name for name in JUSTFILES if files.has(name)), None)
    if justfile is not None:
        found += _just_recipes(files, resolver, justfile)
    found += [(path, 0) for path in files.paths() if BOOTSTRAP_SCRIPTS.match(path)]
    locators = [f"{path}:{line}" if line else path for path, line in sorted(set(found))]
    out.emit("dev.bootstrap", locators, locators,
             None if locators else "no setup, bootstrap, install or dev target in a Makefile or "
             "justfile, and no script/bootstrap, scripts/setup*, bin/setup or setup.sh")


def _make_targets(files: FileIndex, resolver: Resolver, makefile: str) -> list[tuple[str, int]]:
    """Bootstrap-named targets that run at least one command (theirs or a prerequisite's)."""
    text = bounded_text(files, makefile)
    if text is None:
        return []
    lines = _rule_lines(text)
    found: list[tuple[str, int]] = []
    for target in BOOTSTRAP_TARGETS:
        if target not in lines:
            continue
        commands = [ref.value for ref in _expand(resolver, f"make {target}")
                    if ref.locator.startswith(f"{makefile}:")]
        if not commands or (target == "install" and any(SYSTEM_INSTALL.search(c)
                                                        for c in commands)):
            continue
        found.append((makefile, lines[target]))
    return found


def _rule_lines(text: str) -> dict[str, int]:
    """The first rule line of each explicit Makefile target."""
    lines: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        if raw.startswith("\t") or raw.startswith("."):
            continue
        match = _MAKE_RULE_LINE.match(raw.split("#", 1)[0].rstrip())
        if match:
            for target in match[1].split():
                lines.setdefault(target, number)
    return lines


def _just_recipes(files: FileIndex, resolver: Resolver, justfile: str) -> list[tuple[str, int]]:
    """Bootstrap-named recipes with a command line or a dependency."""
    text = bounded_text(files, justfile)
    if text is None:
        return []
    headers: dict[str, tuple[int, bool]] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw or raw[0].isspace() or raw.startswith(("#", "[")):
            continue
        match = _JUST_HEADER.match(raw)
        if match and match[1] not in ("set", "alias", "export", "import", "mod"):
            dependencies = match[3].split("#", 1)[0].strip()
            headers.setdefault(match[1], (number, bool(dependencies)))
    found: list[tuple[str, int]] = []
    for recipe in BOOTSTRAP_TARGETS:
        if recipe not in headers:
            continue
        line, has_dependencies = headers[recipe]
        if has_dependencies or any(ref.locator.startswith(f"{justfile}:")
                                   for ref in _expand(resolver, f"just {recipe}")):
            found.append((justfile, line))
    return found


def _expand(resolver: Resolver, command: str) -> list[Reference]:
    return resolver.resolve(Reference(COMMAND, command, "practices"))
