"""What a repository says reaches terminals and files escaped: control sequences in a
waiver reason, and file or folder names that are not UTF-8, in every format and in
the store."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from bounded import Run
from gitrepo import GitRepo

Hostile = Callable[..., Run]
MakeRepo = Callable[..., GitRepo]

NOT_UTF8 = os.fsdecode(b"bad\xff\xfename")
ESCAPES = '"pwn \\e]0;owned\\a\\e[2J here"'  # YAML escapes for ESC ] … BEL ESC [2J
TESTS_WORKFLOW = ("on: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
                  "    steps:\n      - run: pytest\n")


def hostile_repo(make_repo: MakeRepo) -> GitRepo:
    return make_repo({
        ".maturity.yaml": "waivers:\n  - rule: build_test.code_scanning.dynamic-some\n"
                          f"    reason: {ESCAPES}\n    owner: \"team\\e[31m\"\n",
        f".github/workflows/{NOT_UTF8}.yml": TESTS_WORKFLOW,
        "app.py": "print(1)\n",
        f"test_{NOT_UTF8}.py": "def test(): pass\n",
    }, name=NOT_UTF8)


@pytest.mark.parametrize("fmt", ["table", "markdown", "json", "html"])
def test_no_raw_control_character_or_undecodable_name_leaves(
        hostile: Hostile, make_repo: MakeRepo, tmp_path: Path, fmt: str) -> None:
    repo = hostile_repo(make_repo)
    report = tmp_path / f"report.{fmt}"
    run = hostile("scan", str(repo.root), "--format", fmt, "--output", str(report),
                  "--db", str(tmp_path / "store.db"))
    assert run.code == 0, run.err
    written = report.read_bytes()
    assert b"\x1b" not in written and b"\x07" not in written
    written.decode("utf-8")  # strict: a name that is not UTF-8 is escaped, not written raw
    text = written.decode()
    if fmt in ("table", "markdown"):
        assert "pwn \\x1b]0;owned\\x07\\x1b[2J here" in text  # shown, escaped
        assert "bad\\xff\\xfename" in text
    # stored: the report and history of that scan come back, just as escaped
    for command in (["report"], ["history"]):
        again = hostile(*command, "--db", str(tmp_path / "store.db"))
        assert again.code == 0, again.err
        assert "\x1b" not in again.out


def test_the_table_on_stdout_is_escaped(hostile: Hostile, make_repo: MakeRepo) -> None:
    repo = hostile_repo(make_repo)
    run = hostile("scan", str(repo.root), "--no-store")
    assert run.code == 0, run.err
    assert "\x1b" not in run.both and "\x07" not in run.both
    assert "owned" in run.out
