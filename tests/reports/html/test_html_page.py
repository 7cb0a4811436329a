"""The HTML report as a file: self-contained, every chart and cell present, text escaped."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gitrepo import GitRepo
from htmltext import html_text
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
    from scanner.reports.html.parts import link as _link

    repo = make_repo(FILES)
    scan = json.loads(cli("scan", str(repo.root), "--format", "json", "--no-store").out)
    root = repo.root.resolve()
    assert _link(f"repo:{root}", ".github/workflows/ci.yml:12", scan) == (
        f'<a href="file://{root}/.github/workflows/ci.yml">.github/<wbr>workflows/<wbr>'
        'ci.<wbr>yml:<wbr>12</a>')
    assert _link("aws:1", "arn:aws:guardduty:eu-west-1:1:detector/x", scan).startswith(
        '<a href="https://console.aws.amazon.com/go/view?arn=arn:aws:guardduty')
    url = _link("repo:github.com/a/b", "https://github.com/a/b/blob/main/x", scan)
    assert url.startswith('<a href="https://github.com/a/b/blob/main/x">https:')
    assert url.replace("<wbr>", "").endswith(">https://github.com/a/b/blob/main/x</a>")


def test_an_unknown_competency_is_a_gap_in_the_radar_not_a_line_to_zero() -> None:
    from scanner.reports.html.svg import Series, radar

    axes = ["Plan", "Build", "Release", "Operate"]
    chart = radar("t", axes, [Series("Observed", "observed", (1.0, None, 3.0, 2.0)),
                              Series("Target", "target", (2.0, 2.0, 3.0, 3.0))])
    observed, target = re.findall(r'<g class="series [^"]+"[^>]*>(.*?)</g>', chart)
    assert "<polygon" not in observed
    sides = re.findall(r"M-?[\d.]+,-?[\d.]+ L-?[\d.]+,-?[\d.]+", observed)
    assert len(sides) == 2  # Release-Operate and Operate-Plan; Build is unknown
    assert not re.search(r"[ML]0\.0,0\.0 ", observed)  # nothing drawn to the centre
    points = re.findall(r'<g class="points observed">(.*?)</g>', chart)[0]
    assert points.count("<circle") == 3 and "Build unknown" in chart  # said in the desc
    assert "<polygon" in target and "<path" not in target


def _times(*offsets: timedelta) -> list[datetime]:
    start = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    return [start + offset for offset in offsets]


def test_the_trend_places_scans_by_time_with_labels_that_differ() -> None:
    from scanner.reports.html.svg import Series
    from scanner.reports.html.trend import labels, trend

    times = _times(timedelta(0), timedelta(days=1), timedelta(days=1, hours=3),
                   timedelta(days=10))
    chart = trend("t", times, [Series("Overall", "overall", (1.5, 1.6, 1.7, 2.0)),
                               Series("Operate", "competency", (1.0, 1.2, 1.2, 3.0))])
    overall = re.search(r'<g class="series trend-line overall[^>]*>(.*?)</g>', chart)
    assert overall is not None
    xs = [float(x) for x in re.findall(r'<circle cx="([\d.]+)"', overall.group(1))]
    assert len(set(xs)) == 4
    # a day of a ten-day history is a tenth of the width, not a third
    assert (xs[1] - xs[0]) / (xs[3] - xs[0]) == pytest.approx(0.1, abs=0.01)
    assert labels(times) == [("2026-03-02",), ("2026-03-03", "09:30 UTC"),
                             ("2026-03-03", "12:30 UTC"), ("2026-03-12",)]
    drawn = [" ".join(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", label))
             for label in re.findall(r'<text class="x-label".*?</text>', chart)]
    assert drawn[0] == "2026-03-02" and drawn[-1] == "2026-03-12"  # the crowded day left out


def test_crowded_trend_labels_are_thinned_newest_and_oldest_kept() -> None:
    from scanner.reports.html.trend import labels, positions, shown

    times = _times(*(timedelta(minutes=20 * n) for n in range(12)))
    texts = labels(times)
    assert len(set(texts)) == 12  # one day: each label has its time
    xs = positions(times, 340)
    kept = shown(xs, texts)
    assert 0 in kept and 11 in kept and len(kept) < 12
    same = labels(_times(timedelta(0), timedelta(0)))  # two scans in one second
    assert same[0] != same[1]
    close = positions(_times(timedelta(0), timedelta(seconds=1), timedelta(days=300)), 340)
    assert close[1] - close[0] >= 8  # seconds apart in a long history: still two points


def test_the_overall_line_is_drawn_last_and_the_ring_names_over_the_series() -> None:
    from scanner.reports.html.svg import Series, radar
    from scanner.reports.html.trend import trend

    lines = [Series("Overall", "overall", (2.0, 2.0)), Series("Plan", "competency", (2.0, 2.0))]
    chart = trend("t", _times(timedelta(0), timedelta(days=1)), lines)
    drawn = re.findall(r'data-series="([^"]+)"', chart)
    assert drawn == ["Plan", "Overall"]
    assert chart.index('class="casing"') > chart.index('data-series="Plan"')
    legend = re.findall(r'<li class="line-\d+ [^"]*"><span[^>]*></span>([^<]+)</li>', chart)
    assert legend == ["Overall", "Plan"]  # the legend keeps the caller's order
    web = radar("t", ["A", "B", "C"], [Series("Observed", "observed", (1.0, 2.0, 3.0))])
    assert web.index('class="ring-label"') > web.rindex('class="series')


def test_ids_break_only_at_separators() -> None:
    from scanner.reports.html.parts import breakable

    assert breakable("people_culture.communication.docs-some") == (
        "people_<wbr>culture.<wbr>communication.<wbr>docs-<wbr>some")
    assert breakable("<b>") == "&lt;b&gt;"


def test_rule_ids_only_with_explain(cli: Callable[..., Any],
                                    make_repo: Callable[..., GitRepo]) -> None:
    repo = make_repo(FILES)
    assert cli("scan", str(repo.root), "--no-progress").code == 0
    document = json.loads(cli("report", "--format", "json").out)
    rules = {rule["id"] for c in document["competencies"] for s in c["subcompetencies"]
             for cell in s["cells"] for rule in cell["rules"]}
    plain = html_text(cli("report", "--format", "html").out)
    explained = html_text(cli("report", "--format", "html", "--explain").out)
    assert [rule for rule in rules if rule in plain] == []
    assert [rule for rule in rules if rule not in explained] == []
