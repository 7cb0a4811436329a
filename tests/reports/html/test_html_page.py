"""The HTML report as a file: self-contained, every chart and cell present, text escaped."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gitrepo import GitRepo
from samples import FILES


def test_scan_report_is_one_offline_file(cli: Callable[..., Any],
                                         make_repo: Callable[..., GitRepo],
                                         tmp_path: Path) -> None:
    repo = make_repo({**FILES, "app/<b>odd</b>.py": "x = 1\n"})
    out = tmp_path / "report.html"
    result = cli("scan", str(repo.root), "--format", "html", "--output", str(out))
    assert result.code == 0, result.err
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>")
    # Nothing is fetched: no external scripts, styles, images or fonts.
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"https?:", page)
    assert "@import" not in page and "url(http" not in page
    assert page.count('class="hm-row"') == 30
    assert page.count('class="radar-axis"') == 6
    assert page.count('class="cell-detail"') == 120
    assert "<b>odd</b>" not in page
    assert 'id="trend"' not in page  # one scan: no trend yet
    again = cli("scan", str(repo.root), "--format", "html", "--output", str(out))
    assert again.code == 0 and 'id="trend"' in out.read_text()
    stored = cli("report", "--format", "html")
    assert stored.code == 0 and 'id="trend"' in stored.out


def test_links_for_file_url_and_arn_locators(cli: Callable[..., Any],
                                             make_repo: Callable[..., GitRepo]) -> None:
    from scanner.reports.html.page import _link

    repo = make_repo(FILES)
    scan = json.loads(cli("scan", str(repo.root), "--format", "json", "--no-store").out)
    root = repo.root.resolve()
    assert _link(f"repo:{root}", ".github/workflows/ci.yml:12", scan) == (
        f'<a href="file://{root}/.github/workflows/ci.yml">.github/workflows/ci.yml:12</a>')
    assert _link("aws:1", "arn:aws:guardduty:eu-west-1:1:detector/x", scan).startswith(
        '<a href="https://console.aws.amazon.com/go/view?arn=arn:aws:guardduty')
    assert _link("repo:github.com/a/b", "https://github.com/a/b/blob/main/x", scan) == (
        '<a href="https://github.com/a/b/blob/main/x">https://github.com/a/b/blob/main/x</a>')


def test_an_unknown_competency_is_a_gap_in_the_radar_not_a_line_to_zero() -> None:
    from scanner.reports.html.svg import Series, radar

    axes = ["Plan", "Build", "Release", "Operate"]
    chart = radar("t", axes, [Series("Observed", "observed", (1.0, None, 3.0, 2.0)),
                              Series("Target", "target", (2.0, 2.0, 3.0, 3.0))])
    observed, target = re.findall(r'<g class="series [^"]+"[^>]*>(.*?)</g>', chart)
    assert "<polygon" not in observed
    sides = re.findall(r"M[\d.]+,[\d.]+ L[\d.]+,[\d.]+", observed)
    assert len(sides) == 2  # Release-Operate and Operate-Plan; Build is unknown
    assert "320.0,210.0" not in observed  # nothing drawn at the centre
    assert observed.count("<circle") == 3 and "Build unknown" in chart  # said in the desc
    assert "<polygon" in target and "<path" not in target
