"""`maturity scan --config` over a GitHub organisation, end to end, as a platform team runs it
(what GitHub and GitLab do alike: tests/collectors/hosts/test_host_scans.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from git_hosts import ScannedHost, scanned_github, stages

TOKEN = "ghp_end_to_end_secret_ABCDEF0123456789"
Cli = Callable[..., Any]


@pytest.fixture
def host() -> Iterator[ScannedHost]:
    with scanned_github(TOKEN) as scanned:
        yield scanned


def observations(document: Any) -> set[tuple[str, str, str]]:
    """(entity, signal, observed_at) of every evidence item the report cites."""
    if isinstance(document, list):
        return {found for item in document for found in observations(item)}
    if not isinstance(document, dict):
        return set()
    if "observed_at" in document and "signal" in document:
        return {(document["entity"], document["signal"], document["observed_at"])}
    return {found for value in document.values() for found in observations(value)}


def test_an_organisation_scan_is_stored_a_rescan_reuses_it_and_fresh_reads_it_again(
        cli: Cli, host: ScannedHost, tmp_path: Path) -> None:
    fake, env = host.fake, host.env
    path = str(host.config(tmp_path))
    first = cli("scan", "--config", path, "--format", "json", "--progress", env=env)
    assert first.code == 0, first.err
    assert "acme (2/2)" in first.err  # repositories of the organisation, as they are read
    document = json.loads(first.out)
    assert [r["entity"] for r in document["repositories"]] == [
        "repo:127.0.0.1/acme/api", "repo:127.0.0.1/acme/web"]
    seen = observations(document)
    time.sleep(1)  # evidence observed again would show a later time
    fake.clear_log()
    second = cli("scan", "--config", path, "--format", "json", env=env)
    assert second.code == 0, second.err
    assert [r.path for r in fake.requests] == ["/orgs/acme/repos"]  # answered 304, free
    assert stages(json.loads(second.out)) == stages(document)
    assert observations(json.loads(second.out)) == seen
    fake.clear_log()
    fresh = cli("scan", "--config", path, "--format", "json", "--fresh", env=env)
    assert fresh.code == 0, fresh.err
    assert fake.count_for("acme/api") >= 1 and fake.count_for("acme/web") >= 1
    again = observations(json.loads(fresh.out))
    assert {(e, s) for e, s, _ in again} == {(e, s) for e, s, _ in seen}
    assert min(at for _, _, at in again) > max(at for _, _, at in seen)
    store = tmp_path / "store" / "maturity.db"
    for text in (first.out, first.err, second.out, second.err, fresh.out, fresh.err,
                 store.read_bytes().decode("latin-1")):
        assert TOKEN not in text
