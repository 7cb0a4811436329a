"""Helm: what a chart renders, as far as it shows without running Helm.

A document or key guarded by `{{- if .Values.x }}` that no values file of the chart
turns on does not render, `replicas: {{ .Values.replicaCount }}` is read from the
values files, and labels written by `{{ include "chart.labels" . }}` are read from the
chart's `define` blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scanner.collectors.files.index import TEMPLATE, FileIndex, is_example
from scanner.collectors.files.kubernetes.nodes import as_int, mapping
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import LineDict

_CONTROL = lazy_compile(r"^\s*\{\{-?\s*(?P<verb>if|else|with|range|end|define|block)\b"
                        r"(?P<expr>(?:(?!\}\}).)*?)\s*-?\}\}\s*$")
_VALUES_REF = lazy_compile(r"\$?\.Values((?:\.[\w-]+)+)")
_ONLY_VALUE = lazy_compile(r"""^\s*["']?\{\{-?\s*\$?\.Values((?:\.[\w-]+)+)\s*-?\}\}["']?\s*$""")
_DEFAULT = lazy_compile(r"\bdefault\s+\"?(\d+)\"?")
_TOKEN = lazy_compile(r'\(|\)|"[^"]*"|[^\s()]+')
_INCLUDE = lazy_compile(r'\b(?:include|template)\s+"([^"]+)"')
_DEFINE = lazy_compile(r'\{\{-?\s*define\s+"([^"]+)"\s*-?\}\}')
_VALUES_FILE = lazy_compile(r"^values([-._][\w.-]+)?\.ya?ml$")
_SUBCHART = lazy_compile(r"^(?P<parent>(?:.*/)?)charts/(?P<name>[^/]+)/$")


def _truthy(value: Any) -> bool:
    """Go template truth: false, 0, nil and empty strings or collections are false."""
    return bool(value) and value not in ("false", "False")


class Helm:
    """Chart roots, values files, guards and `define` blocks of the tree's Helm charts."""

    def __init__(self, files: FileIndex) -> None:
        self.files = files
        self._lines: dict[str, list[str]] = {}
        self._roots: dict[str, str | None] = {}
        self._values: dict[str, list[tuple[str, LineDict]]] = {}
        self._bases: dict[str, int] = {}
        self._defines: dict[str, str] | None = None
        self._folders: dict[str, list[str]] | None = None

    def lines(self, path: str) -> list[str]:
        if path not in self._lines:
            text = self.files.text(path)
            self._lines[path] = text.splitlines() if text else []
        return self._lines[path]

    def raw(self, path: str, line: int) -> str:
        lines = self.lines(path)
        return lines[line - 1] if 0 < line <= len(lines) else ""

    def templated(self, path: str, line: int) -> bool:
        return "{{" in self.raw(path, line)

    def _folder_files(self, folder: str) -> list[str]:
        if self._folders is None:
            self._folders = {}
            for path in self.files.paths():
                head, _, _ = path.rpartition("/")
                self._folders.setdefault(head + "/" if head else "", []).append(path)
        return self._folders.get(folder, [])

    def chart_root(self, path: str) -> str | None:
        """`deploy/chart/` for `deploy/chart/templates/x.yaml` when a Chart.yaml is there."""
        if path not in self._roots:
            root = None
            parts = path.split("/")
            for index in range(len(parts) - 2, -1, -1):
                if parts[index] != "templates":
                    continue
                candidate = "/".join(parts[:index])
                candidate = candidate + "/" if candidate else ""
                if self.files.has(candidate + "Chart.yaml") or \
                        self.files.has(candidate + "Chart.yml"):
                    root = candidate
                    break
            self._roots[path] = root
        return self._roots[path]

    def values(self, root: str) -> list[tuple[str, LineDict]]:
        """Every values mapping that applies to the chart: its own files, then a parent's."""
        base, overrides = self._chart_values(root)
        return base + overrides

    def _chart_values(self, root: str) -> tuple[list[tuple[str, LineDict]],
                                                list[tuple[str, LineDict]]]:
        """(values.yaml, the other values files and a parent chart's section for this chart)."""
        if root not in self._values:
            base: list[tuple[str, LineDict]] = []
            overrides: list[tuple[str, LineDict]] = []
            for path in sorted(self._folder_files(root)):
                name = path[len(root):]
                if _VALUES_FILE.match(name):
                    docs = [d for d in self.files.yaml(path)[:1] if isinstance(d, LineDict)]
                    (base if name in ("values.yaml", "values.yml") else overrides).extend(
                        (path, doc) for doc in docs)
            parent = _SUBCHART.match(root)
            if parent and (self.files.has(parent["parent"] + "Chart.yaml")
                           or self.files.has(parent["parent"] + "Chart.yml")):
                for path, doc in self.values(parent["parent"]):
                    section = mapping(doc.get(parent["name"]))
                    if section is not None:
                        overrides.append((path, section))
            self._values[root] = base + overrides
            self._bases[root] = len(base)
        everything = self._values[root]
        return everything[:self._bases[root]], everything[self._bases[root]:]

    def scenarios(self, root: str) -> list[list[LineDict]]:
        """Ways the chart is installed: values.yaml alone, and with each other values file."""
        base, overrides = self._chart_values(root)
        defaults = [doc for _, doc in base]
        return [[doc, *defaults] for _, doc in overrides] + ([defaults] if defaults else [])

    @staticmethod
    def lookup(scenario: Sequence[LineDict], dotted: str) -> tuple[bool, Any]:
        """(found, value) of `.Values.<dotted>` in one scenario, the first file setting it."""
        keys = [k for k in dotted.split(".") if k]
        for doc in scenario:
            node: Any = doc
            for key in keys:
                holder = mapping(node)
                if holder is None or key not in holder:
                    break
                node = holder[key]
            else:
                return True, node
        return False, None

    def numbers(self, path: str, node: LineDict, key: str) -> list[int]:
        """The numbers `key` may take: its literal value, or what its template reads."""
        line = node.line_of(key)
        literal = as_int(node.get(key))
        raw = self.raw(path, line)
        if "{{" not in raw:
            return [literal] if literal is not None else []
        root = self.chart_root(path)
        scenarios = self.scenarios(root) if root is not None else []
        found: list[int] = []
        for expression in TEMPLATE.findall(raw):
            refs = [ref.group(1) for ref in _VALUES_REF.finditer(expression)]
            defaults = [int(d) for d in _DEFAULT.findall(expression)]
            for scenario in scenarios or [[]]:
                values = [v for ref in refs for ok, v in [self.lookup(scenario, ref)] if ok]
                if values:
                    found.extend(n for value in values if (n := as_int(value)) is not None)
                else:  # `| default 2` applies where no values file sets it
                    found.extend(defaults)
        return found

    def name(self, path: str, node: LineDict, key: str) -> str | None:
        """A name as written, or read from the values when it is `{{ .Values.x.name }}`;
        None when it is computed (`{{ include "chart.fullname" . }}`) or differs by install."""
        value = node.get(key)
        raw = self.raw(path, node.line_of(key))
        if "{{" not in raw:
            return value if isinstance(value, str) else None
        only = _ONLY_VALUE.match(raw.split(":", 1)[1] if ":" in raw else "")
        root = self.chart_root(path)
        if only is None or root is None:
            return None
        names = {str(v) for scenario in self.scenarios(root)
                 for found, v in [self.lookup(scenario, only.group(1))]
                 if found and isinstance(v, str) and v}
        return names.pop() if len(names) == 1 else None

    def truth(self, root: str, expression: str) -> bool | None:
        """A guard such as `and .Values.a (not .Values.b)` over every way the chart installs:
        True when one turns it on, False when none does, None when it can't be told."""
        tokens = _TOKEN.findall(expression)
        scenarios = self.scenarios(root)
        if not tokens or not scenarios or any(
                t not in ("and", "or", "not", "(", ")") and not _VALUES_REF.fullmatch(t)
                for t in tokens):
            return None
        results: list[bool | None] = []
        for scenario in scenarios:
            try:
                value, end = self._call(scenario, tokens, 0)
            except (IndexError, ValueError):
                return None
            results.append(value if end == len(tokens) else None)
        return True if True in results else False if None not in results else None

    def _call(self, scenario: Sequence[LineDict], tokens: Sequence[str], i: int
              ) -> tuple[bool | None, int]:
        token = tokens[i]
        if token == "not":
            value, i = self._operand(scenario, tokens, i + 1)
            return (None if value is None else not value), i
        if token in ("and", "or"):
            args: list[bool | None] = []
            i += 1
            while i < len(tokens) and tokens[i] != ")":
                value, i = self._operand(scenario, tokens, i)
                args.append(value)
            if not args:
                raise ValueError("no operands")
            if token == "and":
                return (False if False in args else True if None not in args else None), i
            return (True if True in args else False if None not in args else None), i
        return self._operand(scenario, tokens, i)

    def _operand(self, scenario: Sequence[LineDict], tokens: Sequence[str], i: int
                 ) -> tuple[bool | None, int]:
        token = tokens[i]
        if token == "(":
            value, i = self._call(scenario, tokens, i + 1)
            if tokens[i] != ")":
                raise ValueError("unbalanced")
            return value, i + 1
        if token in ("and", "or", "not"):
            return self._call(scenario, tokens, i)
        ref = _VALUES_REF.fullmatch(token)
        if ref is None:
            raise ValueError(token)
        _, value = self.lookup(scenario, ref.group(1))
        return _truthy(value), i + 1

    def disabled(self, path: str, line: int) -> str | None:
        """The guard that keeps line `line` of a chart template from rendering by default.

        Walks up from the line through `{{ if }}`/`{{ with }}` blocks that enclose it; a
        guard counts only when no values file of the chart turns it on.
        """
        root = self.chart_root(path)
        if root is None:
            return None
        lines = self.lines(path)
        depth = 0
        in_else = False
        for index in range(min(line, len(lines) + 1) - 2, -1, -1):
            control = _CONTROL.match(lines[index])
            if control is None:
                continue
            verb, expression = control["verb"], control["expr"].strip()
            if verb == "end":
                depth += 1
            elif depth > 0:
                if verb in ("if", "with", "range", "define", "block"):
                    depth -= 1
            elif verb == "else":
                condition = expression[2:].strip() if expression.startswith("if") else ""
                value = self.truth(root, condition) if condition else None
                if (in_else and value is True) or (not in_else and value is False):
                    return condition  # an earlier branch wins, or this branch is off
                in_else = True
            elif verb in ("define", "block"):
                return None  # a named template: rendered where it is included
            elif verb in ("if", "with"):
                value = self.truth(root, expression)
                if (in_else and value is True) or (not in_else and value is False):
                    return f"not {expression}" if in_else else expression
                in_else = False
            else:
                in_else = False
        return None

    @property
    def defines(self) -> dict[str, str]:
        """`{{ define "name" }}` bodies of every .tpl file (text up to the next define)."""
        if self._defines is None:
            self._defines = {}
            for path in self.files.with_suffix(".tpl"):
                if is_example(path):
                    continue
                text = self.files.text(path) or ""
                marks = list(_DEFINE.finditer(text))
                for index, mark in enumerate(marks):
                    end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
                    self._defines.setdefault(mark.group(1), text[mark.end():end])
        return self._defines

    def expand(self, text: str) -> str:
        """`text` followed by the bodies of the templates it includes, recursively."""
        out = [text]
        seen: set[str] = set()
        pending = _INCLUDE.findall(text)
        while pending and len(seen) < 50:
            name = pending.pop()
            if name in seen or name not in self.defines:
                continue
            seen.add(name)
            out.append(self.defines[name])
            pending.extend(_INCLUDE.findall(self.defines[name]))
        return "\n".join(out)

    def block(self, path: str, line: int) -> str:
        """The raw text of a key's value: its line and the lines indented below it."""
        lines = self.lines(path)
        if not 0 < line <= len(lines):
            return ""
        first = lines[line - 1]
        indent = len(first) - len(first.lstrip())
        block = [first.split(":", 1)[1] if ":" in first else ""]
        for text in lines[line:]:
            if text.strip() and len(text) - len(text.lstrip()) <= indent:
                break
            block.append(text)
        return "\n".join(block)
