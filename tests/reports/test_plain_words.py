"""What a person reads by default names no signal, rule or operator: criteria in the rules'
own words, values in units. The ids are there on `--explain`, which proves the check
below would see them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitrepo import GitRepo
from htmltext import html_text
from samples import FILES

Cli = Callable[..., Any]

# A service that fails some cells and leaves others unknown (no Git host, no cloud).
SERVICE = {**FILES, "Dockerfile": "FROM python:3.12\nCMD [\"python\", \"app.py\"]\n",
           "app.py": "print('hello')\n"}


def _signal_ids(cli: Cli) -> list[str]:
    listed = json.loads(cli("signals", "--format", "json").out)
    return [row["signal"] for row in listed if "." in row["signal"]]  # `deployable` is a word


def _named(text: str, ids: list[str]) -> list[str]:
    return [name for name in ids
            if re.search(rf"(?<![\w./-]){re.escape(name)}(?![\w-]|\.\w)", text)]


@pytest.fixture
def scanned(cli: Cli, make_repo: Callable[..., GitRepo]) -> GitRepo:
    repo = make_repo(SERVICE)
    for _ in range(2):  # two scans, for diff
        assert cli("scan", str(repo.root), "--no-progress").code in (0, 3)
    return repo


def test_default_reports_name_no_signal(cli: Cli, scanned: GitRepo, tmp_path: Path) -> None:
    ids = _signal_ids(cli)
    targets = tmp_path / "targets.yaml"
    targets.write_text(yaml.safe_dump({"targets": {"build_test": {"stage": "expert"},
                                                   "operate": {"stage": "advanced"}}}))
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump({"respondent": "team", "answers": {
        "build_test.test_automation": "expert", "operate.patching": "advanced"}}))
    reads = {
        "table": cli("report").out,
        "detail": cli("report", "--detail").out,
        "markdown": cli("report", "--format", "markdown").out,
        "diff": cli("diff").out,
        "plan": cli("plan", "--targets", str(targets)).out,
        "compare": cli("compare", "--self", str(answers)).out,
        "plan markdown": cli("plan", "--targets", str(targets), "--format", "markdown").out,
        "compare markdown": cli("compare", "--self", str(answers), "--format", "markdown").out,
    }
    for name, text in reads.items():
        assert text.strip(), name
        assert _named(text, ids) == [], f"the {name} report names signals"
    assert not re.search(r"\b(non_empty|gte|lte|contains_any)\b", reads["detail"])
    assert _named(cli("report", "--explain").out, ids), "--explain shows the ids"


def test_a_repository_report_fits_a_screen(cli: Cli, scanned: GitRepo) -> None:
    table = cli("report", env={"COLUMNS": "120"}).out
    lines = table.splitlines()
    assert len(lines) <= 60
    assert max(len(line) for line in lines) <= 120
    assert "Evidence, then the next step" in table
    assert "→ " in table  # next steps, one per sub-competency that has one
    assert len(cli("report", "--detail", env={"COLUMNS": "120"}).out.splitlines()) > len(lines)


def test_a_fleet_table_has_a_header_row_and_aligned_columns(
        cli: Cli, make_repo: Callable[..., GitRepo]) -> None:
    first, second = make_repo(SERVICE), make_repo(FILES)
    table = cli("scan", str(first.root), str(second.root), "--no-store",
                env={"COLUMNS": "120"}).out
    lines = table.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("Repository or account"))
    rows = lines[header + 1:header + 3]
    assert len(rows) == 2 and all(row.strip() for row in rows)
    overall = lines[header].index("Overall")
    for row in rows:  # each row's stage starts under the header's "Overall"
        assert row[overall - 1] == " " and row[overall] != " "
    people = lines[header].index("People")
    assert {row[people:people + 3] for row in rows} <= {"Beg", "Int", "Adv", "Exp", "?  ", "n/a"}


def test_html_pages_name_no_signal_or_rule(cli: Cli, scanned: GitRepo, tmp_path: Path) -> None:
    """The words of each page, hidden panels and chart titles included."""
    ids = _signal_ids(cli)
    document = json.loads(cli("report", "--format", "json").out)
    rules = {rule["id"] for c in document["competencies"] for s in c["subcompetencies"]
             for cell in s["cells"] for rule in cell["rules"]}
    targets = tmp_path / "targets.yaml"
    targets.write_text(yaml.safe_dump({"targets": {"build_test": {"stage": "expert"}}}))
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump({"respondent": "team", "answers": {
        "build_test.test_automation": "expert", "operate.patching": "advanced"}}))
    pages = {
        "scan": cli("report", "--format", "html").out,
        "plan": cli("plan", "--targets", str(targets), "--format", "html").out,
        "compare": cli("compare", "--self", str(answers), "--format", "html").out,
    }
    for name, page in pages.items():
        text = html_text(page)
        assert "Build & Test" in text, name
        assert _named(text, ids) == [], f"the {name} page names signals"
        assert [rule for rule in rules if rule in text] == [], f"the {name} page names rules"
        assert not re.search(r"\b(non_empty|gte|lte|contains_any)\b", text), name
    explained = html_text(cli("report", "--format", "html", "--explain").out)
    assert _named(explained, ids), "--explain shows the ids"
