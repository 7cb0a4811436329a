"""Reading a clone's tracked files: what is read, and what a file changing underneath costs."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from scanner.collectors.local.worktree import WorkTree, _read
from scanner.collectors.tree import SkippedFile


def test_a_tracked_file_is_read_whole_and_an_untracked_one_not_at_all(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("print('hi')\n" * 1000)
    (tmp_path / "notes.txt").write_text("untracked")
    tree = WorkTree(tmp_path, ["src/app.py"], max_bytes=1_000_000)
    assert tree.read_text("src/app.py") == "print('hi')\n" * 1000
    with pytest.raises(SkippedFile, match="not tracked"):
        tree.read_text("notes.txt")


def test_a_file_that_grew_since_it_was_measured_is_read_up_to_the_limit(
        tmp_path: Path) -> None:
    path = tmp_path / "grown.txt"
    path.write_bytes(b"x" * 5000)
    assert _read(str(path), 100, 5000) == b"x" * 5000
    assert _read(str(path), 100, 300) == b"x" * 300
    assert _read(str(path), 5000, 10_000) == b"x" * 5000


def test_a_file_swapped_for_a_named_pipe_does_not_hold_the_scan(tmp_path: Path) -> None:
    """Between the look at a file and its opening, a process in the clone may put a FIFO
    in its place: opening it for reading would wait for a writer that never comes."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    result: list[bytes | BaseException] = []

    def read() -> None:
        try:
            result.append(_read(str(pipe), 10, 100))
        except OSError as exc:
            result.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(5)
    if reader.is_alive():  # free the thread before failing: a writer ends its wait
        os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("reading a named pipe waited for a writer")
    assert result == [b""]


def test_a_named_pipe_in_the_tree_is_skipped_with_the_reason(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    tree = WorkTree(tmp_path, ["pipe"], max_bytes=1_000_000)
    with pytest.raises(SkippedFile, match="not a regular file"):
        tree.read_text("pipe")
