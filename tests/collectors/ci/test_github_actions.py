"""GitHub Actions: triggers, step- and job-level uses, local workflows and actions, lines."""

from __future__ import annotations

from collections.abc import Callable

from scanner.collectors.ci import github_actions
from scanner.collectors.ci.model import (
    ACTION,
    COMMAND,
    DEFAULT_BRANCH,
    IMAGE,
    MANUAL,
    PULL_REQUEST,
    PUSH,
    RELEASE,
    REUSABLE_WORKFLOW,
    SCHEDULE,
    TAG,
    Job,
)
from scanner.collectors.local.worktree import WorkTree

Tree = Callable[[dict[str, str]], WorkTree]

RELEASE_WORKFLOW = """\
name: release
on:
  push:
    tags: ["v*"]
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-latest
    environment:
      name: pypi
    steps:
      - uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11 # v4
      - run: |
          python -m build
          # cosign sign-blob dist/*   (disabled for now)
          cosign sign-blob --yes \\
            dist/pkg.tar.gz
  provenance:
    needs: [build]
    uses: slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@v2.0.0
    with:
      base64-subjects: abc
"""


def jobs_by_name(jobs: list[Job]) -> dict[str, Job]:
    return {job.name: job for job in jobs}


def test_job_level_uses_and_steps_with_lines(tree: Tree) -> None:
    result = github_actions.parse(tree({".github/workflows/release.yml": RELEASE_WORKFLOW}))
    jobs = jobs_by_name(result.jobs)
    assert set(jobs) == {"build", "provenance"}
    build = jobs["build"]
    assert build.triggers == {TAG}
    assert build.environment == "pypi"
    assert build.locator == ".github/workflows/release.yml:8"
    actions = [r for r in build.references if r.kind == ACTION]
    assert actions[0].value == "actions/checkout"
    assert actions[0].version == "b4ffde65f46336ab88eb53be808477a3936bae11"
    commands = [(r.value, r.locator) for r in build.references if r.kind == COMMAND]
    assert commands == [("python -m build", ".github/workflows/release.yml:15"),
                        ("cosign sign-blob --yes dist/pkg.tar.gz",
                         ".github/workflows/release.yml:17")]
    provenance = jobs["provenance"].references[0]
    assert provenance.kind == REUSABLE_WORKFLOW
    assert provenance.value == ("slsa-framework/slsa-github-generator/.github/workflows/"
                                "generator_generic_slsa3.yml")
    assert provenance.locator == ".github/workflows/release.yml:21"
    assert result.permissions_declared == {".github/workflows/release.yml": True}


def test_trigger_forms(tree: Tree) -> None:
    files = {
        ".github/workflows/a.yml": "on: push\njobs: {t: {runs-on: x, steps: [{run: make}]}}\n",
        ".github/workflows/b.yaml": "on: [pull_request, workflow_dispatch]\n"
                                    "jobs: {t: {runs-on: x, steps: [{run: make}]}}\n",
        ".github/workflows/c.yml": "on:\n  push:\n    branches: [main]\n  schedule:\n"
                                   "    - cron: '0 3 * * *'\n  release: {types: [published]}\n"
                                   "jobs: {t: {runs-on: x, steps: [{run: make}]}}\n",
        ".github/workflows/d.yml": "on:\n  push:\n    branches: ['feature/**']\n"
                                   "jobs: {t: {runs-on: x, steps: [{run: make}]}}\n",
        ".github/workflows/nested/e.yml": "on: push\njobs: {t: {steps: [{run: make}]}}\n",
    }
    triggers = {job.file.rsplit("/", 1)[1]: job.triggers
                for job in github_actions.parse(tree(files)).jobs}
    assert triggers == {
        "a.yml": {PUSH, DEFAULT_BRANCH, TAG},
        "b.yaml": {PULL_REQUEST, MANUAL},
        "c.yml": {DEFAULT_BRANCH, SCHEDULE, RELEASE},
        "d.yml": {PUSH, DEFAULT_BRANCH},
    }


