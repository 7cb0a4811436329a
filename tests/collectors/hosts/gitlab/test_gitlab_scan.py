"""`maturity scan --config` over a GitLab group, end to end, as a platform team runs it (what
GitHub and GitLab do alike: tests/collectors/hosts/test_host_scans.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from git_hosts import ScannedHost, scanned_gitlab, stages

TOKEN = "glpat-end-to-end-secret-ABCDEF0123456789"
Cli = Callable[..., Any]


@pytest.fixture
def host() -> Iterator[ScannedHost]:
    with scanned_gitlab(TOKEN) as scanned:
        yield scanned


def test_a_group_scan_is_stored_and_a_rescan_reuses_it(
        cli: Cli, host: ScannedHost, tmp_path: Path) -> None:
    fake, env = host.fake, host.env
    first = cli("scan", "--config", str(host.config(tmp_path)), "--format", "json",
                "--progress", env=env)
    assert first.code == 0, first.err
    assert "platform (2/2)" in first.err  # projects of the group, subgroups included
    document = json.loads(first.out)
    assert [r["entity"] for r in document["repositories"]] == [
        "repo:127.0.0.1/platform/api", "repo:127.0.0.1/platform/tools/cli"]
    cold = fake.count()
    fake.clear_log()
    second = cli("scan", "--config", str(host.config(tmp_path)), "--format", "json", env=env)
    assert second.code == 0, second.err
    assert fake.count() == 0 < cold  # unchanged projects reused; the listing a 304
    assert stages(json.loads(second.out)) == stages(document)
    store = tmp_path / "store" / "maturity.db"
    for text in (first.out, first.err, second.out, second.err,
                 store.read_bytes().decode("latin-1")):
        assert TOKEN not in text


def test_an_unknown_group_is_one_line_and_the_others_are_scanned(
        cli: Cli, host: ScannedHost, tmp_path: Path) -> None:
    base_url = host.fake.base_url
    path = host.config(tmp_path, f"    - group: nowhere\n      url: {base_url}\n"
                                 "      token_env: PLATFORM_GITLAB_TOKEN\n")
    result = cli("scan", "--config", str(path), "--no-store", "--format", "json", env=host.env)
    assert result.code == 3, result.err
    errors = [line for line in result.err.splitlines() if line.startswith("maturity: error")]
    assert len(errors) == 1 and "group 'nowhere' cannot be listed" in errors[0]
    assert len(json.loads(result.out)["repositories"]) == 2
    alone = tmp_path / "alone.yaml"
    alone.write_text(f"targets:\n  gitlab:\n    - group: nowhere\n      url: {base_url}\n")
    nothing = cli("scan", "--config", str(alone), "--no-store", env={"GITLAB_TOKEN": TOKEN})
    assert nothing.code == 2 and nothing.err.count("\n") == 1  # nothing at all to judge
