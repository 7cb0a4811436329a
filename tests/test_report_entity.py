"""`maturity report --entity` on a stored fleet scan: the repository with its services,
read alone from the store, judged as the drill-down judged it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from git_hosts import scanned_github

Cli = Callable[..., Any]


def test_one_repository_of_a_fleet_is_judged_as_its_drill_down_row(
        cli: Cli, tmp_path: Path) -> None:
    with scanned_github("ghp_report_entity_secret_ABCDEF0123456789") as host:
        fleet = cli("scan", "--config", str(host.config(tmp_path)), "--format", "json",
                    env=host.env)
    assert fleet.code == 0, fleet.err
    document = json.loads(fleet.out)
    row = next(r for r in document["repositories"] if r["entity"].endswith("/acme/api"))
    assert row["services"]  # the sample files hold services
    sliced = cli("report", "--entity", row["entity"], "--format", "json")
    assert sliced.code == 0, sliced.err
    alone = json.loads(sliced.out)
    assert alone["slice"]["entities"] == [row["entity"], *row["services"]]
    assert alone["overall"]["stage"] == row["overall"]["stage"]
    assert {c["id"]: c["stage"] for c in alone["competencies"]} == row["competencies"]
    cited = {item["entity"] for competency in alone["competencies"]
             for sub in competency["subcompetencies"] for cell in sub["cells"]
             for rule in cell["rules"] for item in rule["evidence"]}
    assert cited and cited <= {row["entity"], *row["services"]}
