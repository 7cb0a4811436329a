"""Threat models: Threat Dragon, pytm, Microsoft TMT and Threagile models, and threat model
documents (named for it, in a threat-model folder, or with a STRIDE section)."""

from __future__ import annotations

from collections.abc import Sequence

from scanner.collectors.base import Emitter
from scanner.collectors.files.index import FileIndex
from scanner.collectors.files.practices.reading import (
    MAX_LOCATORS,
    NOT_REAL,
    base_name,
    bounded_text,
    folder_names,
    is_doc,
    is_own,
)
from scanner.collectors.markup import headings
from scanner.collectors.structured import load_json
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import YamlError, load_yaml_documents

MAX_STRUCTURED_FILES = 3_000  # JSON / YAML files sniffed for Threat Dragon and Threagile
THREAT_MODEL_NAME = lazy_compile(r"(?i)threat[-_ ]?model")
THREAT_MODEL_FOLDER = lazy_compile(r"(?i)^threat[-_ ]?model(s|ing|ling)?$")
STRIDE_DOC_PATH = lazy_compile(r"(?i)(secur|design|architect|adr|rfc|threat|risk)")
STRIDE_HEADING = lazy_compile(r"\bSTRIDE\b")
PYTM_IMPORT = lazy_compile(r"(?m)^\s*(from\s+pytm(\.\w+)?\s+import\b|import\s+pytm\b)")
PYTM_MODEL = lazy_compile(r"\bTM\s*\(")  # a model instantiates pytm's TM
NOT_A_MODEL = frozenset({"package.json", "package-lock.json", "tsconfig.json", "composer.json",
                         "composer.lock", "yarn.lock", "pnpm-lock.yaml", "Pipfile.lock",
                         ".eslintrc.json", "renovate.json", "devcontainer.json",
                         ".pre-commit-config.yaml", "pubspec.yaml", "mkdocs.yml"})
THREAT_HINT = lazy_compile(r"(?i)(threat|dragon|threagile|security|model)")


def is_pytm_model(path: str, text: str) -> bool:
    """Python source that imports pytm and instantiates its `TM`, outside fixtures and
    examples."""
    return path.endswith(".py") and "pytm" in text and PYTM_IMPORT.search(text) is not None \
        and PYTM_MODEL.search(text) is not None and not NOT_REAL.search(path)


def threat_models(files: FileIndex, pytm: Sequence[str], source_capped: bool,
                  most_source_files: int, out: Emitter) -> None:
    models: dict[str, str] = {}  # path -> tool
    for path in pytm:
        models[path] = "pytm"
    structured: list[str] = []
    for path in files.paths():
        if not is_own(path):
            continue
        lower = path.lower()
        if lower.endswith(".tm7"):
            models[path] = "microsoft-tmt"
        elif is_doc(path) and not lower.endswith(".txt") and _threat_model_doc(files, path):
            models[path] = "document"
        elif lower.endswith((".json", ".yml", ".yaml")) and base_name(path) not in NOT_A_MODEL \
                and not path.startswith((".github/", ".gitlab/", ".devcontainer/")):
            structured.append(path)
    structured.sort(key=lambda p: (not THREAT_HINT.search(p), p))
    for path in structured[:MAX_STRUCTURED_FILES]:
        tool = _structured_model(files, path)
        if tool:
            models[path] = tool
    tools: dict[str, str] = {}
    for path in sorted(models):
        tools.setdefault(models[path], path)
    capped = len(structured) > MAX_STRUCTURED_FILES or source_capped
    cap_note = (f"; capped: at most {MAX_STRUCTURED_FILES:,} JSON/YAML and "
                f"{most_source_files:,} source files were read") if capped else ""
    names = sorted(tools)
    out.emit("threat_models.tools", names, [tools[n] for n in names],
             ("no Threat Dragon, pytm, Microsoft TMT or Threagile model and no threat model "
              "document" + cap_note) if not names else (cap_note[2:] or None))
    paths = sorted(models)
    out.emit("threat_models.count", len(paths), paths[:MAX_LOCATORS],
             ("no threat model files" + cap_note) if not paths else (cap_note[2:] or None))


def _threat_model_doc(files: FileIndex, path: str) -> bool:
    """Named for threat models, kept in a threat-model folder, or with a STRIDE section."""
    if THREAT_MODEL_NAME.search(base_name(path)) or any(
            THREAT_MODEL_FOLDER.match(f) for f in folder_names(path)):
        return True
    if not STRIDE_DOC_PATH.search(path):
        return False
    text = bounded_text(files, path)
    return text is not None and "STRIDE" in text and any(
        STRIDE_HEADING.search(h.title) for h in headings(path, text))


def _structured_model(files: FileIndex, path: str) -> str | None:
    text = bounded_text(files, path)
    if text is None:
        return None
    if path.lower().endswith(".json"):
        if '"diagrams"' not in text or '"summary"' not in text or '"detail"' not in text:
            return None
        try:
            data = load_json(text)
        except (ValueError, RecursionError):
            return None
        detail = data.get("detail") if isinstance(data, dict) else None
        if isinstance(data, dict) and isinstance(data.get("summary"), dict) \
                and isinstance(detail, dict) and isinstance(detail.get("diagrams"), list):
            return "threat-dragon"
        return None
    if "threagile_version" not in text:
        return None
    try:
        documents = load_yaml_documents(text)
    except YamlError:
        return None
    if any(isinstance(d, dict) and "threagile_version" in d for d in documents):
        return "threagile"
    return None
