"""Folders whose contents are not what a repository ships or runs.

Examples, tests, fixtures, documentation, CI configuration and build tooling hold
Dockerfiles, programs and manifests of their own (a CI image, a test environment, a
sample app); none of them is a service or an application of the repository.  One
pattern, shared by everything that looks for services and applications.
"""

from __future__ import annotations

from scanner.lazy_patterns import lazy_compile

NOT_SHIPPED_FOLDER = lazy_compile(
    r"(?i)(^|/)(\.devcontainer|docs?|examples?|samples?|tests?|testing|testdata|test-data|"
    r"fixtures|e2e|__tests__|\.github|\.gitlab|\.gitlab-ci|\.ci|ci|\.circleci|\.buildkite|"
    r"hack|tools?|scripts|build[-_]?tools|buildtools|benchmarks?|bench|internal/tools|"
    r"third_party|vendor|node_modules|its|contrib|demo|"
    # test projects named for what they test: integration-tests/, android-tests/, e2e-tests/
    r"[\w.-]{0,60}[-_.](tests|testing|integration[-_]?tests?|e2e)|"
    r"(tests|integration[-_]?tests?|e2e)[-_.][\w.-]{0,60})/")
