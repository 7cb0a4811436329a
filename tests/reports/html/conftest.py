"""Reports made by the real command and a headless Chromium to read them in.

Uses Debian's chromium (`.ci/run` installs it) through Playwright's Python package, so no
browser is downloaded.
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

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# A CI file whose triggers live outside the repository: the scan warns about it.
CLOUD_BUILD = "steps:\n  - name: gcr.io/cloud-builders/docker\n    args: [build, -t, app, .]\n"

Opener = Callable[[int], Any]


def _needs_chromium() -> str:
    if CHROMIUM is None:
        if os.environ.get("CI"):  # CI installs chromium: its absence there is a failure
            pytest.fail("chromium is not installed; .ci/run should have installed it",
                        pytrace=False)
        pytest.skip("chromium is not installed")
    return CHROMIUM


@pytest.fixture
def open_page() -> Iterator[tuple[Opener, list[str]]]:
    """Opens pages of a given width; collects console errors, script errors and any
    request that leaves the file."""
    playwright = pytest.importorskip("playwright.sync_api")
    executable = _needs_chromium()
    problems: list[str] = []
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=executable)

        def opener(width: int) -> Any:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("request", lambda r: None if r.url.startswith(("file:", "data:"))
                    else problems.append(f"network request: {r.url}"))
            return page

        yield opener, problems
        browser.close()


@pytest.fixture
def browser_page(open_page: tuple[Opener, list[str]]) -> tuple[Any, list[str]]:
    opener, problems = open_page
    return opener(1200), problems


@pytest.fixture
def reports(cli: Callable[..., Any], make_repo: Callable[..., GitRepo],
            tmp_path: Path) -> dict[str, Path]:
    """The scan (scanned twice, for the trend), compare and plan pages of one store."""
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


@pytest.fixture
def troubled(cli: Callable[..., Any], make_repo: Callable[..., GitRepo],
             tmp_path: Path) -> Path:
    """A partial scan's report with `--explain`: an error (a path that is not there), a
    warning (CI triggers outside the repository), and the rule ids."""
    repo = make_repo({**FILES, "cloudbuild.yaml": CLOUD_BUILD}, name="cloudy")
    out = tmp_path / "out" / "troubled.html"
    result = cli("scan", str(repo.root), str(tmp_path / "gone"), "--explain", "--format",
                 "html", "--output", str(out), "--no-store")
    assert result.code == 3, result.err
    return out
