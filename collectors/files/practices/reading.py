"""How the practices parts read the tree: which files are the repository's own, which are
documents (and templates), the parts of a path, and a file's text within a size bound."""

from __future__ import annotations

from scanner.collectors.files.index import FileIndex
from scanner.lazy_patterns import lazy_compile

MAX_FILE_CHARS = 1_000_000
MAX_LOCATORS = 20
DOC_SUFFIXES = (".md", ".markdown", ".mdx", ".rst", ".adoc", ".asciidoc", ".txt")
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdx")
INDEX_STEMS = frozenset({"readme", "index", "_index", "summary", "toc"})
# Vendored, built or installed code: not the repository's own.
VENDORED = lazy_compile(r"(?i)(^|/)(vendor|vendors|third[-_]?party|node_modules|bower_components|"
                        r"jspm_packages|dist|build|\.venv|venv|site-packages|\.yarn|Pods)/")
# Fixtures and examples describe no practice of the repository; docs/ does.
NOT_REAL = lazy_compile(r"(?i)(^|/)(examples?|samples?|tests?|testdata|test-data|fixtures|"
                        r"__tests__|e2e)/")
TEMPLATE_WORD = lazy_compile(r"(?i)template")
TEMPLATE_FOLDER = frozenset({"templates", "_templates", ".templates", "template"})


def base_name(path: str) -> str:
    return path.rpartition("/")[2]


def stem(path: str) -> str:
    base = base_name(path).lower()
    return base.rpartition(".")[0] if "." in base.lstrip(".") else base


def folder_names(path: str) -> list[str]:
    """Lower-case folder names of a path, `_` read as `-`."""
    return [part.lower().replace("_", "-") for part in path.split("/")[:-1]]


def is_doc(path: str) -> bool:
    return path.lower().endswith(DOC_SUFFIXES)


def is_own(path: str) -> bool:
    """Neither vendored nor an example or test fixture."""
    return not VENDORED.search(path) and not NOT_REAL.search(path)


def bounded_text(files: FileIndex, path: str) -> str | None:
    text = files.text(path)
    if text is None or len(text) > MAX_FILE_CHARS:
        return None
    return text
