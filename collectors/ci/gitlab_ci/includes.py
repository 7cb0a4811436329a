"""GitLab CI configuration as GitLab merges it: `.gitlab-ci.yml` and what it includes.

Follows `include: local` inside the repository; reads `project:` and `component:`
includes through the Git host where the scan can (cited by URL); records
`template:`, `component:`, `project:` and `remote:` includes, of which `jobs`
makes a job each.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from scanner.collectors.ci.model import (
    GITLAB_COMPONENT,
    GITLAB_INCLUDE,
    GITLAB_TEMPLATE,
    ExternalFiles,
    ParseResult,
    Reference,
    read_yaml,
    scalar_text,
)
from scanner.collectors.tree import RepoTree, matching
from scanner.yaml_source import (
    LineDict,
    LineList,
    YamlError,
    load_yaml_documents,
    stamp_file,
)

MAX_INCLUDES = 150
MAX_EXTERNAL_READS = 10  # other projects' files read per repository
MAX_DEPTH = 10  # nested includes, and `extends:` and `!reference` chains


def deep_merge(base: Any, override: Any) -> Any:
    """GitLab's merge for `include` and `extends`: mappings merge, everything else replaces."""
    if not isinstance(base, dict) or not isinstance(override, dict):
        return override
    merged = LineDict()
    merged.line = getattr(override, "line", 0)
    merged.file = getattr(override, "file", "")
    for source in (base, override):
        for key, value in source.items():
            merged[key] = deep_merge(merged[key], value) if key in merged else value
            if isinstance(source, LineDict):
                merged.value_positions[key] = source.position_of(key)
                merged.key_lines[key] = source.line_of(key)
                merged.value_files[key] = source.file_of(key)
    return merged


class ConfigLoader:
    """Loads `.gitlab-ci.yml` and its local includes into one merged mapping."""

    def __init__(self, tree: RepoTree, result: ParseResult) -> None:
        self.tree = tree
        self.result = result
        self.included = 0
        self.templates: list[Reference] = []
        self.components: list[Reference] = []
        # Files included from other projects or URLs: read through the Git host where the
        # scan can, otherwise judged by the catalogue or by name.
        self.remote: list[Reference] = []
        self.external: ExternalFiles | None = getattr(tree, "external", None)
        self.external_urls: list[str] = []

    def load_file(self, path: str) -> LineDict | None:
        read, loaded = read_yaml(self.tree, path, self.result, load_yaml_documents)
        if not read:
            return None
        documents = [d for d in loaded if d is not None]
        if len(documents) == 2 and isinstance(documents[0], dict) and "spec" in documents[0]:
            documents = documents[1:]  # a header with `spec: inputs`, then the configuration
        if len(documents) != 1 or not isinstance(documents[0], LineDict):
            self.result.unreadable.append((path, "not a CI configuration mapping"))
            return None
        if path not in self.result.files:
            self.result.files.append(path)
        stamped: LineDict = stamp_file(documents[0], path)
        return stamped

    def resolve(self, path: str, depth: int = 0) -> LineDict | None:
        data = self.load_file(path)
        if data is None:
            return None
        merged: Any = LineDict()
        for included in self.includes(data, path, depth):
            merged = deep_merge(merged, included)
        own = LineDict()
        own.line, own.file = data.line, data.file
        for key, value in data.items():
            if key != "include":
                own[key] = value
                own.value_positions[key] = data.position_of(key)
                own.key_lines[key] = data.line_of(key)
        result: LineDict = deep_merge(merged, own)
        return result

    def includes(self, data: LineDict, path: str, depth: int) -> Iterable[LineDict]:
        raw = data.get("include")
        if raw is None:
            return
        items = raw if isinstance(raw, list) else [raw]
        for index, raw_item in enumerate(items):
            where = raw.locate(index) if isinstance(raw, LineList) else data.locate("include")
            item = raw_item
            if isinstance(raw_item, str):
                item = {"remote": raw_item} if raw_item.startswith(("http://", "https://")) \
                    else {"local": raw_item}
            if not isinstance(item, dict):
                self.result.notes.append((where, "include entry not understood; skipped"))
                continue
            if "local" in item:
                yield from self.local(scalar_text(item["local"]), where, depth)
            elif "template" in item:
                self.templates.append(Reference(GITLAB_TEMPLATE, scalar_text(item["template"]),
                                                where))
            elif "component" in item:
                component, _, version = scalar_text(item["component"]).partition("@")
                inputs = item.get("inputs")
                reference = Reference(
                    GITLAB_COMPONENT, component, where,
                    tuple((str(k), scalar_text(val)) for k, val in inputs.items())
                    if isinstance(inputs, dict) else (), version)
                read = self.component(component, version or "HEAD")
                if read is not None:
                    reference = replace(reference, resolved=True)
                    yield read
                self.components.append(reference)
            elif "project" in item:
                files = item.get("file")
                names = files if isinstance(files, list) else [files]
                project = scalar_text(item["project"]).strip("/").lower()
                ref = scalar_text(item.get("ref")) or "HEAD"
                for name in names:
                    if not name:
                        continue
                    file = scalar_text(name).lstrip("/")
                    reference = Reference(GITLAB_INCLUDE, f"{project}/{file}", where)
                    read = self.external_file(project, file, ref)
                    if read is not None:
                        reference = replace(reference, resolved=True)
                        yield read
                    self.remote.append(reference)
            elif "remote" in item:
                self.remote.append(Reference(GITLAB_INCLUDE, scalar_text(item["remote"]), where))
            else:
                self.result.notes.append((where, "include entry not understood; skipped"))

    def external_file(self, project: str, path: str, ref: str) -> LineDict | None:
        """A file of another project, read through the Git host where the scan can: its
        jobs and hidden templates join the configuration, cited by URL."""
        if self.external is None or len(self.external_urls) >= MAX_EXTERNAL_READS:
            return None
        found = self.external.read(project, path, ref)
        self.external_urls.append(found.url if found else "")
        if found is None:
            return None
        try:
            documents = [d for d in load_yaml_documents(found.text) if d is not None]
        except YamlError:
            return None
        if len(documents) == 2 and isinstance(documents[0], dict) and "spec" in documents[0]:
            documents = documents[1:]
        if len(documents) != 1 or not isinstance(documents[0], LineDict):
            return None
        stamped: LineDict = stamp_file(documents[0], found.url)
        return stamped

    def component(self, component: str, version: str) -> LineDict | None:
        """`host/group/project/name@version`: `templates/name.yml` or
        `templates/name/template.yml` of that project, at that version."""
        parts = component.split("/")
        if len(parts) < 4:
            return None
        project, name = "/".join(parts[1:-1]), parts[-1]
        for path in (f"templates/{name}.yml", f"templates/{name}/template.yml"):
            read = self.external_file(project, path, version)
            if read is not None:
                return read
        return None

    def local(self, pattern: str, where: str, depth: int) -> Iterable[LineDict]:
        pattern = posixpath.normpath(pattern.lstrip("/"))
        if pattern.startswith(".."):
            self.result.notes.append((where, f"include {pattern} leaves the repository; skipped"))
            return
        paths = matching(self.tree, pattern) if "*" in pattern else \
            ([pattern] if self.tree.has(pattern) else [])
        if not paths:
            self.result.notes.append((where, f"local include {pattern} not found"))
        for path in paths:
            self.included += 1
            if self.included > MAX_INCLUDES or depth >= MAX_DEPTH:
                self.result.notes.append((where, "too many or too deeply nested includes; "
                                          "the rest were not read"))
                return
            resolved = self.resolve(path, depth + 1)
            if resolved is not None:
                yield resolved
