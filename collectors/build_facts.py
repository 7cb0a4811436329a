"""What a tree's files say that changes how its CI is read.

CI shows `cargo test`, `mvn deploy` or a CodeQL job; the files say whether those
tests start the built program, whether that deploy publishes a snapshot, and
which languages CodeQL finds to analyse.  The file readers fill this in and the
CI signals take it as given (collectors → evidence, one direction).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, replace

from scanner.collectors.program_tests import ProgramSuite

# File suffixes of the languages CodeQL analyses when a workflow names none (it picks the
# repository's languages it supports); workflows themselves are the `actions` language.
CODEQL_LANGUAGES = {
    ".c": "c-cpp", ".cc": "c-cpp", ".cpp": "c-cpp", ".cxx": "c-cpp", ".h": "c-cpp",
    ".hpp": "c-cpp", ".cs": "csharp", ".go": "go", ".java": "java-kotlin",
    ".kt": "java-kotlin", ".js": "javascript-typescript", ".jsx": "javascript-typescript",
    ".mjs": "javascript-typescript", ".cjs": "javascript-typescript",
    ".ts": "javascript-typescript", ".tsx": "javascript-typescript", ".vue":
    "javascript-typescript", ".py": "python", ".rb": "ruby", ".swift": "swift", ".rs": "rust",
}


@dataclass(frozen=True)
class BuildFacts:
    suites: tuple[ProgramSuite, ...] = ()  # tests that run the built program or containers
    snapshot_version: str | None = None  # `file:line` of a -SNAPSHOT version, if any
    # The languages CodeQL finds in the repository; None when the files were not read.
    codeql_languages: frozenset[str] | None = None

    def under(self, prefix: str, repository: BuildFacts) -> BuildFacts:
        """A service's facts (its paths made repository paths), with the repository's
        suites, and its snapshot version where the service's own folder shows none."""
        suites = {suite.name: suite for suite in repository.suites}
        suites.update((suite.name, replace(suite, locator=prefix + suite.locator))
                      for suite in self.suites)
        snapshot = prefix + self.snapshot_version if self.snapshot_version else None
        # CodeQL analyses the whole repository, whichever service's job runs it.
        return BuildFacts(tuple(suites.values()), snapshot or repository.snapshot_version,
                          repository.codeql_languages)


def codeql_languages(paths: Iterable[str]) -> frozenset[str]:
    """The languages CodeQL would find in these files."""
    found = {CODEQL_LANGUAGES.get(posixpath.splitext(path)[1].lower()) for path in paths}
    return frozenset(language for language in found if language)