def test_local_reusable_workflow_runs_with_callers_triggers(tree: Tree) -> None:
    files = {
        ".github/workflows/ci.yml": "on: pull_request\njobs:\n  scan:\n"
                                    "    uses: ./.github/workflows/scan.yml\n",
        ".github/workflows/scan.yml": "on: workflow_call\njobs:\n  semgrep:\n"
                                      "    runs-on: x\n    container: semgrep/semgrep\n"
                                      "    steps:\n      - run: semgrep ci\n",
    }
    jobs = jobs_by_name(github_actions.parse(tree(files)).jobs)
    assert set(jobs) == {"scan/semgrep"}
    assert jobs["scan/semgrep"].triggers == {PULL_REQUEST}
    kinds = {(r.kind, r.value) for r in jobs["scan/semgrep"].references}
    assert kinds == {(IMAGE, "semgrep/semgrep"), (COMMAND, "semgrep ci")}


def test_uncalled_reusable_workflow_is_still_read(tree: Tree) -> None:
    files = {".github/workflows/lib.yml": "on: {workflow_call: {}}\njobs:\n  t:\n"
                                          "    steps: [{run: pytest}]\n"}
    jobs = github_actions.parse(tree(files)).jobs
    assert [(j.name, j.triggers) for j in jobs] == [("t", frozenset())]


def test_local_composite_action_steps_are_followed(tree: Tree) -> None:
    files = {
        ".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    steps:\n"
                                    "      - uses: ./.github/actions/scan\n"
                                    "      - uses: docker://zricethezav/gitleaks:v8\n",
        ".github/actions/scan/action.yml": "runs:\n  using: composite\n  steps:\n"
                                            "    - run: bandit -r src\n      shell: bash\n",
    }
    job = github_actions.parse(tree(files)).jobs[0]
    assert [(r.kind, r.value, r.locator) for r in job.references] == [
        (COMMAND, "bandit -r src", ".github/actions/scan/action.yml:4"),
        (IMAGE, "zricethezav/gitleaks:v8", ".github/workflows/ci.yml:6"),
    ]


def test_env_expressions_take_the_workflow_job_and_step_values(tree: Tree) -> None:
    """`${{ env.CARGO }} test` runs `cargo test`: GitHub fills in the value before the
    shell sees the line; a value that is itself an expression stays as written."""
    files = {
        ".github/workflows/ci.yml": (
            "on: push\nenv:\n  RUNNER: pytest\njobs:\n  t:\n"
            "    env: {CARGO: cargo, TOKEN: '${{ secrets.TOKEN }}'}\n    steps:\n"
            "      - run: ${{ env.CARGO }} test --workspace\n"
            "      - run: ${{env.RUNNER}} -q && ${{ env.TOKEN }} ${{ env.UNSET }}\n"
            "      - run: ${{ env.CARGO }} build\n        env: {CARGO: cross}\n")}
    job = github_actions.parse(tree(files)).jobs[0]
    assert [r.value for r in job.references] == [
        "cargo test --workspace", "pytest -q && ${{ env.TOKEN }} ${{ env.UNSET }}",
        "cross build"]
    assert dict(job.variables) == {"RUNNER": "pytest", "CARGO": "cargo"}


def test_malformed_and_binary_workflows_are_skipped_with_a_reason(tree: Tree) -> None:
    files = {
        ".github/workflows/good.yml": "on: push\njobs: {t: {steps: [{run: make test}]}}\n",
        ".github/workflows/broken.yml": "on: push\njobs:\n  t: [unclosed\n",
        ".github/workflows/junk.yml": "\x00\x01\x02binary\x00",
        ".github/workflows/notes.yml": "just a string\n",
    }
    result = github_actions.parse(tree(files))
    assert [job.file for job in result.jobs] == [".github/workflows/good.yml"]
    reasons = dict(result.unreadable)
    assert "not valid YAML (line" in reasons[".github/workflows/broken.yml"]
    assert reasons[".github/workflows/junk.yml"] == "binary content"
    assert "no 'jobs' mapping" in reasons[".github/workflows/notes.yml"]
