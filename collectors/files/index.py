"""One read of a tree's files, shared by every detector.

Detectors ask this index for text, parsed YAML documents and Kubernetes-style
manifests; each file is read and parsed at most once per scan, whichever
detectors look at it.  Files that cannot be read are remembered with the
reason, for the scan's notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from scanner import patterns
from scanner.collectors.deadlines import check
from scanner.collectors.tree import RepoTree, SkippedFile
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import LineDict, YamlError, load_yaml_documents

YAML_SUFFIXES = (".yml", ".yaml")
MAX_PARSE_BYTES = 1_000_000
# Examples, fixtures and documentation describe no real infrastructure or service.
EXAMPLE_FOLDER = lazy_compile(r"(?i)(^|/)(docs?|examples?|samples?|tests?|testdata|test-data|"
                              r"fixtures|e2e|__tests__)/")
# A Helm or Go template's action, `{{ .Values.x }}`; on RE2, as in Python's `re` each
# `{{` with no `}}` after it would scan to the end of the line.
TEMPLATE = patterns.own(r"\{\{(.*?)\}\}")
HELM_TEMPLATE = lazy_compile(r"(^|/)templates/[^/]+\.ya?ml$")


@dataclass(frozen=True)
class Manifest:
    """One Kubernetes-style document: `apiVersion` + `kind`, where it starts."""

    path: str
    line: int
    api_version: str
    kind: str
    body: LineDict

    @property
    def locator(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def group(self) -> str:
        """`argoproj.io/v1alpha1` -> `argoproj.io`; `apps/v1` -> `apps`; `v1` -> ``."""
        return self.api_version.rpartition("/")[0]


class FileIndex:
    def __init__(self, tree: RepoTree) -> None:
        self.tree = tree
        self.skipped: dict[str, str] = {}
        self.last_read: str | None = None  # the file a failing detector was most likely on
        self._text: dict[str, str | None] = {}
        self._yaml: dict[str, list[Any]] = {}

    def paths(self) -> Sequence[str]:
        return self.tree.paths()

    def has(self, path: str) -> bool:
        return self.tree.has(path)

    def text(self, path: str) -> str | None:
        check()
        self.last_read = path
        if path not in self._text:
            try:
                self._text[path] = self.tree.read_text(path)
            except SkippedFile as skipped:
                self.skipped[path] = str(skipped)
                self._text[path] = None
        return self._text[path]

    def yaml(self, path: str) -> list[Any]:
        """The file's YAML documents ([] when it is not YAML this scanner can read).

        Helm templates are read with their `{{ … }}` expressions blanked out, so
        their structure (kinds, keys) still shows.
        """
        if path not in self._yaml:
            text = self.text(path)
            documents: list[Any] = []
            if text is not None and len(text) <= MAX_PARSE_BYTES:
                if "{{" in text and HELM_TEMPLATE.search(path):
                    # A template can parse as plain YAML with {{ }} read as mappings:
                    # always blank the expressions so kinds and keys read as written.
                    documents = self._templated(text)
                else:
                    try:
                        documents = load_yaml_documents(text)
                    except YamlError:
                        if "{{" in text:
                            documents = self._templated(text)
            self._yaml[path] = [d for d in documents if d is not None]
        self.last_read = path
        return self._yaml[path]

    @staticmethod
    def _templated(text: str) -> list[Any]:
        lines = []
        for line in text.splitlines():
            stripped = line.strip()
            if stripped.startswith("{{") and stripped.endswith("}}"):
                lines.append("")  # a control line such as {{- if … }}: keep the numbering
            else:
                lines.append(TEMPLATE.sub("x", line))
        try:
            return load_yaml_documents("\n".join(lines))
        except YamlError:
            return []

    def with_suffix(self, *suffixes: str) -> list[str]:
        return [p for p in self.paths() if p.endswith(suffixes)]

    @cached_property
    def manifests(self) -> list[Manifest]:
        """Every Kubernetes-style document outside example and test folders."""
        found: list[Manifest] = []
        for path in self.with_suffix(*YAML_SUFFIXES):
            if EXAMPLE_FOLDER.search(path) or path.startswith(".github/"):
                continue
            text = self.text(path)
            if text is None or "kind" not in text or "apiVersion" not in text:
                continue
            for document in self.yaml(path):
                if isinstance(document, LineDict) and isinstance(document.get("kind"), str) \
                        and isinstance(document.get("apiVersion"), str):
                    found.append(Manifest(path, document.line, document["apiVersion"],
                                          document["kind"], document))
        return found

    def manifests_of(self, *kinds: str, group: str | None = None) -> list[Manifest]:
        return [m for m in self.manifests
                if m.kind in kinds and (group is None or m.group.endswith(group))]


def is_example(path: str) -> bool:
    return bool(EXAMPLE_FOLDER.search(path))
