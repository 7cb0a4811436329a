"""The HTML reports in headless Chromium, as a reader uses them.

Uses Debian's chromium (`.ci/run` installs it) through Playwright's Python package, so no
browser is downloaded. Screenshots are kept in the test's output folder for a person to
look at.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitrepo import GitRepo
from samples import FILES

playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    if os.environ.get("CI"):  # CI installs chromium: its absence there is a failure
        pytest.fail("chromium is not installed; .ci/run should have installed it",
                    pytrace=False)
    pytest.skip("chromium is not installed", allow_module_level=True)

AXES = ["People & Culture", "Plan & Develop", "Build & Test", "Release & Deploy", "Operate",
        "Observe & Respond"]


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[tuple[Any, list[str]]]:
    problems: list[str] = []
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("request", lambda r: None if r.url.startswith(("file:", "data:"))
                else problems.append(f"network request: {r.url}"))
        yield page, problems
        browser.close()


@pytest.fixture
def reports(cli: Callable[..., Any], make_repo: Callable[..., GitRepo],
            tmp_path: Path) -> dict[str, Path]:
    good = make_repo(FILES, name="good")
    bare = make_repo({"README.md": "hi\n"}, name="bare")
    out = tmp_path / "out"
    for _ in range(2):  # two scans: the report gets its trend chart
        assert cli("scan", str(good.root), str(bare.root), "--format", "html", "--output",
                   str(out / "scan.html")).code == 0
    answers = tmp_path / "team.yaml"
    answers.write_text(yaml.safe_dump({"respondent": "Team", "answers": {
        "plan_develop.code_validation": "expert", "observe_respond.slos": "advanced",
        "build_test.test_automation": "beginner"}}))
    assert cli("compare", "--self", str(answers), "--format", "html", "--output",
               str(out / "compare.html")).code == 0
    targets = tmp_path / "targets.yaml"
    targets.write_text("targets:\n  build_test: {stage: advanced, owner: Dana, due: 2027-Q2}\n"
                       "  operate: {stage: intermediate, owner: Sam, due: Q1}\n")
    assert cli("plan", "--targets", str(targets), "--format", "html", "--output",
               str(out / "plan.html")).code == 0
    return {name: out / f"{name}.html" for name in ("scan", "compare", "plan")}


def test_scan_report_in_a_browser(browser_page: tuple[Any, list[str]],
                                  reports: dict[str, Path]) -> None:
    page, problems = browser_page
    page.goto(reports["scan"].as_uri())
    shots = reports["scan"].parent
    page.screenshot(path=str(shots / "scan-top.png"))
    labels = page.locator(".radar .radar-axis").evaluate_all("els => els.map(e => e.textContent)")
    assert labels == AXES
    assert page.locator(".heatmap .hm-row").count() == 30
    assert page.locator(".heatmap .hm-row").first.locator(".hm-cell").count() == 4
    assert page.locator(".hm-cell.observed").count() == 30 - page.locator(
        '.hm-row[data-observed="unknown"]').count()
    assert page.locator("svg.trend").is_visible()
    cell = page.locator('.hm-row[data-sub="plan_develop.code_validation"] '
                        '.hm-cell[data-stage="advanced"]')
    panel = page.locator("#cell-plan_develop-code_validation-advanced")
    assert not panel.is_visible()
    cell.hover()  # the criterion on hover
    assert page.locator("#tip").is_visible()
    assert page.locator("#tip").text_content() == cell.get_attribute("data-criterion")
    cell.click()
    assert panel.is_visible()
    assert "not met by" in panel.inner_text() and "bare" in panel.inner_text()
    panel.locator("summary").first.click()  # the rule's evidence, with links
    assert panel.locator("a[href^='file://']").count() >= 1
    panel.screenshot(path=str(shots / "scan-cell.png"))
    page.locator("#heatmap").screenshot(path=str(shots / "scan-heatmap.png"))
    page.locator("#entities").screenshot(path=str(shots / "scan-entities.png"))
    assert page.locator("#entities details").count() == 2
    assert problems == []


def test_heatmap_by_keyboard(browser_page: tuple[Any, list[str]],
                             reports: dict[str, Path]) -> None:
    page, problems = browser_page
    page.goto(reports["scan"].as_uri())
    first = page.locator(".hm-cell").first
    first.focus()
    assert page.locator("#tip").is_visible()  # the criterion on focus, not only on hover
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('data-stage')")
    assert focused == "intermediate"
    page.keyboard.press("Enter")
    panel_id = page.evaluate("document.activeElement.id")
    assert panel_id.endswith("-intermediate") and page.locator(f"#{panel_id}").is_visible()
    assert problems == []


def test_compare_and_plan_views(browser_page: tuple[Any, list[str]],
                                reports: dict[str, Path]) -> None:
    page, problems = browser_page
    shots = reports["scan"].parent
    page.goto(reports["compare"].as_uri())
    series = page.locator(".radar .series").evaluate_all(
        "els => els.map(e => e.getAttribute('data-series'))")
    assert series == ["Observed (scan)", "Self-reported (Team)"]
    assert page.locator(".legend .self").first.is_visible()
    rows = page.locator("table.compare tbody tr")
    assert rows.count() == 30
    answered = rows.filter(has_text="you answered")
    assert answered.count() == 3  # each sub-competency the team answered says what it said
    # Beginner claimed for test automation, Advanced observed; Expert claimed for code
    # validation, Intermediate observed
    assert "under-rated" in rows.filter(has_text="Test automation").first.inner_text()
    assert "over-rated" in rows.filter(has_text="Code validation").first.inner_text()
    assert page.locator(".mark.self").count() == 3
    page.screenshot(path=str(shots / "compare.png"), full_page=False)
    page.locator("#verdicts").screenshot(path=str(shots / "compare-verdicts.png"))
    page.goto(reports["plan"].as_uri())
    series = page.locator(".radar .series").evaluate_all(
        "els => els.map(e => e.getAttribute('data-series'))")
    assert series == ["Observed (scan)", "Target"]
    assert page.locator("ol.steps > li").count() >= 1
    assert "Dana" in page.locator("#targets").inner_text()
    page.screenshot(path=str(shots / "plan.png"), full_page=False)
    page.locator("#steps").screenshot(path=str(shots / "plan-steps.png"))
    page.emulate_media(media="print")
    page.screenshot(path=str(shots / "plan-print.png"), full_page=False)
    assert not page.locator("nav").is_visible()
    assert problems == []
