"""The pages' layout at a phone's and a desktop's width, measured in Chromium: nothing
wider than the screen, labels that do not collide, the overall trend line on top, ids
that wrap only at their separators. Screenshots of each page at each width are kept in
the test's output folder."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from gitrepo import GitRepo
from samples import FILES

Opener = Callable[[int], Any]
WIDTHS = (390, 1400)  # a phone and a desktop
Box = tuple[float, float, float, float]  # left, top, right, bottom

RADAR = """svg => {
  svg.scrollIntoView({block: 'center'});  // elementFromPoint sees only the viewport
  const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right,
                                                                   r.bottom]; };
  const kids = [...svg.children];
  const first = css => kids.findIndex(k => k.classList.contains(css));
  const last = css => kids.findLastIndex(k => k.classList.contains(css));
  const rings = [...svg.querySelectorAll('.ring-label')];
  const ring = rings[0], axis = svg.querySelector('.radar-axis');
  const style = getComputedStyle(ring);
  const seen = rings.map(r => { const b = r.getBoundingClientRect();
    return document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2) === r; });
  return {rings: rings.map(box), axes: [...svg.querySelectorAll('.radar-axis')].map(box),
          order: [last('axis'), last('series'), first('ring-label'), last('ring-label'),
                  first('points')],
          seen: seen, halo: [style.paintOrder, style.stroke],
          axisPx: parseFloat(getComputedStyle(axis).fontSize) * axis.getScreenCTM().a};
}"""
TREND = """svg => {
  svg.scrollIntoView({block: 'center'});
  const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right,
                                                                   r.bottom]; };
  const groups = [...svg.querySelectorAll('.series')];
  const overall = svg.querySelector('.series.overall');
  const dots = [...overall.querySelectorAll('circle')].map(c => {
    const r = c.getBoundingClientRect(); const x = r.left + r.width / 2, y = r.top + r.height / 2;
    return [x, overall.contains(document.elementFromPoint(x, y))]; });
  return {labels: [...svg.querySelectorAll('.x-label')].map(t => [t.textContent, box(t)]),
          last: groups[groups.length - 1].getAttribute('data-series'),
          dots: dots,
          width: parseFloat(getComputedStyle(overall.querySelector('path:not(.casing)'))
                            .strokeWidth),
          px: parseFloat(getComputedStyle(svg.querySelector('.x-label')).fontSize)
              * svg.getScreenCTM().a};
}"""
# Where each line of an element's text ends: the character before every line break.
LINE_ENDS = """e => {
  const ends = []; let top = null, previous = '';
  const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      const range = document.createRange(); range.setStart(node, i); range.setEnd(node, i + 1);
      const rect = range.getClientRects()[0];
      if (!rect) { continue; }
      if (top !== null && rect.top > top + 2) { ends.push(previous); }
      top = rect.top; previous = node.data[i];
    }
  }
  return ends;
}"""


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


def _radar_is_legible(page: Any) -> None:
    radar = page.locator("svg.radar").evaluate(RADAR)
    axes, series, first_ring, last_ring, points = radar["order"]
    # the ring names drawn over the axes and the series' lines, under only the points
    assert axes < first_ring and series < first_ring and last_ring < points
    assert all(radar["seen"])  # at the middle of each name, the name is what shows
    assert radar["halo"][0].startswith("stroke") and radar["halo"][1] == "rgb(255, 255, 255)"
    labels = radar["rings"] + radar["axes"]
    assert [pair for pair in combinations(labels, 2) if _overlap(*pair)] == []
    assert radar["axisPx"] >= 10  # a competency's name is readable on a phone


@pytest.mark.parametrize("width", WIDTHS)
def test_pages_fit_the_screen(open_page: tuple[Opener, list[str]],
                              reports: dict[str, Path], width: int) -> None:
    opener, problems = open_page
    page = opener(width)
    for name, path in reports.items():
        page.goto(path.as_uri())
        page.screenshot(path=str(path.parent / f"{name}-{width}.png"), full_page=True)
        sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert sideways <= 0, f"the {name} page scrolls sideways at {width} px"
        _radar_is_legible(page)
        for wrap in page.locator(".table-wrap").all():  # a wide table scrolls in its column
            assert wrap.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    page.goto(reports["scan"].as_uri())
    trend = page.locator("svg.trend").evaluate(TREND)
    assert trend["last"] == "Overall" and all(on_top for _, on_top in trend["dots"])
    assert len({round(x) for x, _ in trend["dots"]}) == 2  # two scans, seconds apart
    texts = [text for text, _ in trend["labels"]]
    assert len(texts) == len(set(texts)) == 2  # same day: the time tells them apart
    assert trend["px"] >= 9.5
    assert problems == []


@pytest.mark.parametrize("width", WIDTHS)
def test_a_crowded_trend(open_page: tuple[Opener, list[str]], cli: Callable[..., Any],
                         make_repo: Callable[..., GitRepo], tmp_path: Path,
                         width: int) -> None:
    from scanner.reports.html.page import Trend, render_scan_html
    from scanner.reports.html.svg import Series

    repo = make_repo(FILES)
    document = json.loads(cli("scan", str(repo.root), "--format", "json", "--no-store").out)
    start = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    # a quarter's weekly scans, then a burst on the last day, two in one minute
    times = tuple([start + timedelta(weeks=n) for n in range(8)]
                  + [start + timedelta(weeks=8, hours=h) for h in (0, 2)]
                  + [start + timedelta(weeks=8, hours=2, seconds=s) for s in (20, 40)])
    lines = (Series("Overall", "overall", tuple(1.5 + n / 20 for n in range(12))),
             *(Series(c["name"], "competency", tuple(1.4 + (n + k) % 5 / 10 for n in range(12)))
               for k, c in enumerate(document["competencies"])))
    path = tmp_path / "crowded.html"
    path.write_text(render_scan_html(document, Trend(times, lines)))
    opener, problems = open_page
    page = opener(width)
    page.goto(path.as_uri())
    page.locator("#trend").screenshot(path=str(tmp_path / f"trend-{width}.png"))
    trend = page.locator("svg.trend").evaluate(TREND)
    boxes = [box for _, box in trend["labels"]]
    assert [pair for pair in combinations(boxes, 2) if _overlap(*pair)] == []
    texts = [text for text, _ in trend["labels"]]
    assert 2 < len(texts) < 12 and len(set(texts)) == len(texts)
    assert texts[0] == "2026-05-04" and texts[-1].startswith("2026-06-29")
    xs = [x for x, _ in trend["dots"]]
    assert len({round(x) for x in xs}) == 12 and xs == sorted(xs)
    # spaced by time: the eight weekly gaps are wide, the last day's gaps narrow
    assert xs[1] - xs[0] > 4 * (xs[9] - xs[8])
    assert trend["last"] == "Overall" and all(on_top for _, on_top in trend["dots"])
    assert trend["width"] >= 4
    assert problems == []


def test_errors_and_warnings_differ_and_ids_wrap_at_separators(
        open_page: tuple[Opener, list[str]], troubled: Path) -> None:
    opener, problems = open_page
    page = opener(390)
    page.goto(troubled.as_uri())
    error, warning = page.locator(".problem.error"), page.locator(".problem.warning")
    assert error.count() == 1 and warning.count() == 1
    assert error.locator(".badge").inner_text().lower() == "error"
    assert warning.locator(".badge").inner_text().lower() == "warning"
    colours = [item.evaluate("e => [getComputedStyle(e).borderLeftColor, "
                             "getComputedStyle(e).backgroundColor]") for item in (error, warning)]
    assert colours[0][0] != colours[1][0] and colours[0][1] != colours[1][1]
    page.locator("#problems").screenshot(path=str(troubled.parent / "problems-390.png"))
    # every cell's panel open, so every rule id is laid out at a phone's width
    page.evaluate("document.querySelectorAll('.cell-detail').forEach(p => "
                  "p.classList.add('open'))")
    ids = page.locator("code.rule-id")
    assert ids.count() > 30
    ends = [end for item in ids.all() for end in item.evaluate(LINE_ENDS)]
    assert ends, "no rule id needed to wrap at 390 px: the check would prove nothing"
    assert set(ends) <= set("._-/:"), ends
    sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert sideways <= 0
    assert problems == []
