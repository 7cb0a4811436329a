from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from scanner.collectors.declared import View

# The AWS tests' canned answers, checked here against botocore's models.
sys.path.insert(0, str(Path(__file__).parents[1] / "collectors" / "cloud" / "aws"))


@pytest.fixture
def reads_made(monkeypatch: pytest.MonkeyPatch) -> set[tuple[str, str]]:
    """(owner, declared path) of every key the code looks for in an answer during the
    test, found or not: which declarations a scan really exercises."""
    read: set[tuple[str, str]] = set()
    through = View.__getitem__

    def noting(self: View, key: str) -> Any:
        read.add((self._owner, self._path(key) or key))
        return through(self, key)

    monkeypatch.setattr(View, "__getitem__", noting)
    return read
