"""How git is run: the user's GIT_* settings do not steer it, and its output is buffered."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from scanner.collectors.local.git import _environment, run_git


def test_the_users_git_variables_do_not_steer_the_scan(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scanned, elsewhere = tmp_path / "scanned", tmp_path / "elsewhere"
    for repo in (scanned, elsewhere):
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
    monkeypatch.setenv("GIT_DIR", str(elsewhere / ".git"))
    monkeypatch.setenv("GIT_FLUSH", "1")
    top = run_git(scanned, "rev-parse", "--show-toplevel").decode().strip()
    assert Path(top).resolve() == scanned.resolve()
    environment = _environment()
    assert "GIT_DIR" not in environment
    # Into a pipe git would otherwise write each commit of a log with its own system call.
    assert environment["GIT_FLUSH"] == "0"
