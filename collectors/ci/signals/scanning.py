"""Which tools CI runs, category by category (`ci.<category>.tools`), and whether
static analysis and dependency scanning run before merge."""

from __future__ import annotations

from scanner.collectors.ci.model import BEFORE_MERGE
from scanner.collectors.ci.signals.findings import Findings, Output
from scanner.collectors.ci.signals.specs import CATEGORY_WORDS, TOOL_CATEGORIES


def emit(found: Findings, files: list[str], output: Output) -> None:
    looked = f"looked in {len(files)} CI file(s)" if files else "no CI configuration"
    for category in TOOL_CATEGORIES:
        output.tools(f"ci.{category}.tools", [h for h in found.hits if h.category == category],
                     f"no {CATEGORY_WORDS[category]}; {looked}")
    output.flag("ci.sast.before_merge", found.where(["sast"], BEFORE_MERGE),
                "no SAST job runs before merge", ["sast"])
    output.flag("ci.sca.before_merge", found.where(["sca"], BEFORE_MERGE),
                "no dependency scanning before merge", ["sca"])
