"""Self-reported against observed, as a document (JSON) and as a table or Markdown.

Every disagreement is told as a sentence a leader can check: what was answered, what the
scan saw, and the rules and entities that say otherwise.
"""

from __future__ import annotations

from typing import Any

from scanner.compare import AGREE, MAX_ENTITIES, OVER, UNDER, VERDICTS, Comparison, Finding
from scanner.reports import leaders as layout
from scanner.reports.table import terminal_width
from scanner.reports.view import DocumentView, score_text, stage_name
from scanner.survey.combine import SelfAssessment
from scanner.survey.questions import answer_name

# Places shown per contradicting rule; the JSON has them all.
MAX_PLACES = 3


def compare_document(comparison: Comparison, claimed: SelfAssessment,
                     scan: dict[str, Any], config_file: str | None = None) -> dict[str, Any]:
    names = DocumentView(scan).names
    return {
        "kind": "comparison",
        "scan": layout.scan_section(scan, config_file),
        "model": scan["model"],
        "respondents": list(comparison.respondents),
        "summary": {verdict: comparison.count(verdict)
                    for verdict in VERDICTS},
        "competencies": [{"id": c["id"], "name": c["name"], "observed": c["stage"],
                          "observed_score": c["score"],
                          "self_score": claimed.competency_score(c["id"])}
                         for c in scan["competencies"]],
        "cells": [{
            "id": cell.sub_id, "competency": cell.competency, "name": cell.name,
            "self": cell.claimed, "self_low": cell.low, "self_high": cell.high,
            "observed": cell.observed, "lower_bound": cell.lower_bound,
            "verdict": cell.verdict,
            "gap": cell.gap if cell.verdict in (AGREE, OVER, UNDER) else None,
            "explanation": _explain(cell.name, cell.claimed, cell.observed, cell.verdict),
            "evidence": [_finding(f, names) for f in cell.findings],
        } for cell in comparison.cells],
    }


def _explain(name: str, claimed: str | None, observed: str, verdict: str) -> str:
    said = f"you answered {answer_name(claimed)} for {name.lower()}"
    if verdict == "not answered":
        return f"nobody knew for {name.lower()}; the scan observed {stage_name(observed)}"
    if verdict == "not observable":
        return f"{said}; the scan could not tell ({stage_name(observed)} observed)"
    if verdict == "not applicable":
        return f"{said}; nothing the scan saw is of the kind it speaks of, so it does not apply"
    if verdict == "agree":
        return f"{said}; the scan agrees"
    return f"{said}; the scan observed {stage_name(observed)}"


def _finding(finding: Finding, names: dict[str, str]) -> dict[str, Any]:
    shown = [names.get(e, e) for e in finding.entities[:MAX_ENTITIES]]
    more = len(finding.entities) - len(shown)
    who = ", ".join(shown) + (f" and {more} more" if more > 0 else "")
    verb = "met by" if finding.outcome == "pass" else "not met by"
    cell = stage_name(finding.stage)
    head = f"{cell} {'is met' if finding.outcome == 'pass' else 'is not met'}"
    locators = [f"{names.get(e, e)}: {loc}" for e, _, loc in
                (line.partition("\t") for line in finding.locators)]
    return {"stage": finding.stage, "rule": finding.rule, "summary": finding.summary,
            "entities": list(finding.entities), "locators": locators,
            "text": f"{head}: {finding.summary} ({finding.message})"
                    + (f"; {verb} {who}" if who else "")}


def _gap(gap: int | None) -> str:
    return "-" if gap is None else f"{gap:+d}"


def _counts(summary: dict[str, int]) -> str:
    """`2 over-rated, 27 not answered`: the verdicts given, in the order of VERDICTS."""
    return ", ".join(f"{n} {v}" for v, n in summary.items() if n) or "nothing compared"


def render_compare_table(document: dict[str, Any], width: int | None = None) -> str:
    width = width or terminal_width()
    lines = layout.wrap(f"Self-reported ({', '.join(document['respondents'])}) against:", width,
                 "", "  ")
    lines += layout.scan_heading(document["scan"], width)
    lines += layout.wrap(_counts(document["summary"]), width)
    lines.append("")
    lines += layout.columns(
        (layout.Column("Competency"), layout.Column("Observed score", right=True),
         layout.Column("Self score", right=True)),
        [(c["name"], score_text(c["observed_score"]), score_text(c["self_score"]))
         for c in document["competencies"]], width)
    lines.append("")
    lines += layout.columns(
        (layout.Column("Sub-competency"), layout.Column("Self"), layout.Column("Observed"),
         layout.Column("Gap", right=True), layout.Column("Verdict")),
        [(cell["name"], answer_name(cell["self"]),
          stage_name(cell["observed"], cell["lower_bound"]), _gap(cell["gap"]),
          cell["verdict"]) for cell in document["cells"]], width)
    disagreements = [cell for cell in document["cells"] if cell["evidence"]]
    if disagreements:
        lines += ["", "Why they disagree"]
    for cell in disagreements:
        lines += layout.wrap(f"{cell['name']}: {cell['explanation']}", width, "  ", "    ")
        for finding in cell["evidence"]:
            lines += layout.wrap(finding["text"], width, "    - ", " " * 6)
            for place in finding["locators"][:MAX_PLACES]:
                lines += layout.wrap(f"at {place}", width, " " * 8, " " * 10)
    return "\n".join(lines) + "\n"


def render_compare_markdown(document: dict[str, Any]) -> str:
    lines = ["# Self-reported against observed", "",
             f"Respondents: {', '.join(document['respondents'])}; "
             f"{layout.markdown_scan(document['scan'])}.  ",
             _counts(document["summary"]), "",
             "| Sub-competency | Self | Observed | Gap | Verdict |", "|---|---|---|---|---|"]
    for cell in document["cells"]:
        lines.append(f"| {cell['name']} | {answer_name(cell['self'])} | "
                     f"{stage_name(cell['observed'], cell['lower_bound'])} | {_gap(cell['gap'])} | "
                     f"{cell['verdict']} |")
    lines.append("")
    disagreements = [c for c in document["cells"] if c["evidence"]]
    if disagreements:
        lines += ["## Why they disagree", ""]
        for cell in disagreements:
            lines.append(f"- **{cell['name']}**: {cell['explanation']}")
            for finding in cell["evidence"]:
                where = "; ".join(f"`{loc}`" for loc in finding["locators"][:MAX_PLACES])
                lines.append(f"  - {finding['text'].replace('|', '/')}"
                             + (f" ({where})" if where else ""))
        lines.append("")
    return "\n".join(lines)
