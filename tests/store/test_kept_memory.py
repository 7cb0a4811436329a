"""What collectors keep for their next scan, as the store holds it across scans of a GitHub
organisation (its stand-in, through the real `maturity` entry point, into SQLite): an entry
kept again as it was is not written again, a changed one is, and one no longer kept goes."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from git_hosts import ScannedHost, scanned_github

Cli = Callable[..., Any]
TOKEN = "ghp_kept_memory_secret_ABCDEF0123456789"
LISTING = "GET /orgs/acme/repos"
WRITES = """
create table writes (key text);
create trigger inserted after insert on collector_memory begin
    insert into writes values (new.key); end;
create trigger updated after update on collector_memory begin
    insert into writes values (new.key); end;
"""


@pytest.fixture
def host() -> Iterator[ScannedHost]:
    with scanned_github(TOKEN) as found:
        yield found


def scan(cli: Cli, host: ScannedHost, config: Path) -> None:
    result = cli("scan", "--config", str(config), "--format", "json", env=host.env)
    assert result.code == 0, result.err


def store(tmp_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(tmp_path / "store" / "maturity.db")


def rows(tmp_path: Path) -> dict[str, tuple[str, str]]:
    with store(tmp_path) as conn:
        return {key: (etag, body) for key, etag, body
                in conn.execute("select key, etag, body from collector_memory")}


def written(tmp_path: Path) -> list[str]:
    with store(tmp_path) as conn:
        found = [key for (key,) in conn.execute("select key from writes")]
        conn.execute("delete from writes")
    return found


def test_what_is_kept_again_unchanged_is_not_written_again(
        cli: Cli, host: ScannedHost, tmp_path: Path) -> None:
    config = host.config(tmp_path)
    scan(cli, host, config)
    cold = rows(tmp_path)
    assert any(key.startswith("repository ") for key in cold)
    with store(tmp_path) as conn:
        conn.executescript(WRITES)

    scan(cli, host, config)
    assert written(tmp_path) == []
    assert rows(tmp_path) == cold

    repo = host.fake.repo("acme/web")
    repo.files["SECURITY.md"] = "Report to security@example.com\n"
    repo.pushed_at = (repo.pushed or repo.created) + timedelta(minutes=1)
    scan(cli, host, config)
    # The repository read again, and the listing that shows it moved.
    changed = written(tmp_path)
    assert any("acme/web" in key for key in changed)
    assert all("acme/web" in key or key.startswith(LISTING) for key in changed)
    after = rows(tmp_path)
    assert {key: row for key, row in after.items() if "acme/web" in key} != \
        {key: row for key, row in cold.items() if "acme/web" in key}
    assert {key: row for key, row in after.items() if "acme/api" in key} == \
        {key: row for key, row in cold.items() if "acme/api" in key}

    host.fake.delete_repo("acme", "web")
    scan(cli, host, config)
    assert not any("acme/web" in key for key in rows(tmp_path))
    assert all(key.startswith(LISTING) for key in written(tmp_path))  # a listing without it
