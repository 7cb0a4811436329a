"""The Tekton resources a repository holds: `.tekton/` files, and YAML files elsewhere
outside examples, tests, docs and catalogue folders (`task/<name>/<version>/`), read
for documents of a Tekton kind; and the shapes those resources share (a name, a spec,
annotations, `params`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scanner.collectors.ci.model import ParseResult, scalar_text
from scanner.collectors.ci.shapes import cut, texts
from scanner.collectors.tree import RepoTree, SkippedFile
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import LineDict, YamlError, load_yaml_documents, stamp_file

PAC_FOLDER = ".tekton/"
NOT_CI = lazy_compile(r"(?i)(^|/)(examples?|samples?|demos?|tests?|testdata|test-data|e2e|"
                      r"fixtures?|docs?|vendor|third_party|node_modules)/")
# A catalogue's layout (`task/git-clone/0.9/git-clone.yaml`): tasks and pipelines the
# repository publishes for others to run, not its own CI.
CATALOGUE = lazy_compile(r"(^|/)(tasks?|pipelines?|stepactions?)/[^/]+/v?\d+(\.\d+)+/")
RESOURCE_KINDS = frozenset({"Pipeline", "Task", "ClusterTask", "PipelineRun", "TaskRun",
                            "StepAction"})
MAX_CANDIDATES = 5000
MAX_DOCUMENTS = 100


@dataclass
class Resource:
    kind: str
    name: str
    path: str
    body: LineDict
    used: bool = field(default=False)

    @property
    def spec(self) -> LineDict:
        spec = self.body.get("spec")
        return spec if isinstance(spec, LineDict) else LineDict()

    @property
    def annotations(self) -> dict[str, str]:
        metadata = self.body.get("metadata")
        raw = metadata.get("annotations") if isinstance(metadata, dict) else None
        return {str(k): scalar_text(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def param_pairs(value: Any) -> tuple[tuple[str, str], ...]:
    """`[{name: x, value: y}, ...]` as (name, value) pairs; list values joined."""
    found: list[tuple[str, str]] = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict) and scalar_text(item.get("name")):
            raw = item.get("value")
            text = " ".join(texts(raw)) if isinstance(raw, list) else \
                "" if isinstance(raw, dict) else scalar_text(raw)
            found.append((scalar_text(item["name"]), text))
    return tuple(found)


def _name(body: LineDict) -> str:
    metadata = body.get("metadata")
    if not isinstance(metadata, dict):
        return ""
    return scalar_text(metadata.get("name")) or scalar_text(metadata.get("generateName"))


def name_in_params(reference: Any) -> str:
    return dict(param_pairs(reference.get("params"))).get("name", "") \
        if isinstance(reference, dict) else ""


def _candidates(tree: RepoTree, result: ParseResult) -> list[str]:
    """`.tekton/` files, and YAML files elsewhere that may hold the repository's own CI."""
    yaml_files = [p for p in tree.paths() if p.endswith((".yaml", ".yml"))]
    pac = [p for p in yaml_files if p.startswith(PAC_FOLDER)]
    elsewhere = [p for p in yaml_files if not p.startswith(PAC_FOLDER)
                 and not NOT_CI.search(p) and not CATALOGUE.search(p)]
    if len(elsewhere) > MAX_CANDIDATES:
        result.notes.append((elsewhere[MAX_CANDIDATES], (
            f"{len(elsewhere)} YAML files outside .tekton/; only the first {MAX_CANDIDATES} "
            "were searched for Tekton resources")))
    return pac + elsewhere[:MAX_CANDIDATES]


def read_resources(tree: RepoTree, result: ParseResult) -> list[Resource]:
    found: list[Resource] = []
    for path in _candidates(tree, result):
        ours = path.startswith(PAC_FOLDER)  # elsewhere, a file that fails is not CI's loss
        try:
            text = tree.read_text(path)
            if "tekton.dev/" not in text:
                continue
            documents = load_yaml_documents(text)
        except (SkippedFile, YamlError) as exc:
            if ours:
                why = str(exc) if isinstance(exc, SkippedFile) else f"not valid YAML ({exc})"
                result.unreadable.append((path, why))
            continue
        for document in cut(documents, MAX_DOCUMENTS, path, "YAML documents", result):
            if isinstance(document, LineDict) and \
                    scalar_text(document.get("apiVersion")).startswith("tekton.dev/") and \
                    scalar_text(document.get("kind")) in RESOURCE_KINDS:
                stamp_file(document, path)
                found.append(Resource(scalar_text(document["kind"]), _name(document), path,
                                       document))
    return found
