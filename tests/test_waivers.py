"""Waivers from the config and from a repository's own .maturity.yaml, and the drill-down."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gitrepo import GitRepo
from samples import FILES

Cli = Callable[..., Any]
MakeRepo = Callable[..., GitRepo]
DAST = "build_test.code_scanning.dast-on-all-services"


def rule(document: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(r for c in document["competencies"] for s in c["subcompetencies"]
                for cell in s["cells"] for r in cell["rules"] if r["id"] == rule_id)


def test_a_repository_waives_for_itself_and_the_report_says_so(cli: Cli,
                                                              make_repo: MakeRepo) -> None:
    repo = make_repo({**FILES, ".maturity.yaml": f"""
waivers:
  - rule: {DAST}
    reason: internal batch service with no HTTP interface
    owner: api-team
  - subcompetency: operate.nonsense
    reason: typo
    owner: me
  - rule: operate.patching.updates-some
    reason: was waived once
    owner: me
    expires: 2020-01-01
"""})
    result = cli("scan", str(repo.root), "--format", "json", "--no-store")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    dast = rule(document, DAST)
    assert dast["outcome"] == "not_applicable"
    assert dast["entities"]["waived"] == [f"service:{repo.root.resolve()}"]
    assert [w["target"] for w in document["waivers"]] == [DAST]
    assert document["waivers"][0]["source"] == ".maturity.yaml:3"
    warnings = " | ".join(w["message"] for w in document["scan"]["warnings"])
    assert "waiver for unknown rule or sub-competency 'operate.nonsense' ignored" in warnings
    assert "expired on 2020-01-01" in warnings
    assert rule(document, "operate.patching.updates-some")["entities"]["waived"] == []
    table = cli("scan", str(repo.root), "--no-store").out
    assert f"{DAST} waived for" in table and "internal batch service" in table


def test_config_waivers_cover_entities_by_glob(cli: Cli, make_repo: MakeRepo,
                                              tmp_path: Path) -> None:
    legacy = make_repo(FILES, name="legacy-billing")
    modern = make_repo(FILES, name="api")
    config = tmp_path / "config.yaml"
    config.write_text(f"targets:\n  local: [{legacy.root}, {modern.root}]\nwaivers:\n"
                      "  - entity: 'service:*/legacy-*'\n"
                      "    subcompetency: build_test.code_scanning\n"
                      "    reason: frozen system\n    owner: billing\n")
    document = json.loads(cli("scan", "--config", str(config), "--format", "json",
                              "--no-store").out)
    assert rule(document, DAST)["entities"]["waived"] == [
        f"service:{legacy.root.resolve()}"]
    assert [r["entity"] for r in document["repositories"]] == [
        f"repo:{modern.root.resolve()}", f"repo:{legacy.root.resolve()}"]
    config.write_text("waivers:\n  - entity: '*'\n    rule: build_test.nope\n"
                      "    reason: x\n    owner: y\n")
    bad = cli("scan", "--config", str(config), "--no-store", cwd=modern.root)
    assert bad.code == 2 and "waiver names no rule or sub-competency 'build_test.nope'" \
        in bad.err


def test_fleet_drill_down_per_repository(cli: Cli, make_repo: MakeRepo) -> None:
    good = make_repo(FILES, name="good")
    bare = make_repo({"README.md": "hi\n"}, name="bare")
    result = cli("scan", str(good.root), str(bare.root), "--no-store")
    assert "Repository or account" in result.out
    document = json.loads(cli("scan", str(good.root), str(bare.root), "--format", "json",
                              "--no-store").out)
    by_repo = {r["entity"]: r for r in document["repositories"]}
    assert by_repo[f"repo:{good.root.resolve()}"]["competencies"]["plan_develop"] == "advanced"
    assert by_repo[f"repo:{bare.root.resolve()}"]["services"] == [
        f"service:{bare.root.resolve()}"]
