"""The combined self-assessment as a document (JSON) and as a table or Markdown.

Spread is shown as the lowest and highest answer and the count per stage (B/I/A/E), so a
split between teams is visible at a glance.
"""

from __future__ import annotations

from typing import Any

from scanner.model import STAGES, Model
from scanner.reports.view import score_text, stage_name
from scanner.survey.combine import SelfAssessment
from scanner.survey.questions import answer_name


def survey_document(assessment: SelfAssessment, model: Model) -> dict[str, Any]:
    return {
        "kind": "self_assessment",
        "model": {"name": model.name, "version": model.version},
        "respondents": list(assessment.respondents),
        "competencies": [{"id": c.id, "name": c.name,
                          "score": assessment.competency_score(c.id)}
                         for c in model.competencies],
        "subcompetencies": [{
            "id": item.sub_id, "competency": item.competency, "name": item.name,
            "stage": item.stage, "low": item.low, "high": item.high, "spread": item.spread,
            "counts": dict(item.counts), "dont_know": item.dont_know,
        } for item in assessment.items],
    }


def _counts(sub: dict[str, Any]) -> str:
    given = [f"{stage_name(s)[0]}{sub['counts'][s]}" for s in STAGES if sub["counts"][s]]
    if sub["dont_know"]:
        given.append(f"?{sub['dont_know']}")
    return " ".join(given)


def _range(sub: dict[str, Any]) -> str:
    if sub["low"] == sub["high"]:
        return stage_name(sub["low"]) if sub["low"] else "-"
    return f"{stage_name(sub['low'])}-{stage_name(sub['high'])}"


def render_survey_table(document: dict[str, Any]) -> str:
    respondents = document["respondents"]
    lines = [f"Self-assessment: {len(respondents)} respondent(s): {', '.join(respondents)}",
             "Median answer per sub-competency; range and count per stage show the spread "
             "(B I A E, ? don't know).", "",
             f"{'Sub-competency':<44} {'Median':<13} {'Range':<22} Answers"]
    names = {c["id"]: c for c in document["competencies"]}
    current = None
    for sub in document["subcompetencies"]:
        if sub["competency"] != current:
            current = sub["competency"]
            competency = names[current]
            lines.append(f"{competency['name']} (mean {score_text(competency['score'])})")
        flag = "  <- split" if sub["spread"] >= 2 else ""
        lines.append(f"  {sub['name']:<42} {answer_name(sub['stage']):<13} "
                     f"{_range(sub):<22} {_counts(sub)}{flag}")
    return "\n".join(lines) + "\n"


def render_survey_markdown(document: dict[str, Any]) -> str:
    lines = ["# Self-assessment", "",
             f"Respondents ({len(document['respondents'])}): "
             + ", ".join(document["respondents"]), "",
             "| Competency | Sub-competency | Median | Range | Answers (B I A E, ? don't know) |",
             "|---|---|---|---|---|"]
    names = {c["id"]: c["name"] for c in document["competencies"]}
    for sub in document["subcompetencies"]:
        lines.append(f"| {names[sub['competency']]} | {sub['name']} | "
                     f"{answer_name(sub['stage'])} | {_range(sub)} | {_counts(sub)} |")
    return "\n".join(lines) + "\n"
