"""Synthetic monitoring as code: Checkly, Elastic synthetics, Datadog synthetics and
blackbox-exporter HTTP probes."""

from __future__ import annotations

import re

from scanner.collectors.files.index import FileIndex
from scanner.collectors.files.observability.found import Found, Where
from scanner.collectors.files.observability.reading import bounded_text, first_line, mappings
from scanner.collectors.structured import load_json
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import LineDict

JS_SUFFIXES = (".ts", ".js", ".mjs", ".cjs", ".mts", ".cts")
CHECKLY_CONFIG = lazy_compile(r"^checkly\.config\.(ts|js|mjs|cjs|mts|cts)$")
ELASTIC_CONFIG = lazy_compile(r"^synthetics\.config\.(ts|js|mjs|cjs|mts|cts)$")
ELASTIC_IMPORT = lazy_compile(
    r"""(\bfrom\s*|\bimport\s*|\brequire\s*\(\s*)['"]@elastic/synthetics['"]""")
CHECKLY_IMPORT = lazy_compile(
    r"""(\bfrom\s*|\brequire\s*\(\s*)['"](checkly|@checkly/cli)(/[\w/-]*)?['"]""")
DATADOG_CI_SYNTHETICS = ("publicIds", "testSearchQuery", "defaultTestOverrides")


def blackbox(document: LineDict, where: Where, found: Found) -> None:
    """A blackbox-exporter configuration (or a chart's values holding one) with an HTTP
    prober module."""
    for node in mappings(document):
        modules = node.get("modules")
        if not isinstance(modules, LineDict):
            continue
        for name, module in modules.items():
            if isinstance(module, LineDict) and module.get("prober") == "http":
                found.synthetics.setdefault("blackbox", where.at(modules.line_of(name)))
                return


def synthetic_file(files: FileIndex, path: str, name: str, found: Found) -> None:
    """Checkly, Elastic synthetics and Datadog synthetics files (named for what they are)."""
    lower = name.lower()
    folders = path.split("/")[:-1]
    if CHECKLY_CONFIG.match(name):
        found.synthetics.setdefault("checkly", path)
    elif lower.endswith(JS_SUFFIXES) and ".check." in lower:
        text = bounded_text(files, path)
        line = first_line(text, CHECKLY_IMPORT) if text and "checkly" in text else None
        if line or (text is not None and "__checks__" in folders):
            found.synthetics.setdefault("checkly", f"{path}:{line or 1}")
    elif lower.endswith(JS_SUFFIXES) and (ELASTIC_CONFIG.match(name) or ".journey." in lower
                                          or "journeys" in folders):
        text = bounded_text(files, path)
        line = first_line(text, ELASTIC_IMPORT) if text and "@elastic/synthetics" in text \
            else None
        if line:
            found.synthetics.setdefault("elastic-synthetics", f"{path}:{line}")
    elif lower.endswith(".synthetics.json") or lower == "datadog-ci.json":
        text = bounded_text(files, path)
        try:
            data = load_json(text) if text else None
        except (ValueError, RecursionError):
            return
        if not isinstance(data, dict) or text is None:
            return
        if lower == "datadog-ci.json":
            files_globs = data.get("files")
            keys = [key for key in DATADOG_CI_SYNTHETICS if key in data]
            if not keys and isinstance(files_globs, list) and any(
                    isinstance(glob, str) and "synthetics" in glob for glob in files_globs):
                keys = ["files"]
        else:
            keys = ["tests"] if isinstance(data.get("tests"), list) and data["tests"] else []
        if keys:
            line = first_line(text, re.compile(f'"{re.escape(keys[0])}"\\s*:')) or 1
            found.synthetics.setdefault("datadog-synthetics", f"{path}:{line}")
