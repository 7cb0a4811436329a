"""Load tests: k6, Locust, Gatling, JMeter and Artillery scripts."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence

from scanner.collectors.base import Emitter
from scanner.collectors.files.delivery.found import Found
from scanner.collectors.files.index import FileIndex
from scanner.collectors.files.kubernetes import dig, mapping
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import LineDict, LineList

# Load tests are tests: only documentation, examples and fixtures are ignored for them.
NOT_LOAD_TESTS = lazy_compile(r"(?i)(^|/)(docs?|examples?|samples?|testdata|test-data|fixtures|"
                              r"node_modules|vendor|bower_components|third_party)/")
K6_IMPORT = lazy_compile(r"""(\bfrom\s*|\bimport\s*|\brequire\s*\(\s*)['"]k6(/[\w./-]*)?['"]""")
LOCUST_IMPORT = lazy_compile(r"^\s*(from\s+locust(\.\w+)*\s+import\b|import\s+locust\b)")
GATLING_IMPORT = lazy_compile(r"^\s*import\s+(static\s+)?io\.gatling\b")
JS_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")
JVM_SUFFIXES = (".scala", ".java", ".kt", ".kts")


def load_tests(files: FileIndex, paths: Sequence[str], out: Emitter) -> None:
    found = Found()
    for path in paths:
        if NOT_LOAD_TESTS.search(path):
            continue
        name = posixpath.basename(path)
        if path.endswith(JS_SUFFIXES) and not path.endswith(".d.ts"):
            where = _grep(files, path, "k6", K6_IMPORT)
            if where:
                found.add("k6", where)
        elif path.endswith(".py"):
            where = _grep(files, path, "locust", LOCUST_IMPORT)
            if where or name == "locustfile.py":
                found.add("locust", where or f"{path}:1")
        elif path.endswith(JVM_SUFFIXES):
            where = _grep(files, path, "io.gatling", GATLING_IMPORT)
            if where:
                found.add("gatling", where)
        elif path.endswith(".jmx"):
            found.add("jmeter", _grep(files, path, "jmeterTestPlan",
                                      re.compile(r"<jmeterTestPlan\b")) or f"{path}:1")
        elif path.endswith((".yml", ".yaml")) and not path.startswith(".github/"):
            where = _artillery(files, path)
            if where:
                found.add("artillery", where)
    found.emit(out, "loadtest.tools",
               "no k6, Locust, Gatling, JMeter or Artillery load test scripts")


def _grep(files: FileIndex, path: str, word: str, pattern: re.Pattern[str]) -> str | None:
    text = files.text(path)
    if not text or word not in text:
        return None
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.search(line):
            return f"{path}:{number}"
    return None


def _artillery(files: FileIndex, path: str) -> str | None:
    text = files.text(path) or ""
    if "scenarios" not in text or "config" not in text:
        return None
    for doc in files.yaml(path):
        config = mapping(dig(doc, "config"))
        if config is None or not isinstance(dig(doc, "scenarios"), LineList):
            continue
        environments = mapping(config.get("environments"))
        if "target" in config or (environments is not None and any(
                isinstance(e, LineDict) and "target" in e for e in environments.values())):
            return f"{path}:{doc.line_of('config')}"
    return None
