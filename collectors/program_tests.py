"""Test suites that exercise the built program rather than its functions.

A unit test calls a function; these start the program as its users do. Their
test runner is an ordinary one (`cargo test`, `go test`, `bats`), so CI shows
only `cargo test` — the files say what it runs:

- Rust integration tests (`tests/*.rs`) that run the crate's binary
  (`CARGO_BIN_EXE_<name>`, assert_cmd, trycmd, snapbox);
- Go testscript suites (`testscript.Run`), scripts of CLI invocations;
- test files that start containers (`docker run`, `podman run`, Testcontainers):
  the image under test, or the real services the code talks to.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from scanner import patterns
from scanner.lazy_patterns import lazy_compile
from scanner.patterns import Pattern

MAX_FILES_READ = 400  # candidate test files read per tree
MAX_TEXT = 200_000  # characters of each file searched


@dataclass(frozen=True)
class ProgramSuite:
    name: str  # in plain words, for reports
    regime: str  # "e2e" (the program end to end) or "integration" (with real services)
    runners: tuple[str, ...]  # catalogue ids of the test tools that run it
    locator: str  # file:line that shows it


@dataclass(frozen=True)
class _Kind:
    name: str
    regime: str
    path: Pattern | re.Pattern[str]
    content: re.Pattern[str]
    runners: tuple[str, ...]


_CONTAINERS = lazy_compile(r"\b(?:docker|podman)\s+(?:run|exec|compose\s+up|container\s+run)\b"
                           r"|\bTestcontainers\b|\btestcontainers\b")
KINDS = (
    _Kind("Rust tests that run the built binary", "e2e",
          # On RE2: in Python's `re` each `tests/` of a long path rescans all after it.
          patterns.own(r"(^|/)tests/([^/]+/)*[^/]+\.rs$"),
          re.compile(r"\bCARGO_BIN_EXE_\w+|\bassert_cmd::|\bcargo_bin\(|\btrycmd::"
                     r"|\bsnapbox::cmd\b"),
          ("cargo-test",)),
    _Kind("Go testscript suites of command-line runs", "e2e",
          re.compile(r"_test\.go$"),
          re.compile(r"\btestscript\.(?:Run|RunMain|Main)\("),
          ("go-test",)),
    _Kind("bats tests that start containers", "integration",
          re.compile(r"\.bats$"), _CONTAINERS, ("shell-test",)),
    _Kind("Pester tests that start containers", "integration",
          re.compile(r"\.Tests\.ps1$"), _CONTAINERS, ("pester",)),
    _Kind("Python tests that start containers", "integration",
          re.compile(r"(^|/)(test_[^/]+|[^/]+_test)\.py$"), _CONTAINERS, ("pytest",)),
    _Kind("Go tests that start containers", "integration",
          re.compile(r"_test\.go$"), _CONTAINERS, ("go-test",)),
)


def program_suites(paths: Iterable[str], read: Callable[[str], str | None],
                   skip: re.Pattern[str]) -> list[ProgramSuite]:
    """The first file of each kind found, read within the file budget; `skip` leaves out
    folders whose tests are not the project's (vendored code, examples)."""
    found: dict[str, ProgramSuite] = {}
    reads = 0
    for path in paths:
        if skip.search(path):
            continue
        kinds = [kind for kind in KINDS if kind.name not in found and kind.path.search(path)]
        if not kinds:
            continue
        if reads >= MAX_FILES_READ:
            break
        reads += 1
        text = read(path)
        if not text:
            continue
        text = text[:MAX_TEXT]
        for kind in kinds:
            match = kind.content.search(text)
            if match:
                line = text.count("\n", 0, match.start()) + 1
                found[kind.name] = ProgramSuite(kind.name, kind.regime, kind.runners,
                                                f"{path}:{line}")
        if len(found) == len(KINDS):
            break
    return list(found.values())
