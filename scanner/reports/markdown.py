"""The Markdown report: a summary table, then every sub-competency's evidence."""

from __future__ import annotations

from typing import Any

from scanner.model import STAGES
from scanner.reports.brief import brief, ids_line, settle_lines
from scanner.reports.view import DocumentView, percent, score_text, stage_name


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(document: dict[str, Any], *, explain: bool = False) -> str:
    """Plain words throughout; `explain` adds each sub-competency's rule and signal ids."""
    view = DocumentView(document)
    heading = view.heading()
    lines = [f"# {heading[0]}", ""] + [f"{line}  " for line in heading[1:]] + [""]
    problems = view.problems()
    if problems:  # often the cause of an unknown: read first
        lines += ["## Read with care", ""] + [f"- {_cell(p)}" for p in problems] + [""]
    lines += ["| Competency | Stage | Score | Confidence |", "|---|---|---|---|"]
    for competency in document["competencies"]:
        lines.append(f"| {_cell(competency['name'])} | {stage_name(competency['stage'])} | "
                     f"{score_text(competency['score'])} | {percent(competency['confidence'])} |")
    lines.append("")
    briefs = []
    for competency, subs in view.subs():
        lines += [f"## {competency['name']}: {stage_name(competency['stage'])}", "",
                  "| Sub-competency | Stage | Confidence | Evidence |", "|---|---|---|---|"]
        for sub in subs:
            where = "; ".join(f"`{loc}`" for b in sub.backing for loc in b.locators[:2])
            confidence = percent(sub.confidence) if sub.stage in STAGES else "-"
            lines.append(f"| {_cell(sub.name)} | {stage_name(sub.stage, sub.lower_bound)} | "
                         f"{confidence} | "
                         f"{_cell(where or sub.reason)} |")
        lines.append("")
        for raw, sub in zip(competency["subcompetencies"], subs, strict=True):
            briefs.append((sub.name, brief(raw, sub)))
            if not sub.backing and not sub.missing and not explain:
                continue
            lines += [f"### {sub.name}: {stage_name(sub.stage)}", ""]
            for backing in sub.backing:
                where = "; " + ", ".join(f"`{loc}`" for loc in backing.locators) \
                    if backing.locators else ""
                lines.append(f"- **{stage_name(backing.stage)}**: {backing.summary} "
                             f"({backing.detail}){where}")
            if sub.next_stage and sub.missing:
                lines.append(f"- **Missing for {stage_name(sub.next_stage)}**:")
                lines += [f"  - {missing}" for missing in sub.missing]
            if explain:
                lines.append(f"- ids: {_cell(ids_line(raw))}")
            lines.append("")
    repositories = view.repositories()
    if len(repositories) > 1:
        names = [c["name"] for c in document["competencies"]]
        lines += ["## By repository or account", "",
                  "| Repository or account | Overall | " + " | ".join(names) + " |",
                  "|---|---|" + "---|" * len(names)]
        for name, summary in repositories:
            lines.append(f"| {_cell(name)} | {stage_name(summary['overall']['stage'])} | "
                         + " | ".join(stage_name(summary["competencies"][c["id"]])
                                      for c in document["competencies"]) + " |")
        lines.append("")
    waivers = view.waivers()
    if waivers:
        lines += ["## Waivers", ""] + [f"- {_cell(w)}" for w in waivers] + [""]
    gates = view.gates()
    if gates:
        lines += ["## Gates", ""] + [f"- {_cell(g)}" for g in gates] + [""]
    settle = settle_lines(briefs)
    if settle:
        lines += ["## Not scanned", ""] + [f"- {_cell(line)}" for line in settle] + [""]
    return "\n".join(lines)
