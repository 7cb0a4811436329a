"""What CI really runs, end to end on real repositories: each pattern that once read as
"no tests" (or cited the wrong place) now shows the tool, cited by the chain CI reaches
it through."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gitrepo import GitRepo
from local_scan import collect, evidence_by_signal

MakeRepo = Callable[..., GitRepo]
ARROW = " → "


def gha(name: str, body: str, on: str = "[push, pull_request]") -> dict[str, str]:
    return {f".github/workflows/{name}": f"on: {on}\njobs:\n{body}"}


def tools(repo: GitRepo, signal: str = "ci.tests.tools") -> Any:
    return evidence_by_signal(repo.root)[signal]


def test_commands_given_to_actions_and_actions_that_are_tests(make_repo: MakeRepo) -> None:
    repo = make_repo({
        **gha("ci.yml", "  server:\n    runs-on: ubuntu-latest\n    steps:\n"
                        "      - uses: nick-fields/retry@v3\n"
                        "        with:\n          max_attempts: 3\n"
                        "          command: npm run test:server:coverage\n"
                        "  e2e:\n    runs-on: ubuntu-latest\n    steps:\n"
                        "      - uses: cypress-io/github-action@v6\n"
                        "        with: {start: npm start}\n"),
        "package.json": '{\n  "scripts": {\n    "test:server:coverage": '
                        '"jest --coverage server/"\n  }\n}\n',
    })
    found = tools(repo)
    assert found.value == ["cypress", "jest"]
    assert found.locators == (".github/workflows/ci.yml:13", ".github/workflows/ci.yml:9"
                              + ARROW + "package.json:3" + ARROW + "jest")
    assert evidence_by_signal(repo.root)["ci.e2e.automatic"].value is True


def test_a_working_directory_and_scripts_that_call_scripts(make_repo: MakeRepo) -> None:
    repo = make_repo({
        **gha("test-backend.yml",
              "  test:\n    runs-on: ubuntu-latest\n"
              "    defaults:\n      run:\n        working-directory: backend\n"
              "    steps:\n      - run: uv run bash scripts/tests-start.sh\n"),
        "backend/scripts/tests-start.sh": "#! /usr/bin/env bash\nset -e\n"
                                          "python app/backend_pre_start.py\n"
                                          "bash scripts/test.sh \"$@\"\n",
        "backend/scripts/test.sh": "#!/usr/bin/env bash\nset -e\n"
                                   "coverage run -m pytest tests/ \"$@\"\n"
                                   "coverage report\n",
        "backend/app/main.py": "x = 1\n",
    })
    found = tools(repo)
    assert found.value == ["pytest"]
    assert found.locator == (".github/workflows/test-backend.yml:9" + ARROW
                             + "backend/scripts/tests-start.sh:4" + ARROW
                             + "backend/scripts/test.sh:3" + ARROW + "pytest")
    assert tools(repo, "ci.coverage.tools").value == ["python-coverage"]


def test_make_loops_over_pattern_rules(make_repo: MakeRepo) -> None:
    repo = make_repo({
        **gha("ci.yml", "  build:\n    runs-on: ubuntu-latest\n    steps:\n"
                        "      - run: make test\n"),
        "Makefile": "IMAGES := alpine debian\n\n"
                    "test:\n\tfor image in $(IMAGES); do $(MAKE) test-$$image; done\n\n"
                    "test-%: build-%\n\tbats tests/$*.bats\n\n"
                    "build-%:\n\tdocker build -t jenkins:$* $*\n",
        "alpine/Dockerfile": "FROM alpine\nCMD [\"sh\"]\n",
    })
    found = tools(repo)
    assert "shell-test" in found.value
    assert any(loc.endswith("Makefile:7" + ARROW + "shell-test") for loc in found.locators)


def test_tests_run_inside_containers(make_repo: MakeRepo) -> None:
    repo = make_repo({
        **gha("ci.yml", "  t:\n    runs-on: ubuntu-latest\n    steps:\n"
                        "      - run: docker run --rm -v $PWD:/src -w /src python:3.12 pytest -q\n"
                        "      - run: docker compose -f compose.test.yml run --rm api\n"
                        "      - run: docker build --target test -t app:test .\n"),
        "compose.test.yml": "services:\n  api:\n    build: .\n    command: npm test\n",
        "package.json": '{"scripts": {"test": "vitest run"}}\n',
        "Dockerfile": "FROM node:22 AS base\nCOPY . .\n\nFROM base AS test\n"
                      "RUN npx playwright test\n\nFROM base\nCMD [\"node\", \"server.js\"]\n",
    })
    found = tools(repo)
    assert set(found.value) >= {"pytest", "vitest"}
    assert tools(repo, "ci.e2e.tools").value == ["playwright"]
    assert tools(repo, "ci.e2e.tools").locator.endswith("Dockerfile:5" + ARROW + "playwright")


def test_a_powershell_script_and_published_results_in_a_jenkinsfile(
        make_repo: MakeRepo) -> None:
    repo = make_repo({
        "Jenkinsfile": "pipeline {\n  agent any\n  stages {\n    stage('Windows') {\n"
                       "      steps {\n        powershell './make.ps1 test'\n"
                       "        junit 'target/results/*.xml'\n      }\n    }\n  }\n}\n",
        "make.ps1": "param([string]$Target = 'build')\n"
                    "if ($Target -eq 'test') {\n  Invoke-Pester -Path tests/ -CI\n}\n",
    })
    found = tools(repo)
    assert found.value  # a test run is visible: never "no tests"
    assert any("make.ps1" in loc or "Jenkinsfile:7" in loc for loc in found.locators)


def test_runners_read_from_their_own_files(make_repo: MakeRepo) -> None:
    repo = make_repo({
        **gha("ci.yml", "  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                        "      - run: tox -e py312\n      - run: nox -s lint\n"
                        "      - run: task ci\n      - run: just check\n"
                        "      - run: pnpm -r test\n      - run: hatch run cov\n"
                        "      - run: cd web && npm --prefix ../site test\n"),
        "tox.ini": "[tox]\nenvlist = py312\n\n[testenv]\ncommands =\n"
                   "    pytest {posargs}\n",
        "noxfile.py": "import nox\n\n@nox.session\ndef lint(session):\n"
                      "    session.run('ruff', 'check', '.')\n",
        "Taskfile.yml": "version: '3'\ntasks:\n  ci:\n    deps: [unit]\n"
                        "  unit:\n    dir: go\n    cmds:\n      - go test ./...\n",
        "justfile": "check: lint\n\ntest\n\nlint:\n    semgrep scan --config auto\n",
        "packages/a/package.json": '{"scripts": {"test": "mocha"}}\n',
        "pyproject.toml": "[tool.hatch.envs.default.scripts]\ncov = 'pytest --cov'\n",
        "site/package.json": '{"scripts": {"test": "jest"}}\n',
        "web/index.html": "<p>x</p>\n",
    })
    found = tools(repo)
    assert set(found.value) >= {"pytest", "go-test", "mocha", "jest"}
    assert tools(repo, "ci.sast.tools").value == ["semgrep"]
    assert tools(repo, "ci.lint.tools").value  # ruff, from the nox session


def test_a_step_named_as_a_test_run_is_never_no_tests(make_repo: MakeRepo) -> None:
    repo = make_repo({**gha("ci.yml", "  t:\n    runs-on: ubuntu-latest\n    steps:\n"
                                      "      - name: Run tests\n"
                                      "        run: ./run-everything --fast\n"),
                      ".gitlab-ci.yml": "unit:\n  script: [./check]\n  artifacts:\n"
                                        "    reports:\n      junit: report.xml\n"})
    found = tools(repo)
    assert found.value == ["unidentified"]
    assert {loc.split(":")[0] for loc in found.locators} == {".github/workflows/ci.yml",
                                                              ".gitlab-ci.yml"}


def test_release_signing_is_cited_from_the_release_not_from_a_test_target(
        make_repo: MakeRepo) -> None:
    repo = make_repo({
        **gha("release.yml", "  release:\n    runs-on: ubuntu-latest\n    steps:\n"
                             "      - run: goreleaser release --clean\n",
              on="{push: {tags: ['v*']}}"),
        **gha("ci.yml", "  test:\n    runs-on: ubuntu-latest\n    steps:\n"
                        "      - run: make -f test/ci.mk sign-blob\n"),
        "test/ci.mk": "sign-blob:\n\tcosign sign-blob --key test/throwaway.key README\n",
        ".goreleaser.yml": "builds:\n  - main: ./cmd/tool\nsigns:\n  - cmd: cosign\n"
                           "    args: [sign-blob, '--yes', '${artifact}']\n",
    })
    found = tools(repo, "ci.signing.tools")
    assert found.value == ["cosign"]
    assert found.locators == (".goreleaser.yml:4",)  # test/ci.mk is not cited


def test_each_place_is_kept_strongest_first_with_the_count(make_repo: MakeRepo) -> None:
    jobs = "".join(f"  t{i}:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n"
                   for i in range(8))
    repo = make_repo(gha("ci.yml", jobs))
    found = tools(repo)
    assert len(found.locators) == 5 and found.occurrences == 8


def test_bad_scripts_are_bounded_and_never_followed_out_of_the_tree(
        make_repo: MakeRepo, tmp_path: Path) -> None:
    outside = tmp_path / "outside.sh"
    outside.write_text("pytest\n")
    long_script = "#!/bin/sh\n" + "echo step\n" * 1500 + "pytest\n"
    repo = make_repo({
        **gha("ci.yml", "  t:\n    runs-on: ubuntu-latest\n    steps:\n"
                        "      - run: ./a.sh\n      - run: ./long.sh\n"
                        "      - run: ./binary.sh\n      - run: ./link.sh\n"
                        "      - run: make loop\n"),
        "a.sh": "#!/bin/sh\n./b.sh\n", "b.sh": "#!/bin/sh\n./a.sh\n",
        "long.sh": long_script,
        "binary.sh": "#!/bin/sh\n\x00\x01pytest\n",
        "Makefile": "loop: again\n\t$(MAKE) loop\nagain: loop\n",
    })
    os.symlink(outside, repo.root / "link.sh")
    repo.commit("link")
    collected = collect(repo.root)
    found = {e.signal: e for e in collected.evidence
             if e.entity == f"repo:{repo.root.resolve()}"}
    # only lines past the budget, a binary file and a file outside the tree had pytest
    assert found["ci.tests.tools"].value == []
    messages = " | ".join(p.message for p in collected.problems)
    assert "only the first 1000 of 1501 command lines" in messages
    assert "binary content" in messages
    assert "outside the repository" in messages


def test_uploads_to_a_draft_release_are_not_published_automatically(
        make_repo: MakeRepo) -> None:
    repo = make_repo(gha("release.yml",
                         "  create:\n    runs-on: ubuntu-latest\n    steps:\n"
                         "      - run: gh release create $TAG --draft --verify-tag\n"
                         "  build:\n    needs: [create]\n    runs-on: ubuntu-latest\n"
                         "    steps:\n      - run: gh release upload $TAG dist/tool.tar.gz\n",
                         on="{push: {tags: ['v*']}}"))
    found = evidence_by_signal(repo.root)
    assert found["ci.packaging.tools"].value == ["github-release"]
    assert found["ci.release.automatic"].value is False  # a person publishes the draft


def test_suites_that_run_the_built_program_are_end_to_end_tests(make_repo: MakeRepo) -> None:
    """`cargo test` is all CI shows; tests/*.rs that start the binary make it an end-to-end
    run of the program, and bats files that start containers make `bats` integration
    tests. The same runners over plain unit tests stay unit tests."""
    repo = make_repo({
        **gha("ci.yml", "  test:\n    runs-on: ubuntu-latest\n    steps:\n"
                        "      - run: cargo test --workspace\n      - run: bats tests/\n"),
        "Cargo.toml": "[package]\nname = \"grepper\"\nversion = \"0.1.0\"\n",
        "src/main.rs": "fn main() {}\n",
        "tests/util.rs": "use std::process::Command;\n\npub fn bin() -> Command {\n"
                         "    Command::new(env!(\"CARGO_BIN_EXE_grepper\"))\n}\n",
        "tests/image.bats": "@test 'starts' {\n  run docker run --rm \"$IMAGE\" --version\n}\n",
    })
    found = evidence_by_signal(repo.root)
    assert found["e2e.suites"].value == ["Rust tests that run the built binary",
                                         "bats tests that start containers"]
    assert "tests/util.rs:4" in found["e2e.suites"].locators
    assert found["ci.e2e.tools"].value == ["Rust tests that run the built binary"]
    assert found["ci.e2e.tools"].locators == (".github/workflows/ci.yml:6",)
    assert found["ci.e2e.automatic"].value is True
    assert found["ci.tests.regimes"].value == ["unit", "integration", "e2e"]

    plain = make_repo({
        **gha("ci.yml", "  test:\n    runs-on: ubuntu-latest\n    steps:\n"
                        "      - run: cargo test --workspace\n"),
        "Cargo.toml": "[package]\nname = \"grepper\"\nversion = \"0.1.0\"\n",
        "src/lib.rs": "pub fn add() {}\n",
        "tests/add.rs": "#[test]\nfn adds() { grepper::add(); }\n",
    })
    found = evidence_by_signal(plain.root)
    assert found["e2e.suites"].value == []
    assert found["ci.tests.regimes"].value == ["unit"]
