"""Imports go one way: collectors → evidence → rules → scorer → reports, with the command
line on top. A change that imports against that flow, or makes two modules import each
other, fails here with the import that did it."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from package_files import module_name, python_files

REPOSITORY = Path(__file__).resolve().parents[1]

UPSTREAM_OF_RULES = ("scanner.engine", "scanner.scoring", "scanner.store", "scanner.reports",
                     "scanner.cli", "scanner.scan", "scanner.collecting", "scanner.config",
                     "scanner.survey",
                     "scanner.compare", "scanner.plan", "scanner.diff")
# Modules everything may use; they may use none of the stages.
FOUNDATION = ("scanner.errors", "scanner.printable", "scanner.credentials", "scanner.validate",
              "scanner.yaml_source", "scanner.yaml_values", "scanner.parsed_yaml",
              "scanner.patterns", "scanner.lazy_patterns",
              "scanner.signals", "scanner.evidence",
              "scanner.problems", "scanner.logs", "scanner.model", "scanner.timeline",
              "scanner.memory", "scanner.waivers")
STAGES = ("scanner.collectors", "scanner.engine", "scanner.scoring", "scanner.store",
          "scanner.reports", "scanner.cli", "scanner.scan", "scanner.collecting")

# importer (a module or package) -> what it must not import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "scanner.collectors": UPSTREAM_OF_RULES,
    "scanner.engine": ("scanner.collectors", "scanner.scoring", "scanner.store",
                       "scanner.reports", "scanner.cli", "scanner.scan", "scanner.collecting",
                       "scanner.config"),
    "scanner.scoring": ("scanner.collectors", "scanner.store", "scanner.reports",
                        "scanner.cli", "scanner.scan", "scanner.collecting", "scanner.config"),
    "scanner.store": ("scanner.collectors", "scanner.reports", "scanner.cli", "scanner.scan",
                      "scanner.collecting"),
    "scanner.reports": ("scanner.collectors", "scanner.cli", "scanner.scan",
                        "scanner.collecting"),
    **{module: STAGES for module in FOUNDATION},
}


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    type_only: bool  # under `if TYPE_CHECKING:`: no cycle at run time, but a dependency


def _modules(root: Path) -> dict[str, Path]:
    """Module name -> file, `scanner.collectors` included (through its link)."""
    package = root / "scanner"
    return {module_name(path, package): path for path in python_files(package)}


def _imports(name: str, path: Path, known: set[str]) -> list[Import]:
    found: list[Import] = []
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]

    def add(imported: str, node: ast.stmt, type_only: bool) -> None:
        if imported.startswith("scanner"):
            found.append(Import(name, imported, node.lineno, type_only))

    def visit(nodes: list[ast.stmt], type_only: bool) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.body, True)
                visit(node.orelse, type_only)
                continue
            if isinstance(node, ast.Import):
                for alias in node.names:
                    add(alias.name, node, type_only)
            elif isinstance(node, ast.ImportFrom):
                base = ".".join([*package[:len(package) - node.level + 1], node.module or ""]
                                if node.level else [node.module or ""]).strip(".")
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    add(full if full in known else base, node, type_only)
            for field in ("body", "orelse", "finalbody", "handlers"):
                inner = getattr(node, field, None)
                if isinstance(inner, list) and not isinstance(node, ast.If):
                    visit([n for n in inner if isinstance(n, ast.stmt | ast.ExceptHandler)],
                          type_only)
                elif isinstance(node, ast.If) and field in ("body", "orelse"):
                    visit(inner or [], type_only)

    visit(ast.parse(path.read_text("utf-8")).body, False)
    return found


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def violations(root: Path) -> list[str]:
    modules = _modules(root)
    found: list[str] = []
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for item in _imports(name, path, set(modules)):
            where = f"{path.relative_to(root)}:{item.line} imports {item.imported}"
            if _within(item.imported, "scanner.cli") and not _within(name, "scanner.cli") \
                    and name != "scanner.__main__":
                found.append(f"{where}: only the entry point imports the command line")
            for importer, banned in FORBIDDEN.items():
                if _within(name, importer) and not _within(item.imported, importer):
                    hit = next((b for b in banned if _within(item.imported, b)), None)
                    if hit:
                        found.append(f"{where}: {importer} must not import {hit}")
            if not item.type_only and item.imported in modules and item.imported != name:
                graph[name].add(item.imported)
    found.extend(f"import cycle: {' → '.join(cycle)}" for cycle in _cycles(graph))
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per group of modules that import each other (Tarjan's components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def strong(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                strong(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            strong(node)
    return cycles


def test_the_source_tree_imports_in_one_direction() -> None:
    assert violations(REPOSITORY) == []


def test_the_walk_sees_collectors_and_lazy_imports() -> None:
    modules = _modules(REPOSITORY)
    assert "scanner.collectors.files.index" in modules
    assert "scanner.cli.commands.scan" in modules
    lazy = _imports("scanner.cli.commands.scan", modules["scanner.cli.commands.scan"],
                    set(modules))
    assert any(item.imported == "scanner.scan" for item in lazy)  # imported inside a function


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name in ("scanner/__init__.py", "collectors/__init__.py", *files):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files.get(name, ""))
    (tmp_path / "scanner" / "collectors").symlink_to("../collectors")
    return tmp_path


@pytest.mark.parametrize(("files", "expected"), [
    ({"collectors/reader.py": "def f():\n    from scanner.scoring.scorer import x\n",
      "scanner/scoring/__init__.py": "", "scanner/scoring/scorer.py": "x = 1\n"},
     "scanner/collectors/reader.py:2 imports scanner.scoring.scorer: scanner.collectors must not "
     "import scanner.scoring"),
    ({"scanner/engine/__init__.py": "from scanner.collectors import reader\n",
      "collectors/reader.py": ""},
     "scanner/engine/__init__.py:1 imports scanner.collectors.reader: scanner.engine must not "
     "import scanner.collectors"),
    ({"scanner/reports/__init__.py": "import scanner.cli\n", "scanner/cli/__init__.py": ""},
     "scanner/reports/__init__.py:1 imports scanner.cli: only the entry point imports the "
     "command line"),
    ({"scanner/a.py": "from scanner import b\n", "scanner/b.py": "from scanner import a\n"},
     "import cycle: scanner.a → scanner.b"),
])
def test_an_import_against_the_flow_is_named(tmp_path: Path, files: dict[str, str],
                                              expected: str) -> None:
    assert expected in violations(_tree(tmp_path, files))


def test_type_only_imports_make_no_cycle(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "scanner/a.py": "from scanner import b\n",
        "scanner/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                        "    from scanner import a\n"})
    assert violations(root) == []
