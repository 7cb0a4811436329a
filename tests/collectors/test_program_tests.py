"""Which test files show tests of the built program, read within a budget."""

from __future__ import annotations

import re

from scanner.collectors.program_tests import MAX_FILES_READ, program_suites

SKIP = re.compile(r"(^|/)vendor/")


def test_kinds_cite_the_line_and_skip_vendored_code() -> None:
    files = {
        "vendor/x/tests/cli.rs": "env!(\"CARGO_BIN_EXE_x\")\n",
        "cmd/app_test.go": "package main\n\nfunc TestScript(t *testing.T) {\n"
                           "\ttestscript.Run(t, testscript.Params{Dir: \"testdata\"})\n}\n",
        "tests/test_api.py": "def test_db(postgres):\n    pass\n",
        "db_test.py": "from testcontainers.postgres import PostgresContainer\n",
    }
    found = {s.name: (s.regime, s.runners, s.locator)
             for s in program_suites(files, files.get, SKIP)}
    assert found == {
        "Go testscript suites of command-line runs": ("e2e", ("go-test",), "cmd/app_test.go:4"),
        "Python tests that start containers": ("integration", ("pytest",), "db_test.py:1"),
    }


def test_reading_stops_at_the_file_budget() -> None:
    reads: list[str] = []

    def read(path: str) -> str:
        reads.append(path)
        return "fn plain() {}\n"

    paths = [f"tests/t{n}.rs" for n in range(MAX_FILES_READ + 50)]
    assert program_suites(paths, read, SKIP) == []
    assert len(reads) == MAX_FILES_READ
