"""A unit unchanged since an earlier scan takes that scan's judgement from the store: the
same report, no new judgement kept; a judgement that cannot be read (which is then
replaced), other rules or other thresholds mean judging again."""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from documents import assessment
from git_hosts import ScannedHost, scanned_github

Cli = Callable[..., Any]
TOKEN = "ghp_judged_units_secret_ABCDEF0123456789"


@pytest.fixture
def host() -> Iterator[ScannedHost]:
    with scanned_github(TOKEN) as found:
        yield found


def scan(cli: Cli, host: ScannedHost, config: Path) -> dict[str, Any]:
    result = cli("scan", "--config", str(config), "--format", "json", env=host.env)
    assert result.code == 0, result.err
    document: dict[str, Any] = json.loads(result.out)
    return document


def store(tmp_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(tmp_path / "store" / "maturity.db")


def kept(tmp_path: Path) -> dict[str, bytes]:
    with store(tmp_path) as conn:
        return dict(conn.execute("select key, body from judged_units"))


def units_of(tmp_path: Path, scan_id: str) -> list[str]:
    with store(tmp_path) as conn:
        return [key for (key,) in conn.execute(
            "select unit_key from scan_units where scan_id = ? order by position", (scan_id,))]


def test_an_unchanged_organisation_takes_its_kept_judgements(
        cli: Cli, host: ScannedHost, tmp_path: Path) -> None:
    config = host.config(tmp_path)
    cold = scan(cli, host, config)
    judged = kept(tmp_path)
    assert len(judged) == 2  # acme/api with its services, acme/web
    warm = scan(cli, host, config)
    assert assessment(warm) == assessment(cold)
    assert kept(tmp_path) == judged  # nothing judged anew
    assert units_of(tmp_path, warm["scan"]["id"]) == units_of(tmp_path, cold["scan"]["id"])


def test_the_next_scan_reports_what_was_kept(cli: Cli, host: ScannedHost,
                                             tmp_path: Path) -> None:
    """The kept judgement is what the warm scan reports: one edited in the store shows."""
    config = host.config(tmp_path)
    scan(cli, host, config)
    with store(tmp_path) as conn:
        for key, body in conn.execute("select key, body from judged_units").fetchall():
            data = json.loads(zlib.decompress(body))
            data["summary"]["overall"]["stage"] = "expert"
            conn.execute("update judged_units set body = ? where key = ?",
                         (zlib.compress(json.dumps(data).encode()), key))
    warm = scan(cli, host, config)
    assert {r["overall"]["stage"] for r in warm["repositories"]} == {"expert"}


def test_an_unreadable_judgement_is_judged_again(cli: Cli, host: ScannedHost,
                                                 tmp_path: Path) -> None:
    config = host.config(tmp_path)
    cold = scan(cli, host, config)
    judged = kept(tmp_path)
    with store(tmp_path) as conn:
        conn.execute("update judged_units set body = ?", (b"\x00not zlib",))
    assert assessment(scan(cli, host, config)) == assessment(cold)
    assert kept(tmp_path) == judged  # replaced by what was judged again, for the next scan
    with store(tmp_path) as conn:
        conn.execute("update judged_units set body = ?",
                     (zlib.compress(b'{"answers": [["x", "repo:y", "checked", 7, 1, 2]]}'),))
    assert assessment(scan(cli, host, config)) == assessment(cold)


def test_other_thresholds_are_judged_anew(cli: Cli, host: ScannedHost, tmp_path: Path) -> None:
    config = host.config(tmp_path)
    scan(cli, host, config)
    before = kept(tmp_path)
    stricter = host.config(tmp_path, "thresholds:\n  most: 0.9\n")
    scan(cli, host, stricter)
    assert len(kept(tmp_path)) == 2 * len(before)
