"""Log lines never carry credentials: URL passwords and secret environment values."""

from __future__ import annotations

import pytest

from scanner.credentials import redact


def test_redaction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACME_API_TOKEN", "tok-123456")
    monkeypatch.setenv("PAGER", "less")  # not secret-looking, and short: left alone
    text = redact("postgresql://scanner:s3cr3t@db.acme:5432/maturity failed; sent tok-123456 "
                  "with less")
    assert text == "postgresql://scanner:***@db.acme:5432/maturity failed; sent *** with less"
