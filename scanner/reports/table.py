"""The terminal report: one row per competency and sub-competency, with the
evidence behind each stage and what the next stage lacks."""

from __future__ import annotations

import shutil
import textwrap
from typing import Any

from scanner.model import STAGES
from scanner.reports.view import DocumentView, percent, score_text, stage_name

NAME_WIDTH = 44
STAGE_WIDTH = 13


def render_table(document: dict[str, Any], width: int | None = None) -> str:
    width = width or max(80, min(140, shutil.get_terminal_size((110, 24)).columns))
    view = DocumentView(document)
    lines = view.heading()
    lines.append("")
    header = f"{'Competency / sub-competency':<{NAME_WIDTH}} {'Stage':<{STAGE_WIDTH}} " \
             f"{'Score':>5} {'Conf':>5}  Evidence / next step"
    lines += [header, "-" * min(width, len(header) + 30)]
    indent = " " * 6

    def wrap(text: str, prefix: str) -> list[str]:
        return textwrap.wrap(text, width=width, initial_indent=prefix,
                             subsequent_indent=indent + "  ", break_on_hyphens=False) or [prefix]

    for competency, subs in view.subs():
        stage = stage_name(competency["stage"])
        lines.append(f"{competency['name']:<{NAME_WIDTH}} {stage:<{STAGE_WIDTH}} "
                     f"{score_text(competency['score']):>5} "
                     f"{percent(competency['confidence']):>5}")
        for sub in subs:
            confidence = percent(sub.confidence) if sub.stage in STAGES else "-"
            stage = stage_name(sub.stage, sub.lower_bound)
            lines.append(f"  {sub.name:<{NAME_WIDTH - 2}} {stage:<{STAGE_WIDTH}} "
                         f"{'':>5} {confidence:>5}")
            if sub.reason:
                lines += wrap(sub.reason, indent + "? ")
            for backing in sub.backing:
                where = f" at {', '.join(backing.locators)}" if backing.locators else ""
                lines += wrap(f"{stage_name(backing.stage)}: {backing.summary} "
                              f"({backing.detail}){where}", indent + "+ ")
            if sub.next_stage and sub.stage in STAGES:
                for missing in sub.missing:
                    lines += wrap(f"for {stage_name(sub.next_stage)}: {missing}", indent + "- ")
        lines.append("")
    repositories = view.repositories()
    if len(repositories) > 1:
        competencies = [c["id"] for c in document["competencies"]]
        lines.append("By repository or account (overall, then " + ", ".join(
            c["name"] for c in document["competencies"]) + ")")
        for name, summary in repositories:
            stages = " ".join(f"{stage_name(summary['competencies'][c])[:3]:<4}"
                              for c in competencies)
            services = f" ({len(summary['services'])} services)" \
                if len(summary["services"]) > 1 else ""
            lines.append(f"  {name[:38] + services:<{NAME_WIDTH}} "
                         f"{stage_name(summary['overall']['stage']):<{STAGE_WIDTH}} "
                         f"{score_text(summary['overall']['score']):>5}  {stages}")
        lines.append("")
    waivers = view.waivers()
    if waivers:
        lines.append("Waivers")
        for waiver in waivers:
            lines += textwrap.wrap(waiver, width=width, initial_indent="  ",
                                   subsequent_indent="    ")
        lines.append("")
    gates = view.gates()
    if gates:
        lines += ["Gates", *(f"  {gate}" for gate in gates), ""]
    problems = view.problems()
    if problems:
        lines.append("Problems")
        for problem in problems:
            lines += textwrap.wrap(problem, width=width, initial_indent="  ",
                                   subsequent_indent="    ")
    return "\n".join(lines).rstrip() + "\n"
