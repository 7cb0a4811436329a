"""Launchers peeled off, wrappers (make, just, npm scripts, shell scripts) followed."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from scanner.collectors.ci.model import COMMAND, Job, Reference
from scanner.collectors.ci.resolve import Resolver, segments, strip_launchers
from scanner.collectors.ci.resolve.words import MAX_COMMAND, words
from scanner.collectors.ci.tools import load_catalogue
from scanner.collectors.local.worktree import WorkTree

Tree = Callable[[dict[str, str]], WorkTree]


@pytest.mark.parametrize(("line", "expected"), [
    ("uv run --locked --no-default-groups --group dev tox run", "tox run"),
    ("poetry run pytest -q", "pytest -q"),
    ("CI=1 FORCE_COLOR=0 npx --yes playwright test", "playwright test"),
    ("timeout 20m env GOFLAGS=-mod=mod go test ./...", "go test ./..."),
    ("bundle exec rspec", "rspec"),
    ("pytest", "pytest"),
])
def test_strip_launchers(line: str, expected: str) -> None:
    assert strip_launchers(line) == expected


def test_the_words_of_a_command_line_are_those_of_its_first_characters() -> None:
    started = time.monotonic()
    assert words("echo 'a b' " + "a" * 2_000_000) == ["echo", "a b", "a" * (MAX_COMMAND - 11)]
    assert time.monotonic() - started < 20  # a bound against a hang: shlex took 55 s


def test_segments_split_chains_and_pipes() -> None:
    assert segments("cd app && uv run pytest; echo done | tee log") == [
        "cd app", "pytest", "echo done", "tee log"]


def test_catalogue_sees_through_launchers() -> None:
    reference = Reference(COMMAND, "uv run --locked --group dev tox run", "ci.yml:4")
    assert {m.tool for m in load_catalogue().match_reference(reference)} >= {"tox"}


MAKEFILE = """\
GO ?= go
.PHONY: test lint

test: lint unit ## everything
unit:
\t@$(GO) test -race ./...

lint:
\t-golangci-lint run
# a comment
\t# not a command
release: ; goreleaser release --clean
"""


def expand(tree: WorkTree, command: str) -> list[tuple[str, str]]:
    job = Job("github_actions", "ci.yml", "t", "ci.yml:1", frozenset(),
              (Reference(COMMAND, command, "ci.yml:9", label="Run checks"),))
    expanded = Resolver(tree).expand_job(job)
    return [(r.value, r.locator) for r in expanded.references[1:]]


def test_make_targets_prerequisites_and_variables(tree: Tree) -> None:
    found = expand(tree({"Makefile": MAKEFILE}), "make -j4 test")
    assert found == [("golangci-lint run", "Makefile:9"),
                     ("go test -race ./...", "Makefile:6")]
    assert expand(tree({"Makefile": MAKEFILE}), "make release") == [
        ("goreleaser release --clean", "Makefile:12")]
    assert expand(tree({"sub/Makefile": MAKEFILE}), "make -C sub unit") == [
        ("go test -race ./...", "sub/Makefile:6")]
    assert expand(tree({"README": "x"}), "make test") == []


def test_make_eval_in_an_earlier_target_and_continued_variables(tree: Tree) -> None:
    """`make local build`: `local` clears the container wrapper with `$(eval ...)`, so
    `build` runs its script directly; a variable continued over tab-indented lines is one
    definition, not a recipe."""
    files = tree({"Makefile": "include vars.mk\n\nlocal:\n\t@$(eval RUNNER= )\n\n"
                              "build:\n\t$(RUNNER) go test ./...\n",
                  "vars.mk": "RUNNER := docker run --rm \\\n\t-v $(PWD):/src \\\n\tgolang:1.22\n"})
    assert expand(files, "make local build") == [("go test ./...", "Makefile:7")]
    assert expand(files, "make build") == [
        ("docker run --rm -v $(PWD):/src golang:1.22 go test ./...", "Makefile:7")]


def test_make_target_from_a_ci_variable_runs_its_pattern_rule_not_the_default(
        tree: Tree) -> None:
    """`make build-${target}` in a Jenkinsfile stands for the pattern rule `build-%`;
    make's default goal (`all: lint build test`) is not what it runs."""
    files = tree({"Makefile": "all: lint build\n\nlint:\n\tshellcheck *.sh\n\n"
                              "build-%:\n\tdocker buildx bake '$*'\n"})
    assert expand(files, "make build-${target}") == [("docker buildx bake '*'", "Makefile:7")]
    assert expand(files, "make") == [("shellcheck *.sh", "Makefile:4")]


def test_scripts_npm_and_just(tree: Tree) -> None:
    files = {
        "ci/run-tests.sh": "#!/bin/sh\nset -e\n# comment\nmeson test --print-errorlogs\n",
        "package.json": '{\n  "name": "web",\n  "scripts": {\n    "test": "jest --coverage",\n'
                        '    "e2e": "playwright test"\n  }\n}\n',
        "justfile": "default:\n  just --list\n\nscan:\n  semgrep scan --config auto\n",
    }
    work = tree(files)
    assert expand(work, "bash -e ./ci/run-tests.sh") == [
        ("set -e", "ci/run-tests.sh:2"), ("meson test --print-errorlogs", "ci/run-tests.sh:4")]
    assert expand(work, "npm test") == [("jest --coverage", "package.json:4")]
    assert expand(work, "yarn e2e") == [("playwright test", "package.json:5")]
    assert expand(work, "npm ci") == []
    assert expand(work, "just scan") == [("semgrep scan --config auto", "justfile:5")]
    assert expand(work, "../outside.sh") == []


def test_wrappers_do_not_loop(tree: Tree) -> None:
    work = tree({"a.sh": "./b.sh\n", "b.sh": "./a.sh\npytest\n",
                 "Makefile": "x: y\n\tmake y\ny: x\n\tpytest\n"})
    assert ("pytest", "b.sh:2") in expand(work, "./a.sh")
    assert ("pytest", "Makefile:4") in expand(work, "make x")


def test_make_follows_includes_and_reads_tool_variables_as_tools(tree: Tree) -> None:
    work = tree({
        "Makefile": "-include make/00_mod.mk\n-include make/_shared/*/01_mod.mk\n"
                    "include $(EXTRA_MAKEFILE)\n",
        "make/00_mod.mk": "bin_dir := _bin\n",
        "make/_shared/go/01_mod.mk": (
            "verify-govulncheck: | $(NEEDS_GOVULNCHECK)\n"
            "\t@find . -name go.mod | while read d; do \\\n"
            "\t\tGOTOOLCHAIN=go1.23 $(GOVULNCHECK) ./... || exit; \\\n"
            "\tdone\n"
            "lint:\n\t$(GOLANGCI_LINT) run --timeout 5m\n"),
        "make/_shared/go/nested/01_mod.mk": "lint:\n\tnot-included\n",
    })
    assert ("GOTOOLCHAIN=go1.23 govulncheck ./... || exit; \\",
            "make/_shared/go/01_mod.mk:3") in expand(work, "make verify-govulncheck")
    assert expand(work, "make lint") == [("golangci-lint run --timeout 5m",
                                          "make/_shared/go/01_mod.mk:6")]


def test_make_includes_do_not_loop(tree: Tree) -> None:
    work = tree({"Makefile": "include common.mk\ntest:\n\tpytest\n",
                 "common.mk": "include Makefile\ninclude common.mk\n"})
    assert expand(work, "make test") == [("pytest", "Makefile:3")]
