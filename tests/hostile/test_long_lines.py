"""A CI file may hold one command line as long as the file (collect.max_file_bytes, 2 MB):
the scan reads the first MAX_COMMAND characters of it and goes on.

Splitting a line into words (shlex) takes time quadratic in the length of one word, so
before the cap a 1.9 MB `echo aaa…` step held the scan for about two minutes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from documents import mappings
from gitrepo import GitRepo

Hostile = Callable[..., Any]  # the `hostile` fixture: a bounded `maturity` run
MakeRepo = Callable[..., GitRepo]


def test_a_workflow_step_of_two_megabytes_on_one_line_is_read_within_its_bound(
        hostile: Hostile, make_repo: MakeRepo) -> None:
    repo = make_repo({".github/workflows/ci.yml": f"""name: ci
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: semgrep scan --config auto
      - run: echo {"a" * 1_900_000}
"""})
    run = hostile("scan", str(repo.root), "--format", "json", "--no-store", bound=60)
    assert run.code == 0, run.err
    found = {(e["locator"], *e["value"]) for e in mappings(json.loads(run.out))
             if e.get("signal") == "ci.sast.tools"}
    assert found == {(".github/workflows/ci.yml:7", "semgrep")}


