"""Source and test files: how many of each, and the end-to-end suites present."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from scanner.collectors.path_patterns import any_of
from scanner.collectors.program_tests import ProgramSuite, program_suites
from scanner.lazy_patterns import lazy_compile

TEST_PATH = lazy_compile(
    r"(?i)((^|/)(tests?|__tests__|spec|specs|testing|e2e|integration[-_]tests?)/"
    r"|(^|/)test_[^/]+\.py$|_test\.(py|go|rb|exs)$|\.(test|spec)\.[cm]?[jt]sx?$"
    r"|(Tests?|IT|Spec)\.(java|kt|scala|groovy|cs|swift)$|_spec\.rb$|(^|/)src/test/)")
SOURCE_SUFFIXES = (".py", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".go", ".java", ".kt",
                   ".rb", ".rs", ".cs", ".php", ".c", ".cc", ".cpp", ".h", ".hpp", ".swift",
                   ".scala", ".ex", ".exs", ".clj", ".dart", ".vue", ".m", ".lua", ".tf",
                   ".sh", ".bash", ".bats", ".ps1", ".psm1", ".vala", ".sol", ".fs", ".hs",
                   ".ml", ".erl", ".zig", ".nim", ".jl", ".pl", ".groovy", ".cxx", ".hh")
# Files without a suffix that are code all the same.
SOURCE_NAMES = lazy_compile(r"(^|/)(Dockerfile|Containerfile)(\.[\w.-]+)?$")
# Examples, documentation and fixtures are not the code under test.
NOT_CODE_FOLDER = lazy_compile(r"(?i)(^|/)(docs?|examples?|samples?|fixtures|testdata|test-data|"
                               r"node_modules|vendor|third_party)/")
E2E_FILES = {
    "cypress": re.compile(r"(^|/)cypress\.(config\.[cm]?[jt]s|json)$"),
    "playwright": re.compile(r"(^|/)playwright\.config\.[cm]?[jt]s$"),
    "pact": re.compile(r"(^|/)pacts?/[^/]+\.json$"),
    "cucumber": re.compile(r"\.feature$"),
    "robot-framework": re.compile(r"\.robot$"),
    "webdriverio": re.compile(r"(^|/)wdio\.conf\.[cm]?[jt]s$"),
    "postman": re.compile(r"\.postman_collection\.json$"),
}
ANY_E2E_FILE = any_of(E2E_FILES.values())


@dataclass(frozen=True)
class CodeFiles:
    tests: int
    sources: int  # code files that are not tests
    first_test: str | None
    suites: Mapping[str, str]  # end-to-end suite -> where it shows
    program_suites: tuple[ProgramSuite, ...]  # tests that run the built program


def read_code_files(paths: Sequence[str], read: Callable[[str], str | None]) -> CodeFiles:
    tests = sources = 0
    first_test: str | None = None
    suites: dict[str, str] = {}
    for path in paths:
        if ANY_E2E_FILE.search(path):
            for tool, pattern in E2E_FILES.items():
                if tool not in suites and pattern.search(path):
                    suites[tool] = path
        if NOT_CODE_FOLDER.search(path):
            continue
        code = path.endswith(SOURCE_SUFFIXES) or bool(SOURCE_NAMES.search(path))
        if TEST_PATH.search(path):
            if code:
                tests += 1
                first_test = first_test or path
        elif code:
            sources += 1
    found = program_suites(paths, read, NOT_CODE_FOLDER)
    suites.update((suite.name, suite.locator) for suite in found)
    return CodeFiles(tests, sources, first_test, suites, tuple(found))


def non_test_code(paths: Iterable[str]) -> Iterator[str]:
    """Paths outside tests, documentation, examples, fixtures and vendored code."""
    return (path for path in paths if not NOT_CODE_FOLDER.search(path)
            and not TEST_PATH.search(path))
