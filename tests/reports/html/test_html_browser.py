"""The HTML reports in headless Chromium, as a reader uses them: hover, click, keyboard,
print. Screenshots are kept in the test's output folder for a person to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXES = ["People & Culture", "Plan & Develop", "Build & Test", "Release & Deploy", "Operate",
        "Observe & Respond"]


def test_scan_report_in_a_browser(browser_page: tuple[Any, list[str]],
                                  reports: dict[str, Path]) -> None:
    page, problems = browser_page
    page.goto(reports["scan"].as_uri())
    shots = reports["scan"].parent
    page.screenshot(path=str(shots / "scan-top.png"))
    labels = page.locator(".radar .radar-axis").evaluate_all(
        "els => els.map(e => e.getAttribute('aria-label'))")
    assert labels == AXES
    assert page.locator(".heatmap .hm-row").count() == 30
    assert page.locator(".heatmap .hm-row").first.locator(".hm-cell").count() == 4
    assert page.locator(".hm-cell.observed").count() == 30 - page.locator(
        '.hm-row[data-observed="unknown"]').count() - page.locator(
        '.hm-row[data-observed="not_applicable"]').count()
    assert page.locator("svg.trend").is_visible()
    assert page.locator("h1").inner_text() == "DevSecOps maturity"
    assert "DevSecOps maturity" not in page.locator("header .meta").first.inner_text()
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
    assert panel.locator("code.rule-id").count() == 0  # ids only with --explain
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


def test_compare_leads_with_the_disagreements(browser_page: tuple[Any, list[str]],
                                              reports: dict[str, Path]) -> None:
    page, problems = browser_page
    shots = reports["scan"].parent
    page.goto(reports["compare"].as_uri())
    first = page.locator("main > section").first
    assert first.get_attribute("id") == "verdicts"
    assert page.locator(".summary").inner_text().startswith("Answered 3 of 30")
    # Expert claimed for code validation and Advanced for SLOs, both above what was
    # observed; Beginner claimed for test automation, Advanced observed
    cards = page.locator(".disagreement")
    verdicts = cards.evaluate_all("els => els.map(e => e.classList[1])")
    assert verdicts == ["over-rated", "over-rated", "under-rated"]
    assert "Test automation" in cards.nth(2).locator("h3").inner_text()
    assert "You answered Beginner" in cards.nth(2).inner_text()
    evidence = cards.first.locator("details")
    assert evidence.count() == 1 and evidence.get_attribute("open") is None
    assert not evidence.locator("li").first.is_visible()  # folded until asked for
    evidence.locator("summary").click()
    assert evidence.locator("li").first.is_visible()
    # the whole table is still there, folded below the disagreements
    rows = page.locator("table.compare tbody tr")
    assert rows.count() == 30 and not rows.first.is_visible()
    series = page.locator(".radar .series").evaluate_all(
        "els => els.map(e => e.getAttribute('data-series'))")
    assert series == ["Observed (scan)", "Self-reported (Team)"]
    assert page.locator(".legend .self").first.is_visible()
    assert page.locator(".mark.self").count() == 3
    page.screenshot(path=str(shots / "compare.png"), full_page=False)
    assert problems == []


def test_plan_page_and_print(browser_page: tuple[Any, list[str]],
                             reports: dict[str, Path]) -> None:
    page, problems = browser_page
    shots = reports["scan"].parent
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
