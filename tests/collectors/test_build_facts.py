"""What the files tell the CI reading, for a repository and for a service inside it."""

from __future__ import annotations

from scanner.collectors.build_facts import BuildFacts, codeql_languages
from scanner.collectors.program_tests import ProgramSuite


def test_languages_codeql_would_find() -> None:
    assert codeql_languages(["src/a.ts", "lib/b.JS", "x.h", "run.sh", "Makefile"]) == \
        {"javascript-typescript", "c-cpp"}
    assert codeql_languages(["nvm.sh", "README.md"]) == frozenset()


def test_a_service_keeps_its_own_facts_as_repository_paths() -> None:
    repository = BuildFacts(
        (ProgramSuite("bats tests that start containers", "integration", ("shell-test",),
                      "tests/image.bats:3"),),
        "pom.xml:7", frozenset({"java-kotlin"}))
    own = BuildFacts(
        (ProgramSuite("Rust tests that run the built binary", "e2e", ("cargo-test",),
                      "tests/cli.rs:4"),), None, frozenset({"rust"}))
    under = own.under("tools/cli/", repository)
    assert [s.locator for s in under.suites] == ["tests/image.bats:3", "tools/cli/tests/cli.rs:4"]
    assert under.snapshot_version == "pom.xml:7"  # the repository's, none of its own
    assert under.codeql_languages == {"java-kotlin"}  # CodeQL reads the whole repository
    assert BuildFacts(snapshot_version="pom.xml:3").under("api/", repository) \
        .snapshot_version == "api/pom.xml:3"
